"""Customer e-mail against the real PostgreSQL and a real SMTP server on loopback (aiosmtpd).

The sender takes every pending notification of the orders database, so each test writes to
its own recipients and looks only at the mails addressed to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import tables as t
from services.orders.notifications import (
    Kind,
    MailSender,
    MailSettings,
    Status,
    choose_locale,
    for_order,
    should_mail,
    stage,
    stage_for_customer,
)
from services.orders.notifications.store import notification_id
from shared import gathered_rows
from tests.containers import free_port


class Mailbox:
    """An aiosmtpd handler that keeps every mail it accepts; refuses mailboxes named nobody
    for good and those named busy for now (4xx)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.sessions: list[object] = []  # one per SMTP connection that sent a mail

    def connections(self, recipients: set[str]) -> int:
        pairs = zip(self.sessions, self.received, strict=True)
        return len({id(session) for session, mail in pairs if mail["To"] in recipients})

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.sessions.append(session)
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == recipient]


class HeldMailbox(Mailbox):
    """Holds every mail at DATA until ``release`` is set, noting the connection it came on:
    a test sees two connections in the middle of a mail at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.holding: set[int] = set()  # the sessions that have a mail waiting at DATA

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.holding.add(id(session))
        await asyncio.to_thread(self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


class SmtpServer:
    def __init__(self, port: int, mailbox: Mailbox | None = None) -> None:
        self.port = port
        self.mailbox = mailbox or Mailbox()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)

    async def start(self) -> None:
        await asyncio.to_thread(self._controller.start)

    async def stop(self) -> None:
        await asyncio.to_thread(self._controller.stop)


def parts(mail: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts, with the wire's CRLF line ends made plain again."""
    text, html = (p.get_content().replace("\r\n", "\n") for p in mail.iter_parts())
    return text, html


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer(free_port())
    await server.start()
    yield server
    await server.stop()


def mail_settings(port: int, **overrides: Any) -> MailSettings:
    values: dict[str, Any] = {
        "smtp_port": port,
        "from_address": "Saponificio Lavanda <ordini@lavanda.example>",
        "retry_backoff_seconds": 0.0,
        "poll_interval_seconds": 0.05,
        **overrides,
    }
    return MailSettings(**values)


def address(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


async def an_order(engine, *, channel: str = "etsy", **customer: Any) -> uuid.UUID:
    order_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            t.order.insert().values(
                id=order_id,
                channel=channel,
                shop="lavanda",
                external_id=uuid.uuid4().hex,
                external_number=f"#{uuid.uuid4().int % 100000}",
                status="received",
                customer=customer,
            )
        )
    return order_id


async def stage_in_own_transaction(engine, order_id: uuid.UUID, **fields: Any) -> None:
    values: dict[str, Any] = {
        "kind": Kind.ORDER_DELIVERED,
        "locale": "en",
        "context": {"order_number": "#1001"},
        **fields,
    }
    async with engine.begin() as conn:
        await stage(conn, order_id=order_id, **values)


async def notifications_of(engine, order_id: uuid.UUID):
    async with engine.connect() as conn:
        return await for_order(conn, order_id)


async def test_a_notification_staged_twice_is_mailed_once(orders_engine, smtp):
    recipient = address("maria")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(smtp.port))

    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)
    await sender.send_pending()
    await sender.send_pending()

    assert len(smtp.mailbox.to(recipient)) == 1
    [record] = await notifications_of(orders_engine, order_id)
    assert record.status is Status.SENT
    assert record.attempts == 1
    assert record.sent_at is not None


async def test_within_a_batch_notifications_are_staged_at_its_end_and_the_first_stands(
    orders_engine,
):
    """Inside a consumed batch (``shared.gathered_rows``) a staged notification is written
    with the batch's others at its end: not seen before, and of one fact staged twice in
    the batch the first stands, as when each is written at once."""
    maria, other = address("maria"), address("other")
    order_id = await an_order(orders_engine, email=maria)
    values: dict[str, Any] = {"locale": "en", "context": {"order_number": "#1001"}}
    async with orders_engine.begin() as conn, gathered_rows.gathered(conn):
        await stage(conn, order_id=order_id, kind=Kind.ORDER_DELIVERED, recipient=maria, **values)
        await stage(conn, order_id=order_id, kind=Kind.ORDER_DELIVERED, recipient=other, **values)
        await stage(conn, order_id=order_id, kind=Kind.ORDER_CONFIRMED, recipient=None, **values)
        assert await for_order(conn, order_id) == []  # kept for the end of the batch

    records = await notifications_of(orders_engine, order_id)
    assert sorted((r.kind, r.recipient, r.status) for r in records) == [
        (Kind.ORDER_CONFIRMED, None, Status.SKIPPED),
        (Kind.ORDER_DELIVERED, maria, Status.PENDING),
    ]


