"""The supervisor's restart policy: backoff that doubles on quick deaths and starts over
after a healthy run, a crash loop left down, and an exit said in words."""

from __future__ import annotations

import signal

from deploy.restart_policy import Policy, Restarts, describe_exit

POLICY = Policy(initial_delay=0.5, max_delay=4.0, healthy_after=30.0, max_restarts=5, window=60.0)


def test_quick_deaths_back_off_doubling_up_to_the_ceiling():
    record = Restarts(POLICY)
    delays = []
    for t in range(5):
        record.started(float(t * 10))
        delays.append(record.died(float(t * 10 + 1)))

    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_a_process_that_ran_long_enough_starts_over_from_the_first_delay():
    record = Restarts(POLICY)
    record.started(0.0)
    assert record.died(1.0) == 0.5
    record.started(1.5)
    assert record.died(2.0) == 1.0
    record.started(2.5)

    assert record.died(100.0) == 0.5  # ran 97.5 s: healthy, the backoff starts over


def test_more_deaths_than_allowed_within_the_window_is_a_crash_loop():
    record = Restarts(POLICY)
    answers = []
    for t in range(6):
        record.started(float(t))
        answers.append(record.died(float(t) + 0.1))

    assert answers[:5] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert answers[5] is None


def test_deaths_spread_over_more_than_the_window_never_make_a_crash_loop():
    record = Restarts(POLICY)
    for t in range(20):
        record.started(t * 40.0)
        assert record.died(t * 40.0 + 35.0) == 0.5


def test_an_exit_reads_as_its_code_or_its_signal():
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(None) == "vanished"
