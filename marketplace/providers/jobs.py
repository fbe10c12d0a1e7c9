"""Periodic work for providers, run by ``flask jobs run-due`` every minute (so it must be idempotent
and cheap when there is nothing to do)."""
from collections import Counter

import tenants

from . import services


def run_due():
    """Warn providers of mandatory documents expiring within 30 days (once per document), and
    record suspensions and their lifting as the documents' dates say, each provider in its own
    scope. Only providers with a document near or past expiry, or a suspension on record, are
    looked at. Whether a provider may be invited never depends on this having run."""
    now = tenants.utcnow()
    counts = Counter()
    for provider in services.providers_to_review(now):
        with tenants.scoped_to(provider):
            counts.update(services.review_document_expiry(provider, now))
    return dict(counts)
