"""Production orders as people name them: ``MO-00042`` instead of a UUID.

The number is a per-database sequence assigned when the order is created (the
``production_order_number_seq`` default); this module only writes and reads its form.
"""

from __future__ import annotations

import re

PREFIX = "MO-"
_TYPED = re.compile(r"^\s*(?:mo[-\s]?)?0*(?P<digits>\d{1,18})\s*$", re.IGNORECASE)


def format_number(number: int) -> str:
    """``42`` → ``MO-00042``: five digits read well on a floor; more appear when needed."""
    return f"{PREFIX}{number:05d}"


def parse_number(text: str) -> int | None:
    """What someone typed as a production order number: ``MO-00042``, ``mo-42``, ``mo42``
    or ``42``; None for anything else."""
    found = _TYPED.match(text)
    return int(found["digits"]) if found else None
