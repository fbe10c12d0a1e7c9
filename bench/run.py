"""``make bench``: the key pages and API calls under gunicorn, their floor, and the report.

See bench/README.md for what is measured and how. Run ``python -m bench --help``.
"""
import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench import report, targets as targets_module
from bench.client import BenchError, Connection, issue_token, run_load
from bench.servers import ROOT, Gunicorn, app_environment, startup_seconds

PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-password-2026")
P95_TARGET_MS = 150
RSS_TARGET_MB = 300
FLOOR_RATIO_TARGET = 0.5


@dataclass
class Endpoint:
    name: str
    who: str          # attribute of Targets (the user), or None for a public document
    kind: str         # "web" (session cookie), "api" (bearer token) or "public"
    path: str         # may use {evaluation_call_off}
    floor: str = None  # "authority" / "provider": compared with the floor
    pageable: bool = False  # API list: also counted with page_size=1 vs 100
    p95_ms: int = None  # this endpoint's own p95 target, where not P95_TARGET_MS


ENDPOINTS = [
    Endpoint("Officer's call-off list (web)", "officer", "web", "/call-offs"),
    Endpoint("Officer's call-off list (API)", "officer", "api", "/api/v1/call-offs",
             floor="authority", pageable=True),
    Endpoint("Evaluation of one call-off (web)", "evaluation_officer", "web",
             "/call-offs/{evaluation_call_off}/evaluation"),
    Endpoint("Evaluation of one call-off (API)", "evaluation_officer", "api",
             "/api/v1/call-offs/{evaluation_call_off}/evaluation"),
    Endpoint("Provider's invitations (web)", "provider", "web", "/call-offs"),
    Endpoint("Provider's invitations (API)", "provider", "api", "/api/v1/call-offs",
             floor="provider", pageable=True),
    Endpoint("Authority's placements (web)", "placements_authority", "web", "/placements"),
    Endpoint("Authority's placements (API)", "placements_authority", "api", "/api/v1/placements",
             pageable=True),
    Endpoint("Provider's placements (web)", "placements_provider", "web", "/placements"),
    Endpoint("Provider's placements (API)", "placements_provider", "api", "/api/v1/placements",
             pageable=True),
    Endpoint("Host dashboard", "host_admin", "web", "/dashboard"),
    Endpoint("Authority dashboard (manager)", "manager", "web", "/dashboard"),
    Endpoint("Audit list (host administrator)", "host_admin", "web", "/audit"),
    Endpoint("Vacancies board (officer)", "officer", "web", "/providers/vacancies"),
    Endpoint("OpenAPI document", None, "public", "/api/v1/openapi.json"),
    # Issue 12 §10: the authority with the most placements, this financial year (its own
    # target: p95 <= 300 ms).
    Endpoint("Authority's forecast (web)", "placements_authority", "web",
             "/forecasts?financial_year={financial_year}", p95_ms=300),
    Endpoint("Authority's forecast (API)", "placements_authority", "api",
             "/api/v1/forecasts?financial_year={financial_year}", p95_ms=300),
    # Later issues' cost-sharing run: add its pages here when it lands.
]


def _this_financial_year(today=None):
    """The current financial year's label ("2026-27"), as the forecast page defaults to."""
    today = today or datetime.now(timezone.utc).date()
    year = today.year if today.month >= 4 else today.year - 1
    return f"{year}-{(year + 1) % 100:02d}"


def _web_check(response):
    body = response.body
    if b"Sign out" not in body:
        return "not a signed-in page (no Sign out button)"
    return None


def _api_check(response):
    if not response.body[:1] in (b"[", b"{"):
        return "not JSON"
    return None


