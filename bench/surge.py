"""Deadline surge: offers and revisions from concurrent provider clients while many call-offs'
deadlines pass, then a check from the database that nothing was lost or let in late.

By default it runs on a copy of the bench database (``CREATE DATABASE ... TEMPLATE``), dropped
afterwards, so the surge's call-offs never change what later runs measure.
"""
import heapq
import json
import random
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import psycopg

from bench.client import Connection, Samples, issue_token
from bench.servers import ROOT, Gunicorn
from bench.targets import libpq_url

LATE_SHARE = 0.05     # events deliberately sent 0-1.5 s after their call-off's deadline
MAX_PROVIDERS = 40    # provider clients (each its own user and token)


def log(message):
    print(f"bench surge: {message}", file=sys.stderr, flush=True)


def _copy_database(url):
    base, _, name = libpq_url(url).rpartition("/")
    name = name.split("?")[0]
    copy = f"{name}_surge"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{copy}", (base, copy)


def _drop_database(base, name):
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _provider_users(url, provider_ids):
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            """SELECT DISTINCT ON (u.organisation_id) u.organisation_id, c.email
               FROM user_account u JOIN credential c ON c.user_id = u.id
               WHERE u.organisation_id = ANY(%s) AND u.role = 'provider_user'
                 AND u.status = 'active' AND c.password_hash IS NOT NULL
               ORDER BY u.organisation_id, u.id""", (list(provider_ids),)).fetchall()
    return dict(rows)


def _schedule(setup, tokens, n_events, rng):
    """(send at, event no., call-off, provider, deadline): each event picks a (call-off,
    invited provider) pair; most are sent before the deadline, bunched towards it (as people
    do), a few just after it."""
    pairs = [(c["id"], p, c["deadline"]) for c in setup["call_offs"] for p in c["providers"]
             if p in tokens]
    t0 = setup["t0"]
    events = []
    for n in range(n_events):
        call_off, provider, deadline = rng.choice(pairs)
        if rng.random() < LATE_SHARE:
            at = deadline + rng.uniform(0, 1.5)
        else:
            at = deadline - (deadline - t0) * rng.random() ** 2
        events.append((at, n, call_off, provider, deadline))
    heapq.heapify(events)
    return events


def run(o, env, logs):
    from bench.run import PASSWORD
    rng = random.Random(2026)
    url, dropped = o.database_url, None
    if not o.surge_in_place:
        url, dropped = _copy_database(o.database_url)
        log(f"running on a copy of the database: {dropped[1]}")
    surge_env = dict(env, DATABASE_URL=url)
    port = o.port + 3
    server = Gunicorn("wsgi:app", port, surge_env, workers=o.workers, threads=o.threads,
                      log=logs / "surge.log")
    try:
        server.start()
        lead = 5 + min(MAX_PROVIDERS, 40) * 0.3
        done = subprocess.run([sys.executable, "-m", "bench.surge_setup", str(o.surge_call_offs),
                               str(o.surge_seconds), str(lead)], env=surge_env, cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"surge set-up failed:\n{done.stderr[-3000:]}")
        setup = json.loads(done.stdout.strip().splitlines()[-1])
        invited = {}
        for c in setup["call_offs"]:
            for p in c["providers"]:
                invited[p] = invited.get(p, 0) + 1
        chosen = sorted(invited, key=lambda p: (-invited[p], p))[:MAX_PROVIDERS]
        emails = _provider_users(url, chosen)
        tokens = {p: issue_token("127.0.0.1", port, email, PASSWORD)
                  for p, email in emails.items()}
        events = _schedule(setup, tokens, o.surge_offers, rng)
        log(f"{len(setup['call_offs'])} call-offs, {len(tokens)} provider clients, "
            f"{len(events)} submissions; first deadline in "
            f"{setup['call_offs'][0]['deadline'] - time.time():.0f} s")
        results = _fire(events, tokens, port, o.surge_clients, setup["t0"])
        server.stop()
        return _verify(url, setup, results, o)
    finally:
        server.stop()
        if dropped:
            _drop_database(*dropped)


def _payload(n, today):
    return {"can_meet_need": True, "core_weekly_fee": f"{1000 + n % 500}.00",
            "support_weekly_fee": "100.00",
            "available_from": (today + timedelta(days=7)).isoformat(),
            "statement": f"Bench surge submission {n}"}


