"""Quality gate: the demo corpus, indexed with the real embedder, must keep its measured quality on a subset of
the development questions (bench/questions/ci_subset.jsonl) against the committed floor
(bench/questions/floor.json). A regression in retrieval, citations, refusals or answer language fails the build."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from regassist.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_eval_subset_meets_the_floor(e5, tmp_path, monkeypatch):
    # e5 is the session's embedder; the CLI's load_embedder returns the same cached instance
    monkeypatch.chdir(ROOT)  # gold sources are paths relative to the project root
    index = tmp_path / "index"
    runner = CliRunner()
    built = runner.invoke(cli, ["-q", "ingest", "corpus", "--index", str(index), "--json"])
    assert built.exit_code == 0, built.output
    assert all(json.loads(line)["status"] == "added" for line in built.output.splitlines() if line.startswith("{"))
    report = tmp_path / "report.json"
    args = ["-q", "eval", "bench/questions/ci_subset.jsonl", "--index", str(index), "--report", str(report)]
    result = runner.invoke(cli, [*args, "--no-langchain", "--floor", "bench/questions/floor.json"])
    data = json.loads(report.read_text(encoding="utf-8"))
    overall = data["systems"]["regassist"]["overall"]
    assert result.exit_code == 0, result.output + "\n" + (result.stderr or "")
    # regassist beats both single-retriever baselines in the same run
    for baseline in ("bm25", "dense"):
        assert overall["recall@5"] >= data["systems"][baseline]["overall"]["recall@5"]
