"""Kill loop: SIGKILL a real ingestion process at random moments, then check and repair the index.

usage: python bench/bench_killloop.py [--trials 50] [--docs 30] [--seed 8] [--keep DIR]

Each trial starts ``tests/fakes.py ingest`` (the fake embedder, so no model is needed) on a generated corpus
-- alternately into an empty index ("fresh") and as an update batch on an ingested one ("update": a third
of the files changed, three new) -- kills it with SIGKILL a random time after it starts ingesting, checks
what it left (``fakes.check_index``: registry whole, manifest generation self-consistent and not ahead of the
registry, a Searcher opens on exactly the registry's chunks and quotes them verbatim), re-runs the
ingestion in this process and checks that the index is complete and equal to an uninterrupted run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import KILL_POINTS, KillBed, Trial, run_kill_loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--docs", type=int, default=30, help="documents in the generated corpus")
    parser.add_argument("--seed", type=int, default=8, help="seed of the kill delays")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="killloop-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        bed = KillBed(root / "bed", n_docs=args.docs)
        print(
            f"corpus: {args.docs} documents, {bed.reference['fresh'].chunks} chunks; uninterrupted ingestion "
            f"{bed.duration['fresh']:.2f} s (fresh), {bed.duration['update']:.2f} s (update)",
            flush=True,
        )
        results = run_kill_loop(bed, args.trials, seed=args.seed)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    report(results, time.perf_counter() - started)
    if any(t.after_kill or t.after_repair for t in results):
        sys.exit(1)


def report(results: list[Trial], elapsed: float) -> None:
    """A markdown table (it goes into issue notes as it is), then the problems of any bad trial."""
    columns = ["batch", "trials", "killed", *KILL_POINTS, "inconsistent after kill", "inconsistent after re-run",
               "repair s (median / max)"]  # fmt: skip
    print(f"\nKill loop: {len(results)} trials in {elapsed:.0f} s (kill points: where the ingestion was)\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for mode in ("fresh", "update", "all"):
        rows = [t for t in results if mode in ("all", t.mode)]
        if not rows:
            continue
        points = Counter(t.kill_point for t in rows)
        repair = [t.repair_s for t in rows]
        cells = [
            mode,
            str(len(rows)),
            str(sum(t.killed for t in rows)),
            *(str(points[p]) for p in KILL_POINTS),
            str(sum(bool(t.after_kill) for t in rows)),
            str(sum(bool(t.after_repair) for t in rows)),
            f"{statistics.median(repair):.2f} / {max(repair):.2f}",
        ]
        print("| " + " | ".join(cells) + " |")
    for n, t in enumerate(results):
        if t.after_kill or t.after_repair:
            print(f"\ntrial {n} ({t.mode}, kill at {t.delay:.3f} s, {t.kill_point}):")
            for problem in t.after_kill:
                print(f"  after kill: {problem}")
            for problem in t.after_repair:
                print(f"  after re-run: {problem}")


if __name__ == "__main__":
    main()
