"""Which channels get e-mail from us (the SMTP settings live in ``shared.settings``)."""

from __future__ import annotations

from shared.settings import MailSettings

__all__ = ["MailSettings", "should_mail"]


def should_mail(channel: str, settings: MailSettings) -> bool:
    """False for channels that notify their customers themselves (Shopify's notifyCustomer)."""
    disabled = {name.strip().lower() for name in settings.disabled_channels}
    return channel.strip().lower() not in disabled
