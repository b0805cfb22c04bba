"""The command line through click's CliRunner, with the fake embedder in place of the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from regassist.cli import cli

COMMANDS = [["ingest"], ["docs"], ["remove"], ["show"], ["search"], ["stats"], ["models"], ["models", "prepare"]]
HIT_KEYS = {"rank", "doc_id", "source", "title", "page", "section", "text", "score"}


@pytest.fixture(autouse=True)
def _fake_model(monkeypatch, fake_embedder):
    """Every embedder the CLI loads is the fake one; no REGASSIST_* variable from the outside leaks in."""
    import os

    import regassist.embeddings as embeddings

    for key in list(os.environ):
        if key.startswith("REGASSIST_"):
            monkeypatch.delenv(key)
    monkeypatch.setattr(embeddings, "_load", lambda *args, **kwargs: fake_embedder)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(runner, corpus_dir, index_dir):
    result = runner.invoke(cli, ["ingest", str(corpus_dir), "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {Path(r["path"]).name: r for r in rows}


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args))


def test_ingest_json(built, corpus_dir):
    assert sorted(built) == sorted(p.name for p in corpus_dir.iterdir() if p.suffix in {".md", ".txt", ".html", ".pdf"})
    for row in built.values():
        assert row["status"] == "added"
        assert row["chunks"] > 0 and row["embedded"] == row["chunks"]
        assert len(row["doc_id"]) == 16
        assert row["error"] == ""
    assert built["ru_handbook.pdf"]["pages"] == 2


def test_ingest_table_and_reingest(runner, built, corpus_dir, index_dir):
    result = run(runner, "ingest", str(corpus_dir), "--index", str(index_dir))
    assert result.exit_code == 0
    assert "0 added, 0 updated, 7 unchanged, 0 duplicate, 0 failed" in result.stdout


def test_ingest_metadata_flags(runner, tmp_path, index_dir):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "memo.txt").write_text(
        "Companies in the zone may hold accounts in any currency and may repatriate profits without limits.",
        encoding="utf-8",
    )
    result = run(runner, "ingest", str(folder), "--index", str(index_dir), "--json", "--country", "om",
                 "--zone", "harbour", "--type", "memo", "--lang", "en", "--edition", "2024-02-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = run(runner, "docs", "--index", str(index_dir), "--json")
    (row,) = [json.loads(line) for line in docs.stdout.splitlines()]
    assert (row["country"], row["zone"], row["doc_type"], row["lang"], row["edition"]) == (
        "OM", "harbour", "memo", "en", "2024-02-01")  # fmt: skip


def test_docs(runner, built, index_dir):
    result = run(runner, "docs", "--index", str(index_dir), "--json")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["doc_id"] for r in rows} == {r["doc_id"] for r in built.values()}
    pdf = next(r for r in rows if r["source"].endswith("ru_handbook.pdf"))
    assert (pdf["n_pages"], pdf["lang"], pdf["doc_type"], pdf["edition"]) == (2, "ru", "handbook", "2025-03-01")
    table = run(runner, "docs", "--index", str(index_dir))
    assert table.exit_code == 0
    assert "7 documents" in table.stdout


def test_show_page(runner, built, index_dir):
    doc_id = built["ru_handbook.pdf"]["doc_id"]
    result = run(runner, "show", doc_id, "--page", "2", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# Памятка резидента зоны «Северная», редакция от 01.03.2025")
    assert "=== page 2 ===" in out and "=== page 1 ===" not in out
    assert "Раздел 3. Таможенный склад" in out
    assert "Раздел 1. Как стать резидентом" not in out


def test_show_chunks_by_prefix(runner, built, index_dir):
    doc_id = built["ru_zakon.md"]["doc_id"]
    result = run(runner, "show", doc_id[:8], "--chunks", "--index", str(index_dir))
    assert result.exit_code == 0
    assert result.stdout.count(f"--- {doc_id}:") == built["ru_zakon.md"]["chunks"]
    assert "§ Глава 2. Льготы резидентов › Статья 5. Ставка налога на прибыль" in result.stdout


def test_show_errors(runner, built, index_dir):
    doc_id = built["ru_handbook.pdf"]["doc_id"]
    result = run(runner, "show", doc_id, "--page", "3", "--index", str(index_dir))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: Page 3 does not exist; the document has 2 page(s)."
    result = run(runner, "show", "nothing-like-this", "--index", str(index_dir))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No document 'nothing-like-this'")
    assert "Traceback" not in result.output


def _hits(line: str) -> dict:
    data = json.loads(line)
    assert set(data) == {"query", "hits", "latency_ms"}
    assert isinstance(data["latency_ms"], (int, float)) and data["latency_ms"] >= 0
    for n, hit in enumerate(data["hits"], start=1):
        assert set(hit) >= HIT_KEYS
        assert hit["rank"] == n
        assert isinstance(hit["page"], int) and hit["page"] >= 1
        assert isinstance(hit["score"], float)
        assert isinstance(hit["text"], str) and hit["text"]
    return data


def test_search_json(runner, built, index_dir):
    result = run(runner, "search", "Madde 6 gümrük vergisi", "--index", str(index_dir), "--json", "-k", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = _hits(lines[0])
    assert data["query"] == "Madde 6 gümrük vergisi"
    assert 1 <= len(data["hits"]) <= 3
    top = data["hits"][0]
    assert top["doc_id"] == built["tr_kanun.txt"]["doc_id"]
    assert top["section"] == "İKİNCİ BÖLÜM › Madde 6 – Gümrük vergisi istisnası"
    assert top["title"] == "Örnek Ege Serbest Bölgesi Kanunu (eğitim amaçlı)"
    assert Path(top["source"]).name == "tr_kanun.txt"


def test_search_filters(runner, built, index_dir):
    result = run(runner, "search", "налог на прибыль", "--index", str(index_dir), "--json", "--country", "tr,sa")
    assert result.exit_code == 0
    data = _hits(result.stdout)
    allowed = {built["tr_kanun.txt"]["doc_id"], built["ar_nizam.txt"]["doc_id"]}
    assert data["hits"] and {h["doc_id"] for h in data["hits"]} <= allowed


def test_search_batch_plain_and_jsonl(runner, built, index_dir, tmp_path):
    queries = ["статья 10 свободная таможенная зона", "Article 7 foreign employees", "Madde 7 kazanç istisnası"]
    plain = tmp_path / "q.txt"
    plain.write_text("\n".join([queries[0], "", queries[1], queries[2]]) + "\n", encoding="utf-8")
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text("\n".join(json.dumps({"question": q, "id": i}, ensure_ascii=False)
                               for i, q in enumerate(queries)), encoding="utf-8")  # fmt: skip
    for batch in (plain, jsonl):
        result = run(runner, "search", "--batch", str(batch), "--index", str(index_dir), "--json", "-k", "2")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert [json.loads(line)["query"] for line in lines] == queries
        for line in lines:
            assert _hits(line)["hits"]


def test_search_batch_bad_jsonl(runner, built, index_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\n{"text": "no question field"}\n', encoding="utf-8")
    result = run(runner, "search", "--batch", str(bad), "--index", str(index_dir), "--json")
    assert result.exit_code == 1
    assert "bad.jsonl:2" in result.stderr and "question" in result.stderr


def test_search_plain_output(runner, built, index_dir):
    result = run(runner, "search", "Article 7 foreign employees", "--index", str(index_dir), "-k", "2")
    assert result.exit_code == 0
    assert "Article 7 - Foreign employees" in result.stdout


def test_search_without_query(runner, built, index_dir):
    result = run(runner, "search", "--index", str(index_dir))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: Give a QUERY or --batch FILE."


def test_remove(runner, built, index_dir):
    doc_id = built["en_guide.html"]["doc_id"]
    result = run(runner, "remove", doc_id, "--index", str(index_dir))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"removed {doc_id} ")
    docs = run(runner, "docs", "--index", str(index_dir), "--json")
    assert doc_id not in {json.loads(line)["doc_id"] for line in docs.stdout.splitlines()}
    search = run(runner, "search", "licence fee company setup", "--index", str(index_dir), "--json")
    assert doc_id not in {h["doc_id"] for h in json.loads(search.stdout)["hits"]}
    stats = json.loads(run(runner, "stats", "--index", str(index_dir)).stdout)
    assert stats["documents"] == 6
    assert stats["manifest"]["generation"] == stats["generation"]


def test_stats(runner, built, index_dir):
    result = run(runner, "stats", "--index", str(index_dir))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["documents"] == 7
    assert data["chunks"] == sum(r["chunks"] for r in built.values())
    assert data["manifest"]["n_chunks"] == data["chunks"]


# -- errors -------------------------------------------------------------------------------------------


def _one_line_error(result) -> str:
    assert result.exit_code == 1
    err = result.stderr.strip()
    assert err.startswith("Error: ")
    assert "\n" not in err
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return err


def test_ingest_nonexistent_path(runner, tmp_path, index_dir):
    result = run(runner, "ingest", str(tmp_path / "missing"), "--index", str(index_dir))
    err = _one_line_error(result)
    assert "No such file or folder" in err and "missing" in err


def test_ingest_only_bad_files_exits_1(runner, tmp_path, index_dir):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    result = run(runner, "ingest", str(folder), "--index", str(index_dir), "--json")
    assert result.exit_code == 1
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["status"] == "failed" and row["error"] == "Cannot read empty.txt: the file is empty."
    search = run(runner, "search", "tax", "--index", str(index_dir))
    err = _one_line_error(search)
    assert "empty" in err and "regassist ingest" in err


def test_search_missing_index(runner, tmp_path):
    result = run(runner, "search", "tax holiday", "--index", str(tmp_path / "noindex"))
    err = _one_line_error(result)
    assert "regassist ingest" in err and "noindex" in err
    assert not (tmp_path / "noindex").exists()


@pytest.mark.parametrize("command", [["docs"], ["show", "abc"], ["stats"], ["remove", "abc"]], ids=" ".join)
def test_other_commands_on_missing_index(runner, tmp_path, command):
    result = run(runner, *command, "--index", str(tmp_path / "noindex"))
    err = _one_line_error(result)
    assert "regassist ingest" in err
    assert not (tmp_path / "noindex").exists()  # a mistyped --index leaves nothing behind


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(runner, command):
    result = run(runner, *command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    body = result.stdout.split("\n", 2)[2].strip()
    assert len(body) > 20  # a sentence saying what the command does


def test_top_level_help_lists_commands(runner):
    result = run(runner, "--help")
    assert result.exit_code == 0
    for name in ("ingest", "docs", "remove", "show", "search", "stats", "models"):
        assert f"  {name} " in result.stdout
