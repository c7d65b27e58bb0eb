"""Sendcloud's tracking webhooks: check the signature, then read the parcel's new status.

Checked against Sendcloud's v2 webhook reference (sendcloud.dev, "Webhooks" and "Parcel
status changed"): the ``Sendcloud-Signature`` header is the hex HMAC-SHA256 of the raw body
keyed with the integration's secret key (or its "webhook signature key", depending on the
integration type); the reference's own example signs ``{"key": "value"}`` with ``secretkey``
to ``1eed4b3d…4b0a``. The body is ``{"action": "parcel_status_changed", "timestamp",
"parcel": {"id", "tracking_number", "status": {"id", "message"}, …}}``. Deliveries can
arrive out of order and are retried by Sendcloud when we do not answer 2xx.
Status id 11 is "Delivered" in Sendcloud's parcel-status list (GET /api/v2/parcels/statuses).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

SIGNATURE_HEADER = "Sendcloud-Signature"
STATUS_CHANGED = "parcel_status_changed"
DELIVERED_STATUS_IDS = frozenset({11})


class WebhookInvalid(ValueError):
    """A parcel-status webhook whose body we cannot read: poison, not a transient fault."""


class TrackingUpdate(NamedTuple):
    carrier_reference: str
    status_id: int
    status_message: str
    delivered: bool


class _Status(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: int
    message: str = ""


class _Parcel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: int
    status: _Status


def sign_webhook(body: bytes, secret: str) -> str:
    """What Sendcloud puts in ``Sendcloud-Signature`` for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, signature_header: str | None, secret: str) -> bool:
    """Constant-time check over the bytes as received (never re-serialised JSON)."""
    if not signature_header or not secret:
        return False
    expected = sign_webhook(body, secret)
    return hmac.compare_digest(expected.encode(), signature_header.strip().lower().encode())


def parse_tracking_webhook(payload: Mapping[str, Any] | bytes | str) -> TrackingUpdate | None:
    """The parcel's new status; None for the other actions Sendcloud may post to the same URL."""
    data = _as_mapping(payload)
    if data.get("action") != STATUS_CHANGED:
        return None
    try:
        parcel = _Parcel.model_validate(data.get("parcel"))
    except ValidationError as error:
        raise WebhookInvalid(
            f"parcel_status_changed without a parcel id and status: {error}"
        ) from error
    return TrackingUpdate(
        carrier_reference=str(parcel.id),
        status_id=parcel.status.id,
        status_message=parcel.status.message,
        delivered=parcel.status.id in DELIVERED_STATUS_IDS,
    )


def _as_mapping(payload: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    try:
        data = json.loads(payload)
    except ValueError as error:
        raise WebhookInvalid(f"webhook body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise WebhookInvalid("webhook body is not a JSON object")
    return data
