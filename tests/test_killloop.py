"""Crash safety: SIGKILL a real ingestion process at random moments; the next start must find a consistent
index, and re-running the ingestion must complete it (see ``fakes.check_index`` for every check made).

Half the trials ingest a generated corpus of 30 documents into an empty folder, half apply an update batch
(a third of the files changed, three new ones) to an ingested index. ``bench/bench_killloop.py`` runs more.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest
from fakes import FakeEmbedder, KillBed, check_index, make_corpus, run_kill_loop

N_TRIALS = int(os.environ.get("REGASSIST_KILL_TRIALS", "20"))


def test_sigkill_at_random_moments_leaves_a_consistent_index(tmp_path):
    results = run_kill_loop(KillBed(tmp_path), N_TRIALS)
    failures = [
        f"trial {n} ({t.mode}, kill at {t.delay:.2f} s, {t.kill_point}): after kill {t.after_kill}, "
        f"after re-run {t.after_repair}"
        for n, t in enumerate(results)
        if t.after_kill or t.after_repair
    ]
    points = Counter(t.kill_point for t in results)
    print(f"\nkill loop: {len(results)} trials, kill points {dict(points)}, {len(failures)} inconsistent; "
          f"repair {max(t.repair_s for t in results):.2f} s at most")  # fmt: skip
    assert not failures, "\n".join(failures)
    # the loop really interrupted ingestions, in the middle of the batch and not only at start-up
    assert sum(t.killed for t in results) >= len(results) // 2
    assert points["mid-batch"] >= 1


@pytest.mark.parametrize("stale", ["old generation", "tmp file"])
def test_files_left_by_a_kill_during_cleanup_are_removed_by_the_next_run(tmp_path, stale):
    """A kill after manifest.json was switched but before the old generation was deleted (the window is a few
    milliseconds, so the loop above rarely hits it): the next ingestion, with nothing to do, cleans up."""
    from regassist.config import Settings
    from regassist.index import read_manifest
    from regassist.ingest import Indexer

    docs = make_corpus(tmp_path / "docs", 4)
    settings = Settings(index_dir=tmp_path / "index")
    embedder = FakeEmbedder()
    Indexer(settings, embedder=embedder).ingest([docs])
    manifest = read_manifest(settings.index_dir)
    assert manifest is not None
    if stale == "old generation":
        gen = manifest["generation"]
        shutil.copy(settings.index_dir / manifest["dense"], settings.index_dir / f"dense-{gen - 1}.faiss")
        shutil.copytree(settings.index_dir / manifest["bm25"], settings.index_dir / f"bm25-{gen - 1}")
    else:
        (settings.index_dir / f".dense-{manifest['generation'] + 1}.faiss.tmp").write_bytes(b"partial")
    assert check_index(settings.index_dir, embedder, complete=True).leftovers
    report = Indexer(settings, embedder=embedder).ingest([docs])
    assert report.count("unchanged") == 4
    state = check_index(settings.index_dir, embedder, complete=True)
    assert not state.problems, state.problems


@pytest.mark.slow
def test_sigkill_loop_long(tmp_path):
    """The same loop with 100 trials and another seed (python -m pytest -m slow)."""
    results = run_kill_loop(KillBed(tmp_path), 100, seed=99)
    bad = [
        (n, t.kill_point, t.after_kill, t.after_repair) for n, t in enumerate(results) if t.after_kill or t.after_repair
    ]
    assert not bad, bad
