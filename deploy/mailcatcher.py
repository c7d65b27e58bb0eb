"""A local SMTP server for `make run`: keeps every customer e-mail as a file instead of
sending it, so the demo's notifications have somewhere to go.

    python deploy/mailcatcher.py            # 127.0.0.1:8025 (LOTLINE_MAIL__SMTP_PORT)

Mails land in .run/mail/<time>-<recipient>.eml; `ls .run/mail` shows what was sent.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
MAIL_DIR = Path(os.environ.get("LOTLINE_RUN_DIR", ROOT / ".run")) / "mail"


class KeepMail:
    """Writes each message it accepts to MAIL_DIR and says so on stdout."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        recipient = "_".join(envelope.rcpt_tos).replace("@", "_at_")
        MAIL_DIR.mkdir(parents=True, exist_ok=True)
        (MAIL_DIR / f"{stamp}-{recipient}.eml").write_bytes(envelope.content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}", flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    port = int(os.environ.get("LOTLINE_MAIL__SMTP_PORT", "8025"))
    controller = Controller(KeepMail(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"mailcatcher on 127.0.0.1:{port}, keeping mail in {MAIL_DIR}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