async def test_each_customer_is_written_to_in_their_language(orders_engine, smtp):
    maria, john = address("maria"), address("john")
    customers: dict[str, dict[str, Any]] = {
        maria: {"name": "Maria Rossi", "email": maria, "locale": "it-IT", "country_code": "IT"},
        john: {"name": "John <b>Smith</b>", "email": john, "locale": None, "country_code": "GB"},
    }
    sender = MailSender(orders_engine, mail_settings(smtp.port))
    order_ids = {}
    for email, customer in customers.items():
        order_ids[email] = await an_order(orders_engine, **customer)
        await stage_in_own_transaction(
            orders_engine,
            order_ids[email],
            kind=Kind.ORDER_CONFIRMED,
            locale=choose_locale(customer["locale"], customer["country_code"]),
            recipient=email,
            context={
                "order_number": "#1001",
                "customer_name": customer["name"],
                "promised_on": date(2026, 12, 4),
            },
        )

    await sender.send_pending()

    [italian], [english] = smtp.mailbox.to(maria), smtp.mailbox.to(john)
    assert italian["Subject"] == "Il suo ordine #1001 è confermato"
    assert english["Subject"] == "Your order #1001 is confirmed"
    for mail, email, locale in ((italian, maria, "it"), (english, john, "en")):
        nid = notification_id(order_ids[email], Kind.ORDER_CONFIRMED, "")
        assert mail["From"] == "Saponificio Lavanda <ordini@lavanda.example>"
        assert mail["Message-ID"].strip() == f"<{nid.hex}@lavanda.example>"
        assert mail["Content-Language"] == locale
        assert mail.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    it_text, it_html = parts(italian)
    en_text, en_html = parts(english)
    assert "Gentile Maria Rossi," in it_text
    assert "Prevediamo di consegnarlo entro venerdì 4 dicembre 2026." in it_text
    assert "venerdì 4 dicembre 2026" in it_html
    assert "Cordiali saluti,\nSaponificio Lavanda" in it_text
    assert "Dear John <b>Smith</b>," in en_text
    assert "We expect it to reach you by Friday 4 December 2026." in en_text
    assert "Dear John &lt;b&gt;Smith&lt;/b&gt;," in en_html


async def test_while_smtp_is_down_attempts_are_recorded_then_the_mail_goes_out(orders_engine):
    recipient = address("maria")
    order_id = await an_order(orders_engine, email=recipient)
    server = SmtpServer(free_port())  # not started yet: nothing listens on its port
    sender = MailSender(orders_engine, mail_settings(server.port))
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)

    await sender.send_pending()
    await sender.send_pending()
    [down] = await notifications_of(orders_engine, order_id)
    await server.start()
    try:
        await sender.send_pending()
    finally:
        await server.stop()

    assert down.status is Status.PENDING
    assert down.attempts == 2
    assert down.detail is not None and "connect" in down.detail.lower()
    [up] = await notifications_of(orders_engine, order_id)
    assert up.status is Status.SENT
    assert up.attempts == 3
    assert up.detail is None
    assert len(server.mailbox.to(recipient)) == 1


async def test_after_the_last_attempt_a_notification_fails_for_good(orders_engine):
    recipient = address("maria")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(free_port(), max_attempts=2))
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)

    for _ in range(3):
        await sender.send_pending()

    [record] = await notifications_of(orders_engine, order_id)
    assert record.status is Status.FAILED
    assert record.attempts == 2


async def test_a_failed_attempt_waits_before_the_next(orders_engine):
    recipient = address("maria")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(free_port(), retry_backoff_seconds=60))
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)

    await sender.send_pending()
    await sender.send_pending()

    [record] = await notifications_of(orders_engine, order_id)
    assert (record.status, record.attempts) == (Status.PENDING, 1)


