"""Writes one benchmark's results into docs/performance.md, between its own markers."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def write_section(key: str, title: str, body: str) -> None:
    """Replace (or append) the section ``key`` of docs/performance.md with ``body``."""
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    stamp = (
        f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, {_cores()} cores._"
    )
    section = f"{begin}\n## {title}\n\n{stamp}\n\n{body}\n{end}"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = f"{head}{section}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    DOC.write_text(text, encoding="utf-8")


def _cores() -> int:
    return os.cpu_count() or 1
