"""The ``rostra`` command line run inside the test's process by Typer's runner.

A new ``python -m rostra`` spends a second or more importing Rostra before it does anything;
here the command runs with the same arguments, environment, working folder and stdin, and
reports the same way (exit code, stdout, stderr; an uncaught exception ends it with exit code 1
and its traceback on stderr). For tests of what a command does and for setting up data; the
tests of the process boundary itself (stdin that is not a terminal, secrets kept off the
output, help as printed) start a real process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from typer.testing import CliRunner


def run_rostra(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``rostra ARGS`` as a process with environment ``env`` in ``cwd`` would run it."""
    from rostra.cli.app import app

    # os.environ turned into ``env`` for the run, and back after it.
    changes: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    changes.update({name: value for name, value in env.items() if os.environ.get(name) != value})
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(args), input=stdin, env=changes)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["rostra", *args], result.exit_code, result.stdout, stderr)
