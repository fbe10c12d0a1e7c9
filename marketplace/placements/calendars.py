"""Term calendars (issue 12 §5). PROVISIONAL: the lead's placeholder until the calendars work
lands; costs every provider on the region's default alone (none yet), i.e. estimated."""
from ..purchasing.services import get_system
from . import engine


def calendars_for(provider_ids):
    system = get_system()
    days = system.chargeable_school_days if system else engine.DEFAULT_CHARGEABLE_DAYS
    calendars = engine.Calendars(chargeable_days=days)
    return {provider_id: calendars for provider_id in {*provider_ids, None}}
