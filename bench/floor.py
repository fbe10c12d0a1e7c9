"""The floor: the least a server could do to answer two of the API's lists.

A bare WSGI app on raw psycopg (no Flask, no ORM, no authentication, no tenant scoping, no
marshmallow) that returns the same JSON rows -- same fields, ids, order and ``X-Pagination``
total -- as ``GET /api/v1/call-offs`` for an authority's officer and for an invited provider.
It reproduces in plain SQL what ``calloffs.services.page_of_call_offs`` and the visibility
rule of ``CallOff`` select, and what ``CallOffSchema`` writes. Served by gunicorn with the same
workers as the app; the bench checks its answer equals the API's before timing either.

    GET /floor/call-offs?authority=<id>[&page=&page_size=]
    GET /floor/call-offs?provider=<id>[&page=&page_size=]
"""
import json
import math
import os
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import psycopg

from bench.targets import libpq_url

_local = threading.local()

COLUMNS = """
    co.id, co.reference, co.organisation_id, o.name, co.status, co.status_reason,
    co.status_changed_at, co.route, co.direct_award_reason, co.direct_award_note,
    co.direct_provider_id, dp.name, co.case_reference, co.birth_year, co.gender,
    co.primary_need, co.secondary_needs, co.postcode_district, co.ehcp_summary, l.id, l.code,
    l.title, co.placement_type, co.start_date, co.length_weeks, co.requirements,
    co.local_schedule_id, co.local_schedule_revision, co.local_schedule_title,
    co.local_schedule_body, co.quality_weight, co.price_weight, co.response_deadline,
    co.questions_close_at, co.urgent, co.urgent_reason, co.published_at, co.created_at,
    co.updated_at"""
FROM = """
    FROM call_off co JOIN organisation o ON o.id = co.organisation_id
    JOIN lot l ON l.id = co.lot_id LEFT JOIN organisation dp ON dp.id = co.direct_provider_id"""
# An authority's call-offs newest first; a provider's newest invitation first (as the service).
JOIN = {"authority": "", "provider": " JOIN call_off_invitation i ON i.call_off_id = co.id"}
WHERE = {"authority": "co.organisation_id = %s", "provider": "i.provider_id = %s"}
ORDER = {"authority": "co.created_at DESC, co.id DESC",
         "provider": "i.invited_at DESC, i.id DESC"}
COUNT = {
    "authority": "SELECT count(*) FROM call_off co WHERE co.organisation_id = %s",
    "provider": "SELECT count(*) FROM call_off_invitation i WHERE i.provider_id = %s",
}


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(libpq_url(os.environ["DATABASE_URL"]), autocommit=True,
                               options="-c jit=off -c TimeZone=UTC")
        _local.conn = conn
    return conn


def _iso(value):
    return value.isoformat() if value is not None else None


def _row(r, as_provider, now):
    (id_, reference, authority_id, authority_name, status, status_reason, status_changed_at,
     route, direct_award_reason, direct_award_note, direct_provider_id, direct_provider_name,
     case_reference, birth_year, gender, primary_need, secondary_needs, postcode_district,
     ehcp_summary, lot_id, lot_code, lot_title, placement_type, start_date, length_weeks,
     requirements, local_schedule_id, local_schedule_revision, local_schedule_title,
     local_schedule_body, quality_weight, price_weight, response_deadline, questions_close_at,
     urgent, urgent_reason, published_at, created_at, updated_at) = r
    if status == "open" and response_deadline is not None and now >= response_deadline:
        status = "closed"
    if as_provider and status == "awarded":
        status = "evaluating"
    return {
        "id": str(id_), "reference": reference,
        "authority": {"id": str(authority_id), "name": authority_name},
        "status": status, "status_reason": status_reason,
        "status_changed_at": _iso(status_changed_at), "route": route,
        "direct_award_reason": direct_award_reason, "direct_award_note": direct_award_note,
        "direct_provider": ({"id": str(direct_provider_id), "name": direct_provider_name}
                            if direct_provider_id is not None else None),
        "case_reference": case_reference, "birth_year": birth_year, "gender": gender,
        "primary_need": primary_need, "secondary_needs": secondary_needs,
        "postcode_district": postcode_district, "ehcp_summary": ehcp_summary,
        "lot": {"id": str(lot_id), "code": lot_code, "title": lot_title},
        "placement_type": placement_type, "start_date": start_date.isoformat(),
        "length_weeks": length_weeks,
        "end_date": (start_date + timedelta(weeks=length_weeks)).isoformat(),
        "requirements": requirements,
        "local_schedule_id": str(local_schedule_id) if local_schedule_id is not None else None,
        "local_schedule_revision": local_schedule_revision,
        "local_schedule_title": local_schedule_title,
        "local_schedule_body": local_schedule_body,
        "quality_weight": quality_weight, "price_weight": price_weight,
        "response_deadline": _iso(response_deadline),
        "questions_close_at": _iso(questions_close_at), "urgent": urgent,
        "urgent_reason": urgent_reason, "published_at": _iso(published_at),
        "created_at": _iso(created_at), "updated_at": _iso(updated_at),
    }


def _pagination(total, page, page_size):
    pages = max(1, math.ceil(total / page_size)) if total else 0
    header = {"total": total, "total_pages": pages}
    if pages:
        header.update(first_page=1, last_page=pages, page=page)
        if page > 1:
            header["previous_page"] = page - 1
        if page < pages:
            header["next_page"] = page + 1
    return header


def app(environ, start_response):
    if environ.get("PATH_INFO") != "/floor/call-offs":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    kind = "provider" if "provider" in query else "authority"
    organisation_id = int(query[kind][0])
    page = int(query.get("page", ["1"])[0])
    page_size = min(100, int(query.get("page_size", ["25"])[0]))
    conn = _connection()
    with conn.cursor() as cur:
        cur.execute(COUNT[kind], (organisation_id,))
        total = cur.fetchone()[0]
        cur.execute(f"SELECT {COLUMNS} {FROM}{JOIN[kind]} WHERE {WHERE[kind]} "
                    f"ORDER BY {ORDER[kind]} LIMIT %s OFFSET %s",
                    (organisation_id, page_size, (page - 1) * page_size))
        rows = cur.fetchall()
    now = datetime.now(timezone.utc)
    body = json.dumps([_row(r, kind == "provider", now) for r in rows]).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body))),
                              ("X-Pagination", json.dumps(_pagination(total, page, page_size)))])
    return [body]