def options(argv=None):
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", default=env("BENCH_QUICK") == "1",
                   help="few requests, short surge: a smoke run")
    p.add_argument("--requests", type=int, default=int(env("BENCH_REQUESTS", "0")) or None,
                   help="timed requests per endpoint (default 300; 30 with --quick)")
    p.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "0")) or None,
                   help="untimed requests per connection first (default 10; 3 with --quick)")
    p.add_argument("--concurrency", type=int, default=int(env("CONCURRENCY", "2")))
    p.add_argument("--workers", type=int, default=int(env("WORKERS", "2")))
    p.add_argument("--threads", type=int, default=int(env("THREADS", "2")),
                   help="gthread threads per gunicorn worker")
    p.add_argument("--port", type=int, default=int(env("BENCH_PORT", "8710")))
    p.add_argument("--database-url", default=env("DATABASE_URL", "postgresql+psycopg://"
                                                  "postgres@127.0.0.1:5432/marketplace_bench"))
    p.add_argument("--compare-database-url", default=env("BENCH_COMPARE_DATABASE_URL") or None,
                   help="a second database (the other scale): the SQL-statement count is also "
                        "run on it, with its own subjects, and shown beside the main one's")
    p.add_argument("--redis-url", default=env("REDIS_URL", "redis://127.0.0.1:6379/14"))
    p.add_argument("--output", default=env("BENCH_OUTPUT", str(ROOT / "docs" / "performance.md")))
    p.add_argument("--only", default=env("BENCH_ONLY"),
                   help="comma-separated words: run only endpoints whose name has one")
    p.add_argument("--surge", action="store_true", default=env("SURGE") == "1",
                   help="run the deadline surge after the pages")
    p.add_argument("--surge-only", action="store_true", help="only the deadline surge")
    p.add_argument("--surge-seconds", type=int, default=int(env("SURGE_SECONDS", "0")) or None)
    p.add_argument("--surge-offers", type=int, default=int(env("SURGE_OFFERS", "0")) or None)
    p.add_argument("--surge-call-offs", type=int,
                   default=int(env("SURGE_CALL_OFFS", "0")) or None)
    p.add_argument("--surge-clients", type=int, default=int(env("SURGE_CLIENTS", "16")))
    p.add_argument("--surge-in-place", action="store_true", default=env("SURGE_IN_PLACE") == "1",
                   help="surge in the bench database itself instead of a copy of it")
    o = p.parse_args(argv)
    o.requests = o.requests or (30 if o.quick else 300)
    o.warmup = o.warmup or (3 if o.quick else 10)
    o.surge_seconds = o.surge_seconds or (30 if o.quick else 300)
    o.surge_offers = o.surge_offers or (200 if o.quick else 2000)
    o.surge_call_offs = o.surge_call_offs or (20 if o.quick else 100)
    return o


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Sessions:
    """Signed-in connections (web) and bearer tokens (API), per user, made once."""

    def __init__(self, port, concurrency):
        self.port, self.concurrency = port, concurrency
        self._web, self._tokens = {}, {}

    def token(self, user):
        if user.email not in self._tokens:
            self._tokens[user.email] = issue_token("127.0.0.1", self.port, user.email, PASSWORD)
        return self._tokens[user.email]

    def connections(self, user, kind, n=None):
        n = n or self.concurrency
        if kind == "public":
            return [Connection("127.0.0.1", self.port) for _ in range(n)]
        if kind == "api":
            return [Connection("127.0.0.1", self.port, bearer=self.token(user)) for _ in range(n)]
        pool = self._web.setdefault(user.email, [])
        while len(pool) < n:  # a real sign-in per user per connection
            pool.append(Connection("127.0.0.1", self.port).sign_in(user.email, PASSWORD))
        return pool[:n]

    def close(self):
        for pool in self._web.values():
            for c in pool:
                c.close()


def _path(endpoint, chosen):
    return endpoint.path.format(evaluation_call_off=chosen.get("evaluation_call_off"),
                                financial_year=_this_financial_year())


def _subjects(t):
    heavy = {name: getattr(t, name) for name in ("officer", "manager", "provider",
                                                  "evaluation_officer", "placements_authority",
                                                  "placements_provider", "host_admin")}
    heavy["evaluation_call_off"] = t.evaluation_call_off
    light = dict(heavy)
    light.update({k: v for k, v in t.light.items() if v is not None})
    return heavy, light


