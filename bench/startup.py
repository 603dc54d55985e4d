"""Portal start-up time and memory: `goldpath serve` until /healthz answers, then idle RSS.

Prints figures; never asserts. DESIGN.md's bar: start <= 1.5 s, <= 150 MB RSS idle
(a Backstage 1.55 backend: 5-6 s and ~400 MB on the same kind of machine).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

GOLDPATH = Path(sys.executable).with_name("goldpath")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _one_start(home: Path, *, idle_seconds: float) -> tuple[float, float]:
    port = _free_port()
    env = {
        **os.environ,
        "GOLDPATH_HOME": str(home),
        "GOLDPATH_CATALOG__REFRESH_INTERVAL_SECONDS": "3600",
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(GOLDPATH), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline or process.poll() is not None:
                raise SystemExit("the portal did not start")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        time.sleep(idle_seconds)
        return elapsed, _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Start the portal several times on a seeded home and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goldpath-bench-start-") as tmp:
        home = Path(tmp) / "home"
        subprocess.run(
            [str(GOLDPATH), "demo", "seed"],
            env={**os.environ, "GOLDPATH_HOME": str(home)},
            check=True,
            capture_output=True,
        )
        _one_start(home, idle_seconds=0)  # warm the OS file cache once, like a second start
        results = [_one_start(home, idle_seconds=args.idle_seconds) for _ in range(args.runs)]
    starts = [r[0] for r in results]
    rss = [r[1] for r in results]
    print(f"portal start-up, {args.runs} runs (seeded demo catalog, SQLite)")
    print(f"  start to /healthz: median {statistics.median(starts):.2f} s, max {max(starts):.2f} s")
    print(f"  RSS idle after {args.idle_seconds:.0f} s: median {statistics.median(rss):.0f} MB, "
          f"max {max(rss):.0f} MB")


if __name__ == "__main__":
    main()
