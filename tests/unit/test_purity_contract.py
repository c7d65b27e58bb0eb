"""Every module that calls itself pure by its name — a ``domain`` or a ``*_rules`` module —
is guarded by import-linter's purity contract, found by this pattern rather than by
someone remembering to list it (issue 16)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "Domain modules are pure"


def purity_contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [contract] = [c for c in contracts if c["name"] == CONTRACT]
    return dict(contract)


def pure_by_name() -> set[str]:
    found = set()
    for top in ("services", "shared"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if path.stem == "domain" or path.stem.endswith("_rules"):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_domain_and_rules_module_is_in_the_purity_contract() -> None:
    listed = set(purity_contract()["source_modules"])  # type: ignore[call-overload]
    missing = sorted(pure_by_name() - listed)
    assert not missing, f"add to '{CONTRACT}' in pyproject.toml: {missing}"


def test_the_contract_follows_imports_through_other_modules_too() -> None:
    """An indirect import (a pure module importing a helper that imports SQLAlchemy) is as
    impure as a direct one: the contract does not allow it."""
    contract = purity_contract()
    assert contract["allow_indirect_imports"] is False
    assert {"sqlalchemy", "asyncpg", "httpx"} <= set(contract["forbidden_modules"])  # type: ignore[call-overload]