async def test_the_sender_sleeps_until_its_failed_mail_may_be_tried_again(orders_engine):
    """Its fallback poll can then be slow: a retry is due at the backoff, not at the poll."""
    recipient = address("piero")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(free_port(), retry_backoff_seconds=60))
    assert await sender.next_turn_in() is None
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)

    await sender.send_pending()

    due_in = await sender.next_turn_in()
    assert due_in is not None and 55 < due_in <= 60


async def test_one_pass_sends_its_mails_over_one_connection(orders_engine, smtp):
    recipients = [address(f"cliente{n}") for n in range(3)]
    for recipient in recipients:
        order_id = await an_order(orders_engine, email=recipient)
        await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)
    sender = MailSender(orders_engine, mail_settings(smtp.port))

    await sender.send_pending()

    assert all(len(smtp.mailbox.to(r)) == 1 for r in recipients)
    assert smtp.mailbox.connections(set(recipients)) == 1


async def test_after_a_refusal_the_next_mail_of_the_pass_still_goes_out(orders_engine, smtp):
    refused, welcome = address("nobody"), address("giulia")
    for recipient in (refused, welcome):
        order_id = await an_order(orders_engine, email=recipient)
        await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)
    sender = MailSender(orders_engine, mail_settings(smtp.port))

    await sender.send_pending()

    assert smtp.mailbox.to(refused) == []
    assert len(smtp.mailbox.to(welcome)) == 1


async def test_a_refused_mailbox_fails_at_once_with_the_servers_answer(orders_engine, smtp):
    recipient = address("nobody")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(smtp.port))
    await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)

    await sender.send_pending()

    [record] = await notifications_of(orders_engine, order_id)
    assert record.status is Status.FAILED
    assert record.attempts == 1
    assert record.detail is not None and "No such mailbox" in record.detail
    assert smtp.mailbox.to(recipient) == []


async def test_a_channel_that_mails_its_customers_itself_is_skipped(orders_engine, smtp):
    recipient = address("maria")
    customer = {"name": "Maria Rossi", "email": recipient, "locale": "it"}
    order_id = await an_order(orders_engine, channel="shopify", **customer)
    settings = mail_settings(smtp.port, disabled_channels=["shopify"])
    sender = MailSender(orders_engine, settings)

    async with orders_engine.begin() as conn:
        await stage_for_customer(
            conn,
            order_id=order_id,
            channel="shopify",
            order_number="#1001",
            customer=customer,
            kind=Kind.ORDER_DELIVERED,
            context={},
            settings=settings,
        )
    await sender.send_pending()

    assert not should_mail("shopify", settings)
    [record] = await notifications_of(orders_engine, order_id)
    assert record.status is Status.SKIPPED
    assert record.detail == "shopify notifies its customers itself (mail.disabled_channels)"
    assert smtp.mailbox.to(recipient) == []


async def test_a_customer_shipping_to_italy_without_a_language_is_written_to_in_italian(
    orders_engine, smtp
):
    recipient = address("giulia")
    customer: dict[str, Any] = {
        "name": "Giulia Bianchi",
        "email": recipient,
        "shipping_address": {"city": "Bologna", "country_code": "IT"},
    }
    order_id = await an_order(orders_engine, **customer)
    settings = mail_settings(smtp.port, disabled_channels=["shopify"])

    async with orders_engine.begin() as conn:
        await stage_for_customer(
            conn,
            order_id=order_id,
            channel="etsy",
            order_number="#2002",
            customer=customer,
            kind=Kind.ORDER_CANCELLED,
            context={"reason": "inventory"},
            settings=settings,
        )
    await MailSender(orders_engine, settings).send_pending()

    [mail] = smtp.mailbox.to(recipient)
    text, _ = parts(mail)
    assert mail["Subject"] == "Il suo ordine #2002 è stato annullato"
    assert text.startswith("Gentile Giulia Bianchi,\n")
    assert "Motivo: non abbiamo più disponibile un articolo" in text


async def test_a_customer_without_an_address_is_skipped_with_the_reason(orders_engine):
    order_id = await an_order(orders_engine, name="Maria Rossi")

    await stage_in_own_transaction(orders_engine, order_id, recipient=None)

    [record] = await notifications_of(orders_engine, order_id)
    assert record.status is Status.SKIPPED
    assert record.detail == "no e-mail address for the customer"


