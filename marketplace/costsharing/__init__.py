"""Cost sharing under the memorandum of understanding (issue 14; DESIGN §3 "MoU cost sharing"):
the host's MoU terms, its running costs and income per financial year, and the runs that share
the net cost among the member authorities with ``tenants.apportion`` and freeze the result.

The arithmetic is pure and lives in ``tenants.cost_sharing``; this package gathers the figures
(:mod:`.usage`, the one cross-organisation read), stores and freezes runs (:mod:`.services`) and
serves them (:mod:`.api`)."""
