"""Crash safety: SIGKILL a real ingestion process at random moments; the next start must find a consistent
index, and re-running the ingestion must complete it (see ``fakes.check_index`` for every check made).

Half the trials ingest a generated corpus of 30 documents into an empty folder, half apply an update batch
(a third of the files changed, three new ones) to an ingested index. ``bench/bench_killloop.py`` runs more.
"""

from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from fakes import FakeEmbedder, check_index, kill_trial, make_corpus, mutate_corpus, timed_ingest

N_TRIALS = int(os.environ.get("REGASSIST_KILL_TRIALS", "20"))


class KillBed:
    """Corpus and index templates of a kill loop; ``docs`` is the one path every run ingests."""

    def __init__(self, root: Path, n_docs: int = 30, seed: int = 1) -> None:
        from regassist.config import Settings
        from regassist.ingest import Indexer

        self.root = root
        self.docs = root / "docs"
        self.base = make_corpus(root / "base", n_docs, seed=seed)
        self.mutated = root / "mutated"
        shutil.copytree(self.base, self.mutated)
        mutate_corpus(self.mutated, seed=seed)
        embedder = FakeEmbedder()
        # uninterrupted runs: the fresh ingestion (also the starting point of update trials), then the update
        self._use(self.base)
        self.duration = {"fresh": timed_ingest(root / "ref-fresh" / "index", self.docs)}
        self.reference = {"fresh": check_index(root / "ref-fresh" / "index", embedder, complete=True)}
        self._use(self.mutated)
        shutil.copytree(root / "ref-fresh", root / "ref-update")
        self.duration["update"] = timed_ingest(root / "ref-update" / "index", self.docs)
        self.reference["update"] = check_index(root / "ref-update" / "index", embedder, complete=True)
        for mode, ref in self.reference.items():
            assert not ref.problems, (mode, ref.problems)
        assert Indexer(Settings(index_dir=root / "ref-update" / "index"), embedder=embedder).ingest(
            [self.docs]
        ).count("unchanged") == self.reference["update"].documents

    def _use(self, corpus: Path) -> None:
        shutil.rmtree(self.docs, ignore_errors=True)
        shutil.copytree(corpus, self.docs)

    def trial(self, n: int, rng: random.Random):  # type: ignore[no-untyped-def]
        mode = "fresh" if n % 2 == 0 else "update"
        self._use(self.base if mode == "fresh" else self.mutated)
        work = self.root / "trial"
        shutil.rmtree(work, ignore_errors=True)
        if mode == "fresh":
            work.mkdir()
        else:
            shutil.copytree(self.root / "ref-fresh", work)
        delay = rng.uniform(0.0, 1.15 * self.duration[mode])
        return kill_trial(work / "index", self.docs, delay, mode=mode, reference=self.reference[mode])


def run_loop(bed: KillBed, trials: int, seed: int = 8) -> list:  # type: ignore[type-arg]
    rng = random.Random(seed)
    return [bed.trial(n, rng) for n in range(trials)]


def test_sigkill_at_random_moments_leaves_a_consistent_index(tmp_path):
    bed = KillBed(tmp_path)
    results = run_loop(bed, N_TRIALS)
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
