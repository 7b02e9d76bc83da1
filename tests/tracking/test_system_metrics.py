"""The background system-metrics sampler."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from shipyard.core.errors import InvalidInputError
from shipyard.tracking.system_metrics import SystemMetricsSampler

BASE_KEYS = {
    "system/cpu_percent",
    "system/process_cpu_percent",
    "system/memory_percent",
    "system/process_rss_mb",
}
IO_KEYS = {
    "system/disk_read_mb",
    "system/disk_write_mb",
    "system/net_sent_mb",
    "system/net_recv_mb",
}


class Collector:
    """A callback that records samples and signals once it has ``wanted`` of them."""

    def __init__(self, wanted: int = 3) -> None:
        self.samples: list[dict[str, float]] = []
        self.wanted = wanted
        self.done = threading.Event()

    def __call__(self, metrics: dict[str, float]) -> None:
        self.samples.append(metrics)
        if len(self.samples) >= self.wanted:
            self.done.set()


def test_samples_have_expected_keys_and_sane_values() -> None:
    collector = Collector(wanted=3)
    with SystemMetricsSampler(collector, interval_s=0.05):
        assert collector.done.wait(10)
    assert len(collector.samples) >= 3
    for metrics in collector.samples:
        assert set(metrics) >= BASE_KEYS
        assert set(metrics) <= BASE_KEYS | IO_KEYS | {
            key for key in metrics if key.startswith("system/gpu")
        }
        assert all(isinstance(value, float) for value in metrics.values())
        assert 0 <= metrics["system/cpu_percent"] <= 100
        assert metrics["system/process_cpu_percent"] >= 0
        assert 0 < metrics["system/memory_percent"] <= 100
        assert metrics["system/process_rss_mb"] > 1
        for key in IO_KEYS & set(metrics):
            assert metrics[key] >= 0


def test_stop_is_prompt_with_a_long_interval() -> None:
    sampler = SystemMetricsSampler(Collector(), interval_s=60)
    sampler.start()
    assert sampler.running
    start = time.perf_counter()
    sampler.stop()
    assert time.perf_counter() - start < 1
    assert not sampler.running


def test_no_samples_after_stop_and_restart_works() -> None:
    collector = Collector(wanted=1)
    sampler = SystemMetricsSampler(collector, interval_s=0.05)
    sampler.start()
    assert collector.done.wait(10)
    sampler.stop()
    count = len(collector.samples)
    time.sleep(0.2)
    assert len(collector.samples) == count
    collector.done.clear()
    collector.wanted = count + 1
    with sampler:
        assert collector.done.wait(10)


def test_double_start_raises() -> None:
    with SystemMetricsSampler(Collector(), interval_s=60) as sampler, pytest.raises(RuntimeError):
        sampler.start()


def test_failing_callback_does_not_stop_the_thread() -> None:
    calls: list[int] = []
    done = threading.Event()

    def flaky(metrics: dict[str, float]) -> None:
        calls.append(1)
        if len(calls) >= 3:
            done.set()
        raise ValueError("callback bug")

    with SystemMetricsSampler(flaky, interval_s=0.05):
        assert done.wait(10)


def test_failing_sample_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    collector = Collector(wanted=2)
    sampler = SystemMetricsSampler(collector, interval_s=0.05)
    real_sample = sampler.sample
    failures: list[int] = []

    def sometimes_failing() -> dict[str, float]:
        if len(failures) < 2:
            failures.append(1)
            raise OSError("transient")
        return real_sample()

    monkeypatch.setattr(sampler, "sample", sometimes_failing)
    with sampler:
        assert collector.done.wait(10)
    assert len(failures) == 2


def test_interval_from_env_and_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPYARD_SYSTEM_METRICS_INTERVAL", raising=False)
    assert SystemMetricsSampler(Collector()).interval_s == 10
    monkeypatch.setenv("SHIPYARD_SYSTEM_METRICS_INTERVAL", "2.5")
    assert SystemMetricsSampler(Collector()).interval_s == 2.5
    assert SystemMetricsSampler(Collector(), interval_s=1).interval_s == 1
    monkeypatch.setenv("SHIPYARD_SYSTEM_METRICS_INTERVAL", "soon")
    with pytest.raises(InvalidInputError):
        SystemMetricsSampler(Collector())
    with pytest.raises(InvalidInputError):
        SystemMetricsSampler(Collector(), interval_s=0)


def test_gpu_metrics_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\necho '87, 30123'\necho '[N/A], 512'\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    metrics = SystemMetricsSampler(Collector(), interval_s=60).sample()
    assert metrics["system/gpu0/utilization_percent"] == 87.0
    assert metrics["system/gpu0/memory_used_mb"] == 30123.0
    assert "system/gpu1/utilization_percent" not in metrics
    assert metrics["system/gpu1/memory_used_mb"] == 512.0
