"""Log lines (rostra.web.logs): one JSON object per line, from structlog and the standard
library alike, with levels filtered and exceptions included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from rostra.web.logs import configure_logging


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging("json")
    yield
    structlog.reset_defaults()
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if type(h).__name__ != "StderrHandler"]


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_own_and_library_lines_are_json_with_the_same_keys(
    json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log = structlog.get_logger("rostra.test")
    log.info("request", status=200, path="/api/v1/counts")
    log.debug("not at info level")
    logging.getLogger("uvicorn.error").warning("from a library")
    own, library = lines(capsys.readouterr().err)
    assert own["event"] == "request" and own["status"] == 200
    assert own["logger"] == "rostra.test" and own["level"] == "info"
    assert library["event"] == "from a library" and library["logger"] == "uvicorn.error"
    assert {"timestamp", "level", "logger", "event"} <= own.keys() & library.keys()


def test_an_exception_is_in_the_line(json_logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    log = structlog.get_logger("rostra.test")
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("failed", job=7)
    [line] = lines(capsys.readouterr().err)
    assert line["level"] == "error" and line["job"] == 7
    assert "ValueError: broken" in str(line["exception"])
