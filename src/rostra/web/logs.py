"""Log output for every process: JSON lines for collectors, or console text.

structlog writes Rostra's own events; the standard library's records (uvicorn's start-up and
error lines, libraries) go through the same processors, so with ``ROSTRA_LOG_FORMAT=json``
every line on stderr is one JSON object with ``timestamp``, ``level``, ``logger`` and ``event``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import structlog

# uvicorn's access log names the client address and the full query string (signed tokens);
# Rostra's own request line (web/middleware/observability.py) replaces it.
QUIET_LOGGERS = {"uvicorn.access": logging.WARNING}


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (a test runner may swap
    and close the one that was current when logging was configured)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass  # always the current sys.stderr


class StderrLogger:
    """structlog's own events, written as rendered lines straight to the current
    ``sys.stderr``: the standard library's records, handlers and formatter cost about a fifth
    of a cached API request (docs/performance.md). ``name`` feeds ``add_logger_name``."""

    def __init__(self, name: str = "rostra") -> None:
        self.name = name

    def msg(self, line: str) -> None:
        sys.stderr.write(line + "\n")

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def stderr_logger(*args: Any) -> StderrLogger:
    """Logger factory: ``structlog.get_logger("rostra.http")`` names the logger."""
    return StderrLogger(str(args[0])) if args else StderrLogger()


def json_lines(event: dict[str, Any], **_: Any) -> str:
    """JSON with msgspec (several times faster than ``json.dumps`` on a request line)."""
    return msgspec.json.encode(event, enc_hook=str).decode()


class ConsoleLines:
    """structlog's console layout without its colours and padding machinery, for a server
    whose stderr goes to a file or a journal: a request line costs about a third of what
    ``ConsoleRenderer`` takes, and a worker writes one per request. Events that carry an
    exception or a stack still go through ``ConsoleRenderer``, which lays those out."""

    def __init__(self) -> None:
        self._full = structlog.dev.ConsoleRenderer(colors=False)

    def __call__(self, logger: Any, name: str, event: dict[str, Any]) -> str:
        if not _FULL_LAYOUT_KEYS.isdisjoint(event):
            rendered: str = self._full(logger, name, event)
            return rendered
        stamp = event.pop("timestamp", "")
        level = event.pop("level", "")
        what = event.pop("event", "")
        source = event.pop("logger", "")
        pairs = " ".join(
            f"{key}={value if isinstance(value, str) else repr(value)}"
            for key, value in sorted(event.items())
        )
        return f"{stamp} [{level:<9}] {what!s:<30} [{source}] {pairs}"


# Events carrying any of these (an exception, a stack) are laid out by ConsoleRenderer.
_FULL_LAYOUT_KEYS = frozenset({"exc_info", "exception", "stack", "stack_info"})


def configure_logging(log_format: str) -> None:
    """Console logs for people, JSON lines for log collectors (``log_format``: console|json)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=json_lines)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=True)
        if sys.stderr.isatty()
        else ConsoleLines()
    )
    structlog.configure(
        processors=[
            *shared,
            *([structlog.processors.format_exc_info] if log_format == "json" else []),
            renderer,
        ],
        logger_factory=stderr_logger,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True,
    )
    # The standard library's records (uvicorn, libraries) get the same shape through a formatter.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if log_format == "json" else []),
            renderer,
        ],
    )
    handler = StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    # Replace an earlier configuration of ours (a command run twice in one process), keep others.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, StderrHandler)] + [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
