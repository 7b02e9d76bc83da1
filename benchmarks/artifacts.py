"""Shipyard's half of the artifact benchmarks (issue 3), in the main Python.

    python benchmarks/artifacts.py [--files 1000] [--file-mib 1] [--big-gib 3]
                                   [--only dir big] [--keep]

* dir  - a folder of FILES x FILE_MIB random files (1 GiB by default, ``peers.
         artifact_dataset``) under /tmp: a plain ``cp -r`` of it on the same disk (and
         ``cp -r`` + ``sync``), then ``Client.log_artifact`` through a local ``shipyard
         server`` (SQLite, blobs on the same disk), the same embedded, a re-log with one
         file changed (wall time, bytes the server wrote, blob store growth), and a
         download into an empty cache.
* big  - one BIG_GIB file uploaded and downloaded through a fresh server by a client in
         its own process: peak RSS (``VmHWM``) of client and server.

Everything lives in a temporary folder under /tmp that is deleted at the end (``--keep``
keeps it). Writes ``benchmarks/results/artifacts.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers

MIB = 1024 * 1024


def start_server(work: Path, tag: str) -> tuple[subprocess.Popen[bytes], str]:
    port = peers.free_port()
    cmd = [
        sys.executable, "-m", "shipyard.cli.main", "server", "--port", str(port),
        "--backend-store-uri", f"sqlite:///{work / f'{tag}.db'}",
        "--artifacts-uri", str(work / f"{tag}-blobs"), "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{port}"
    peers.wait_http(f"{url}/api/v1/health", timeout=60, proc=proc)
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def timed_cp(src: Path, dst: Path) -> dict[str, float]:
    subprocess.run(["sync"], check=True)
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(src), str(dst)], check=True)
    cp_s = time.perf_counter() - start
    subprocess.run(["sync"], check=True)
    synced_s = time.perf_counter() - start
    shutil.rmtree(dst)
    subprocess.run(["sync"], check=True)
    start = time.perf_counter()
    user_copy(src, dst)
    user_s = time.perf_counter() - start
    shutil.rmtree(dst)
    return {"cp_s": cp_s, "cp_sync_s": synced_s, "userspace_copy_s": user_s}


def user_copy(src: Path, dst: Path) -> None:
    """Copy with read()/write() through a 1 MiB user-space buffer (what any program that
    touches the bytes pays; coreutils ``cp`` uses in-kernel ``copy_file_range``)."""
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    for file in sorted(src.rglob("*")):
        target = dst / file.relative_to(src)
        if file.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with file.open("rb", buffering=0) as fin, target.open("wb", buffering=0) as fout:
            while n := fin.readinto(view):
                fout.write(view[:n])


def upload_dir(url: str, data: Path, name: str) -> tuple[float, Any]:
    import shipyard as sy

    client = sy.Client(url)
    start = time.perf_counter()
    version = client.log_artifact(data, name=name)
    seconds = time.perf_counter() - start
    client.close()
    return seconds, version


def bench_dir(work: Path, n_files: int, file_size: int, repeats: int) -> dict[str, Any]:
    import shipyard as sy

    data = work / "data"
    total = peers.artifact_dataset(data, n_files, file_size, seed=0)
    gb = total / 1e9
    out: dict[str, Any] = {"files": n_files, "bytes": total}
    cps = [timed_cp(data, work / "cp-copy") for _ in range(repeats)]
    out["cp"] = cps
    best_cp = min(c["cp_s"] for c in cps)
    best_cp_sync = min(c["cp_sync_s"] for c in cps)
    best_user = min(c["userspace_copy_s"] for c in cps)

    uploads = []
    for i in range(repeats):  # a fresh server and blob store each time (nothing to dedupe)
        proc, url = start_server(work, f"up{i}")
        try:
            subprocess.run(["sync"], check=True)
            seconds, _ = upload_dir(url, data, "bench-dir")
            uploads.append(seconds)
            if i == repeats - 1:
                out.update(relog_and_download(work, data, url, proc))
        finally:
            stop(proc)
        if i < repeats - 1:
            shutil.rmtree(work / f"up{i}-blobs")
    best = min(uploads)
    out["upload_s"] = uploads
    out["upload_gb_per_s"] = gb / best
    out["cp_gb_per_s"] = gb / best_cp
    out["cp_sync_gb_per_s"] = gb / best_cp_sync
    out["upload_vs_cp"] = best_cp / best
    out["upload_vs_cp_sync"] = best_cp_sync / best
    out["userspace_copy_gb_per_s"] = gb / best_user
    out["upload_vs_userspace_copy"] = best_user / best

    os.environ["SHIPYARD_ARTIFACTS_URI"] = str(work / "embedded-blobs")
    local = sy.Client(f"sqlite:///{work / 'embedded.db'}")
    start = time.perf_counter()
    local.log_artifact(data, name="bench-dir")
    out["embedded_upload_s"] = time.perf_counter() - start
    local.close()
    del os.environ["SHIPYARD_ARTIFACTS_URI"]
    shutil.rmtree(work / "embedded-blobs")
    return out


def relog_and_download(
    work: Path, data: Path, url: str, proc: subprocess.Popen[bytes]
) -> dict[str, Any]:
    import shipyard as sy

    changed = data / "d0" / "part-0000.bin"
    size = changed.stat().st_size
    changed.write_bytes(os.urandom(size))
    blobs = next(p for p in work.glob("up*-blobs") if p.is_dir())
    before_store = peers.dir_bytes(blobs)
    before_io = peers.proc_io_write_bytes(proc.pid)
    subprocess.run(["sync"], check=True)
    seconds, version = upload_dir(url, data, "bench-dir")
    subprocess.run(["sync"], check=True)
    after_io = peers.proc_io_write_bytes(proc.pid)
    out: dict[str, Any] = {
        "relog_s": seconds,
        "relog_version": version.ref,
        "relog_changed_file_bytes": size,
        "relog_blob_store_growth_bytes": peers.dir_bytes(blobs) - before_store,
        "relog_server_write_bytes": (
            None if before_io is None or after_io is None else after_io - before_io
        ),
    }
    client = sy.Client(url)
    start = time.perf_counter()
    client.get_artifact(version.ref).download(work / "download")
    out["download_s"] = time.perf_counter() - start
    start = time.perf_counter()
    client.get_artifact(version.ref).download(work / "download2")
    out["download_cached_s"] = time.perf_counter() - start
    client.close()
    out["download_gb_per_s"] = peers.dir_bytes(work / "download") / 1e9 / out["download_s"]
    for folder in ("download", "download2"):
        shutil.rmtree(work / folder)
    shutil.rmtree(Path(os.environ["SHIPYARD_HOME"]) / "cache", ignore_errors=True)
    return out


CLIENT_SCRIPT = """
import json, resource, sys, time
import shipyard as sy
url, action, path = sys.argv[1:4]
client = sy.Client(url)
start = time.perf_counter()
if action == "upload":
    client.log_artifact(path, name="bench-big", type="model")
