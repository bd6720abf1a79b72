"""Log output for every process (issue 12): JSON lines for collectors, or console text.

structlog writes Rostra's own events; the standard library's records (uvicorn's start-up and
error lines, libraries) go through the same processors, so with ``ROSTRA_LOG_FORMAT=json``
every line on stderr is one JSON object with ``timestamp``, ``level``, ``logger`` and ``event``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

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


def configure_logging(log_format: str) -> None:
    """Console logs for people, JSON lines for log collectors (``log_format``: console|json)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
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
