"""The mail sender: a background task of the orders process that renders and sends pending
notifications over SMTP and records each attempt's result on the notification.

A pass is one transaction over a chunk of up to ``batch_size`` due notifications: one
``SELECT … FOR UPDATE SKIP LOCKED LIMIT n`` takes the oldest pending rows (but for those
backing off, ``id != ALL(:ids)``), each is mailed in turn, a failed attempt is recorded on
its row as it happens, and the sent ones are marked together in one ``UPDATE … WHERE id =
ANY(:ids)`` before the commit. So each row is locked while its mail goes out and marked in
the same transaction, and another sender skips the rows this one holds. A crash (or a lost
database connection) before the commit leaves the whole chunk pending: its mails already
out are sent again with the same Message-ID. The mails of one pass share one SMTP
connection (connect, EHLO and QUIT once per pass, not per mail); the running worker keeps
it from one busy pass to the next and hangs up after a pass that found nothing: under load
a pass mails one or two, and connecting, greeting and quitting each time cost the orders
process about as much as the mails themselves. A wake waits ``SETTLE_SECONDS`` so a burst
of staged mails goes out in one pass (one SELECT, one UPDATE). A connection that failed is
dropped and the next mail opens a fresh one. One attempt retries transient SMTP faults
briefly (``shared.retrying``); a failed attempt waits ``retry_backoff_seconds`` (doubling)
before the next; after ``max_attempts``, or on a permanent error, the notification is
failed for good.
"""

from __future__ import annotations

import logging
import time
from email.message import Message
from uuid import UUID

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.orders.notifications import store
from services.orders.notifications.message import build_message, recipient_address, wire
from services.orders.notifications.render import render
from services.orders.notifications.settings import MailSettings
from shared import retrying, wakeups
from shared.polling import PollingWorker

log = logging.getLogger(__name__)

TRIES_PER_ATTEMPT = 3
SMTP_RETRIES = retrying.RetryBudget(
    attempts=TRIES_PER_ATTEMPT, initial_seconds=0.2, max_seconds=2.0, jitter_seconds=0.1
)
MAX_BACKOFF_SECONDS = 3600.0
SETTLE_SECONDS = 0.1  # a customer's mail may wait this long; the burst behind it goes along
RETRY_PAUSE_SECONDS = 0.05  # the shortest sleep before a retry falls due: never a spin


