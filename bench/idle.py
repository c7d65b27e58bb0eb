"""Idle CPU per process: the whole system started as the benchmark starts it, left alone,
and each process's CPU time (``/proc/<pid>/stat``, user + system, all threads) read over a
window. What background polling costs when no order arrives.

    python -m bench.idle [--settle 15] [--window 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.system import running_system

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (fields 14 and 15 of its stat line)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def measure(settle: float, window: float) -> dict[str, float]:
    """Per process, the share of one core it used over ``window`` seconds of idleness."""
    with tempfile.TemporaryDirectory() as logs:
        async with running_system(Path(logs)) as target:
            await asyncio.sleep(settle)
            before = {name: cpu_seconds(pid) for name, pid in target.pids.items()}
            started = time.monotonic()
            await asyncio.sleep(window)
            elapsed = time.monotonic() - started
            after = {name: cpu_seconds(pid) for name, pid in target.pids.items()}
    return {name: round(100 * (after[name] - before[name]) / elapsed, 2) for name in before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=15.0, help="seconds after start-up")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    args = parser.parse_args()
    shares = asyncio.run(measure(args.settle, args.window))
    total = round(sum(shares.values()), 2)
    sys.stdout.write(json.dumps({"percent_of_one_core": shares, "total": total}) + "\n")


if __name__ == "__main__":
    main()
