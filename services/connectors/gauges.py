"""What the connectors' ``/metrics`` adds to the shared gauges: rows kept as dead for an
operator (webhook deliveries, write-backs, reconciliations), and webhook deliveries
stored but not yet applied."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from shared.observability.metrics import Probe
from shared.observability.probes import RowCounts, count_where, dead_letters


def probes(engine: AsyncEngine) -> list[Probe]:
    dead = dead_letters(
        engine,
        {
            "webhook_delivery": count_where(
                t.webhook_delivery, t.webhook_delivery.c.status == "dead"
            ),
            "write_back": count_where(t.write_back, t.write_back.c.status == "dead"),
            "shopify_reconciliation": count_where(
                t.shopify_reconciliation, t.shopify_reconciliation.c.status == "dead"
            ),
        },
    )
    pending = RowCounts(
        engine,
        name="webhook_deliveries",
        metric="lotline_webhook_deliveries_pending",
        documentation="Webhook deliveries stored in the inbox and not applied yet",
        label="channel",
        queries={
            "shopify": count_where(t.webhook_delivery, t.webhook_delivery.c.status == "pending")
        },
    )
    return [dead, pending]
