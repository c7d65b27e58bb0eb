"""Carriers behind one port, and the registry that picks one by name.

``carrier_for("sendcloud", settings.carriers)`` gives a ready carrier; the shipment use case
sees only ``Carrier``, ``ParcelRequest`` and ``ParcelCreated`` (see ``port``).
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_address
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from services.orders.carriers.manual import ManualCarrier
from services.orders.carriers.port import (
    Carrier,
    CarrierRejected,
    CarrierUnavailable,
    ParcelCreated,
    ParcelRequest,
    Recipient,
)
from services.orders.carriers.retrying import RetryPolicy
from services.orders.carriers.sendcloud import DEFAULT_RETRY, SendcloudCarrier
from shared.settings import CarrierSettings

__all__ = [
    "KNOWN_CARRIERS",
    "Carrier",
    "CarrierNotConfigured",
    "CarrierRejected",
    "CarrierSettings",
    "CarrierUnavailable",
    "ManualCarrier",
    "ParcelCreated",
    "ParcelRequest",
    "Recipient",
    "RetryPolicy",
    "SendcloudCarrier",
    "SendcloudConfig",
    "UnknownCarrier",
    "carrier_for",
    "retry_policy",
    "sendcloud_webhook_key",
]

KNOWN_CARRIERS = ("manual", "sendcloud")
DEFAULT_TIMEOUT_SECONDS = 20.0


class UnknownCarrier(ValueError):
    """A carrier name outside the registry (names the known ones)."""


class CarrierNotConfigured(ValueError):
    """A known carrier this deployment has no usable credentials or address for."""


class SendcloudConfig(Protocol):
    """What the registry reads from settings: ``shared.settings.CarrierSettings`` fits, and
    so does ``CarrierSettings`` below (which adds retry timing and the webhook key)."""

    @property
    def sendcloud_base_url(self) -> str: ...

    @property
    def sendcloud_public_key(self) -> SecretStr | None: ...

    @property
    def sendcloud_secret_key(self) -> SecretStr | None: ...

    @property
    def sendcloud_default_method_id(self) -> int: ...


def carrier_for(
    name: str,
    settings: SendcloudConfig,
    *,
    retry: RetryPolicy | None = None,
    timeout_seconds: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Carrier:
    """The carrier called ``name``. Retry timing and timeout come from the arguments, else
    from the settings' ``sendcloud_attempts`` … fields when they have them (see
    ``CarrierSettings``), else the defaults; ``transport`` routes HTTP in tests."""
    key = name.strip().lower()
    if key == "manual":
        return ManualCarrier()
    if key == "sendcloud":
        timeout = getattr(settings, "sendcloud_timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
        return _sendcloud(
            settings,
            retry=retry or retry_policy(settings),
            timeout_seconds=timeout_seconds or float(timeout),
            transport=transport,
        )
    known = ", ".join(KNOWN_CARRIERS)
    raise UnknownCarrier(f"unknown carrier {name!r}; known carriers: {known}")


def retry_policy(settings: SendcloudConfig) -> RetryPolicy:
    """The retry timing the settings give, field by field, over ``RetryPolicy``'s defaults."""
    fields = {
        "attempts": "sendcloud_attempts",
        "initial_seconds": "sendcloud_retry_initial_seconds",
        "max_seconds": "sendcloud_retry_max_seconds",
        "max_retry_after_seconds": "sendcloud_max_retry_after_seconds",
        "deadline_seconds": "sendcloud_retry_deadline_seconds",
    }
    given = {
        policy_field: getattr(settings, setting)
        for policy_field, setting in fields.items()
        if getattr(settings, setting, None) is not None
    }
    return replace(DEFAULT_RETRY, **given)


def sendcloud_webhook_key(settings: SendcloudConfig) -> str | None:
    """The key Sendcloud's webhooks are signed with: the webhook signature key when the
    settings have one, else the secret key; None when neither is configured."""
    key = getattr(settings, "sendcloud_webhook_secret", None) or settings.sendcloud_secret_key
    return key.get_secret_value() if isinstance(key, SecretStr) else None


def checked_base_url(url: str) -> str:
    """The keys travel in every request: https, or plain http only to a fake on loopback."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url.rstrip("/")
    raise ValueError(f"the Sendcloud base URL must be https (http only on loopback): {url}")


def _sendcloud(
    settings: SendcloudConfig,
    *,
    retry: RetryPolicy,
    timeout_seconds: float,
    transport: httpx.AsyncBaseTransport | None,
) -> SendcloudCarrier:
    public, secret = settings.sendcloud_public_key, settings.sendcloud_secret_key
    if public is None or secret is None:
        raise CarrierNotConfigured(
            "Sendcloud is not configured: set LOTLINE_CARRIERS__SENDCLOUD_PUBLIC_KEY and "
            "LOTLINE_CARRIERS__SENDCLOUD_SECRET_KEY"
        )
    try:
        base_url = checked_base_url(settings.sendcloud_base_url)
    except ValueError as error:
        raise CarrierNotConfigured(str(error)) from error
    return SendcloudCarrier(
        base_url=base_url,
        public_key=public.get_secret_value(),
        secret_key=secret.get_secret_value(),
        default_method_id=settings.sendcloud_default_method_id,
        retry=retry,
        timeout_seconds=timeout_seconds,
        transport=transport,
    )


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False
