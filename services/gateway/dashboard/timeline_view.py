"""An order's timeline as sentences in the reader's language, with links instead of ids:
"Stock reserved: 3 pc of SOAP from lot L-12", "Production order MO-00042 planned",
"Shipped with DHL, tracking 1Z…". The orders service keeps each entry's facts in ``detail``;
an entry written before it did (or of a kind not known here) keeps its English words after
the kind's name. Pure: the page hands it the entries and the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from services.gateway.dashboard import labels
from services.gateway.dashboard.i18n import translate
from services.gateway.dashboard.locale_format import format_date, format_number
from services.gateway.dashboard.phrases import say as say_phrase

Facts = Mapping[str, Any]


def _(text: str) -> str:
    """Marks an English sentence for the catalogue (the translations test reads them)."""
    return text


PRODUCTION: dict[str, str] = {
    "planned": _("Production order {po} planned"),
    "materials_reserved": _("Materials held for production order {po}"),
    "blocked_on_materials": _("Production order {po} is waiting for materials"),
    "in_progress": _("Production order {po} started"),
    "completed": _("Production order {po} completed"),
    "cancelled": _("Production order {po} cancelled"),
}

NOTIFICATIONS: dict[str, str] = {
    "order_confirmed": _("order confirmation"),
    "shipment_dispatched": _("shipping notice"),
    "order_delivered": _("delivery notice"),
    "order_cancelled": _("cancellation notice"),
    "promise_slipped": _("new delivery date"),
}


class _Words:
    """The reader's language and the links a sentence is made of."""

    def __init__(self, language: str) -> None:
        self.language = language

    def say(self, sentence: str, **parts: Any) -> Markup:
        """``sentence`` translated, its parts escaped unless they are links already."""
        return Markup(translate(self.language, sentence)).format(**parts)

    def link(self, href: str, text: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(href, text)

    def production_order(self, facts: Facts) -> Markup | str:
        po_id = facts.get("production_order_id")
        name = facts.get("number") or str(po_id or "")[:8]
        return self.link(f"/production/{po_id}", name) if po_id else name

    def lot(self, code: str) -> Markup:
        return self.link(f"/trace?lot={quote(code)}", code)

    def amount(self, quantity: Any, unit: Any, item: Any) -> Markup:
        quantity = format_number(quantity, self.language) if quantity is not None else quantity
        return self.say(_("{quantity} {unit} of {item}"), quantity=quantity, unit=unit, item=item)

    def lots(self, facts: Facts) -> Markup:
        phrases = [
            self.say(
                _("{amount} from lot {lot}"),
                amount=self.amount(lot["quantity"], lot["unit"], lot["item_code"]),
                lot=self.lot(lot["lot_code"]),
            )
            for lot in facts.get("lots") or []
        ]
        return Markup(", ").join(phrases)

    def because(self, said: Markup | None, facts: Facts) -> Markup | None:
        """The sentence and, when the service gave one, its reason (in its own words)."""
        reason = facts.get("reason")
        if said is None or not reason:
            return said
        reason = say_phrase(self.language, str(reason))
        return Markup('{} <span class="muted">({})</span>').format(said, reason)

    def status(self, code: Any) -> str:
        return translate(self.language, labels.order_status(str(code)))


def _status(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if "status" not in facts:
        return None
    if not facts.get("previous"):
        return w.say(_("Order received")) if facts["status"] == "received" else None
    moved = w.say(_("Order moved to {status}"), status=w.status(facts["status"]))
    return w.because(moved, facts)


def _stock(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if not facts.get("lots"):
        return None
    if kind == "stock.allocated":
        return w.say(_("Made for it and allocated: {lots}"), lots=w.lots(facts))
    return w.say(_("Stock reserved: {lots}"), lots=w.lots(facts))


def _production(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if kind == "production.materials":
        return _missing(w, facts)
    if "production_order_id" not in facts:
        return None
    po = w.production_order(facts)
    if kind == "production.demands":
        if not facts.get("serves"):
            return w.say(_("Production order {po} no longer serves this order"), po=po)
        if facts.get("quantity") is None:
            return w.say(_("Production order {po} now serves this order"), po=po)
        amount = w.amount(facts["quantity"], facts["unit"], facts.get("item_code"))
        return w.say(
            _("Production order {po} now makes {amount} for this order"), po=po, amount=amount
        )
    sentence = PRODUCTION.get(str(facts.get("status")))
    return w.because(w.say(sentence, po=po), facts) if sentence else None


def _missing(w: _Words, facts: Facts) -> Markup | None:
    if "missing" not in facts:
        return None
    if not facts["missing"]:
        return w.say(_("Nothing is missing any more at any recipe level"))
    phrases = []
    for m in facts["missing"]:
        what = (
            w.amount(m["quantity"], m["unit"], m["item_code"])
            if m.get("quantity") is not None
            else m["item_code"]
        )
        phrases.append(
            w.say(
                _("{what}, expected {on}"), what=what, on=format_date(m["expected_on"], w.language)
            )
            if m.get("expected_on")
            else w.say(_("{what}, no date yet"), what=what)
        )
    return w.say(_("Missing at some recipe level: {what}"), what=Markup("; ").join(phrases))


def _promise(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if "promised_on" not in facts:
        return None
    on = format_date(facts["promised_on"], w.language)
    before = format_date(facts.get("previous_promised_on"), w.language)
    if kind == "promise.slipped":
        said = w.say(_("Promise slipped from {before} to {on}"), before=before, on=on)
    elif kind == "promise.earlier":
        said = w.say(_("Promise moved earlier, from {before} to {on}"), before=before, on=on)
    else:
        said = w.say(_("Promised for {on}"), on=on)
    return w.because(said, facts)


def _shipment(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if "carrier" not in facts:
        return None
    carrier = facts.get("service") or facts["carrier"]
    if kind == "shipment.delivered":
        return w.say(_("Delivered by {carrier}"), carrier=carrier)
    tracking = facts.get("tracking_number")
    if not tracking:
        return w.say(_("Shipped with {carrier}"), carrier=carrier)
    url = facts.get("tracking_url")
    shown = w.link(url, tracking) if url else tracking
    return w.say(_("Shipped with {carrier}, tracking {tracking}"), carrier=carrier, tracking=shown)


def _channel(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if "channel" not in facts:
        return None
    if kind == "channel.fulfilled":
        return w.say(_("The shop on {channel} was told it shipped"), channel=facts["channel"])
    if kind == "channel.write_back_failed":
        return w.say(
            _("The shop on {channel} could not be told: {reason}"),
            channel=facts["channel"],
            reason=facts.get("reason") or "—",
        )
    return None


def _notification(w: _Words, kind: str, facts: Facts) -> Markup | None:
    if "locale" not in facts:
        return None
    what = translate(w.language, NOTIFICATIONS.get(kind.partition(".")[2], "e-mail"))
    to = facts.get("recipient") or "—"
    if facts.get("status") == "sent":
        return w.say(_("E-mail sent to {to}: {what}"), to=to, what=what)
    if facts.get("status") == "skipped":
        return w.say(_("E-mail not needed ({what})"), what=what)
    if facts.get("status") == "failed":
        return w.say(_("E-mail to {to} failed: {what}"), to=to, what=what)
    return w.say(_("E-mail to {to} waiting to be sent: {what}"), to=to, what=what)


SENTENCES: dict[str, Callable[[_Words, str, Facts], Markup | None]] = {
    "status": _status,
    "stock": _stock,
    "production": _production,
    "promise": _promise,
    "shipment": _shipment,
    "channel": _channel,
    "notification": _notification,
}


def sentence(entry: Mapping[str, Any], language: str) -> Markup | None:
    """The entry as one sentence in ``language``; None when its facts are not known here
    (the page shows the kind's name and the service's own words instead)."""
    kind = str(entry.get("kind", ""))
    say = SENTENCES.get(kind.partition(".")[0])
    if say is None:
        return None
    facts = entry.get("detail") or {}
    return say(_Words(language), kind, facts)
