"""all-MiniLM-L6-v2 sentence embeddings, run by onnxruntime: no torch, no network.

The model ships inside Rostra (``model/minilm-l6-int8.onnx``, 23 MB): the BERT encoder of
sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0) as an ONNX graph whose weight matrices are
int8 with one scale per output column; onnxruntime quantizes each layer's input on the fly and
multiplies in int8 (``tools/screening_model.py export`` writes the file from the published
float32 model). That costs a comment about a fifth of the CPU the same pass took in numpy with
float32 matrices, for vectors within a few percent of the float32 model's direction
(docs/decisions/0005-encoder-on-onnxruntime.md). The tokenizer is the model's own
``tokenizer.json``, run by Hugging Face's ``tokenizers``.

The sentence vector is the mean of the token vectors, scaled to length 1 (what
sentence-transformers does for this model). A test compares it with sentence-transformers'
output when the ``semantic`` extra is installed.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MODEL_DIR = "model"
WEIGHTS = "minilm-l6-int8.onnx"
TOKENIZER = "tokenizer.json"
# Comments longer than this many word pieces are read from their start: the cost of attention
# grows with the square of the length, and the opening of a comment carries its tone.
MAX_TOKENS = 128
DIMENSIONS = 384

Matrix = NDArray[np.float32]


class MiniLM:
    """Sentence vectors (384 numbers, length 1) for texts. Thread-safe: onnxruntime sessions
    may run from several threads at once, and the tokenizer is set up once and only read."""

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        # One thread per pass: a comment is a small product, and on a server the other
        # cores serve readers; a pool of spinning threads would take their time for little.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about the graph's shapes are not ours to act on
        self._session = onnxruntime.InferenceSession(
            str(weights), options, providers=["CPUExecutionProvider"]
        )

    def token_ids(self, text: str) -> list[int]:
        """The word pieces of ``text`` (with BERT's [CLS] and [SEP]), at most ``MAX_TOKENS``."""
        ids: list[int] = self._tokenizer.encode(text).ids
        return ids

    def embed(self, text: str) -> Matrix:
        """The sentence vector of ``text``: 384 float32 numbers of length 1."""
        return self._forward(self.token_ids(text))

    def read(self, text: str) -> tuple[Matrix, float]:
        """The sentence vector of ``text`` and how well the model knows its words: the share
        of words that are one word piece of its (English) vocabulary. English comments score
        about 0.9, German or Spanish 0.4-0.7, Russian or Arabic near 0: the classifier trusts
        the vector that much."""
        encoding = self._tokenizer.encode(text)
        pieces: dict[int, int] = {}
        for word in encoding.word_ids:
            if word is not None:
                pieces[word] = pieces.get(word, 0) + 1
        known = sum(1 for count in pieces.values() if count == 1) / len(pieces) if pieces else 0.0
        return self._forward(encoding.ids), known

    def _forward(self, ids: list[int]) -> Matrix:
        tokens = np.asarray([ids], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": tokens})[0][0]
        pooled: Matrix = hidden.mean(0).astype(np.float32)
        norm = float(np.linalg.norm(pooled))
        return pooled / norm if norm else pooled


def shipped_paths() -> tuple[Path, Path]:
    """Where the shipped weights and tokenizer lie inside the installed package."""
    folder = resources.files("rostra.screening").joinpath(MODEL_DIR)
    return Path(str(folder.joinpath(WEIGHTS))), Path(str(folder.joinpath(TOKENIZER)))


@functools.cache
def shipped_encoder() -> MiniLM:
    """The shipped encoder, read once per process."""
    return MiniLM(*shipped_paths())
