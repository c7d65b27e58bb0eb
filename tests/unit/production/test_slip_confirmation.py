"""A later date waits until the plan keeps it for CONFIRM_SECONDS; earlier and first dates
go at once; a slip the next plan takes back is never published."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.production.promise.slip_rules import CONFIRM_SECONDS, PendingSlips

ORDER = UUID(int=1)
STORED = {ORDER: date(2027, 3, 10)}


def test_a_first_date_and_an_earlier_date_are_published_at_once():
    slips = PendingSlips()

    assert slips.publishable({}, {ORDER: date(2027, 3, 20)}, now=0.0) == {ORDER}
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 8)}, now=0.0) == {ORDER}
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 10)}, now=0.0) == set()
    assert not slips.waiting


def test_a_slip_is_published_once_the_plan_has_kept_it_long_enough():
    slips = PendingSlips()
    later = {ORDER: date(2027, 3, 12)}

    assert slips.publishable(STORED, later, now=10.0) == set()
    assert slips.waiting
    assert slips.publishable(STORED, later, now=10.0 + CONFIRM_SECONDS / 2) == set()
    assert slips.publishable(STORED, later, now=10.0 + CONFIRM_SECONDS) == {ORDER}
    assert not slips.waiting


def test_a_slip_the_next_plan_takes_back_is_never_published():
    slips = PendingSlips()

    assert slips.publishable(STORED, {ORDER: date(2027, 3, 28)}, now=0.0) == set()
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 10)}, now=1.0) == set()
    assert not slips.waiting
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 28)}, now=5.0) == set()  # anew


def test_a_slip_that_moves_again_starts_its_wait_over():
    slips = PendingSlips()

    slips.publishable(STORED, {ORDER: date(2027, 3, 12)}, now=0.0)
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 14)}, now=CONFIRM_SECONDS) == set()
    assert slips.publishable(STORED, {ORDER: date(2027, 3, 14)}, now=2 * CONFIRM_SECONDS) == {ORDER}
