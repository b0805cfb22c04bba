"""Pages per second for load + normalise + chunk (no embedding), per format, on a folder of documents.

usage: python bench/bench_parse.py [FOLDER ...] [--repeat N]
Token counts use the embedding model's tokenizer, as ingestion does; loading it is not timed.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from regassist.chunking import chunk_document
from regassist.config import Settings
from regassist.embeddings import load_embedder
from regassist.loaders import iter_sources, load_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("corpus")])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings.load()
    count_tokens = load_embedder(settings).count_tokens
    files = iter_sources(args.folders)
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])  # files, pages, chunks, seconds
    for _ in range(args.repeat):
        for path in files:
            started = time.perf_counter()
            doc = load_path(path, settings)
            chunks = chunk_document(doc, count_tokens=count_tokens, max_tokens=settings.chunk_tokens,
                                    overlap_tokens=settings.chunk_overlap_tokens)  # fmt: skip
            elapsed = time.perf_counter() - started
            row = totals[doc.extra["format"]]
            row[0] += 1
            row[1] += doc.n_pages
            row[2] += len(chunks)
            row[3] += elapsed
    table = Table(title=f"load + normalise + chunk, {len(files)} files x {args.repeat} runs")
    for col in ("format", "files", "pages", "chunks", "seconds", "pages/s", "ms/file"):
        table.add_column(col, justify="right")
    all_row = [0, 0, 0, 0.0]
    for fmt, (n, pages, chunks, secs) in sorted(totals.items()):
        table.add_row(
            fmt, str(n), str(pages), str(chunks), f"{secs:.2f}", f"{pages / secs:.1f}", f"{1000 * secs / n:.1f}"
        )
        all_row = [a + b for a, b in zip(all_row, (n, pages, chunks, secs), strict=True)]
    n, pages, chunks, secs = all_row
    table.add_row(
        "all", str(n), str(pages), str(chunks), f"{secs:.2f}", f"{pages / secs:.1f}", f"{1000 * secs / n:.1f}"
    )
    Console().print(table)


if __name__ == "__main__":
    main()
