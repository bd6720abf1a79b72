"""Whether this process should be sent traffic: ``GET /readyz`` for load balancers and
orchestrators during a rolling deploy (``/healthz`` only says the process answers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

# A dependency that takes longer than this to answer a probe counts as down.
PROBE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Probe:
    """One dependency's answer: ``ok`` and a short word or sentence for the operator."""

    ok: bool
    detail: str = "ok"


@dataclass(frozen=True, slots=True)
class Readiness:
    """Every probe's answer; ready when all are ok."""

    checks: Mapping[str, Probe]

    @property
    def ready(self) -> bool:
        return all(probe.ok for probe in self.checks.values())


class ReadinessService:
    """Runs the named probes together, each bounded by ``PROBE_SECONDS``; a probe that raises
    or does not answer in time is a failed check, never an error of the endpoint."""

    def __init__(self, probes: Mapping[str, Callable[[], Awaitable[Probe]]]) -> None:
        self._probes = dict(probes)

    async def check(self) -> Readiness:
        names = list(self._probes)
        answers = await asyncio.gather(*(self._run(self._probes[name]) for name in names))
        return Readiness(dict(zip(names, answers, strict=True)))

    @staticmethod
    async def _run(probe: Callable[[], Awaitable[Probe]]) -> Probe:
        try:
            return await asyncio.wait_for(probe(), PROBE_SECONDS)
        except TimeoutError:
            return Probe(False, f"no answer within {PROBE_SECONDS:.0f} s")
        except Exception as exc:  # any failure of a dependency means "not ready"
            return Probe(False, f"unreachable ({type(exc).__name__})")
