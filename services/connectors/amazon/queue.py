"""The SQS queue Amazon's notifications arrive on, over aiobotocore: long-polled
``ReceiveMessage`` (``WaitTimeSeconds``, up to 10 messages) and ``DeleteMessageBatch``.
The access key comes from the settings (never logged); without one, botocore's own chain
(environment, instance role) is used. ``endpoint_url`` points at an SQS-compatible server
(moto in tests and the demo)."""

from __future__ import annotations

import contextlib
from typing import Any

from services.connectors.amazon.config import NotificationQueue
from services.connectors.amazon.order_changes import Message


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


class SqsQueue:
    """One queue, one aiobotocore client opened on first use and closed by ``close``."""

    def __init__(self, settings: NotificationQueue) -> None:
        if not settings.queue_url:
            raise ValueError("no notification queue configured")
        self._settings = settings
        self._url = settings.queue_url
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def _sqs(self) -> Any:
        if self._client is None:
            # aiobotocore (botocore, aiohttp) is a quarter second of import: paid by a
            # seller with a notification queue, not by every start of the connectors
            from aiobotocore.session import get_session

            session = get_session()
            self._client = await self._stack.enter_async_context(
                session.create_client(
                    "sqs",
                    region_name=self._settings.region,
                    endpoint_url=self._settings.endpoint_url,
                    aws_access_key_id=_secret(self._settings.access_key_id),
                    aws_secret_access_key=_secret(self._settings.secret_access_key),
                )
            )
        return self._client

    async def receive(self) -> list[Message]:
        """Wait up to ``wait_time_seconds`` for up to ``max_messages`` messages."""
        sqs = await self._sqs()
        answer = await sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._settings.max_messages,
            WaitTimeSeconds=self._settings.wait_time_seconds,
            VisibilityTimeout=self._settings.visibility_timeout_seconds,
        )
        return [
            Message(
                message_id=str(m.get("MessageId", "")),
                body=str(m.get("Body", "")),
                receipt_handle=str(m["ReceiptHandle"]),
            )
            for m in answer.get("Messages", [])
        ]

    async def delete(self, messages: list[Message]) -> list[str]:
        """Delete the messages (ten per call); the ids SQS failed to delete (they come back
        and are handled again, which the one path makes harmless)."""
        sqs = await self._sqs()
        failed: list[str] = []
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            answer = await sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(chunk)
                ],
            )
            failed.extend(chunk[int(f["Id"])].message_id for f in answer.get("Failed", []))
        return failed

    async def close(self) -> None:
        self._client = None
        await self._stack.aclose()
