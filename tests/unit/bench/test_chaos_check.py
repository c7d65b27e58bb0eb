"""The chaos run's checker over fabricated rows: each check finds the violation it is for
(a lost or doubled order, an oversold sample, a ledger that does not add up, a line
reserved twice, an order stuck in ``received``, an unpublished outbox row, a process the
supervisor gave up on), and a clean run has none."""

from __future__ import annotations

import itertools
import json
import random
from decimal import Decimal as D

from bench import chaos_check as check
from bench.chaos import PROCESSES, Plan, cancellation, kill_schedule, mailed
from bench.chaos_check import Findings, LotSample, OrderFact, Reservation


def order(external: str, status: str = "ready_to_ship", channel: str = "shopify") -> OrderFact:
    return OrderFact(channel, external, f"id-{external}-{status}", status)


def clean(**changes: object) -> Findings:
    fields: dict[str, object] = {
        "lost": [], "duplicated": {}, "unsettled": [], "not_cancelled": [],
        "duplicate_reservations": {}, "over_reserved": {}, "held_after_cancel": [],
        "duplicate_effects": {"notifications": {}}, "oversold": [], "ledger": {},
        "ledger_api": [], "unpublished": {"orders": 0}, "dead_letters": 0, "given_up": [],
        "unaccepted": 0,
    }  # fmt: skip
    return Findings(**{**fields, **changes})  # type: ignore[arg-type]


def test_an_accepted_order_missing_is_lost_and_one_there_twice_is_duplicated():
    accepted = [("shopify", "1"), ("shopify", "2"), ("manual", "M-3")]
    orders = [order("1"), order("1"), order("M-3", channel="manual"), order("9")]

    lost, duplicated = check.lost_and_duplicated(accepted, orders)

    assert lost == [("shopify", "2")]
    assert duplicated == {("shopify", "1"): 2}


def test_the_same_external_id_on_two_channels_is_two_orders_not_a_duplicate():
    accepted = [("shopify", "7"), ("manual", "7")]

    assert check.lost_and_duplicated(accepted, [order("7"), order("7", channel="manual")]) == (
        [],
        {},
    )


def test_an_order_left_received_is_unsettled_and_a_held_one_is_not():
    orders = [order("1", "received"), order("2", "on_hold"), order("3", "awaiting_production")]

    assert [o.external_id for o in check.unsettled(orders)] == ["1"]


def test_a_cancellation_that_did_not_cancel_is_found():
    orders = [order("1", "cancelled"), order("2", "ready_to_ship")]

    found = check.wrongly_not_cancelled([("shopify", "1"), ("shopify", "2")], orders)

    assert [o.external_id for o in found] == ["2"]


def test_a_sample_reserved_beyond_its_stock_or_below_zero_is_oversold():
    samples = [
        LotSample(1.0, "L1", D("5"), D("5")),
        LotSample(2.0, "L1", D("5"), D("5.001")),
        LotSample(2.0, "L2", D("-1"), D("0")),
    ]

    assert check.oversold(samples) == samples[1:]


def test_a_lot_whose_movements_do_not_add_up_to_its_stock_is_a_ledger_mismatch():
    on_hand = {"L1": D("10"), "L2": D("4"), "L3": D("0")}
    movements = [("L1", D("12")), ("L1", D("-2")), ("L2", D("5"))]

    assert check.ledger_mismatches(on_hand, movements) == {"L2": (D("4"), D("5"))}


def test_a_line_reserved_twice_is_over_reserved_and_a_repeated_key_is_found():
    requested = {("o1", 1): D("3"), ("o2", 1): D("2")}
    reservations = [
        Reservation("o1", 1, "L1", D("2")),
        Reservation("o1", 1, "L2", D("1")),  # split over two lots: fine
        Reservation("o2", 1, "L1", D("2")),
        Reservation("o2", 1, "L2", D("2")),  # reserved again on another lot
    ]

    assert check.over_reserved(requested, reservations) == {("o2", 1): (D("2"), D("4"))}
    assert check.repeated([("o1", "confirmed", ""), ("o1", "confirmed", ""), ("o2", "x", "")]) == {
        ("o1", "confirmed", ""): 2
    }


