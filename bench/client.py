"""A small keep-alive HTTP client for the bench: one http.client connection per thread.

Every request goes through :class:`Connection`, which keeps its own cookies (the session
cookie; the server's Secure flag is ignored, as a TLS-terminating proxy would make it moot)
and sends ``X-Forwarded-Proto: https`` so the app, run with its production settings behind
``PROXY_COUNT=1``, treats the request as arriving over HTTPS as it would behind a load
balancer.
"""
import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class BenchError(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Connection:
    """One keep-alive connection to ``host:port``; reconnects if the server closed it."""

    def __init__(self, host, port, *, bearer=None, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.bearer = bearer
        self.cookies = {}
        self.reconnects = 0
        self._conn = None

    def _connect(self):
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._conn.connect()

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None):
        send = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1",
                "Host": f"{self.host}:{self.port}", "Accept-Encoding": "identity"}
        if self.bearer:
            send["Authorization"] = f"Bearer {self.bearer}"
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if headers:
            send.update(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            send.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            if self._conn is None:
                self._connect()
                if attempt == 2:
                    self.reconnects += 1
            started = time.perf_counter()
            try:
                self._conn.request(method, path, body=body, headers=send)
                raw = self._conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                # The server closed an idle keep-alive connection: retry once on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if val == "" or "expires=thu, 01 jan 1970" in value.lower():
                        self.cookies.pop(key.strip(), None)
                    else:
                        self.cookies[key.strip()] = val.strip()
            if raw.getheader("connection", "").lower() == "close" or raw.will_close:
                self.close()
            return Response(raw.status, response_headers, data, seconds)
        raise BenchError("unreachable")

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post_json(self, path, payload):
        return self.request("POST", path, body=payload)

    def sign_in(self, email, password):
        """A real browser sign-in: GET the form (session cookie with the CSRF token), POST it."""
        form = self.get("/sign-in")
        if form.status != 200:
            raise BenchError(f"GET /sign-in answered {form.status}")
        match = CSRF_RE.search(form.text)
        if not match:
            raise BenchError("no csrf_token on the sign-in page")
        token = match.group(1) or match.group(2)
        from urllib.parse import urlencode
        body = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
        done = self.request("POST", "/sign-in", body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     # Flask-WTF checks the referrer of HTTPS form posts.
                                     "Referer": f"https://{self.host}:{self.port}/sign-in"})
        if done.status != 302 or "/sign-in" in done.headers.get("location", ""):
            raise BenchError(f"sign-in as {email} failed: {done.status} "
                             f"{done.headers.get('location')}")
        return self


def issue_token(host, port, email, password):
    """A bearer token through the app's own POST /api/v1/auth/token."""
    conn = Connection(host, port)
    try:
        r = conn.post_json("/api/v1/auth/token", {"email": email, "password": password,
                                                  "name": "bench", "expires_in_days": 1})
        if r.status not in (200, 201):
            raise BenchError(f"token for {email}: {r.status} {r.text[:200]}")
        return r.json()["token"]
    finally:
        conn.close()


@dataclass
class Samples:
    """The outcome of a timed run for one endpoint."""

    latencies: list = field(default_factory=list)  # seconds, every request
    statuses: dict = field(default_factory=dict)   # status -> count
    errors: int = 0
    wall: float = 0.0
    reconnects: int = 0

    @property
    def count(self):
        return len(self.latencies)

    @property
    def bad(self):
        return sum(n for status, n in self.statuses.items() if status != 200) + self.errors

    @property
    def rps(self):
        return self.count / self.wall if self.wall else 0.0

    def percentile(self, p):
        """Exact percentile of every sample (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
        return ordered[int(rank) - 1]


def run_load(connections, path, *, requests, warmup, check=None):
    """Send ``requests`` GETs of ``path`` split over ``connections`` (one thread each, closed
    loop, keep-alive) after ``warmup`` untimed requests per connection. ``check(response)``
    returns an error message or None; any non-200 or failed check counts as bad."""
    samples = Samples()
    lock = threading.Lock()
    per = [requests // len(connections) + (1 if i < requests % len(connections) else 0)
           for i in range(len(connections))]
    for conn in connections:
        for _ in range(warmup):
            r = conn.get(path)
            problem = _problem(r, check)
            if problem:
                raise BenchError(f"warm-up of {path}: {problem}")
    start_barrier = threading.Barrier(len(connections) + 1)

    def worker(conn, n):
        local_lat, local_status, local_err = [], {}, 0
        start_barrier.wait()
        for _ in range(n):
            try:
                r = conn.get(path)
            except OSError:
                local_err += 1
                continue
            local_lat.append(r.seconds)
            status = r.status if (r.status != 200 or check is None or not check(r)) else -1
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            samples.latencies.extend(local_lat)
            samples.errors += local_err
            for k, v in local_status.items():
                samples.statuses[k] = samples.statuses.get(k, 0) + v

    before = sum(c.reconnects for c in connections)
    threads = [threading.Thread(target=worker, args=(c, n)) for c, n in zip(connections, per)]
    for t in threads:
        t.start()
    start_barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    samples.wall = time.perf_counter() - started
    samples.reconnects = sum(c.reconnects for c in connections) - before
    return samples


def _problem(response, check):
    if response.status != 200:
        return f"status {response.status} (location {response.headers.get('location')})"
    if check is not None:
        return check(response)
    return None
