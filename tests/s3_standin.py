"""A local S3-compatible server for the bucket store's tests: moto's server mode on 127.0.0.1.

Only the object store's HTTP boundary is stood in for: Rostra's real obstore client signs and
sends its real S3 requests here (``AWS_ENDPOINT_URL``), as it would to AWS, MinIO or R2.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from moto.server import ThreadedMotoServer

# Credentials the stand-in accepts (it checks none); the client still signs with them.
S3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "rostra-test",
    "AWS_SECRET_ACCESS_KEY": "rostra-test-secret",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True, slots=True)
class S3Bucket:
    """A fresh bucket on the stand-in and the variables that point a client at it."""

    endpoint: str
    name: str

    @property
    def environment(self) -> dict[str, str]:
        return {**S3_ENVIRONMENT, "AWS_ENDPOINT_URL": self.endpoint}

    def object_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One stand-in per test process, on a free port of 127.0.0.1."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Bucket:
    """A new, empty bucket, with the ``AWS_*`` variables of this process pointing at it."""
    bucket = S3Bucket(s3_endpoint, f"rostra-{uuid.uuid4().hex[:12]}")
    created = httpx.put(f"{s3_endpoint}/{bucket.name}", timeout=10)
    assert created.status_code == 200, created.text
    for name, value in bucket.environment.items():
        monkeypatch.setenv(name, value)
    return bucket