def check_floor(sessions, floor_port, endpoint, user):
    """The floor must give the API's own answer: same rows (fields, ids, order) and total."""
    api = sessions.connections(user, "api", 1)[0].get(endpoint.path)
    query = f"{endpoint.floor}={user.organisation_id}"
    floor = Connection("127.0.0.1", floor_port).get(f"/floor/call-offs?{query}")
    if api.status != 200 or floor.status != 200:
        raise BenchError(f"floor check: API {api.status}, floor {floor.status}")
    api_rows, floor_rows = api.json(), floor.json()
    api_total = json.loads(api.headers["x-pagination"])["total"]
    floor_total = json.loads(floor.headers["x-pagination"])["total"]
    same_ids = [r["id"] for r in api_rows] == [r["id"] for r in floor_rows]
    if not same_ids or api_total != floor_total:
        raise BenchError(f"floor check for {endpoint.name}: ids/total differ "
                         f"(API {api_total}, floor {floor_total})")
    differing = sorted({k for a, f in zip(api_rows, floor_rows) for k in a if a.get(k) != f.get(k)})
    return {"ids": len(api_rows), "total": api_total, "differing_fields": differing}, query


def count_statements(port, concurrency, chosen_sets, endpoints, only):
    """One request per endpoint and subject on the instrumented app: statements per request."""
    sessions = Sessions(port, 1)
    counts = {}
    try:
        for endpoint in endpoints:
            row = {}
            for label, chosen in zip(("heavy", "light"), chosen_sets):
                user = chosen.get(endpoint.who) if endpoint.who else None
                if endpoint.who and user is None:
                    continue
                conn = sessions.connections(user, endpoint.kind, 1)[0]
                path = _path(endpoint, chosen)
                conn.get(path)  # first request of a process may load more (e.g. metadata)
                r = conn.get(path)
                row[label] = int(r.headers.get("x-bench-sql-statements", "-1")) \
                    if r.status == 200 else f"status {r.status}"
                if endpoint.pageable and label == "heavy":
                    for size in (1, 100):
                        sep = "&" if "?" in path else "?"
                        r = conn.get(f"{path}{sep}page_size={size}")
                        row[f"page_size={size}"] = int(r.headers.get("x-bench-sql-statements",
                                                                      "-1"))
            counts[endpoint.name] = row
    finally:
        sessions.close()
    return counts


def main(argv=None):
    o = options(argv)
    started = datetime.now(timezone.utc)
    logs = Path(ROOT / "instance" / "bench")
    logs.mkdir(parents=True, exist_ok=True)
    env = app_environment(o.database_url, o.redis_url,
                          SIGN_IN_RATE_LIMIT=os.environ.get("SIGN_IN_RATE_LIMIT",
                                                            "10 per minute;50 per hour"))
    counts, scale, pg_version, revision = targets_module.data_size(o.database_url)
    machine = report.machine(pg_version)
    results = {"options": vars(o), "started": started, "counts": counts, "scale": scale,
               "marker": str(scale), "machine": machine}
    if o.compare_database_url and not o.surge_only:
        c_counts, c_scale, _, c_revision = targets_module.data_size(o.compare_database_url)
        if c_revision != revision:
            raise SystemExit(f"bench: the compared database is at migration {c_revision}, the "
                             f"main one at {revision}: upgrade both to the same head")
        if c_scale.short == scale.short:
            log(f"the compared database's scale is the main one's ({scale}): the comparison "
                "shows nothing about the data size")
        results["compare"] = {"counts": c_counts, "scale": c_scale}
    if not o.surge_only:
        results.update(run_pages(o, env, logs))
        if o.compare_database_url:
            results["compare"].update(run_compare(o, env, logs, results["endpoints"]))
    if o.surge or o.surge_only:
        from bench import surge
        results["surge"] = surge.run(o, env, logs)
    text = report.markdown(results)
    print(text)
    output = Path(o.output)
    if o.surge_only and output.exists():
        text = report.replace_surge(output.read_text(), text)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    log(f"wrote {output}")


