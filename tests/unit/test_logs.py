"""Log lines (rostra.web.logs): one JSON object per line, from structlog and the standard
library alike, with levels filtered and exceptions included."""

from __future__ import annotations

import json
import logging
import re
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


@pytest.fixture
def console_logs() -> Iterator[None]:
    configure_logging("console")  # stderr is captured, not a terminal: the plain lines
    yield
    structlog.reset_defaults()
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if type(h).__name__ != "StderrHandler"]


def test_console_lines_carry_time_level_event_logger_and_sorted_fields(
    console_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log = structlog.get_logger("rostra.http")
    log.info("request", status=200, path="/api/v1/counts", duration_ms=0.5, client=None)
    logging.getLogger("uvicorn.error").warning("from a library")
    own, library = capsys.readouterr().err.splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT[\d:.]+Z \[info +\] request +\[rostra\.http\] "
        r"client=None duration_ms=0\.5 path=/api/v1/counts status=200",
        own,
    ), own
    assert "[warning  ] from a library" in library and "[uvicorn.error]" in library


def test_console_lines_keep_an_exception_and_its_traceback(
    console_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log = structlog.get_logger("rostra.test")
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("failed", job=7)
    text = capsys.readouterr().err
    assert "failed" in text and "job=7" in text
    assert "Traceback" in text and "ValueError: broken" in text
