"""Minimum remaining shelf life: which rule an order is bound by, and whether a lot meets it.
Pure (docs/architecture/shelf-life.md).

A rule asks for at least ``min_days`` days left at the reservation (or allocation) date, at
least ``min_fraction`` of the lot's whole shelf life left (from its production or receipt
date to its expiry), or both (each must hold). A customer's rule wins over its channel's
(it replaces it, it is not merged). Boundaries are inclusive: exactly 30 days left meets
"30 days", exactly 2/3 left meets "2/3".

- A lot without an expiry date never spoils: it meets every rule.
- A lot without a known production / receipt date cannot show its fraction: under a
  fraction rule it is refused (the retailer's rule cannot be proved met); a days-only rule
  does not need that date.
- An expiry on or before the start date (no shelf life at all) meets no fraction rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction


class Scope(StrEnum):
    CHANNEL = "channel"
    CUSTOMER = "customer"


class InvalidRule(ValueError):
    """A rule that asks for nothing, a negative number of days, or a fraction outside 0–1."""


def parse_fraction(text: str) -> Fraction:
    """``"2/3"`` or ``"0.75"``, exactly; greater than 0 and at most 1."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as error:
        raise InvalidRule(f"min_fraction {text!r} is not a fraction like 2/3 or 0.75") from error
    if not 0 < value <= 1:
        raise InvalidRule(f"min_fraction must be above 0 and at most 1, got {text}")
    return value


def normalise_key(scope: Scope, key: str) -> str:
    """Channels and customers (an e-mail or a wholesale customer's name) match whatever
    their case and surrounding spaces."""
    cleaned = " ".join(key.split()).casefold()
    if not cleaned:
        raise InvalidRule(f"a {scope.value} rule needs a {scope.value} to apply to")
    return cleaned


@dataclass(frozen=True)
class ShelfLifeRule:
    scope: Scope
    key: str
    min_days: int | None = None
    min_fraction: Fraction | None = None

    def __post_init__(self) -> None:
        if self.min_days is None and self.min_fraction is None:
            raise InvalidRule("a shelf-life rule needs min_days, min_fraction or both")
        if self.min_days is not None and self.min_days < 0:
            raise InvalidRule(f"min_days must not be negative, got {self.min_days}")
        if self.min_fraction is not None and not 0 < self.min_fraction <= 1:
            raise InvalidRule(
                f"min_fraction must be above 0 and at most 1, got {self.min_fraction}"
            )

    @property
    def needs(self) -> str:
        """What the rule asks, for a person: ``≥ 30 days``, ``≥ 2/3 of its shelf life``."""
        parts = []
        if self.min_days is not None:
            parts.append(f"≥ {self.min_days} days")
        if self.min_fraction is not None:
            parts.append(f"≥ {self.min_fraction} of its shelf life")
        return " and ".join(parts)

    @property
    def whom(self) -> str:
        return "this customer" if self.scope is Scope.CUSTOMER else f"channel {self.key}"

    def as_json(self) -> dict[str, object]:
        return {
            "scope": self.scope.value,
            "key": self.key,
            "min_days": self.min_days,
            "min_fraction": None if self.min_fraction is None else str(self.min_fraction),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ShelfLifeRule:
        days, fraction = data.get("min_days"), data.get("min_fraction")
        return cls(
            scope=Scope(str(data["scope"])),
            key=str(data["key"]),
            min_days=int(str(days)) if days is not None else None,
            min_fraction=parse_fraction(str(fraction)) if fraction is not None else None,
        )


def rule_for_order(
    rules: Iterable[ShelfLifeRule],
    *,
    channel: str,
    customer_email: str | None,
    customer_name: str | None,
) -> ShelfLifeRule | None:
    """The customer's rule (by e-mail first, then by name), else the channel's, else none."""
    by_key = {(r.scope, r.key): r for r in rules}
    for who in (customer_email, customer_name):
        if who and who.strip():
            found = by_key.get((Scope.CUSTOMER, normalise_key(Scope.CUSTOMER, who)))
            if found is not None:
                return found
    if channel.strip():
        return by_key.get((Scope.CHANNEL, normalise_key(Scope.CHANNEL, channel)))
    return None


def meets(rule: ShelfLifeRule, *, days_left: Fraction, total_days: Fraction | None) -> bool:
    """The comparison itself, on exact numbers: ``days_left`` at the reference moment and the
    lot's whole shelf life (None: unknown start)."""
    if rule.min_days is not None and days_left < rule.min_days:
        return False
    if rule.min_fraction is not None:
        if total_days is None or total_days <= 0:
            return False
        if days_left / total_days < rule.min_fraction:
            return False
    return True


TOO_CLOSE = "too close to expiry"
UNDATED = "with no known production date"


def refusal(
    rule: ShelfLifeRule | None,
    *,
    expires_on: date | None,
    produced_on: date | None,
    on: date,
) -> str | None:
    """Why a lot may not serve an order bound by ``rule`` (None: it may): too close to expiry,
    or, under a fraction rule, no known production date to measure the share from."""
    if lot_meets(rule, expires_on=expires_on, produced_on=produced_on, on=on):
        return None
    if rule is None or expires_on is None:  # met above; here for the type checker
        return None
    if rule.min_fraction is not None and produced_on is None:
        days_only = ShelfLifeRule(rule.scope, rule.key, min_days=rule.min_days or 0)
        if lot_meets(days_only, expires_on=expires_on, produced_on=None, on=on):
            return UNDATED
    return TOO_CLOSE


def lot_meets(
    rule: ShelfLifeRule | None,
    *,
    expires_on: date | None,
    produced_on: date | None,
    on: date,
) -> bool:
    """Whether a lot may be reserved or allocated on ``on`` for an order bound by ``rule``."""
    if rule is None or expires_on is None:
        return True
    days_left = Fraction((expires_on - on).days)
    total = None if produced_on is None else Fraction((expires_on - produced_on).days)
    return meets(rule, days_left=days_left, total_days=total)
