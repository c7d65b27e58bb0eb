"""Rich views of a WooCommerce store and an Amazon seller: their state, orders and FBA sales.
The gateway never answers a secret, so none can be printed here."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli.render import grid, table, when


def _or_never(timestamp: str | None) -> str:
    return when(timestamp) or "never"


def store_view(store: dict[str, Any]) -> Panel:
    """What an operator checks: where the store is, which key, what to paste into
    WooCommerce, how far reconciliation has read, and its last error."""
    error = Text(store["last_error"], style="bold red") if store["last_error"] else Text("-")
    rows: list[tuple[str, str | Text]] = [
        ("Store URL", store["base_url"]),
        ("Consumer key", f"…{store['consumer_key_hint']}"),
        ("Webhook path", store["webhook_path"]),
        ("Watermark", when(store["watermark"]) or "none yet"),
        ("Last reconciliation", _or_never(store["last_reconciled_at"])),
        ("Last error", error),
    ]
    return Panel(grid(rows), title=f"WooCommerce store {store['shop']}", title_align="left")


def reconcile_view(shop: str, run: dict[str, Any]) -> Text:
    line = Text(
        f"{shop}: {run['pages']} pages, {run['orders_seen']} orders seen, "
        f"{run['published']} published, {run['cancelled']} cancelled"
    )
    if run["error"]:
        line.append(f"\nerror: {run['error']}", style="bold red")
    return line


def _authorisation(seller: dict[str, Any]) -> Text:
    if seller["authorised"]:
        expires = seller["access_expires_at"]
        return Text("authorised" + (f" (access token until {when(expires)})" if expires else ""))
    if seller["revoked_at"]:
        reason = seller["revoked_reason"] or "-"
        return Text(f"REVOKED {when(seller['revoked_at'])}: {reason}", style="bold red")
    return Text("not authorised", style="yellow")


def seller_view(seller: dict[str, Any], fba: dict[str, Any] | None = None) -> Panel:
    poll = _or_never(seller["last_polled_at"])
    if seller["last_poll_error"]:
        poll += f" (error: {seller['last_poll_error']})"
    rows: list[tuple[str, str | Text]] = [
        ("Shop", seller["domain"]),
        ("Marketplaces", ", ".join(seller["marketplace_ids"])),
        ("Region", seller["region"]),
        ("LWA client id", seller["lwa_client_id"]),
        ("Authorisation", _authorisation(seller)),
        ("Watermark", when(seller["orders_watermark"]) or "none yet"),
        ("Last poll", poll),
    ]
    if fba is not None:
        rows.append(("FBA sales", fba_summary(fba)))
    return Panel(grid(rows), title=f"Amazon seller {seller['seller_id']}", title_align="left")


def fba_summary(fba: dict[str, Any]) -> str:
    """``3 orders, 74.70 EUR`` per currency, and how many FBA orders are not sales."""
    sold = "; ".join(
        f"{t['orders']} orders, {t['amount']} {t['currency'] or ''}".strip() for t in fba["totals"]
    )
    return f"{sold or 'none'}; {fba['not_sold']} not sold"


def poll_view(seller_id: str, poll: dict[str, Any]) -> str:
    return (
        f"{seller_id}: {poll['pages']} pages, {poll['orders']} orders, "
        f"{poll['published']} published, {poll['cancelled']} cancelled; "
        f"watermark {when(poll['watermark']) or 'unchanged'}"
    )


def fba_view(fba: dict[str, Any]) -> Group:
    sales = table(
        "FBA sales (Amazon's own warehouse: no factory lot reserved)",
        ("Amazon order", "Status", "Marketplace", "Total", "Updated"),
        (
            (
                s["amazon_order_id"],
                s["order_status"],
                s["marketplace_id"],
                f"{s['total_amount'] or '-'} {s['total_currency'] or ''}".strip(),
                when(s["last_update_date"]),
            )
            for s in fba["sales"]
        ),
    )
    return Group(Text(f"Totals: {fba_summary(fba)}"), sales)


def woo_orders_table(rows: list[dict[str, Any]]) -> Table:
    return table(
        "WooCommerce orders",
        ("Order", "Status", "Modified", "Outcome", "Source"),
        (
            (r["order_id"], r["status"], when(r["date_modified"]), r["outcome"], r["source"])
            for r in rows
        ),
    )
