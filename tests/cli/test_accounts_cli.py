"""``rostra site sso``, ``rostra site deletion-policy``, ``rostra user export|forget``
from the real command line, against a SQLite file the test also opens through the services.
Secrets come on a process's stdin; the other commands run in this process
(tests.cli.test_cli.Cli)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from rostra.bootstrap import build_services, run_blocking
from rostra.config import Settings
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from tests.cli.test_cli import Cli
from tests.cli.test_users import run

SECRET = "a-shared-secret-with-at-least-32-characters"


@pytest.fixture
def cli(news_cli: Cli) -> Cli:
    return news_cli


def sign_in_and_comment(cli: Cli, token: str) -> str:
    """Sign a reader in through the services on the CLI's database, post as them."""
    settings = Settings(database_url=f"sqlite:///{cli.database}", rate_limits=False)
    services = build_services(settings)

    async def go() -> str:
        try:
            assert services.accounts is not None
            session = await services.accounts.sign_in_with_sso("news", token)
            posted = await services.comments.post_comment(
                CommentDraft(site="news", page="/a", body="Hello", author_name="ignored"),
                Caller(reader=session.reader, ip="10.1.1.1"),
            )
            return posted.comment.id
        finally:
            for hook in services.on_shutdown:
                await hook()

    return run_blocking(go())


def token(key: object = SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    claims = {
        "sub": "cli-reader",
        "name": "Quentin Zyx",
        "email": "quentin.zyx@mail.example",
        "aud": "news",
        "exp": now + 300,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=algorithm)  # type: ignore[arg-type]


def test_hs256_secret_from_stdin_then_export_and_forget(cli: Cli) -> None:
    result = cli.process("site", "sso", "news", "--hs256-secret", "-", stdin=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout
    with sqlite3.connect(cli.database) as conn:
        [(stored,)] = conn.execute("SELECT sso_key FROM site_accounts").fetchall()
    assert SECRET not in stored
    comment_id = sign_in_and_comment(cli, token())

    exported = cli("user", "export", "Quentin.Zyx@mail.example", "--site", "news")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["account"]["name"] == "Quentin Zyx"
    assert [item["id"] for item in data["comments"]] == [comment_id]

    policy = cli("site", "deletion-policy", "news", "remove")
    assert policy.returncode == 0, policy.stderr
    refused = run(cli, "user", "forget", "quentin.zyx@mail.example", stdin="n\n")
    assert refused.returncode == 1
    forgotten = cli("user", "forget", "quentin.zyx@mail.example", "--yes", "--by", "dpo@news")
    assert forgotten.returncode == 0, forgotten.stderr
    assert "1 comments removed" in forgotten.stdout
    with sqlite3.connect(cli.database) as conn:
        assert conn.execute("SELECT count(*) FROM readers").fetchone() == (0,)
        row = conn.execute("SELECT status, author_name, body FROM comments").fetchone()
        audit = conn.execute(
            "SELECT actor FROM audit_log WHERE action = 'forget_reader'"
        ).fetchall()
    assert row == ("deleted", "", "")
    assert audit == [("dpo@news",)]
    again = cli("user", "forget", "quentin.zyx@mail.example", "--yes")
    assert again.returncode == 1
    assert "no reader account" in again.stderr


def test_public_key_file_and_bad_choices(cli: Cli, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "site.pem"
    pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = cli("site", "sso", "news", "--public-key", str(pem), "--algorithm", "ES256")
    assert result.returncode == 0, result.stderr
    sign_in_and_comment(cli, token(key, "ES256"))
    wrong = cli("site", "sso", "news", "--public-key", str(pem), "--algorithm", "RS256")
    assert wrong.returncode != 0
    assert "does not fit RS256" in wrong.stderr
    assert cli("site", "sso", "news", "--off", "--hs256-secret", SECRET).returncode == 2
    assert cli("site", "deletion-policy", "news", "shred").returncode != 0
    off = cli("site", "sso", "news", "--off")
    assert off.returncode == 0, off.stderr


def test_site_oidc_sets_the_provider_with_the_secret_from_stdin_and_turns_it_off(cli: Cli) -> None:
    secret = "the-oidc-client-secret-from-stdin"
    args = ("site", "oidc", "news", "--issuer", "https://id.example", "--client-id", "rostra")
    done = cli.process(*args, "--client-secret", "-", "--name", "Example ID", stdin=secret + "\n")
    assert done.returncode == 0, done.stderr
    assert "Sign in with Example ID" in done.stdout
    with sqlite3.connect(cli.database) as db:
        [(issuer, stored)] = db.execute(
            "SELECT oidc_issuer, oidc_client_secret FROM site_accounts"
        ).fetchall()
    assert issuer == "https://id.example"
    assert stored and secret not in stored  # encrypted under the instance key
    bad = run(cli, "site", "oidc", "news", "--issuer", "http://id.example", "--client-id", "r",
              "--client-secret", "-", stdin=secret + "\n")  # fmt: skip
    assert bad.returncode != 0
    assert "issuer" in bad.stderr + bad.stdout
    missing = run(cli, "site", "oidc", "news", "--issuer", "https://id.example")
    assert missing.returncode == 2
    off = run(cli, "site", "oidc", "news", "--off")
    assert off.returncode == 0, off.stderr
    with sqlite3.connect(cli.database) as db:
        assert db.execute("SELECT oidc_issuer FROM site_accounts").fetchone() == (None,)
