"""Embedding throughput of the real embedder on the chunks of an index, and query-embedding latency.

usage: python bench/bench_embed.py [--index /tmp/bench-idx] [--batch-sizes 8,16,32,64] [--limit N]
       [--questions bench/questions/dev.jsonl] [--repeat 1]

Passages are the texts ingestion embeds (heading context + chunk text, ``ingest.embed_text``), with the
``passage:`` prompt; queries are the development questions, one at a time with the ``query:`` prompt (as
``Searcher.query_vector`` does on a cache miss). Loading the model is not timed; one warm-up batch is run
first. The machine's load average is printed before and after: other busy processes skew every number.
Builds the index first (``regassist ingest corpus/``) when ``--index`` has none.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from regassist.config import Settings
from regassist.embeddings import load_embedder
from regassist.evaluate import percentile


def chunk_texts(index_dir: Path, corpus: Path) -> list[str]:
    """The passage texts of every chunk in ``index_dir`` (built from ``corpus`` first when missing)."""
    from regassist.store import DB_NAME, Registry

    if not (index_dir / DB_NAME).is_file():
        from regassist.ingest import Indexer

        Indexer(Settings.load(index_dir=index_dir)).ingest([corpus], show_progress=True)
    registry = Registry(index_dir)
    try:
        rows = registry.conn.execute("SELECT context, text FROM chunks ORDER BY id").fetchall()
    finally:
        registry.close()
    return [f"{ctx}\n{text}" if ctx else text for ctx, text in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=Path("/tmp/bench-idx"))
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--batch-sizes", default="8,16,32,64")
    parser.add_argument("--limit", type=int, default=0, help="only the first N chunks (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the chunks per batch size")
    parser.add_argument("--questions", type=Path, default=Path("bench/questions/dev.jsonl"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    console = Console(width=120)
    load_before = os.getloadavg()
    texts = chunk_texts(args.index, args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    questions = [
        json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    settings = Settings.load()
    embedder = load_embedder(settings)
    import torch

    n_tokens = [embedder.count_tokens(t) for t in texts]
    console.print(
        f"{embedder.name}: {len(texts)} chunks (mean {statistics.fmean(n_tokens):.0f} model tokens, "
        f"max {max(n_tokens)}), {len(questions)} queries; torch threads {torch.get_num_threads()}, "
        f"cpus {os.cpu_count()}; load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
    )
    embedder.embed_passages(texts[:8])  # warm-up: first call allocates and JIT-selects kernels
    embedder.embed_query(questions[:2])

    results = []
    original_batch = getattr(embedder, "batch_size", None)
    for bs in (int(b) for b in args.batch_sizes.split(",")):
        embedder.batch_size = bs  # type: ignore[attr-defined]
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            vecs = embedder.embed_passages(texts)
            times.append(time.perf_counter() - started)
        assert vecs.shape == (len(texts), embedder.dim) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-3)
        best = min(times)
        results.append({"batch_size": bs, "seconds": best, "chunks_per_s": len(texts) / best,
                        "tokens_per_s": sum(n_tokens) / best, "load1": os.getloadavg()[0]})  # fmt: skip
        console.print(f"  batch {bs}: {len(texts) / best:.1f} chunks/s ({best:.1f} s)")
    if original_batch is not None:
        embedder.batch_size = original_batch  # type: ignore[attr-defined]

    latencies = []
    for q in questions:
        started = time.perf_counter()
        embedder.embed_query([q])
        latencies.append((time.perf_counter() - started) * 1000)
    load_after = os.getloadavg()

    table = Table(title=f"Passage embedding, {len(texts)} chunks of the demo corpus ({embedder.name}, CPU)")
    for col in ("batch size", "seconds", "chunks/s", "model tokens/s", "load avg (1 min)"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(str(r["batch_size"]), f"{r['seconds']:.2f}", f"{r['chunks_per_s']:.1f}",
                      f"{r['tokens_per_s']:.0f}", f"{r['load1']:.2f}")  # fmt: skip
    console.print(table)
    qtable = Table(title=f"Query embedding latency, {len(latencies)} questions one at a time")
    for col in ("p50 ms", "p95 ms", "mean ms", "max ms"):
        qtable.add_column(col, justify="right")
    qtable.add_row(*(f"{v:.1f}" for v in (percentile(latencies, 50), percentile(latencies, 95),
                                          statistics.fmean(latencies), max(latencies))))  # fmt: skip
    console.print(qtable)
    console.print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "model": embedder.name, "n_chunks": len(texts), "passages": results,
            "query_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
            "load_before": load_before, "load_after": load_after}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
