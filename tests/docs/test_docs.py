"""Every setting, command and error code is documented, and the CLI reference is current."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from rostra.config import Settings
from rostra.web.errors import CODE_BY_STATUS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SOURCE = ROOT / "src" / "rostra"


@pytest.mark.parametrize("name", [field.name for field in fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`ROSTRA_{name.upper()}`" in (DOCS / "configuration.md").read_text()


def _error_codes() -> set[str]:
    codes = set(CODE_BY_STATUS.values()) | {"internal_error"}
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        codes.update(re.findall(r'\bcode="([a-z_]+)"', text))
        codes.update(re.findall(r'^\s+code = "([a-z_]+)"', text, flags=re.MULTILINE))
    codes.discard("error")  # the base class's placeholder, never raised itself
    return codes


def test_error_codes_are_found_in_the_source() -> None:
    assert {"invalid", "not_found", "forbidden", "edit_window_closed"} <= _error_codes()


@pytest.mark.parametrize("code", sorted(_error_codes()))
def test_every_error_code_is_documented(code: str) -> None:
    assert f"`{code}`" in (DOCS / "api.md").read_text()


def test_cli_reference_matches_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(DOCS / "cli.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_starts_with_the_demo_and_test_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block
    assert "make test" in first_block
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.MULTILINE)


def test_readme_links_only_the_projects_own_files() -> None:
    """A clone has no ../shared/: the README points at files of this repository that exist."""
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    local = [t for t in targets if not t.startswith(("http://", "https://", "mailto:"))]
    assert "docs/api.md" in local, local
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == [], missing


def test_readme_hosts_the_site_on_the_database_it_serves() -> None:
    readme = (ROOT / "README.md").read_text()
    host = readme.split("## Host it", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in host.splitlines() if "rostra " in line]
    assert len(commands) == 2, commands
    assert all("--database $DB" in line for line in commands), commands