def is_transient(error: BaseException) -> bool:
    """A 4xx answer, a refused or dropped connection, a timeout: worth trying again.
    5xx answers (unknown mailbox, bad credentials) and rendering errors are not."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(is_transient(e) for e in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 400 <= error.code < 500
    return isinstance(
        error,
        aiosmtplib.SMTPConnectError
        | aiosmtplib.SMTPServerDisconnected
        | aiosmtplib.SMTPTimeoutError
        | ConnectionError
        | TimeoutError
        | OSError,
    )


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip()


class MailSender(PollingWorker):
    """Mails pending notifications; woken after each commit that staged one, sleeping until
    the next failed mail may be retried, else polling on a slow fallback interval (rows
    staged by another process)."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: MailSettings,
        *,
        batch_size: int = 20,  # also the most mails a crash before the commit re-sends
    ) -> None:
        super().__init__(
            name="mail sender",
            batch_size=batch_size,
            interval=settings.poll_interval_seconds,
            settle=SETTLE_SECONDS,
        )
        self._engine = engine
        self._settings = settings
        self._not_before: dict[UUID, float] = {}
        self._client: aiosmtplib.SMTP | None = None
        wakeups.wake_after_commit(engine, store.WAKE, self.wake)

    async def _connected(self) -> aiosmtplib.SMTP:
        """The pass's SMTP connection, opened (and logged in) on its first mail."""
        if self._client is None:
            s = self._settings
            client = aiosmtplib.SMTP(
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.username,
                password=s.password.get_secret_value() if s.password else None,
                start_tls=s.starttls,
                timeout=s.timeout_seconds,
            )
            await client.connect()
            self._client = client
        return self._client

    async def _hang_up(self, *, politely: bool) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if politely:
                await client.quit()
            else:
                client.close()
        except Exception as error:  # the mails are sent; a failed goodbye changes nothing
            log.debug("SMTP connection closed uncleanly: %s", describe(error))
            client.close()

    async def _smtp(self, message: Message) -> object:
        client = await self._connected()
        sender = self._settings.sender_address
        recipient = recipient_address(str(message["To"]))
        # What ``send_message`` would do, without re-reading the headers and with the
        # cheaper flattening (``message.wire``); the bodies are 7-bit (quoted-printable).
        options = [] if (sender + recipient).isascii() else ["SMTPUTF8"]
        try:
            return await client.sendmail(sender, [recipient], wire(message), mail_options=options)
        except BaseException:
            await self._hang_up(politely=False)  # never reuse a connection that failed
            raise

    async def _send(self, message: Message) -> None:
        await retrying.with_retries(
            lambda: self._smtp(message), SMTP_RETRIES, retryable=is_transient
        )

    def _backing_off(self) -> set[UUID]:
        now = time.monotonic()
        for nid in [nid for nid, at in self._not_before.items() if at <= now]:
            del self._not_before[nid]
        return set(self._not_before)

    def _back_off(self, notification_id: UUID, attempts: int) -> None:
        delay = retrying.doubling(
            attempts, self._settings.retry_backoff_seconds, MAX_BACKOFF_SECONDS
        )
        self._not_before[notification_id] = time.monotonic() + delay

    async def send_pending(self, *, keep_connection: bool = False) -> int:
        """One pass: one chunk of up to ``batch_size`` due notifications, each tried once in
        one transaction; returns how many were tried (a full chunk: the next pass at once).
        ``keep_connection``: the SMTP connection stays open for the next pass, unless this
        one tried nothing (or failed); ``close`` hangs it up."""
        tried, done = 0, False
        try:
            async with self._engine.begin() as conn:
                due = await store.pending(conn, self._batch_size, exclude=self._backing_off())
                tried, sent = 0, list[UUID]()
                for notification in due:
                    if self.stopping:  # the rest stay pending, unlocked at the commit
                        break
                    tried += 1
                    if await self._deliver(conn, notification):
                        sent.append(notification.id)
                await store.mark_sent(conn, sent)
            done = True
        finally:
            if not (keep_connection and done and tried):
                await self._hang_up(politely=True)
        return tried

    async def _deliver(
        self, conn: AsyncConnection, notification: store.PendingNotification
    ) -> bool:
        """Mail one notification; True when it went out (the caller marks it sent with the
        rest of its chunk), else its failed attempt is recorded here."""
        attempt = notification.attempts + 1
        try:
            message = self._message(notification)
            await self._send(message)
        except Exception as error:
            give_up = not is_transient(error) or attempt >= self._settings.max_attempts
            await store.mark_failed(
                conn,
                notification.id,
                attempts=attempt,
                error=describe(error),
                give_up=give_up,
            )
            outcome = "failed for good" if give_up else "failed"
            log.warning(
                "notification %s (%s) attempt %d %s: %s",
                notification.id,
                notification.kind,
                attempt,
                outcome,
                describe(error),
            )
            if not give_up:
                self._back_off(notification.id, attempt)
            return False
        log.info("notification %s (%s) sent", notification.id, notification.kind)
        return True

    def _message(self, notification: store.PendingNotification) -> Message:
        context = dict(notification.context)
        context["shop_name"] = context.get("shop_name") or self._settings.sender_name
        mail = render(notification.kind, notification.locale, context)
        return build_message(
            notification.id,
            recipient=notification.recipient,
            locale=notification.locale,
            mail=mail,
            settings=self._settings,
        )

    def enabled(self) -> bool:
        """Customer e-mail switched off: notifications stay pending."""
        return self._settings.enabled

    async def step(self) -> int:
        return await self.send_pending(keep_connection=True)

    async def next_turn_in(self) -> float | None:
        """When the soonest mail backing off may be tried again (None: none waits), so a
        retry does not wait for the fallback interval, nor the interval need be short."""
        if not self._not_before:
            return None
        return max(min(self._not_before.values()) - time.monotonic(), RETRY_PAUSE_SECONDS)

    async def close(self) -> None:
        await self._hang_up(politely=True)
