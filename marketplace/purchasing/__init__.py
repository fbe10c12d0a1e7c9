"""The host's purchasing system: its regime, term, standstill rules and lots."""
from .models import Lot, PlacementType, PurchasingSystem, Regime, StandstillRule

__all__ = ["Lot", "PlacementType", "PurchasingSystem", "Regime", "StandstillRule"]
