"""The plain LangChain pipeline most teams start with, as a retrieval baseline for ``regassist eval``.

PyPDFLoader / TextLoader / BSHTMLLoader -> RecursiveCharacterTextSplitter(1000, 200) -> LangChain's FAISS
vector store -> top-k similarity search, with THE SAME embedding model as regassist (so the comparison is
about the pipeline, not the model). No language handling, no lexical search, no metadata, no places.

Needs ``langchain-community`` (and ``beautifulsoup4`` for HTML; without it HTML files are read as text).
The built store is cached under ``bench/out/langchain-<hash>/``, keyed by the corpus files' contents, the
model and the splitter settings, so repeated eval runs do not re-embed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from regassist.embeddings import Embedder

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_DOCS = 10  # distinct source paths returned
FETCH_CHUNKS = 50  # chunks fetched to find TOP_DOCS distinct sources
SUFFIXES = {".pdf", ".txt", ".md", ".markdown", ".html", ".htm"}
CACHE_VERSION = 1
DEFAULT_CACHE_DIR = Path("bench/out")


def _embeddings_class() -> type:
    from langchain_core.embeddings import Embeddings

    class RegassistEmbeddings(Embeddings):
        """A regassist embedder as LangChain ``Embeddings``: passages with ``passage:``, queries with ``query:``."""

        def __init__(self, embedder: Embedder, query_vector: Callable[[str], np.ndarray] | None = None) -> None:
            self.embedder = embedder
            self.query_vector = query_vector  # optional cache shared with regassist's searcher

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed_passages(texts).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            vec = self.query_vector(text) if self.query_vector else self.embedder.embed_query([text])[0]
            return np.asarray(vec, dtype=np.float32).tolist()  # type: ignore[no-any-return]

    return RegassistEmbeddings


def make_embeddings(embedder: Embedder, query_vector: Callable[[str], np.ndarray] | None = None) -> Any:
    """``langchain_core.embeddings.Embeddings`` over a regassist embedder."""
    return _embeddings_class()(embedder, query_vector)


def corpus_files(paths: Sequence[Path]) -> list[Path]:
    """PDF, text, Markdown and HTML files under ``paths`` (hidden files and folders skipped), sorted."""
    out: set[Path] = set()
    for p in map(Path, paths):
        candidates = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        for f in candidates:
            rel = f.relative_to(p) if f != p else Path(f.name)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if f.suffix.lower() in SUFFIXES:
                out.add(f)
    return sorted(out)


def load_documents(files: Sequence[Path]) -> list[Any]:
    """LangChain ``Document``s, ``metadata['source']`` = the file path as given."""
    from langchain_community.document_loaders import PyPDFLoader, TextLoader
    from langchain_core.documents import Document

    docs: list[Any] = []
    for f in files:
        suffix = f.suffix.lower()
        try:
            if suffix == ".pdf":
                loaded = PyPDFLoader(str(f)).load()
            elif suffix in (".html", ".htm") and _has_bs4():
                from langchain_community.document_loaders import BSHTMLLoader

                loaded = BSHTMLLoader(str(f), open_encoding="utf-8", bs_kwargs={"features": "html.parser"}).load()
            else:
                try:
                    loaded = TextLoader(str(f), encoding="utf-8").load()
                except RuntimeError:  # not UTF-8 (cp1251/cp1254/...): the usual fix, detect the encoding
                    loaded = [Document(page_content=_decode(f.read_bytes()), metadata={"source": str(f)})]
        except Exception as err:  # a plain pipeline skips what it cannot read  # noqa: BLE001 - deliberate: one failure must not stop the caller
            logger.warning("langchain baseline: cannot load %s: %s", f, err)
            continue
        for d in loaded:
            d.metadata["source"] = str(f)
        docs.extend(loaded)
    return docs


def _has_bs4() -> bool:
    try:
        import bs4  # noqa: F401
    except ImportError:
        return False
    return True


def _decode(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def corpus_key(files: Sequence[Path], model: str) -> str:
    """Hash of the files' paths and contents, the model and the pipeline settings."""
    h = hashlib.sha256(json.dumps([CACHE_VERSION, model, CHUNK_SIZE, CHUNK_OVERLAP]).encode())
    for f in files:
        h.update(str(f).encode("utf-8") + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def build_store(files: Sequence[Path], embeddings: Any) -> Any:
    """Load, split, embed: ``langchain_community.vectorstores.FAISS``."""
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(load_documents(files))
    if not chunks:
        raise ValueError("langchain baseline: no text in the corpus")
    return FAISS.from_documents(chunks, embeddings)


def build_langchain_baseline(
    paths: Sequence[Path],
    embedder: Embedder,
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    query_vector: Callable[[str], np.ndarray] | None = None,
) -> Callable[[str], list[str]]:
    """A search function: question -> up to 10 distinct source paths, best first.

    The vector store is loaded from ``cache_dir/langchain-<key>`` when present, else built and saved there
    (``cache_dir=None``: never cached). ``query_vector`` may supply query embeddings (e.g. regassist's
    cached ones; the same model and ``query:`` prompt) instead of ``embedder.embed_query``."""
    from langchain_community.vectorstores import FAISS

    files = corpus_files(paths)
    embeddings = make_embeddings(embedder, query_vector)
    store = None
    folder = cache_dir / f"langchain-{corpus_key(files, embedder.name)}" if cache_dir is not None else None
    if folder is not None and (folder / "index.faiss").is_file():
        try:  # our own pickle, written below
            store = FAISS.load_local(str(folder), embeddings, allow_dangerous_deserialization=True)
        except Exception as err:  # noqa: BLE001 - deliberate: one failure must not stop the caller
            logger.warning("langchain baseline: cached store in %s unreadable (%s); rebuilding", folder, err)
    if store is None:
        store = build_store(files, embeddings)
        if folder is not None:
            tmp = folder.with_name(folder.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            store.save_local(str(tmp))
            shutil.rmtree(folder, ignore_errors=True)
            tmp.rename(folder)
    n_chunks = store.index.ntotal

    def search(question: str) -> list[str]:
        ranked: list[str] = []
        for doc in store.similarity_search(question, k=min(FETCH_CHUNKS, n_chunks)):
            source = doc.metadata.get("source", "")
            if source not in ranked:
                ranked.append(source)
                if len(ranked) == TOP_DOCS:
                    break
        return ranked

    return search


def langchain_system(searcher: Any) -> Callable[[str], list[Any]] | None:
    """For ``evaluate.run_eval``: the baseline over the documents of ``searcher``'s index, its results shaped
    like hits (``.doc.source``). Query vectors come from the searcher's cache (same model, same prompt), so
    its latency is comparable to the other systems'. None (with a warning) when langchain-community is
    missing."""
    try:
        import langchain_community  # noqa: F401
    except ImportError:
        logger.warning("langchain baseline skipped: pip install langchain-community")
        return None
    sources = [Path(d.source) for d in searcher.registry.documents()]
    files = [s for s in sources if s.is_file()]
    if len(files) < len(sources):  # sources are paths as given at ingest time, relative to that directory
        logger.warning("langchain baseline: %d of %d indexed files not found from %s; using the rest",
                       len(sources) - len(files), len(sources), Path.cwd())  # fmt: skip
    if not files:
        return None
    search = build_langchain_baseline(files, searcher.embedder, query_vector=searcher.query_vector)
    return lambda q: [SimpleNamespace(doc=SimpleNamespace(source=s)) for s in search(q)]
