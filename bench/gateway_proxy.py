"""What the gateway's proxy costs per webhook, alone: the gateway process in front of a
trivial upstream (a loopback HTTP server in this process that answers ``200 {}`` to
anything), ``--requests`` signed-looking Shopify webhooks through it, ``--concurrency`` at a
time, and the gateway's CPU (user + system, all threads, ``/proc/<pid>/stat``) per request.

    .venv/bin/python -m bench.gateway_proxy --requests 3000

Compare CPU per request, not wall time: the machine is shared. The gateway runs as in the
throughput benchmark (its own database, INFO logs to a file); the upstream and the client
share this process, whose CPU is not counted."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.probes import TICKS, _ticks
from bench.system import bench_settings
from services.cli import shopify
from shared.db import drop_database
from tests.e2e.conftest import System

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 request off a keep-alive connection: its head and its body (framed by
    Content-Length, the only framing the gateway sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length) if length else b""


async def _upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 keep-alive, every request answered ``200 {}`` after reading its body."""
    try:
        while True:
            await read_request(reader)
            writer.write(ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def measure(
    requests: int, concurrency: int, *, warmup: int = 200, profile: Path | None = None
) -> dict[str, float | str]:
    settings = bench_settings(uuid.uuid4().hex[:8])
    logs = Path(tempfile.mkdtemp(prefix="gateway-proxy-"))
    server = await asyncio.start_server(_upstream, "127.0.0.1", settings.ports.connectors)
    system = System(settings, logs, {})
    body = shopify.single_line_order(
        shopify.sample_order(), sku="SKU-1", quantity=1, order_id=1, line_id=2,
        placed_at=datetime.now(UTC),
    )  # fmt: skip
    headers = shopify.webhook_headers(
        body, shop="bench.myshopify.com", secret="s", topic="orders/create", webhook_id="w"
    )
    try:
        system.start("gateway")
        await system.wait_ready("gateway")
        pid = system.processes["gateway"].pid
        async with httpx.AsyncClient(base_url=system.gateway, timeout=60.0) as client:
            queue = iter(range(warmup + requests))
            failed = 0

            async def worker() -> None:
                nonlocal failed
                for _ in queue:
                    answer = await client.post("/webhooks/shopify", content=body, headers=headers)
                    failed += answer.status_code != 200

            async def run(count: int) -> None:
                nonlocal queue
                queue = iter(range(count))
                await asyncio.gather(*(worker() for _ in range(concurrency)))

            await run(warmup)
            spy = None
            if profile is not None:  # py-spy (a dev dependency) on the gateway alone
                spy = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                    "--rate", "250", "-f", "raw", "-o", str(profile),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                await asyncio.sleep(1.0)  # py-spy attaches
            before, started = _ticks(pid), time.perf_counter()
            await run(requests)
            ticks, wall = _ticks(pid) - before, time.perf_counter() - started
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await asyncio.wait_for(spy.wait(), 30)
    finally:
        system.stop_all()
        server.close()
        await drop_database(settings.pg, settings.pg.database("gateway"))
    return {
        "requests": requests,
        "failed": failed,
        "gateway_cpu_seconds": round(ticks / TICKS, 2),
        "gateway_cpu_ms_per_request": round(1000 * ticks / TICKS / requests, 3),
        "wall_seconds": round(wall, 2),
        "logs": str(logs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--profile", type=Path, help="py-spy's raw samples of the gateway")
    args = parser.parse_args()
    print(asyncio.run(measure(args.requests, args.concurrency, profile=args.profile)))  # noqa: T201


if __name__ == "__main__":
    main()
