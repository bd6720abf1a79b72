"""Score the screening pipeline on labeled comments: per category, per language, and its cost.

    .venv/bin/python bench/moderation_eval.py                       # trained screen, held-out set
    .venv/bin/python bench/moderation_eval.py --model trained --model profanity --show-misses
    .venv/bin/python bench/moderation_eval.py --data tests/data/moderation/eval.jsonl

Every comment is screened with the default site settings (post-moderation, hold at 0.5, reject
at 0.9, at most 3 links, no word lists) by the same rules and model adapters the server uses. A
comment counts as *flagged* when it is held or refused. A comment with labels should be flagged,
one without should be published (the older team set, ``eval.jsonl``, has one ``label`` a line:
``benign…`` or an abusive kind).

Per category: *recall* is the share of comments with that label that were flagged (by any
reason), *precision* the share of comments the model flagged for that category that carry the
label. Prints Markdown for docs/moderation.md, then the model's load time, memory and cost per
comment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rostra.domain import screening as rules
from rostra.domain.moderation import ModerationSettings, Screening, Verdict
from rostra.screening import (
    EmbeddingScreen,
    ProfanityModel,
    SemanticModel,
    TrainedModel,
    profanity_available,
    semantic_available,
)
from rostra.screening.weights import CATEGORIES
from rostra.services.ports import SiteTaughtModel, ToxicityModel

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "moderation"
HELDOUT = [DATA / "heldout" / "en.jsonl", DATA / "heldout" / "multilingual.jsonl"]


@dataclass(frozen=True, slots=True)
class Labeled:
    text: str
    labels: frozenset[str]
    lang: str
    kind: str


@dataclass(frozen=True, slots=True)
class Result:
    comment: Labeled
    screening: Screening

    @property
    def abusive(self) -> bool:
        return bool(self.comment.labels)

    @property
    def flagged(self) -> bool:
        return self.screening.verdict is not Verdict.PUBLISH

    def model_categories(self) -> set[str]:
        return {
            r.rule.removeprefix("model:")
            for r in self.screening.reasons
            if r.rule.startswith("model:") and r.verdict is not Verdict.PUBLISH
        }


def load(path: Path) -> list[Labeled]:
    comments = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "labels" in row:
            labels = frozenset(row["labels"])
            kind = row.get("kind") or (sorted(labels)[0] if labels else "benign")
        else:  # the team set: one label a line
            labels = frozenset() if row["label"].startswith("benign") else {row["label"]}
            kind = row["label"]
        comments.append(Labeled(row["text"], frozenset(labels), row.get("lang", "en"), kind))
    return comments


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(name: str) -> tuple[ToxicityModel | None, float, float]:
    """The model, its load time (seconds) and the memory it added (MB, peak RSS)."""
    before = _rss_mb()
    started = time.perf_counter()
    model: ToxicityModel | None
    if name == "none":
        return None, 0.0, 0.0
    if name == "trained":
        trained = TrainedModel()
        trained.load()
        model = trained
    else:
        profanity = ProfanityModel()
        profanity.load()
        model = profanity
        if name == "semantic":
            screen = EmbeddingScreen()
            screen.load()
            model = SemanticModel(profanity, screen)
    return model, time.perf_counter() - started, _rss_mb() - before


async def screen_all(
    model: ToxicityModel | None, comments: list[Labeled], settings: ModerationSettings
) -> tuple[list[Result], list[float]]:
    results, costs = [], []
    for comment in comments:
        started = time.perf_counter()
        words: dict[str, tuple[str, ...]] = {}
        if isinstance(model, SiteTaughtModel):
            rating = await model.rate(comment.text)
            scores, words = rating.scores, rating.words
        else:
            scores = await model.score(comment.text) if model else {}
        hold_only = model.hold_only if model else frozenset()
        reasons = (
            *rules.word_reasons(comment.text, settings),
            *rules.link_reasons(comment.text, settings),
            *rules.score_reasons(scores, settings, hold_only=hold_only, words=words),
        )
        costs.append(time.perf_counter() - started)
        results.append(Result(comment, Screening(reasons)))
    return results, costs


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def category_table(results: list[Result]) -> list[str]:
    lines = [
        "| category | n | flagged (recall) | model flagged it as this | precision |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for category in CATEGORIES:
        having = [r for r in results if category in r.comment.labels]
        named = [r for r in results if category in r.model_categories()]
        right = sum(category in r.comment.labels for r in named)
        if not having and not named:
            continue
        flagged = sum(r.flagged for r in having)
        lines.append(
            f"| {category} | {len(having)} | {flagged} ({ratio(flagged, len(having))}) "
            f"| {len(named)} | {ratio(right, len(named))} |"
        )
    return lines


def language_table(results: list[Result]) -> list[str]:
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_lang[result.comment.lang].append(result)
    lines = [
        "| language | abusive held | benign published |",
        "| --- | ---: | ---: |",
    ]
    for lang, group in sorted(by_lang.items(), key=lambda item: -len(item[1])):
        abusive = [r for r in group if r.abusive]
        benign = [r for r in group if not r.abusive]
        held = sum(r.flagged for r in abusive)
        kept = sum(not r.flagged for r in benign)
        lines.append(
            f"| {lang} | {held}/{len(abusive)} ({ratio(held, len(abusive))}) "
            f"| {kept}/{len(benign)} ({ratio(kept, len(benign))}) |"
        )
    return lines


def report(
    name: str, source: str, results: list[Result], load: tuple[float, float], costs: list[float]
) -> str:
    abusive = [r for r in results if r.abusive]
    benign = [r for r in results if not r.abusive]
    held = sum(r.flagged for r in abusive)
    kept = sum(not r.flagged for r in benign)
    refused = sum(r.screening.verdict is Verdict.REJECT for r in benign)
    flagged = [r for r in results if r.flagged]
    lines = [
        f"### `{name}` on {source}",
        "",
        f"Abusive held: **{held} of {len(abusive)} ({ratio(held, len(abusive))})**; "
        f"benign published: **{kept} of {len(benign)} ({ratio(kept, len(benign))})**, "
        f"{refused} refused; precision of flagging {ratio(held, len(flagged))}.",
        "",
        *category_table(results),
        "",
        *language_table(results),
        "",
        f"Load {load[0]:.2f} s, +{load[1]:.0f} MB; per comment median "
        f"{statistics.median(costs) * 1000:.1f} ms, "
        f"p95 {sorted(costs)[int(len(costs) * 0.95)] * 1000:.1f} ms.",
    ]
    return "\n".join(lines)


def misses(results: list[Result]) -> str:
    lines = []
    for r in sorted(results, key=lambda r: (not r.abusive, r.comment.kind)):
        if r.flagged != r.abusive:
            what = "missed" if r.abusive else "false alarm"
            why = "; ".join(f"{x.rule} {x.detail}" for x in r.screening.reasons) or "-"
            lines.append(f"- {what} [{r.comment.lang} {r.comment.kind}] {r.comment.text!r}: {why}")
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", choices=["trained", "none", "profanity", "semantic"], action="append"
    )
    parser.add_argument(
        "--data", type=Path, action="append", help="JSONL files (default: held-out)"
    )
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    names = args.model or ["trained"]
    if not profanity_available():
        names = [n for n in names if n not in ("profanity", "semantic")]
    if "semantic" in names and not semantic_available():
        print("semantic: skipped, install the extra: pip install 'rostra[semantic]'")
        names = [n for n in names if n != "semantic"]
    paths = args.data or HELDOUT
    comments = [comment for path in paths for comment in load(path)]
    source = " + ".join(path.name for path in paths)
    settings = ModerationSettings()
    print(f"{len(comments)} labeled comments from {source}\n")
    for name in names:
        model, load_s, memory = build(name)
        await screen_all(model, comments[:3], settings)  # warm-up
        results, costs = await screen_all(model, comments, settings)
        print(report(name, source, results, (load_s, memory), costs))
        if args.show_misses:
            print("\n" + misses(results))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
