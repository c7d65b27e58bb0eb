"""One page of a long list: which rows it shows and where the neighbouring pages start."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Rows ``offset`` to ``offset + limit`` of ``total`` (``total`` from the API's count)."""

    offset: int
    limit: int
    total: int

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max((self.total - 1) // self.limit + 1, 1)

    @property
    def first_row(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
