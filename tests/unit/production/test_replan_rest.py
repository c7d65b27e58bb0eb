"""The re-plan rests three times as long as it took, so under load (a wake after every
event) it takes at most a quarter of the production service's event loop."""

from __future__ import annotations

import pytest

from services.production.promise.replanner import LONGEST_REST_SECONDS, rest_after


@pytest.mark.parametrize("spent", [0.001, 0.13, 2.4])
def test_a_replan_takes_at_most_a_quarter_of_the_loop(spent: float) -> None:
    rest = rest_after(spent)
    assert spent / (spent + rest) == pytest.approx(0.25)


def test_the_rest_is_bounded_and_never_negative() -> None:
    assert rest_after(3600.0) == LONGEST_REST_SECONDS
    assert rest_after(-1.0) == 0.0