async def test_two_senders_never_mail_the_same_notification(orders_engine, smtp):
    recipients = [address(f"c{i}") for i in range(6)]
    for recipient in recipients:
        order_id = await an_order(orders_engine, email=recipient)
        await stage_in_own_transaction(orders_engine, order_id, recipient=recipient)
    senders = [MailSender(orders_engine, mail_settings(smtp.port)) for _ in range(2)]

    await asyncio.gather(*(s.send_pending() for s in senders))

    assert [len(smtp.mailbox.to(r)) for r in recipients] == [1] * 6


async def test_the_background_sender_mails_what_is_staged(orders_engine, smtp):
    recipient = address("maria")
    order_id = await an_order(orders_engine, email=recipient)
    sender = MailSender(orders_engine, mail_settings(smtp.port))
    sender.start()
    try:
        await stage_in_own_transaction(
            orders_engine,
            order_id,
            kind=Kind.SHIPMENT_DISPATCHED,
            reference=str(uuid.uuid4()),
            recipient=recipient,
            context={"order_number": "#1001", "carrier": "BRT", "tracking_number": "BRT-7"},
        )
        await eventually(lambda: smtp.mailbox.to(recipient), seconds=10)
    finally:
        await sender.stop()

    [mail] = smtp.mailbox.to(recipient)
    assert mail["Subject"] == "Your order #1001 is on its way"
    text, _ = parts(mail)
    assert "Tracking number: BRT-7" in text


