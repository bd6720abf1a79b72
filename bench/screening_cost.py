"""CPU of screening's text work for one comment like the posting bench's.

Times ``normalize_text`` and the profanity model's ``score_sync`` (both variants of the text,
as a post scores them) over comments built as ``bench/wrk/post_comment.lua`` builds them, best
of five passes. Compare commits by running it from each one's checkout.

    .venv/bin/python bench/screening_cost.py [--comments 2000]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from rostra.domain.screening import normalize_text
from rostra.screening.profanity import ProfanityModel

WORDS = [
    "bridge",
    "council",
    "river",
    "reopens",
    "traffic",
    "cyclists",
    "budget",
    "mayor",
    "repairs",
    "season",
    "weather",
    "school",
    "library",
    "market",
    "harbour",
    "festival",
    "museum",
    "road",
    "housing",
    "tram",
    "station",
    "election",
    "garden",
]


def comments(count: int) -> list[str]:
    rng = random.Random(4)
    return [
        f"{' '.join(rng.choice(WORDS) for _ in range(12))} 1-{n}, with **{rng.choice(WORDS)}** "
        f"Markdown and a [link](https://example.org/{n})."
        for n in range(count)
    ]


def best_microseconds(work: Callable[[str], object], texts: list[str]) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for text in texts:
            work(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=2000)
    texts = comments(parser.parse_args().comments)
    model = ProfanityModel()
    model.load()
    print(f"normalize_text: {best_microseconds(normalize_text, texts):.1f} µs a comment")
    print(f"profanity score: {best_microseconds(model.score_sync, texts):.1f} µs a comment")


if __name__ == "__main__":
    main()