def test_stock_held_for_a_cancelled_order_is_found():
    reservations = [Reservation("o1", 1, "L1", D("1")), Reservation("o2", 1, "L1", D("1"))]

    assert check.holding_after_cancel(["o2"], reservations) == reservations[1:]


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]

    assert (check.percentile(values, 50), check.percentile(values, 99)) == (50.0, 99.0)
    assert check.percentile([], 50) is None


def test_the_supervisor_log_gives_restarts_per_process_and_crash_loops():
    log = "\n".join(
        [
            "2026-12-06 20:41:10 supervisor: supervising orders, gateway",
            "2026-12-06 20:41:20 supervisor: orders killed by SIGKILL; starting it again in 0.5s",
            "2026-12-06 20:41:21 supervisor: orders started again (pid 123)",
            "2026-12-06 20:41:30 supervisor: gateway started again (pid 124)",
            "2026-12-06 20:41:40 supervisor: orders started again (pid 125)",
            "2026-12-06 20:41:50 supervisor: trace exit code 1; crash loop (too many deaths "
            "within a minute): left down",
        ]
    )

    assert check.restarts_in_log(log) == ({"orders": 2, "gateway": 1}, ["trace"])


def test_a_clean_run_has_no_violation_and_each_finding_is_one():
    assert clean().violations() == []
    sample = LotSample(1.0, "L1", D("1"), D("2"))
    broken = {
        "lost": [("shopify", "1")],
        "duplicated": {("shopify", "1"): 2},
        "oversold": [sample],
        "ledger": {"L1": (D("1"), D("2"))},
        "unsettled": [order("1", "received")],
        "unpublished": {"orders": 3},
        "given_up": ["trace"],
        "dead_letters": 1,
        "duplicate_effects": {"notifications": {("o1", "confirmed", ""): 2}},
    }
    for name, value in broken.items():
        found = clean(**{name: value}).violations()
        assert len(found) == 1, (name, found)


def test_every_process_is_killed_as_often_as_planned_never_twice_in_a_row():
    schedule = kill_schedule(Plan(kills=3), 600.0, random.Random(7))

    names = [name for _, name in schedule]
    assert sorted(names) == sorted(PROCESSES * 3)
    assert all(a != b for a, b in itertools.pairwise(names))
    times = [at for at, _ in schedule]
    assert times == sorted(times) and times[0] > 0 and times[-1] < 600


def test_a_cancellation_zeroes_every_line_and_is_newer_than_the_order():
    body = b'{"id":1,"updated_at":"2026-01-01T00:00:00+00:00","line_items":[{"quantity":2}]}'

    cancelled = json.loads(cancellation(body))

    assert cancelled["cancelled_at"] and cancelled["updated_at"] > "2026-01-01T00:00:00+00:00"
    assert cancelled["line_items"][0]["current_quantity"] == 0


def test_a_resend_is_told_apart_from_a_second_e_mail_for_one_notification(tmp_path):
    (tmp_path / "mail").mkdir()
    sent = [("n-1", "<n-1@lotline>"), ("n-2", "<n-2@lotline>"), ("n-1", "<n-1@lotline>")]
    sent += [("n-3", "<n-3@lotline>"), ("n-3", "<other@lotline>")]
    for n, (notification, message_id) in enumerate(sent):
        headers = (
            f"Subject: Ordine\nMessage-ID: {message_id}\nX-Lotline-Notification: {notification}\n"
        )
        mail = headers + "\nX-Lotline-Notification: a line of the body\n"
        (tmp_path / "mail" / f"{n}.eml").write_text(mail)

    mails = mailed(tmp_path)

    assert check.mailed_twice_as_different_messages(mails) == {"n-3": 2}
    assert check.resent(mails) == 1  # n-1 again under its own Message-ID: one e-mail to a reader