async def eventually(check: Callable[[], Any], *, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within the deadline"
        await asyncio.sleep(0.05)


class Statements:
    """What an engine ran: the transactions begun and each statement's first word."""

    def __init__(self) -> None:
        self.transactions = 0
        self.verbs: list[str] = []
        self.texts: list[str] = []

    def began(self, conn) -> None:
        self.transactions += 1

    def ran(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.verbs.append(statement.split(None, 1)[0].upper())
        self.texts.append(statement)


@contextlib.contextmanager
def statements_on(engine: AsyncEngine) -> Iterator[Statements]:
    seen = Statements()
    event.listen(engine.sync_engine, "begin", seen.began)
    event.listen(engine.sync_engine, "before_cursor_execute", seen.ran)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen.ran)
        event.remove(engine.sync_engine, "begin", seen.began)


async def mail_what_earlier_tests_left(engine, smtp: SmtpServer) -> None:
    """The sender takes every pending row: send those of earlier tests first, so a test can
    count the statements of a pass over its own."""
    sender = MailSender(engine, mail_settings(smtp.port))
    while await sender.send_pending():
        pass


async def stage_for(engine, recipients: list[str]) -> dict[str, uuid.UUID]:
    orders = {}
    for recipient in recipients:
        orders[recipient] = await an_order(engine, email=recipient)
        await stage_in_own_transaction(engine, orders[recipient], recipient=recipient)
    return orders


async def test_a_pass_takes_its_chunk_in_one_select_and_marks_it_sent_in_one_update(
    orders_engine, smtp
):
    await mail_what_earlier_tests_left(orders_engine, smtp)
    recipients = [address(f"cliente{n}") for n in range(12)]
    orders = await stage_for(orders_engine, recipients)
    sender = MailSender(orders_engine, mail_settings(smtp.port), batch_size=20)

    with statements_on(orders_engine) as seen:
        tried = await sender.send_pending()

    assert tried == 12
    assert [len(smtp.mailbox.to(r)) for r in recipients] == [1] * 12
    assert smtp.mailbox.connections(set(recipients)) == 1
    assert seen.transactions == 1
    assert seen.verbs == ["SELECT", "UPDATE"]
    assert "FOR UPDATE SKIP LOCKED" in seen.texts[0]
    assert "ANY" in seen.texts[1]
    for order_id in orders.values():
        [record] = await notifications_of(orders_engine, order_id)
        assert (record.status, record.attempts, record.detail) == (Status.SENT, 1, None)
        assert record.sent_at is not None


async def test_a_full_chunk_leaves_the_rest_to_the_next_pass(orders_engine, smtp):
    await mail_what_earlier_tests_left(orders_engine, smtp)
    recipients = [address(f"cliente{n}") for n in range(5)]
    await stage_for(orders_engine, recipients)
    sender = MailSender(orders_engine, mail_settings(smtp.port), batch_size=3)

    tried = [await sender.send_pending() for _ in range(3)]

    assert tried == [3, 2, 0]  # a full chunk makes the worker go again at once
    assert [len(smtp.mailbox.to(r)) for r in recipients] == [1] * 5


async def test_the_running_sender_keeps_its_connection_while_busy_and_hangs_up_when_idle(
    orders_engine, smtp
):
    await mail_what_earlier_tests_left(orders_engine, smtp)
    sender = MailSender(orders_engine, mail_settings(smtp.port))
    busy = [[address(f"keep{n}a"), address(f"keep{n}b")] for n in range(2)]

    for recipients in busy:  # two busy passes of the worker, one after the other
        await stage_for(orders_engine, recipients)
        assert await sender.step() == 2
    assert await sender.step() == 0  # nothing left: it hangs up
    later = address("after-idle")
    await stage_for(orders_engine, [later])
    assert await sender.step() == 1
    await sender.close()

    kept = {r for recipients in busy for r in recipients}
    assert [len(smtp.mailbox.to(r)) for r in [*kept, later]] == [1] * 5
    assert smtp.mailbox.connections(kept) == 1
    assert smtp.mailbox.connections({*kept, later}) == 2


async def test_two_senders_passing_at_once_never_mail_one_notification_twice(orders_engine):
    server = SmtpServer(free_port(), HeldMailbox())
    mailbox = server.mailbox
    assert isinstance(mailbox, HeldMailbox)
    recipients = [address(f"c{i}") for i in range(10)]
    orders = await stage_for(orders_engine, recipients)
    senders = [
        MailSender(orders_engine, mail_settings(server.port), batch_size=3) for _ in range(2)
    ]

    async def until_none_left(sender: MailSender) -> None:
        while await sender.send_pending():
            pass

    await server.start()
    try:
        passes = asyncio.gather(*(until_none_left(s) for s in senders))
        try:
            # each sender holds its chunk's rows while its mail waits at DATA: two waiting at
            # once means two chunks locked at once, and neither sender blocked on the other's
            await eventually(lambda: len(mailbox.holding) >= 2, seconds=10)
        finally:
            mailbox.release.set()
            await passes
    finally:
        await server.stop()

    assert [len(mailbox.to(r)) for r in recipients] == [1] * 10
    for order_id in orders.values():
        [record] = await notifications_of(orders_engine, order_id)
        assert (record.status, record.attempts) == (Status.SENT, 1)


async def test_a_mail_refused_for_now_mid_chunk_backs_off_and_the_others_are_sent(
    orders_engine, smtp
):
    await mail_what_earlier_tests_left(orders_engine, smtp)
    first, busy, last = address("anna"), address("busy"), address("carlo")
    orders = await stage_for(orders_engine, [first, busy, last])
    sender = MailSender(orders_engine, mail_settings(smtp.port, retry_backoff_seconds=60))

    with statements_on(orders_engine) as seen:
        tried = await sender.send_pending()
        again = await sender.send_pending()

    try:
        assert (tried, again) == (3, 0)
        assert len(smtp.mailbox.to(first)) == 1
        assert len(smtp.mailbox.to(last)) == 1
        assert smtp.mailbox.to(busy) == []
        records = {r: (await notifications_of(orders_engine, o))[0] for r, o in orders.items()}
        assert (records[first].status, records[first].attempts) == (Status.SENT, 1)
        assert (records[last].status, records[last].attempts) == (Status.SENT, 1)
        refused = records[busy]
        assert (refused.status, refused.attempts) == (Status.PENDING, 1)
        assert refused.detail is not None and "Mailbox busy" in refused.detail
        assert refused.sent_at is None
        # the pass: its chunk, the failed attempt, the sent ones; the next pass passes over
        # the one backing off (``!= ALL``) and finds nothing else
        assert seen.verbs == ["SELECT", "UPDATE", "UPDATE", "SELECT"]
        assert seen.transactions == 2
        assert "ALL" in seen.texts[3]
    finally:  # later tests' senders would try it again at once
        async with orders_engine.begin() as conn:
            await conn.execute(
                t.notification.update()
                .where(
                    t.notification.c.id == notification_id(orders[busy], Kind.ORDER_DELIVERED, "")
                )
                .values(status=Status.FAILED)
            )