def run_pages(o, env, logs):
    t = targets_module.choose(o.database_url)
    heavy, light = _subjects(t)
    endpoints = [e for e in ENDPOINTS if not o.only
                 or any(w.strip().lower() in e.name.lower() for w in o.only.split(","))]
    log(f"targets: officer {t.officer}, provider {t.provider}, evaluation call-off "
        f"{t.evaluation_call_off} ({t.evaluation_offers} offers), host {t.host_admin}")
    out = {"targets": t, "endpoints": endpoints}
    out["startup_seconds"] = startup_seconds(env)
    log(f"create_app() in a fresh process: {out['startup_seconds']:.2f} s")

    app_port, floor_port, inst_port = o.port, o.port + 1, o.port + 2
    app = Gunicorn("wsgi:app", app_port, env, workers=o.workers, threads=o.threads,
                   log=logs / "app.log")
    floor = Gunicorn("bench.floor:app", floor_port, env, workers=o.workers, threads=o.threads,
                     log=logs / "floor.log")
    timings, floor_runs, floor_checks, failures = {}, {}, {}, {}

    def measure(e):
        if e.floor:
            try:
                floor_checks[e.name], query = check_floor(sessions, floor_port, e, heavy[e.who])
            except BenchError as error:
                failures[f"floor:{e.name}"] = str(error)
                log(f"floor of {e.name}: {error}")
                e_floor = False
            else:
                e_floor = True
        if e.floor and e_floor:
            conns = [Connection("127.0.0.1", floor_port) for _ in range(o.concurrency)]
            floor_runs[e.name] = run_load(conns, f"/floor/call-offs?{query}",
                                          requests=o.requests, warmup=o.warmup,
                                          check=_api_check)
            for c in conns:
                c.close()
            log(f"floor of {e.name}: {floor_runs[e.name].rps:.0f} req/s")
        user = heavy.get(e.who) if e.who else None
        if e.who and user is None:
            raise BenchError("no such user in the data")
        conns = sessions.connections(user, e.kind)
        check = _web_check if e.kind == "web" else _api_check
        timings[e.name] = s = run_load(conns, _path(e, heavy), requests=o.requests,
                                       warmup=o.warmup, check=check)
        log(f"{e.name}: p95 {s.percentile(95) * 1000:.0f} ms, {s.rps:.0f} req/s, "
            f"{s.bad} bad")
        if e.kind != "web":
            for c in conns:
                c.close()

    with app, floor:
        sessions = Sessions(app_port, o.concurrency)
        try:
            for e in endpoints:
                try:
                    measure(e)
                except BenchError as error:  # report it and go on with the other endpoints
                    log(f"{e.name}: {error}")
                    failures[e.name] = str(error)
        finally:
            sessions.close()
        out["rss_kib"] = app.peak_rss_kib()
    out.update(timings=timings, floor_runs=floor_runs, floor_checks=floor_checks,
               failures=failures)

    with Gunicorn("bench.instrumented:app", inst_port, env, workers=1, threads=1,
                  log=logs / "instrumented.log"):
        out["statements"] = count_statements(inst_port, o.concurrency, (heavy, light),
                                             endpoints, o.only)
    return out


def run_compare(o, env, logs, endpoints):
    """The instrumented run alone on the compared database, with that database's own subjects
    (chosen the same way); nothing is timed there."""
    t = targets_module.choose(o.compare_database_url)
    heavy, light = _subjects(t)
    log(f"compared database: officer {t.officer}, provider {t.provider}, evaluation call-off "
        f"{t.evaluation_call_off} ({t.evaluation_offers} offers)")
    env = dict(env, DATABASE_URL=o.compare_database_url)
    with Gunicorn("bench.instrumented:app", o.port + 4, env, workers=1, threads=1,
                  log=logs / "instrumented-compare.log"):
        statements = count_statements(o.port + 4, o.concurrency, (heavy, light), endpoints,
                                      o.only)
    return {"targets": t, "statements": statements}


if __name__ == "__main__":
    main()
