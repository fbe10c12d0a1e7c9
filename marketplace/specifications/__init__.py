"""Specifications: the core service specification, lot specifications and contract terms, with
numbered versions, publication, providers' acceptance, and authorities' local schedules."""
