"""``flask demo national``: a national-shaped data set on top of the demo region, to measure the
service at the size of England (see ``shape.py`` for the figures and ``bench/`` for the
benchmark that reads it).

Every row is one the services could have written, with the rules they enforce honoured by
construction, not repaired afterwards:

- an authority owns its call-offs, invitations, answers, marks, awards and placements; a
  provider its questions, offers, receipts, documents, rate cards and vacancies;
- a call-off invites exactly the providers the publishing service would have invited at its
  publication: actively admitted to its lot, in good standing, having accepted every
  specification version then in force, and catering for the child's need, age and gender (a
  direct award invites its one provider);
- offers arrive between publication and the deadline; a live offer has its receipt and a
  withdrawn one has none; at most one live award per call-off, the top-ranked offer by the
  service's own arithmetic unless a justification is recorded; awards above an authority's
  delegation limit are approved by its manager; an accepted award has its placement;
- the audit trail records each of these steps in every organisation's hash chain, in time
  order, so ``flask audit verify`` passes.

Deterministic: the same seed on the same day gives the same rows. Written by PostgreSQL COPY in
batches, all in one transaction (a failure leaves nothing behind); SQLite takes small scales
only.
"""
from .build import MAX_SQLITE_SCALE, NationalRefused, build  # noqa: F401
