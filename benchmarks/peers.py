"""Shared helpers for the side-by-side benchmarks (Shipyard vs. peers such as MLflow).

Peers are never installed into the main Python: ``ensure_venv`` creates
``benchmarks/.venvs/<name>`` with ``python -m venv`` + ``pip install`` on first use and
returns that venv's interpreter, which then runs the peer's half of a benchmark as a
subprocess (see ``run_json``).

This module uses the standard library only, so it can be imported both from the main
Python and from inside a peer's venv (the ``mlflow_side`` scripts do that).

Helpers: ``ensure_venv``, ``free_port``, ``wait_http``, ``percentile``, ``summarize``,
``write_result``, ``run_json``, ``machine_info``, ``search_dataset``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENVS_DIR = BENCH_DIR / ".venvs"
RESULTS_DIR = BENCH_DIR / "results"

_MARKER = ".shipyard-bench-requirements.json"


def venv_python(name: str) -> Path:
    """Path of the interpreter of ``benchmarks/.venvs/<name>`` (which may not exist yet)."""
    venv = VENVS_DIR / name
    if os.name == "nt":  # pragma: no cover - the benchmarks run on Linux
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def ensure_venv(name: str, requirements: list[str]) -> Path:
    """Create ``benchmarks/.venvs/<name>`` with ``requirements`` installed if missing.

    The venv is built from the current interpreter (``sys.executable -m venv``). A marker
    file records the requirement list; if it differs (or the venv is broken) the
    requirements are (re)installed. Returns the venv's python path.
    """
    venv = VENVS_DIR / name
    python = venv_python(name)
    marker = venv / _MARKER
    wanted = sorted(requirements)
    if python.exists() and marker.exists():
        try:
            if json.loads(marker.read_text()) == wanted:
                return python
        except (OSError, ValueError):
            pass
    VENVS_DIR.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        print(f"[peers] creating venv {venv}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if requirements:
        print(f"[peers] pip install {' '.join(requirements)} into {venv}", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *requirements],
            check=True,
            stdout=sys.stderr,
        )
    marker.write_text(json.dumps(wanted))
    return python


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[Any] | None = None) -> float:
    """Poll ``url`` until it answers HTTP 200; return the seconds waited.

    Raises ``TimeoutError`` after ``timeout`` seconds, or ``RuntimeError`` at once if
    ``proc`` (the server being waited for) has exited.
    """
    start = time.perf_counter()
    deadline = start + timeout
    last_error: object = None
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before {url} was up")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
                last_error = f"HTTP {resp.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} not up after {timeout}s (last error: {last_error})")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values``, linear interpolation (numpy default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def summarize(seconds: Sequence[float]) -> dict[str, Any]:
    """p50/p90/min/max/mean of a list of timings (seconds), plus the raw list."""
    return {
        "n": len(seconds),
        "p50_s": percentile(seconds, 50),
        "p90_s": percentile(seconds, 90),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "mean_s": sum(seconds) / len(seconds),
        "all_s": [round(s, 6) for s in seconds],
    }


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "loadavg_1m_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``data`` as ``benchmarks/results/<name>.json`` and return the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path


def run_json(
    cmd: Sequence[str | os.PathLike[str]],
    timeout: float,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run a benchmark script and parse the JSON object it prints to stdout.

    The script's stderr goes to ``log_path`` (or is inherited). The last non-empty stdout
    line must be one JSON object; anything printed before it is ignored.
    """
    stderr: Any = None
    handle = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        handle = log_path.open("w")
        stderr = handle
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    finally:
        if handle is not None:
            handle.close()
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        where = f" (see {log_path})" if log_path else ""
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}{where}")
    result = json.loads(lines[-1])
    if not isinstance(result, dict):
        raise RuntimeError(f"expected a JSON object from {cmd[-1]}, got {type(result)}")
    return result


def search_dataset(
    n_runs: int, n_params: int = 20, n_metrics: int = 10, seed: int = 0
) -> Iterator[tuple[list[str], list[float]]]:
    """The synthetic data of the search benchmark, identical for every system.

    Yields, per run, ``(param_values, metric_values)``: param ``p{j}`` has value
    ``param_values[j]`` (one of ``v0``..``v9``) and metric ``m{k}`` has value
    ``metric_values[k]`` (uniform in [0, 1)). Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    for _ in range(n_runs):
        metric_values = [rng.random() for _ in range(n_metrics)]
        param_values = [f"v{rng.randrange(10)}" for _ in range(n_params)]
        yield param_values, metric_values


def artifact_dataset(root: Path, n_files: int, file_size: int, seed: int = 0) -> int:
    """Write the artifact benchmarks' folder: ``n_files`` files of ``file_size`` random
    bytes in 10 sub-folders (``d0/part-0000.bin`` …). Deterministic for a given ``seed``,
    so every system uploads the same bytes. Returns the total size in bytes."""
    rng = random.Random(seed)
    for i in range(n_files):
        folder = root / f"d{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"part-{i:04d}.bin").write_bytes(rng.randbytes(file_size))
    return n_files * file_size


def dir_bytes(root: Path) -> int:
    """Total size of the regular files under ``root``."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def proc_io_write_bytes(pid: int) -> int | None:
    """Bytes ``pid`` caused to be written to storage (``/proc/<pid>/io``), if readable."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_peak_rss_bytes(pid: int) -> int | None:
    """Peak resident memory of ``pid`` so far (``VmHWM`` in ``/proc/<pid>/status``)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
