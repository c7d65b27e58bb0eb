"""Run and supervise Lotline's processes: every service and the gateway, each its own OS
process, started again when it dies (invariant 9).

    python deploy/supervisor.py run      # foreground; Ctrl-C stops them all
    python deploy/supervisor.py up       # background: a watcher process, pid files in .run/pids
    python deploy/supervisor.py down
    python deploy/supervisor.py status

A process that dies is started again after a backoff, and the log says why it died
(``restart_policy``); five deaths within a minute is a crash loop and it stays down, marked
``failed`` in ``status``. Waits until every process answers HTTP before it reports ready.
``LOTLINE_SUPERVISE=orders,trace`` supervises only those (tests).

Beside them, for the demo, ``demo-marketplaces`` (deploy/demo_marketplaces.py: a demo
Amazon seller and WooCommerce store on local fakes, port 8106 or
``LOTLINE_PORTS__DEMO_MARKETPLACES``, and moto's SQS on that port + 1); the connectors'
Amazon settings point at it unless set. ``LOTLINE_DEMO_MARKETPLACES=0`` leaves it out (and
Amazon where its settings say).

``LOTLINE_INSTANCES=2`` runs two processes of each consuming service (orders, inventory,
production, connectors, trace) in one consumer group: the second is ``<name>-2`` (its
log, pid file and ``status`` line), listening on its service's port + 100 (orders-2 on
8201 …); the gateway stays one and proxies to the first instance of each service.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from deploy.restart_policy import Policy, Restarts, describe_exit

ROOT = Path(__file__).resolve().parent.parent
RUN = Path(os.environ.get("LOTLINE_RUN_DIR", ROOT / ".run"))
PIDS = RUN / "pids"
LOGS = RUN / "logs"
SERVICES = ("orders", "inventory", "production", "connectors", "trace", "gateway")
CONSUMING = SERVICES[:-1]
INSTANCE_PORT_STEP = 100  # instance n of a service listens on its port + 100 × (n - 1)


def instances(count: int) -> tuple[str, ...]:
    """The extra processes of ``count`` instances per consuming service: ``orders-2`` …"""
    return tuple(f"{name}-{n}" for n in range(2, count + 1) for name in CONSUMING)


def service_of(name: str) -> str:
    """``orders-2`` → ``orders``; any other name is its own."""
    base, _, number = name.rpartition("-")
    return base if base in CONSUMING and number.isdigit() else name


def instance_number(name: str) -> int:
    return int(name.rpartition("-")[2]) if service_of(name) != name else 1


# The local mail catcher runs unless mail goes to a real relay (LOTLINE_MAIL__SMTP_HOST).
CATCH_MAIL = os.environ.get("LOTLINE_MAIL__SMTP_HOST", "127.0.0.1") in ("127.0.0.1", "localhost")
# The demo's Amazon seller and WooCommerce store (deploy/demo_marketplaces.py) run unless
# LOTLINE_DEMO_MARKETPLACES=0; while they run, the connectors' Amazon settings point at them.
DEMO_MARKETPLACES = "demo-marketplaces"
DEMO_QUEUE = "123456789012/lotline-demo-amazon-notifications"  # moto's account / the queue
RUN_DEMO_MARKETPLACES = os.environ.get("LOTLINE_DEMO_MARKETPLACES", "1").lower() not in (
    "0",
    "false",
    "no",
    "off",
)
PROCESSES: tuple[str, ...] = (
    (("mailcatcher",) if CATCH_MAIL else ())
    + ((DEMO_MARKETPLACES,) if RUN_DEMO_MARKETPLACES else ())
    + SERVICES
    + instances(int(os.environ.get("LOTLINE_INSTANCES", "1") or 1))
)
if os.environ.get("LOTLINE_SUPERVISE"):
    PROCESSES = tuple(n for n in os.environ["LOTLINE_SUPERVISE"].split(",") if n)
WATCHER = "supervisor"
TICK_SECONDS = 0.2
DEFAULT_PORTS = {
    "mailcatcher": 8025,
    DEMO_MARKETPLACES: 8106,
    "gateway": 8000,
    "orders": 8101,
    "inventory": 8102,
    "production": 8103,
    "connectors": 8104,
    "trace": 8105,
}


def port_of(name: str) -> int:
    if name == "mailcatcher":
        return int(os.environ.get("LOTLINE_MAIL__SMTP_PORT", DEFAULT_PORTS[name]))
    if name == DEMO_MARKETPLACES:
        return int(os.environ.get("LOTLINE_PORTS__DEMO_MARKETPLACES", DEFAULT_PORTS[name]))
    service = service_of(name)
    port = int(os.environ.get(f"LOTLINE_PORTS__{service.upper()}", DEFAULT_PORTS[service]))
    return port + INSTANCE_PORT_STEP * (instance_number(name) - 1)


def demo_marketplaces_env(port: int) -> dict[str, str]:
    """The connectors' settings that point Amazon (every region, Login with Amazon, and the
    notifications queue on ``port`` + 1) at the demo marketplaces on ``port``, and poll
    them every minute. WooCommerce needs none:
    each store brings its own base URL (plain http is accepted on loopback only)."""
    base = f"http://127.0.0.1:{port}/amazon"
    prefix = "LOTLINE_CONNECTORS__AMAZON__"
    queue = f"{prefix}NOTIFICATIONS__"
    return {
        f"{prefix}LWA_TOKEN_URL": f"{base}/auth/o2/token",
        f"{prefix}ENDPOINTS": json.dumps({region: base for region in ("na", "eu", "fe")}),
        f"{prefix}POLL_INTERVAL_SECONDS": "60",
        # ORDER_CHANGE notifications on moto's SQS, one port up (any key will do for moto)
        f"{queue}QUEUE_URL": f"http://127.0.0.1:{port + 1}/{DEMO_QUEUE}",
        f"{queue}ENDPOINT_URL": f"http://127.0.0.1:{port + 1}",
        f"{queue}REGION": "eu-west-1",
        f"{queue}ACCESS_KEY_ID": "AKIAFAKEFORLOTLINE00",
        f"{queue}SECRET_ACCESS_KEY": "moto-accepts-any-key-demo-only",
    }


def process_env(name: str, environ: dict[str, str], processes: tuple[str, ...]) -> dict[str, str]:
    """The environment ``name`` starts with: ``environ``, another instance's port, and, for
    the connectors while the demo marketplaces run, their Amazon settings (unless set)."""
    env = dict(environ)
    if service_of(name) != name:  # another instance: the same settings, a port of its own
        env[f"LOTLINE_PORTS__{service_of(name).upper()}"] = str(port_of(name))
    if service_of(name) == "connectors" and DEMO_MARKETPLACES in processes:
        for key, value in demo_marketplaces_env(port_of(DEMO_MARKETPLACES)).items():
            env.setdefault(key, value)
    return env


def answers(name: str) -> bool:
    if name == "mailcatcher":
        try:
            with socket.create_connection(("127.0.0.1", port_of(name)), timeout=2):
                return True
        except OSError:
            return False
    path = "/healthz" if name == "gateway" else "/readyz"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port_of(name)}{path}", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie: our own exited children are reaped here."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(name: str) -> int | None:
    path = PIDS / f"{name}.pid"
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid and pid_alive(pid) else None


def start(name: str) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    PIDS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
    if name == "mailcatcher":
        command = [sys.executable, str(ROOT / "deploy" / "mailcatcher.py")]
    elif name == DEMO_MARKETPLACES:
        command = [sys.executable, "-m", "deploy.demo_marketplaces"]
    else:
        command = [sys.executable, "-m", f"services.{service_of(name)}"]
    env = process_env(name, dict(os.environ), PROCESSES)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (PIDS / f"{name}.pid").write_text(str(process.pid))
    return process


def wait_ready(names: tuple[str, ...], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(names)
    while pending and time.monotonic() < deadline:
        pending = [n for n in pending if not answers(n)]
        if pending:
            time.sleep(0.5)
    if pending:
        raise SystemExit(f"not ready after {timeout:.0f}s: {', '.join(pending)} (see {LOGS})")


def stop(names: tuple[str, ...], timeout: float = 20.0) -> None:
    """SIGTERM every process at once, wait for them together, SIGKILL the stragglers."""
    pids = {name: pid for name in names if (pid := read_pid(name)) is not None}
    for pid in pids.values():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(pid_alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for name, pid in pids.items():
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        (PIDS / f"{name}.pid").unlink(missing_ok=True)


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} supervisor: {message}", flush=True)


def failed_marker(name: str) -> Path:
    return PIDS / f"{name}.failed"


def up() -> None:
    """Start the watcher in the background (it starts and supervises every process)."""
    watcher = read_pid(WATCHER)
    if watcher is None:
        LOGS.mkdir(parents=True, exist_ok=True)
        PIDS.mkdir(parents=True, exist_ok=True)
        out = open(LOGS / f"{WATCHER}.log", "ab")  # noqa: SIM115 - the watcher owns it
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "watch"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (PIDS / f"{WATCHER}.pid").write_text(str(process.pid))
    wait_ready(PROCESSES)
    print(f"Lotline is up: gateway on http://127.0.0.1:{port_of('gateway')} (logs in {LOGS})")
    print(
        f"Open http://127.0.0.1:{port_of('gateway')}/ and sign in as the first admin: its "
        "password was printed once, above, on the first run (forgotten? "
        f"{sys.executable} -m services.gateway.manage reset-password admin)"
    )
    print(f"Supervised: a process that dies is started again ({LOGS / WATCHER}.log says why)")


def down() -> None:
    """Stop the watcher (it stops what it supervises), then anything left behind."""
    stop((WATCHER,))
    stop(tuple(dict.fromkeys((*PROCESSES, DEMO_MARKETPLACES))))  # whatever the last run had
    for name in PROCESSES:
        failed_marker(name).unlink(missing_ok=True)
    print("Lotline processes stopped")


def status() -> int:
    code = 0
    watcher = read_pid(WATCHER)
    print(f"{WATCHER:<17} {'watching' if watcher else 'stopped':<9} pid={watcher or '-'}")
    for name in PROCESSES:
        pid = read_pid(name)
        if failed_marker(name).exists() and pid is None:
            state = "failed"
        else:
            state = "answering" if pid and answers(name) else ("starting" if pid else "stopped")
        code = code if state == "answering" else 3
        print(f"{name:<17} {state:<9} pid={pid or '-'} port={port_of(name)}")
    return code


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


class Watcher:
    """Starts every process, starts again the ones that die (with backoff), gives up on a
    crash loop, and stops them all when it is stopped."""

    def __init__(self, names: tuple[str, ...], policy: Policy | None = None) -> None:
        self.names = names
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.records = {name: Restarts(policy or Policy()) for name in names}
        self.due: dict[str, float] = {}

    def start_all(self) -> None:
        stale = tuple(n for n in self.names if read_pid(n) is not None)
        if stale:  # left running by an unsupervised start: take them over cleanly
            log(f"stopping unsupervised {', '.join(stale)} to supervise them")
            stop(stale)
        for name in self.names:
            failed_marker(name).unlink(missing_ok=True)
            self._start(name)

    def _start(self, name: str) -> None:
        self.children[name] = start(name)
        self.records[name].started(time.monotonic())

    def tick(self) -> None:
        """Notice deaths, schedule restarts, start what is due."""
        now = time.monotonic()
        for name, child in list(self.children.items()):
            code = child.poll()
            if code is None:
                continue
            del self.children[name]
            (PIDS / f"{name}.pid").unlink(missing_ok=True)
            delay = self.records[name].died(now)
            why = describe_exit(code)
            if delay is None:
                failed_marker(name).write_text(why)
                log(f"{name} {why}; crash loop (too many deaths within a minute): left down")
            else:
                log(f"{name} {why}; starting it again in {delay:.1f}s (see {LOGS}/{name}.log)")
                self.due[name] = now + delay
        for name, at in list(self.due.items()):
            if now >= at:
                del self.due[name]
                self._start(name)
                log(f"{name} started again (pid {self.children[name].pid})")

    def stop_all(self) -> None:
        stop(tuple(self.children))
        self.children.clear()


def watch(after_ready: list[str] | None = None) -> None:
    """Supervise until SIGINT/SIGTERM; run ``after_ready`` (e.g. the demo seed) once every
    process answers. SIGINT and SIGTERM are handled explicitly: a shell that starts us in the
    background ignores SIGINT for us, and ``kill`` should stop the children too."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    watcher = Watcher(PROCESSES)
    seed: subprocess.Popen[bytes] | None = None
    pending = list(PROCESSES)
    next_check = 0.0
    try:
        watcher.start_all()
        log(f"supervising {', '.join(PROCESSES)}")
        while True:
            watcher.tick()
            if pending and time.monotonic() >= next_check:
                pending = [n for n in pending if not answers(n)]
                next_check = time.monotonic() + 0.5
                if not pending:
                    log("every process answers")
                    if after_ready:
                        seed = subprocess.Popen(after_ready, cwd=ROOT)
            if seed is not None and seed.poll() is not None:
                if seed.returncode != 0:
                    log(f"{' '.join(after_ready or [])} failed ({describe_exit(seed.returncode)})")
                seed = None
                print("Press Ctrl-C to stop.", flush=True)
            time.sleep(TICK_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop_all()
        log("stopped")


def run_foreground(after_ready: list[str]) -> None:
    """Supervise in the foreground; Ctrl-C stops everything."""
    if read_pid(WATCHER) is not None:
        raise SystemExit("Lotline is already running in the background (make down first)")
    watch(after_ready)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "up":
        up()
    elif command == "down":
        down()
    elif command == "status":
        raise SystemExit(status())
    elif command == "run":
        run_foreground(sys.argv[2:])
    elif command == "watch":
        watch()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
