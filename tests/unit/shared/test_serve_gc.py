"""A service's start runs without the cyclic collector (its ``__main__`` turns it off) and
turns it on once started, with what the start made frozen out of later collections; a
process that never turned it off (a test, the CLI) is left as it is."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.serve import started_collecting


@pytest.fixture
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_a_start_without_the_collector_ends_with_it_on_and_the_start_frozen(
    collector_restored: None,
) -> None:
    gc.disable()
    made_at_start = [[n] for n in range(1000)]  # lives as long as the process

    started_collecting()

    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made_at_start)


def test_a_process_that_kept_the_collector_on_is_left_alone(collector_restored: None) -> None:
    frozen = gc.get_freeze_count()

    started_collecting()

    assert gc.isenabled() and gc.get_freeze_count() == frozen
