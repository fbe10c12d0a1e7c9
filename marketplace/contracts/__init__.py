"""The contract register (issue 13, DESIGN §3 "Block contracts and contract register"): an
authority's block contracts for SEND services — therapies across its special schools, bought from
NHS trusts and independent providers — with their terms, extension decisions, uplifts, value
forecasts by contract and financial year, KPIs, reviews, the expiry pipeline and the
re-procurement planner.

Contracts build on placements' money rules: the uplift rule's columns (``uplift_rules``) and its
arithmetic and year helpers (``placements.engine``) are reused, not written again. Placements
import nothing from here: the authority's forecast takes the block contracts' line through
``placements.forecasts``' register of other spend (see ``contracts.forecasting``)."""
