"""Every relative link in README.md and docs/ points at something (issue 25 §8): a file or
folder of the repository and, when the link names an anchor, a heading of that markdown file
(GitHub's anchor rules). Links to other sites are not followed. The README stays a front page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]

_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _prose(text: str) -> Iterator[tuple[int, str]]:
    """Lines outside fenced code blocks, with inline code spans blanked out."""
    fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fence = not fence
            continue
        if not fence:
            yield number, re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation removed
    (letters, digits, ``-`` and ``_`` kept, Unicode letters too), spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            fence = not fence
            continue
        if fence:
            continue
        found.update(_HTML_ANCHOR.findall(line))
        match = _HEADING.match(line)
        if match:
            slug = github_slug(match.group(2))
            seen = counts.get(slug, 0)
            counts[slug] = seen + 1
            found.add(slug if seen == 0 else f"{slug}-{seen}")
    return found


def broken_links(path: Path) -> list[str]:
    problems = []
    for number, line in _prose(path.read_text(encoding="utf-8")):
        for target in _LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}:{number}: {target}"
            if not resolved.exists():
                problems.append(f"{where} (no such file)")
            elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
                problems.append(f"{where} (no such heading)")
    return problems


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert broken_links(path) == []


def test_the_checker_catches_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# Title\n\n## Ship it: step `2`\n\n## Ship it: step `2`\n")
    page = tmp_path / "a.md"
    page.write_text(
        "See [b](b.md#ship-it-step-2), [again](b.md#ship-it-step-2-1) and ![pic](b.md).\n"
        "Broken: [gone](missing.md), [bad anchor](b.md#ship-it), [self](#nowhere).\n"
        "```\n[inside a fence](nowhere.md)\n```\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        problems = broken_links(page)
    finally:
        ROOT = saved
    assert problems == [
        "a.md:2: missing.md (no such file)",
        "a.md:2: b.md#ship-it (no such heading)",
        "a.md:2: #nowhere (no such heading)",
    ]


def test_github_slugs() -> None:
    assert github_slug("6. The customer's e-mails") == "6-the-customers-e-mails"
    assert (
        github_slug("Backups and restore (`make backup`, `make restore`)")
        == "backups-and-restore-make-backup-make-restore"
    )
    assert github_slug("Observability `[shared/observability/]`") == (
        "observability-sharedobservability"
    )


def test_the_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines"
    assert lines[2] == "```bash"
    assert lines[3].startswith("make run    # set up everything, start Kafka, PostgreSQL")
    assert lines[4].startswith("make test   # set up everything, start the servers it needs")
    assert lines[5] == "```"
    assert len(re.findall(r"!\[[^\]]*\]\(docs/screenshots/[^)]+\.png\)", readme)) == 3
    for page in ("user-guide.md", "operations.md", "api-and-events.md", "architecture.md"):
        assert f"](docs/{page}" in readme
