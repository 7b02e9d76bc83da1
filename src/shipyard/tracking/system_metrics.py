"""Background sampling of system metrics (CPU, memory, disk, network, GPU) during a run.

:class:`SystemMetricsSampler` runs a daemon thread that every ``interval_s`` seconds
(default 10, or ``SHIPYARD_SYSTEM_METRICS_INTERVAL``) passes a ``{key: float}`` dict to a
callback. Keys:

- ``system/cpu_percent``: machine-wide CPU use, 0-100.
- ``system/process_cpu_percent``: this process's CPU use; can exceed 100 on several cores.
- ``system/memory_percent``: machine-wide memory use, 0-100.
- ``system/process_rss_mb``: resident memory of this process.
- ``system/disk_read_mb``, ``system/disk_write_mb``, ``system/net_sent_mb``,
  ``system/net_recv_mb``: machine-wide totals *since start()* (cumulative, not per
  interval); missing where the OS does not report the counters.
- ``system/gpu{i}/utilization_percent``, ``system/gpu{i}/memory_used_mb``: per GPU, when
  ``nvidia-smi`` is on the PATH.

"MB" means MiB (2**20 bytes) throughout, as nvidia-smi reports. A sample that fails is
skipped and an exception in the callback is logged; neither stops the thread.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import psutil

from shipyard.core.errors import InvalidInputError

__all__ = ["DEFAULT_INTERVAL_S", "ENV_INTERVAL", "SystemMetricsSampler"]

ENV_INTERVAL = "SHIPYARD_SYSTEM_METRICS_INTERVAL"
DEFAULT_INTERVAL_S = 10.0
_MB = float(2**20)
_GPU_TIMEOUT_S = 2.0
_NVIDIA_SMI_QUERY = [
    "nvidia-smi",
    "--query-gpu=utilization.gpu,memory.used",
    "--format=csv,noheader,nounits",
]

logger = logging.getLogger(__name__)

MetricsCallback = Callable[[dict[str, float]], Any]


def _interval_from_env() -> float:
    raw = os.environ.get(ENV_INTERVAL, "").strip()
    if not raw:
        return DEFAULT_INTERVAL_S
    try:
        return float(raw)
    except ValueError:
        raise InvalidInputError(
            f"{ENV_INTERVAL} must be a number of seconds, got {raw!r}"
        ) from None


class SystemMetricsSampler:
    """Calls ``callback(metrics)`` every ``interval_s`` seconds from a daemon thread.

    Use ``start()``/``stop()`` or ``with SystemMetricsSampler(cb): ...``. The first
    sample arrives one interval after ``start()``.
    """

    def __init__(self, callback: MetricsCallback, interval_s: float | None = None) -> None:
        interval = _interval_from_env() if interval_s is None else float(interval_s)
        if not interval > 0:
            raise InvalidInputError(f"interval_s must be > 0, got {interval}")
        self.interval_s = interval
        self._callback = callback
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process()
        self._baseline: dict[str, float] = {}
        self._gpu_tool = shutil.which("nvidia-smi")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start sampling; raises if already running."""
        if self.running:
            raise RuntimeError("SystemMetricsSampler is already running")
        self._stop_event = threading.Event()  # a fresh one: a late old thread keeps its own
        self._prime()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop_event,), name="shipyard-system-metrics", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop sampling and wait (up to ``timeout``) for an in-flight sample to finish."""
        self._stop_event.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def __enter__(self) -> SystemMetricsSampler:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _loop(self, stop_event: threading.Event) -> None:
        # psutil keeps the machine-wide cpu_percent window per thread: open it here.
        psutil.cpu_percent(interval=None)
        while not stop_event.wait(self.interval_s):
            try:
                metrics = self.sample()
            except Exception:
                logger.debug("System metrics sample failed; skipped", exc_info=True)
                continue
            if stop_event.is_set():
                break
            try:
                self._callback(metrics)
            except Exception:
                logger.warning("System metrics callback failed", exc_info=True)

    def _prime(self) -> None:
        """Open the process CPU-percent window and record the I/O baselines."""
        self._process.cpu_percent(interval=None)
        self._baseline = self._io_counters()

    def sample(self) -> dict[str, float]:
        """Take one sample now (CPU percentages cover the time since the previous one)."""
        metrics: dict[str, float] = {
            "system/cpu_percent": float(psutil.cpu_percent(interval=None)),
            "system/process_cpu_percent": float(self._process.cpu_percent(interval=None)),
            "system/memory_percent": float(psutil.virtual_memory().percent),
            "system/process_rss_mb": self._process.memory_info().rss / _MB,
        }
        for key, value in self._io_counters().items():
            if key in self._baseline:
                metrics[key] = max(0.0, value - self._baseline[key])
        metrics.update(self._gpu_metrics())
        return metrics

    @staticmethod
    def _io_counters() -> dict[str, float]:
        """Machine-wide disk and network totals in MiB (unreported counters are left out)."""
        totals: dict[str, float] = {}
        try:
            disk = psutil.disk_io_counters()
        except Exception:  # e.g. no /proc/diskstats in some containers
            disk = None
        if disk is not None:
            totals["system/disk_read_mb"] = disk.read_bytes / _MB
            totals["system/disk_write_mb"] = disk.write_bytes / _MB
        try:
            net = psutil.net_io_counters()
        except Exception:
            net = None
        if net is not None:
            totals["system/net_sent_mb"] = net.bytes_sent / _MB
            totals["system/net_recv_mb"] = net.bytes_recv / _MB
        return totals

    def _gpu_metrics(self) -> dict[str, float]:
        """Per-GPU utilization and memory from nvidia-smi; {} if absent or failing."""
        if self._gpu_tool is None:
            return {}
        try:
            result = subprocess.run(
                [self._gpu_tool, *_NVIDIA_SMI_QUERY[1:]],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=_GPU_TIMEOUT_S,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            logger.debug("nvidia-smi failed; GPU metrics skipped", exc_info=True)
            return {}
        metrics: dict[str, float] = {}
        lines = result.stdout.decode("utf-8", "replace").splitlines()
        for index, line in enumerate(lines):
            fields = [field.strip() for field in line.split(",")]
            if len(fields) != 2:
                continue
            for key, text in zip(("utilization_percent", "memory_used_mb"), fields, strict=True):
                try:
                    metrics[f"system/gpu{index}/{key}"] = float(text)
                except ValueError:  # "[N/A]" on GPUs that do not report it
                    continue
        return metrics
