"""all-MiniLM-L6-v2 sentence embeddings in plain numpy: no torch, no network.

The weights ship inside Rostra (``model/minilm-l6-int8.safetensors``, 22 MB): the BERT encoder
of sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0), every matrix quantized to int8 with one
scale per output row (``tools/screening_model.py quantize`` writes the file from the published
float32 weights). Linear layers are widened back to float32 once at load (42 MB); the token
table stays int8 and only the rows a text uses are widened. The tokenizer is the model's own
``tokenizer.json``, run by Hugging Face's ``tokenizers``.

The forward pass is BERT's: embeddings, six layers of 12-head self-attention and a GELU
feed-forward, each followed by a residual and layer norm; the sentence vector is the mean of the
token vectors, scaled to length 1 (what sentence-transformers does for this model). A test
compares it with sentence-transformers' output when the ``semantic`` extra is installed.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MODEL_DIR = "model"
WEIGHTS = "minilm-l6-int8.safetensors"
TOKENIZER = "tokenizer.json"
LAYERS = 6
HEADS = 12
WIDTH = 384
# Comments longer than this many word pieces are read from their start: the cost of attention
# grows with the square of the length, and the opening of a comment carries its tone.
MAX_TOKENS = 128
DIMENSIONS = WIDTH

Matrix = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: Matrix  # (384, 1152): query, key and value projections side by side
    qkv_bias: Matrix
    out: Matrix
    out_bias: Matrix
    norm1: tuple[Matrix, Matrix]
    up: Matrix
    up_bias: Matrix
    down: Matrix
    down_bias: Matrix
    norm2: tuple[Matrix, Matrix]


def _layer_norm(x: Matrix, norm: tuple[Matrix, Matrix]) -> Matrix:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    result: Matrix = centred / np.sqrt(variance + 1e-12) * norm[0] + norm[1]
    return result


def _gelu(x: Matrix) -> Matrix:
    # The tanh form of GELU; x*x*x, not x**3, which numpy computes through pow (~300x slower).
    result: Matrix = 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))
    return result


def _dequantize(tensors: dict[str, NDArray[np.generic]], name: str) -> Matrix:
    """A weight matrix as float32, from its int8 values and per-row scales."""
    values = tensors[name]
    if values.dtype == np.int8:
        scales = tensors[name + ".scale"].astype(np.float32)
        return values.astype(np.float32) * scales[:, None]
    return values.astype(np.float32)


class MiniLM:
    """Sentence vectors (384 numbers, length 1) for texts. Thread-safe once built: the forward
    pass only reads the weights."""

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tensors = load_file(str(weights))
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._words = tensors["embeddings.word_embeddings.weight"]  # int8, widened per use
        self._word_scales = tensors["embeddings.word_embeddings.weight.scale"].astype(np.float32)
        self._positions = _dequantize(tensors, "embeddings.position_embeddings.weight")
        self._token_type = _dequantize(tensors, "embeddings.token_type_embeddings.weight")[0]
        self._embedding_norm = (
            tensors["embeddings.LayerNorm.weight"].astype(np.float32),
            tensors["embeddings.LayerNorm.bias"].astype(np.float32),
        )
        self._layers = [self._read_layer(tensors, f"encoder.layer.{i}.") for i in range(LAYERS)]
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared

    @staticmethod
    def _read_layer(tensors: dict[str, NDArray[np.generic]], prefix: str) -> _Layer:
        def matrix(name: str) -> Matrix:
            # Stored as PyTorch keeps them (out × in); the pass multiplies x @ W, so transpose.
            return np.ascontiguousarray(_dequantize(tensors, prefix + name + ".weight").T)

        def vector(name: str) -> Matrix:
            return tensors[prefix + name].astype(np.float32)

        attention = "attention.self."
        return _Layer(
            qkv=np.ascontiguousarray(
                np.concatenate(
                    [matrix(attention + part) for part in ("query", "key", "value")], axis=1
                )
            ),
            qkv_bias=np.concatenate(
                [vector(attention + part + ".bias") for part in ("query", "key", "value")]
            ),
            out=matrix("attention.output.dense"),
            out_bias=vector("attention.output.dense.bias"),
            norm1=(
                vector("attention.output.LayerNorm.weight"),
                vector("attention.output.LayerNorm.bias"),
            ),
            up=matrix("intermediate.dense"),
            up_bias=vector("intermediate.dense.bias"),
            down=matrix("output.dense"),
            down_bias=vector("output.dense.bias"),
            norm2=(vector("output.LayerNorm.weight"), vector("output.LayerNorm.bias")),
        )

    def token_ids(self, text: str) -> list[int]:
        """The word pieces of ``text`` (with BERT's [CLS] and [SEP]), at most ``MAX_TOKENS``."""
        ids: list[int] = self._tokenizer.encode(text).ids
        return ids

    def embed(self, text: str) -> Matrix:
        """The sentence vector of ``text``: 384 float32 numbers of length 1."""
        return self._forward(np.asarray(self.token_ids(text), dtype=np.intp))

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
        return self._forward(np.asarray(encoding.ids, dtype=np.intp)), known

    def _forward(self, ids: NDArray[np.intp]) -> Matrix:
        count = len(ids)
        words = self._words[ids].astype(np.float32) * self._word_scales[ids, None]
        x = _layer_norm(words + self._positions[:count] + self._token_type, self._embedding_norm)
        size = WIDTH // HEADS
        for layer in self._layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q = qkv[:, :WIDTH].reshape(count, HEADS, size).transpose(1, 0, 2)
            k = qkv[:, WIDTH : 2 * WIDTH].reshape(count, HEADS, size).transpose(1, 2, 0)
            v = qkv[:, 2 * WIDTH :].reshape(count, HEADS, size).transpose(1, 0, 2)
            weights = (q @ k) * (size**-0.5)
            weights = np.exp(weights - weights.max(-1, keepdims=True))
            weights /= weights.sum(-1, keepdims=True)
            attended = (weights @ v).transpose(1, 0, 2).reshape(count, WIDTH)
            x = _layer_norm(attended @ layer.out + layer.out_bias + x, layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(hidden @ layer.down + layer.down_bias + x, layer.norm2)
        pooled: Matrix = x.mean(0)
        norm = float(np.linalg.norm(pooled))
        return pooled / norm if norm else pooled


def shipped_paths() -> tuple[Path, Path]:
    """Where the shipped weights and tokenizer lie inside the installed package."""
    folder = resources.files("rostra.screening").joinpath(MODEL_DIR)
    return Path(str(folder.joinpath(WEIGHTS))), Path(str(folder.joinpath(TOKENIZER)))


@functools.cache
def shipped_encoder() -> MiniLM:
    """The shipped encoder, read once per process (about 0.3 s; ~60 MB of memory)."""
    return MiniLM(*shipped_paths())
