"""Pipeline overhead per step: local processes vs Ray (local), embedded SQLite.

    python benchmarks/pipeline_overhead.py [--chain 20] [--fan 8] [--repeat 3] [--no-ray]

* chain - N trivial steps, each depending on the previous one (``inc(x) -> x + 1``):
          wall time / N is the cost Shipyard adds to a step (a tracked run, input
          download, output materialised and logged as an artifact version, the log blob,
          step records) when nothing runs in parallel.
* fan   - M independent trivial steps and one join: the wall time shows how much of the
          per-step cost overlaps on this machine's cores.
* cached - the chain again with ``cache=True`` after a first run: every step is a cache
          hit, i.e. the orchestrator's own cost per step.
* direct - the same functions called in-process, for scale.

Ray is started once (``ray.init()``, local); its start-up time is reported apart.
Writes ``benchmarks/results/pipelines.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import machine_info, write_result
from shipyard.pipelines import pipeline, step


@step
def inc(x: int) -> int:
    return x + 1


@step(cache=True)
def inc_cached(x: int) -> int:
    return x + 1


def make_chain(n: int, cached: bool) -> Any:
    fn = inc_cached if cached else inc

    @pipeline(name=f"bench-chain-{n}-{int(cached)}", project="bench")
    def chain(start: int = 0):
        out = fn(start)
        for _ in range(n - 1):
            out = fn(out)
        return out

    return chain


@step
def leaf(i: int) -> int:
    return i * i


@step
def join(a: int, b: int) -> int:
    return a + b


def make_fan(m: int) -> Any:
    @pipeline(name=f"bench-fan-{m}", project="bench")
    def fan():
        outs = [leaf(i) for i in range(m)]
        acc = outs[0]
        for other in outs[1:]:
            acc = join(acc, other)
        return acc

    return fan


def _time(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def measure(executor: str, uri: str, chain: int, fan: int, repeat: int) -> dict[str, Any]:
    plain, cached, fanned = make_chain(chain, False), make_chain(chain, True), make_fan(fan)
    plain.run(tracking_uri=uri, executor=executor)  # warm-up (forkserver / Ray workers)
    chain_s = _time(lambda: plain.run(tracking_uri=uri, executor=executor), repeat)
    cached.run(tracking_uri=uri, executor=executor)
    cached_s = _time(lambda: cached.run(tracking_uri=uri, executor=executor), repeat)
    fan_s = _time(lambda: fanned.run(tracking_uri=uri, executor=executor), repeat)
    fan_steps = fan + (fan - 1)
    return {
        "chain_steps": chain,
        "chain_wall_s": statistics.median(chain_s),
        "per_step_ms": 1000 * statistics.median(chain_s) / chain,
        "cached_per_step_ms": 1000 * statistics.median(cached_s) / chain,
        "fan_steps": fan_steps,
        "fan_wall_s": statistics.median(fan_s),
        "fan_per_step_ms": 1000 * statistics.median(fan_s) / fan_steps,
        "runs": {"chain": chain_s, "cached": cached_s, "fan": fan_s},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chain", type=int, default=20)
    parser.add_argument("--fan", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="shipyard-bench-pipelines-")
    os.environ["SHIPYARD_HOME"] = home
    os.environ["SHIPYARD_CAPTURE_PACKAGES"] = "0"
    uri = f"sqlite:///{home}/shipyard.db"
    started = time.perf_counter()
    for i in range(1000):
        inc.fn(i)
    direct_us = (time.perf_counter() - started) / 1000 * 1e6
    result: dict[str, Any] = {"machine": machine_info(), "direct_call_us": direct_us}
    result["local"] = measure("local", uri, args.chain, args.fan, args.repeat)
    print("local", {k: v for k, v in result["local"].items() if k != "runs"}, flush=True)
    if not args.no_ray:
        import ray

        t0 = time.perf_counter()
        ray.init(
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)}},
        )
        result["ray_start_s"] = time.perf_counter() - t0
        result["ray"] = measure("ray", uri, args.chain, args.fan, args.repeat)
        print("ray", {k: v for k, v in result["ray"].items() if k != "runs"}, flush=True)
        ray.shutdown()
    print(write_result("pipelines", result))


if __name__ == "__main__":
    main()