elif action == "idle":
    client.list_artifacts()
else:
    client.get_artifact("bench-big:latest").download(path)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def bench_big(work: Path, big_gib: float) -> dict[str, Any]:
    big = work / "big" / "model.bin"
    big.parent.mkdir(parents=True)
    block = os.urandom(64 * MIB)
    size = int(big_gib * 1024**3)
    with big.open("wb") as f:
        written = 0
        while written < size:
            piece = block[: min(len(block), size - written)]
            f.write(piece)
            written += len(piece)
    proc, url = start_server(work, "big")
    out: dict[str, Any] = {"bytes": size}
    try:
        rss_idle = peers.proc_peak_rss_bytes(proc.pid)
        idle = peers.run_json([sys.executable, "-c", CLIENT_SCRIPT, url, "idle", "-"], 120)
        out["client_peak_rss_idle_bytes"] = idle["peak_rss_bytes"]
        for action, path in (("upload", big.parent), ("download", work / "big-download")):
            cmd = [sys.executable, "-c", CLIENT_SCRIPT, url, action, str(path)]
            res = peers.run_json(cmd, timeout=1800)
            out[action] = {
                "seconds": res["seconds"],
                "gb_per_s": size / 1e9 / res["seconds"],
                "client_peak_rss_bytes": res["peak_rss_bytes"],
                "server_peak_rss_bytes_so_far": peers.proc_peak_rss_bytes(proc.pid),
            }
            if action == "upload":
                big.unlink()
        out["server_peak_rss_idle_bytes"] = rss_idle
    finally:
        stop(proc)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-mib", type=float, default=1.0)
    parser.add_argument("--big-gib", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", nargs="+", choices=("dir", "big"), default=["dir", "big"])
    parser.add_argument("--keep", action="store_true", help="keep the /tmp folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shipyard-bench-artifacts-", dir="/tmp"))
    os.environ["SHIPYARD_HOME"] = str(work / "home")
    result: dict[str, Any] = {"system": "shipyard", "machine": peers.machine_info()}
    try:
        if "dir" in args.only:
            size = int(args.file_mib * MIB)
            result["dir"] = bench_dir(work, args.files, size, args.repeats)
            print(json.dumps(result["dir"], indent=2), file=sys.stderr, flush=True)
        if "big" in args.only:
            result["big"] = bench_big(work, args.big_gib)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    path = peers.write_result("artifacts", result)
    print(f"[artifacts] wrote {path}", file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
