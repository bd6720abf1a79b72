"""ReadinessService: a probe that fails or hangs is a failed check, never an error."""

from __future__ import annotations

import asyncio

import pytest

from rostra.services import readiness
from rostra.services.readiness import Probe, ReadinessService


async def fine() -> Probe:
    return Probe(True)


async def broken() -> Probe:
    raise ConnectionRefusedError("no one there")


async def stuck() -> Probe:
    await asyncio.Event().wait()
    raise AssertionError("never answers")


async def test_all_probes_ok_is_ready() -> None:
    found = await ReadinessService({"database": fine, "redis": fine}).check()
    assert found.ready
    assert dict(found.checks) == {"database": Probe(True), "redis": Probe(True)}


async def test_a_probe_that_raises_fails_its_check_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness, "PROBE_SECONDS", 0.05)
    found = await ReadinessService({"database": fine, "redis": broken, "cache": stuck}).check()
    assert not found.ready
    assert found.checks["database"] == Probe(True)
    assert found.checks["redis"] == Probe(False, "unreachable (ConnectionRefusedError)")
    assert found.checks["cache"].ok is False
    assert found.checks["cache"].detail.startswith("no answer within")


async def test_a_probe_may_be_ok_with_a_remark() -> None:
    async def newer() -> Probe:
        return Probe(True, "at 0099, newer than this version's 0015")

    found = await ReadinessService({"migrations": newer}).check()
    assert found.ready
