"""Run Lotline's processes: every service and the gateway, each its own OS process.

    python deploy/supervisor.py run      # foreground; Ctrl-C stops them all
    python deploy/supervisor.py up       # background, pid files in .run/pids
    python deploy/supervisor.py down
    python deploy/supervisor.py status

Waits until every process answers HTTP before it reports ready.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = Path(os.environ.get("LOTLINE_RUN_DIR", ROOT / ".run"))
PIDS = RUN / "pids"
LOGS = RUN / "logs"
SERVICES = ("orders", "inventory", "production", "connectors", "trace", "gateway")
# The local mail catcher runs unless mail goes to a real relay (LOTLINE_MAIL__SMTP_HOST).
CATCH_MAIL = os.environ.get("LOTLINE_MAIL__SMTP_HOST", "127.0.0.1") in ("127.0.0.1", "localhost")
PROCESSES = (("mailcatcher",) if CATCH_MAIL else ()) + SERVICES
DEFAULT_PORTS = {
    "mailcatcher": 8025,
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
    return int(os.environ.get(f"LOTLINE_PORTS__{name.upper()}", DEFAULT_PORTS[name]))


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
    command = (
        [sys.executable, str(ROOT / "deploy" / "mailcatcher.py")]
        if name == "mailcatcher"
        else [sys.executable, "-m", f"services.{name}"]
    )
    process = subprocess.Popen(
        command,
        cwd=ROOT,
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


def up() -> None:
    for name in PROCESSES:
        if read_pid(name) is None:
            start(name)
    wait_ready(PROCESSES)
    print(f"Lotline is up: gateway on http://127.0.0.1:{port_of('gateway')} (logs in {LOGS})")
    print(
        f"Open http://127.0.0.1:{port_of('gateway')}/ and sign in as the first admin: its "
        "password was printed once, above, on the first run (forgotten? "
        f"{sys.executable} -m services.gateway.manage reset-password admin)"
    )


def down() -> None:
    stop(PROCESSES)
    print("Lotline processes stopped")


def status() -> int:
    code = 0
    for name in PROCESSES:
        pid = read_pid(name)
        state = "answering" if pid and answers(name) else ("starting" if pid else "stopped")
        code = code if state == "answering" else 3
        print(f"{name:<11} {state:<9} pid={pid or '-'} port={port_of(name)}")
    return code


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_foreground(after_ready: list[str]) -> None:
    """Start everything, run ``after_ready`` (e.g. the demo seed), stop all on Ctrl-C.

    SIGINT and SIGTERM are handled explicitly: a shell that starts us in the background
    ignores SIGINT for us, and ``kill`` should stop the children too.
    """
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    up()
    if after_ready:
        subprocess.run(after_ready, cwd=ROOT, check=True)
    print("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1)
            dead = [n for n in PROCESSES if read_pid(n) is None]
            if dead:
                print(f"process exited: {', '.join(dead)} — see {LOGS}; stopping")
                break
    except KeyboardInterrupt:
        pass
    finally:
        down()


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
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
