"""Helpers shared by the MLflow halves of the benchmarks (run inside the mlflow venv).

Import this module before ``mlflow``: it turns MLflow's telemetry off (the benchmarks
talk to 127.0.0.1 only), raises MLflow's HTTP request timeout and makes
``benchmarks/peers.py`` importable.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
# Some timed calls take minutes on this 2-core machine: MLflow's default 120 s per HTTP
# request would make its client time out and retry them.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "900")

BENCH_DIR = Path(__file__).resolve().parents[1]
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import peers  # noqa: E402


def log(msg: str) -> None:
    """Progress goes to stderr; stdout carries only the final JSON object."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """Print the benchmark's result as one JSON line on the real stdout."""
    out = sys.__stdout__ or sys.stdout
    out.write(json.dumps(result) + "\n")
    out.flush()


def quiet_stdout() -> contextlib.redirect_stdout[Any]:
    """Send what MLflow prints (e.g. "View run ... at") to stderr, keeping stdout JSON-only."""
    return contextlib.redirect_stdout(sys.stderr)


def mlflow_version() -> str:
    import mlflow

    return str(mlflow.__version__)


def sqlite_uri(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


class MlflowServer:
    """``mlflow server`` on 127.0.0.1 and a free port, as a context manager.

    The server runs in its own process group (it forks uvicorn workers), which is killed
    on exit. Its output goes to ``<workdir>/mlflow-server.log``. MLflow 3's background
    job execution (huey consumers for GenAI jobs, several processes that compete for the
    2 cores and play no part in tracking) is off unless ``jobs=True``.
    """

    def __init__(
        self,
        backend_store_uri: str,
        workdir: Path,
        workers: int | None = None,
        jobs: bool = False,
        startup_timeout: float = 180.0,
        proxy_artifacts: bool = False,
    ) -> None:
        self.backend_store_uri = backend_store_uri
        self.workdir = workdir
        self.workers = workers
        self.jobs = jobs
        self.startup_timeout = startup_timeout
        self.proxy_artifacts = proxy_artifacts
        self.port = peers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "mlflow-server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s: float | None = None
        self.warmup_s: float | None = None

    def __enter__(self) -> MlflowServer:
        artifacts = self.workdir / "artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            self.backend_store_uri,
            *(
                ["--serve-artifacts", "--artifacts-destination", str(artifacts)]
                if self.proxy_artifacts
                else ["--default-artifact-root", str(artifacts)]
            ),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        env = dict(os.environ)
        if not self.jobs:
            env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        log(f"starting {' '.join(cmd[2:])} (job execution {'on' if self.jobs else 'off'})")
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=env,
                start_new_session=True,
            )
        try:
            self.startup_s = peers.wait_http(
                f"{self.url}/health", self.startup_timeout, proc=self.proc
            )
            log(f"mlflow server up at {self.url} after {self.startup_s:.1f}s")
            self.warmup_s = self.warm_up()
            log(f"warm-up requests took {self.warmup_s:.1f}s")
        except BaseException:
            self.stop()
            sys.stderr.write(self.log_tail())
            raise
        return self

    def warm_up(self, requests: int = 48, concurrency: int = 8) -> float:
        """Send cheap tracking-API requests on fresh connections, several at a time.

        Each uvicorn worker sets up its tracking store lazily on its first API request
        (seconds on this machine); concurrent requests reach every worker, so that cost
        is paid here rather than inside the timed part of a benchmark.
        """
        url = f"{self.url}/api/2.0/mlflow/experiments/get?experiment_id=0"

        def get(_: int) -> None:
            with urllib.request.urlopen(url, timeout=120) as resp:
                resp.read()

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(get, range(requests)))
        return time.perf_counter() - start

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is not None:
            sys.stderr.write(self.log_tail())

    def stop(self) -> None:
        """SIGTERM the server's process group, then SIGKILL whatever is left of it."""
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)

    def http_probe(self, n: int = 50) -> dict[str, Any]:
        """p50 milliseconds of ``GET /health``: on one keep-alive connection and on fresh ones.

        MLflow's client reuses connections; on this server that costs a ~40 ms stall per
        request (TCP delayed ACK), which this shows apart from the work a request does.
        """
        import http.client

        def timed(conn: http.client.HTTPConnection) -> float:
            start = time.perf_counter()
            conn.request("GET", "/health")
            conn.getresponse().read()
            return (time.perf_counter() - start) * 1000

        keep = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        keep_ms = [timed(keep) for _ in range(n)]
        keep.close()
        fresh_ms = []
        for _ in range(n):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            fresh_ms.append(timed(conn))
            conn.close()
        return {
            "requests": n,
            "health_keepalive_p50_ms": peers.percentile(keep_ms, 50),
            "health_new_connection_p50_ms": peers.percentile(fresh_ms, 50),
        }

    def info(self) -> dict[str, Any]:
        return {
            "workers": self.workers if self.workers is not None else "mlflow default (4)",
            "job_execution": self.jobs,
            "startup_s": self.startup_s,
            "warmup_s": self.warmup_s,
        }

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def tempdir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)