def _fire(events, tokens, port, clients, t0):
    lock = threading.Lock()
    results = []
    today = date.today()
    delay = max(0.0, t0 - time.time())
    time.sleep(delay)

    def client():
        conn = Connection("127.0.0.1", port)
        while True:
            with lock:
                if not events:
                    break
                at, n, call_off, provider, deadline = heapq.heappop(events)
            wait = at - time.time()
            if wait > 0:
                time.sleep(wait)
            sent = time.time()
            try:
                r = conn.request("POST", f"/api/v1/call-offs/{call_off}/offers",
                                 body=_payload(n, today),
                                 headers={"Authorization": f"Bearer {tokens[provider]}"})
                status, seconds, body = r.status, r.seconds, r.body
            except OSError as error:
                status, seconds, body = None, time.time() - sent, str(error).encode()
                conn.close()
            answered = time.time()
            record = {"n": n, "call_off": call_off, "provider": provider, "deadline": deadline,
                      "sent": sent, "answered": answered, "status": status, "seconds": seconds}
            if status == 200:
                data = json.loads(body)
                record.update(revision=data["revision"], statement=data["statement"],
                              offer=data["id"])
            with lock:
                results.append(record)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _verify(url, setup, results, o):
    ids = [c["id"] for c in setup["call_offs"]]
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            """SELECT o.call_off_id, o.organisation_id, o.revision, o.statement,
                      o.submitted_at, o.updated_at, c.response_deadline,
                      o.submitted_at >= c.response_deadline OR o.updated_at >= c.response_deadline
               FROM offer o JOIN call_off c ON c.id = o.call_off_id
               WHERE o.call_off_id = ANY(%s)""", (ids,)).fetchall()
    stored = {(r[0], r[1]): r for r in rows}
    ok = [r for r in results if r["status"] == 200]
    by_pair = {}
    for r in ok:
        by_pair.setdefault((r["call_off"], r["provider"]), []).append(r)
    lost = 0
    for pair, answers in by_pair.items():
        row = stored.get(pair)
        last = max(answers, key=lambda a: a["revision"])
        if row is None or row[2] != len(answers) or row[2] != last["revision"] \
                or row[3] != last["statement"]:
            lost += 1
    unacknowledged = sum(1 for pair in stored if pair not in by_pair)
    late_rows = sum(1 for r in rows if r[7])
    after = [r for r in results if r["sent"] >= r["deadline"]]
    accepted_after = sum(1 for r in after if r["status"] == 200)
    refused_after = sum(1 for r in after if r["status"] is not None and 400 <= r["status"] < 500)
    before = [r for r in results if r["sent"] < r["deadline"]]
    refused_before = [r for r in before if r["status"] != 200]
    statuses = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    samples = Samples(latencies=[r["seconds"] for r in results])
    span = (max(r["answered"] for r in results) - min(r["sent"] for r in results)) if results else 0
    return {"call_offs": len(ids), "providers": len({r["provider"] for r in results}),
            "submissions": len(results), "accepted": len(ok), "pairs": len(by_pair),
            "stored_offers": len(rows), "lost": lost, "unacknowledged": unacknowledged,
            "late_rows": late_rows, "sent_after": len(after), "accepted_after": accepted_after,
            "refused_after": refused_after,
            "refused_before": len(refused_before),
            "refused_before_at_deadline": sum(1 for r in refused_before
                                              if r["status"] == 409
                                              and r["answered"] >= r["deadline"]),
            "server_errors": sum(n for s, n in statuses.items() if s is not None and s >= 500),
            "connection_errors": statuses.get(None, 0), "statuses": statuses,
            "p50": samples.percentile(50), "p95": samples.percentile(95),
            "p99": samples.percentile(99), "max": max(samples.latencies, default=0),
            "span": span, "window": o.surge_seconds, "clients": o.surge_clients}


def describe(s):
    def met(ok):
        return "met" if ok else "**not met**"
    after_ok = s["accepted_after"] == 0 and s["late_rows"] == 0
    lines = ["## Deadline surge", "",
             f"{s['submissions']:,} offers and revisions through `POST /api/v1/call-offs/{{id}}/"
             f"offers` from {s['clients']} concurrent keep-alive clients acting for "
             f"{s['providers']} providers, across {s['call_offs']} urgent call-offs whose "
             f"deadlines fall inside a {s['window']} s window (sent over {s['span']:.0f} s); "
             f"about {LATE_SHARE:.0%} deliberately sent just after a deadline. Checked "
             "afterwards in the database.", "",
             "| check | result | |", "|---|---|---|",
             f"| lost: an acknowledged offer missing, or not at its last acknowledged revision "
             f"| {s['lost']} of {s['pairs']} offers ({s['accepted']:,} acknowledged "
             f"submissions; {s['unacknowledged']} stored offers never acknowledged) "
             f"| {met(s['lost'] == 0 and s['unacknowledged'] == 0)} |",
             f"| accepted after a deadline (a 200 to a request sent at or after it, or a row "
             f"submitted/updated at or after it) | {s['accepted_after']} answers, "
             f"{s['late_rows']} rows | {met(after_ok)} |",
             f"| sent after the deadline and refused with a 4xx | {s['refused_after']} of "
             f"{s['sent_after']} | {met(s['refused_after'] == s['sent_after'])} |",
             f"| sent before the deadline but refused | {s['refused_before']} (of which "
             f"{s['refused_before_at_deadline']} were answered 409 after the deadline had "
             f"passed while they waited) | {met(s['refused_before'] == s['refused_before_at_deadline'])} |",
             f"| 5xx / connection errors | {s['server_errors']} / {s['connection_errors']} "
             f"| {met(s['server_errors'] == 0 and s['connection_errors'] == 0)} |",
             f"| latency (ms): p50 / p95 / p99 / max | {s['p50'] * 1000:.1f} / "
             f"{s['p95'] * 1000:.1f} / {s['p99'] * 1000:.1f} / {s['max'] * 1000:.1f} | "
             "reported (no target of its own) |",
             f"| statuses | {', '.join(f'{k}: {v}' for k, v in sorted(s['statuses'].items(), key=str))} | |",
             ""]
    return lines
