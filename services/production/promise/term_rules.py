"""Pure: the handling and carrier-transit terms of a promise, for a shop and a carrier
service, from the deployment's settings. Quotes and real orders both ask here, so a quote
for a shop answers the date that shop's order then gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import PromiseSettings


@dataclass(frozen=True)
class Terms:
    """Working days from goods ready to handed over, and from handed over to delivered."""

    handling_days: int
    transit_days: int


def terms_for(
    settings: PromiseSettings,
    *,
    channel: str | None = None,
    shop: str | None = None,
    service: str | None = None,
) -> Terms:
    """The shop's handling (else its channel's, else the default) and the carrier service's
    transit (else the default)."""
    by_shop = settings.handling_days_by_shop
    handling = next(
        (by_shop[key] for key in (shop, channel) if key is not None and key in by_shop),
        settings.handling_days,
    )
    transit = settings.transit_days_by_service.get(service or "", settings.transit_days)
    return Terms(handling_days=handling, transit_days=transit)
