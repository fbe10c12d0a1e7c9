"""The providers part of the demo region (called by marketplace.demo.seed, in package order)."""


def seed():
    """Add this package's demo data; the region, providers and users exist already."""
