"""Quality gate: the demo corpus, indexed with the real embedder, must keep its measured quality on a subset of
the development questions (bench/questions/ci_subset.jsonl) against the committed floor
(bench/questions/floor.json). A regression in retrieval, citations, refusals or answer language fails the build.
The same index copied into PostgreSQL (``regassist migrate``) must retrieve as well as the embedded one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from regassist.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SUBSET = "bench/questions/ci_subset.jsonl"


@pytest.fixture(scope="module")
def corpus_index(e5, tmp_path_factory) -> Path:
    """The demo corpus ingested once with the real embedder (e5 is the session's; the CLI reuses it)."""
    index = tmp_path_factory.mktemp("quality") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # sources are recorded relative to the project root, like the gold paths
        built = CliRunner().invoke(cli, ["-q", "ingest", "corpus", "--index", str(index), "--json"])
    assert built.exit_code == 0, built.output
    assert all(json.loads(line)["status"] == "added" for line in built.output.splitlines() if line.startswith("{"))
    return index


def test_eval_subset_meets_the_floor(corpus_index, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # gold sources are paths relative to the project root
    report = tmp_path / "report.json"
    args = ["-q", "eval", SUBSET, "--index", str(corpus_index), "--report", str(report), "--no-langchain"]
    result = CliRunner().invoke(cli, [*args, "--floor", "bench/questions/floor.json"])
    data = json.loads(report.read_text(encoding="utf-8"))
    overall = data["systems"]["regassist"]["overall"]
    assert result.exit_code == 0, result.output + "\n" + (result.stderr or "")
    # regassist beats both single-retriever baselines in the same run
    for baseline in ("bm25", "dense"):
        assert overall["recall@5"] >= data["systems"][baseline]["overall"]["recall@5"]


def test_postgres_backend_retrieves_as_well_as_the_embedded_one(corpus_index, pg_url, e5, tmp_path, monkeypatch):
    """Issue 9's acceptance: the same evaluation on both backends gives the same Recall@5 within 1 point."""
    from regassist.config import Settings
    from regassist.evaluate import load_questions, run_eval

    monkeypatch.chdir(ROOT)
    migrated = CliRunner().invoke(cli, ["-q", "migrate", "--to", pg_url, "--index", str(corpus_index)])
    assert migrated.exit_code == 0, migrated.output
    questions = load_questions(Path(SUBSET))
    recall = {}
    for name, settings in {
        "embedded": Settings(index_dir=corpus_index),
        "postgresql": Settings(index_dir=tmp_path / "files", store=pg_url),
    }.items():
        report = run_eval(settings, questions, baselines=False, langchain=False, answers=False)
        recall[name] = report["systems"]["regassist"]["overall"]["recall@5"]
    assert abs(recall["embedded"] - recall["postgresql"]) <= 0.01, recall
