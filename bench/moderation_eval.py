"""Score the screening pipeline on the team's labeled comments.

    .venv/bin/python bench/moderation_eval.py                      # profanity and semantic
    .venv/bin/python bench/moderation_eval.py --model profanity --show-misses

Every comment of ``tests/data/moderation/eval.jsonl`` is screened with the default site settings
(post-moderation, hold at 0.5, reject at 0.9, at most 3 links, no word lists) by the same rules
and the same model adapters the server uses. A comment counts as *flagged* when it is held or
rejected. Labels starting with ``benign`` should be published; every other label should be
flagged. Prints a Markdown table per model (for docs/moderation.md), the model's load time and
its cost per comment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rostra.domain import screening as rules
from rostra.domain.moderation import ModerationSettings, Screening, Verdict
from rostra.screening import EmbeddingScreen, ProfanityModel, SemanticModel, semantic_available
from rostra.services.ports import ToxicityModel

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "moderation" / "eval.jsonl"


@dataclass(frozen=True, slots=True)
class Result:
    label: str
    text: str
    screening: Screening

    @property
    def abusive(self) -> bool:
        return not self.label.startswith("benign")

    @property
    def flagged(self) -> bool:
        return self.screening.verdict is not Verdict.PUBLISH


def load(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(row["label"], row["text"]) for row in rows]


def build(name: str) -> tuple[ToxicityModel | None, float]:
    """The model and its load time (seconds), loaded eagerly so timing excludes it."""
    if name == "none":
        return None, 0.0
    started = time.perf_counter()
    profanity = ProfanityModel()
    profanity.load()
    if name == "profanity":
        return profanity, time.perf_counter() - started
    screen = EmbeddingScreen()
    screen.load()
    return SemanticModel(profanity, screen), time.perf_counter() - started


async def screen_all(
    model: ToxicityModel | None, comments: list[tuple[str, str]], settings: ModerationSettings
) -> tuple[list[Result], list[float]]:
    results, costs = [], []
    for label, text in comments:
        started = time.perf_counter()
        scores = await model.score(text) if model else {}
        hold_only = model.hold_only if model else frozenset()
        reasons = (
            *rules.word_reasons(text, settings),
            *rules.link_reasons(text, settings),
            *rules.score_reasons(scores, settings, hold_only=hold_only),
        )
        costs.append(time.perf_counter() - started)
        results.append(Result(label, text, Screening(reasons)))
    return results, costs


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def report(name: str, results: list[Result], load_s: float, costs: list[float]) -> str:
    by_label: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_label[result.label].append(result)
    lines = [
        f"### `{name}`",
        "",
        "| label | n | flagged | rejected | share right |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, group in by_label.items():
        flagged = sum(r.flagged for r in group)
        rejected = sum(r.screening.verdict is Verdict.REJECT for r in group)
        right = flagged if not label.startswith("benign") else len(group) - flagged
        lines.append(
            f"| {label} | {len(group)} | {flagged} | {rejected} | {ratio(right, len(group))} |"
        )
    positives = [r for r in results if r.abusive]
    flagged = [r for r in results if r.flagged]
    true_pos = sum(r.abusive for r in flagged)
    benign = [r for r in results if not r.abusive]
    false_rejects = sum(r.screening.verdict is Verdict.REJECT for r in benign)
    lines += [
        "",
        f"Overall: precision {ratio(true_pos, len(flagged))}, "
        f"recall {ratio(true_pos, len(positives))} "
        f"({true_pos} of {len(positives)} abusive flagged; "
        f"{len(flagged) - true_pos} of {len(benign)} benign flagged, "
        f"{false_rejects} of them rejected).",
        f"Load {load_s:.2f} s; per comment median {statistics.median(costs) * 1000:.1f} ms, "
        f"p95 {sorted(costs)[int(len(costs) * 0.95)] * 1000:.1f} ms (one core, after warm-up).",
    ]
    return "\n".join(lines)


def misses(results: list[Result]) -> str:
    lines = []
    for r in results:
        if r.flagged != r.abusive:
            kind = "missed" if r.abusive else "false alarm"
            why = "; ".join(f"{x.rule} {x.detail}" for x in r.screening.reasons) or "-"
            lines.append(f"- {kind} [{r.label}] {r.text!r}: {why}")
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=["none", "profanity", "semantic"], action="append")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    names = args.model or ["profanity", "semantic"]
    if "semantic" in names and not semantic_available():
        print("semantic: skipped, install the extra: pip install 'rostra[semantic]'")
        names = [n for n in names if n != "semantic"]
    comments = load(args.data)
    settings = ModerationSettings()
    print(f"{len(comments)} labeled comments from {args.data.name}\n")
    for name in names:
        model, load_s = build(name)
        await screen_all(model, comments[:3], settings)  # warm-up
        results, costs = await screen_all(model, comments, settings)
        print(report(name, results, load_s, costs))
        if args.show_misses:
            print("\n" + misses(results))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
