"""Starting and stopping gunicorn for the bench, and reading its workers' peak memory."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One key for every worker and server of a run: a session signed by one worker is read by
# the other (production reads SECRET_KEY from the environment).
RUN_SECRET = secrets.token_urlsafe(48)


def app_environment(database_url, redis_url, **extra):
    """The app's production settings, behind one (pretend) TLS-terminating proxy."""
    env = dict(os.environ)
    env.update(APP_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=RUN_SECRET, PROXY_COUNT="1", MAIL_BACKEND="file",
               PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


class Gunicorn:
    def __init__(self, module, port, env, *, workers, threads, log):
        self.module, self.port, self.env = module, port, env
        self.workers, self.threads = workers, threads
        self.log_path = log
        self.process = None

    def start(self, timeout=60):
        if _port_open(self.port):
            raise SystemExit(f"bench: port {self.port} is already in use (set BENCH_PORT)")
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                   "--worker-class", "gthread", "--threads", str(self.threads),
                   "--keep-alive", "120", "--timeout", "120", "--chdir", str(ROOT),
                   "--log-level", "warning", self.module]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn {self.module} exited; see {self.log_path}")
            if _port_open(self.port) and len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench: gunicorn {self.module} did not start; see {self.log_path}")

    def worker_pids(self):
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def peak_rss_kib(self):
        """VmHWM (peak resident set) of each worker, in KiB."""
        peaks = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1])
            except OSError:
                pass
        return peaks

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def startup_seconds(env, runs=3):
    """Median time to ``create_app()`` (imports included) in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); from marketplace import create_app; "
            "create_app(); print(time.perf_counter() - t)")
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return sorted(times)[len(times) // 2]
