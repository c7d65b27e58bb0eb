"""What is old enough to prune, and how long Kafka keeps each topic: plain rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.contracts import topics
from shared.retention import cutoff, expired
from shared.settings import RetentionSettings

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def test_the_cutoff_is_the_window_before_now():
    assert cutoff(NOW, 30) == NOW - timedelta(days=30)


def test_a_row_is_expired_only_once_it_is_older_than_the_window():
    assert expired(NOW - timedelta(days=30, seconds=1), now=NOW, window_days=30)
    assert not expired(NOW - timedelta(days=30), now=NOW, window_days=30)
    assert not expired(NOW - timedelta(days=2), now=NOW, window_days=30)


def test_the_default_window_outlasts_kafka_offsets_and_shopify_redelivery():
    window = timedelta(days=RetentionSettings().inbox_days)
    assert window > timedelta(days=7)  # Kafka's offsets.retention.minutes default
    assert window > timedelta(hours=48)  # Shopify retries a webhook for up to 48 hours


def test_a_window_shorter_than_kafka_offset_retention_is_refused():
    with pytest.raises(ValidationError):
        RetentionSettings(inbox_days=2)


@pytest.mark.parametrize("topic", topics.ALL)
def test_event_topics_are_kept_forever_for_replays(topic: str):
    assert topics.retention_ms(topic) == -1
    assert topics.retention_ms(f"lotline.{topic}") == -1


@pytest.mark.parametrize("topic", topics.ALL)
def test_dead_letter_topics_are_bounded(topic: str):
    ms = topics.retention_ms(topics.dead_letter(topic))
    assert ms == 90 * 24 * 3600 * 1000


def test_retention_in_words():
    assert topics.describe_retention(-1) == "forever (retention.ms=-1)"
    assert topics.describe_retention(86_400_000) == "1 days (retention.ms=86400000)"
