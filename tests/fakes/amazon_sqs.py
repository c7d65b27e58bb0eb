"""The SQS queue of Amazon's notifications, served by moto in server mode on a free
loopback port (``running_queue``), and ``ORDER_CHANGE`` notifications in Amazon's shape
(``order_change``).

The shape follows the Notifications API's ``ORDER_CHANGE`` (NotificationVersion 1.0,
PayloadVersion 1.0): ``Payload.OrderChangeNotification`` with ``SellerId``,
``AmazonOrderId``, ``OrderChangeType``, ``OrderChangeTrigger`` and an order-level
``Summary``; ``NotificationMetadata`` with the application, subscription and notification
ids. ASSUMED: the ``Summary``'s optional fields beyond those Lotline reads (none)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

REGION = "eu-west-1"
ACCESS_KEY_ID = "AKIAFAKEFORLOTLINE00"  # moto takes any key; never a real one
SECRET_ACCESS_KEY = "fake-secret-access-key-for-moto-only"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def order_change(
    seller_id: str,
    order: dict[str, Any],
    *,
    change_type: str = "OrderStatusChange",
    notification_id: str | None = None,
) -> str:
    """The notification Amazon sends when ``order`` (an Orders v0 ``Order``) changed."""
    now = datetime.now(UTC)
    body = {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": _iso(now),
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller_id,
                "AmazonOrderId": order["AmazonOrderId"],
                "OrderChangeType": change_type,
                "OrderChangeTrigger": {
                    "TimeOfOrderChange": order["LastUpdateDate"],
                    "ChangeReason": "Order status changed",
                },
                "Summary": {
                    "MarketplaceID": order["MarketplaceId"],
                    "OrderStatus": order["OrderStatus"],
                    "PurchaseDate": order["PurchaseDate"],
                    "FulfillmentType": order["FulfillmentChannel"],
                    "OrderType": order.get("OrderType", "StandardOrder"),
                    "NumberOfItemsShipped": order.get("NumberOfItemsShipped", 0),
                    "NumberOfItemsUnshipped": order.get("NumberOfItemsUnshipped", 0),
                    "OrderItems": [],
                },
            }
        },
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sellerapps.app.00000000-lotline-e2e",
            "SubscriptionId": "7d78cc50-95c8-4641-add7-10af4a1fceb7",
            "PublishTime": _iso(now),
            "NotificationId": notification_id or str(uuid.uuid4()),
        },
    }
    return json.dumps(body)


@dataclass
class FakeQueue:
    """A queue on the moto server: where it is, and how a test sends to and counts it."""

    endpoint_url: str
    queue_url: str

    def env(self, prefix: str = "LOTLINE_CONNECTORS__AMAZON__NOTIFICATIONS__") -> dict[str, str]:
        return {
            f"{prefix}QUEUE_URL": self.queue_url,
            f"{prefix}ENDPOINT_URL": self.endpoint_url,
            f"{prefix}REGION": REGION,
            f"{prefix}ACCESS_KEY_ID": ACCESS_KEY_ID,
            f"{prefix}SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            f"{prefix}WAIT_TIME_SECONDS": "1",
            f"{prefix}VISIBILITY_TIMEOUT_SECONDS": "5",
        }

    @contextlib.asynccontextmanager
    async def _client(self) -> AsyncIterator[Any]:
        async with get_session().create_client(
            "sqs",
            region_name=REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        ) as sqs:
            yield sqs

    async def send(self, *bodies: str) -> None:
        async with self._client() as sqs:
            for body in bodies:
                await sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)

    async def depth(self) -> int:
        """Messages on the queue, visible or being handled (received, not yet deleted)."""
        async with self._client() as sqs:
            answer = await sqs.get_queue_attributes(
                QueueUrl=self.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )
        attributes = answer["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@contextlib.asynccontextmanager
async def running_queue(name: str = "lotline-amazon-notifications") -> AsyncIterator[FakeQueue]:
    """A moto server on a free loopback port, with one standard queue, for the block."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    await asyncio.to_thread(server.start)
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        async with get_session().create_client(
            "sqs",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        ) as sqs:
            created = await sqs.create_queue(QueueName=name)
        yield FakeQueue(endpoint_url=endpoint, queue_url=str(created["QueueUrl"]))
    finally:
        await asyncio.to_thread(server.stop)
