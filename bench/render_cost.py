"""CPU of rendering a comment's Markdown, with and without the quick "no link here".

Renders comments built as ``bench/wrk/post_comment.lua`` builds them, and the same words as
plain sentences without any of a link's marks, through Rostra's parser
(``rostra.domain.rendering``) and through a copy of it given linkify-it's own link tests; best
of five passes (docs/performance.md, seventh pass).

    .venv/bin/python bench/render_cost.py [--comments 2000]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from linkify_it import LinkifyIt

from rostra.domain.rendering import _parser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screening_cost import best_microseconds, comments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=2000)
    posted = comments(parser.parse_args().comments)
    plain = [text.split(" 1-")[0] + " and the rest of the sentence" for text in posted]
    ours = _parser()
    stock = copy.copy(ours)
    stock.linkify = LinkifyIt()
    for name, texts in (("bench comment", posted), ("sentence without a mark", plain)):
        quick = best_microseconds(ours.render, texts)
        slow = best_microseconds(stock.render, texts)
        print(f"{name}: {slow:.1f} µs with linkify-it's tests, {quick:.1f} µs with the quick one")


if __name__ == "__main__":
    main()
