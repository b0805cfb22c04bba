"""Command line: the only module that prints or exits. Results go to stdout, progress and logs to stderr."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from regassist.config import Settings
from regassist.errors import RegassistError

F = TypeVar("F", bound=Callable[..., Any])


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def friendly_errors(func: F) -> F:
    """RegassistError -> its message on stderr, exit 1; anything else -> one line (traceback with REGASSIST_DEBUG=1)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RegassistError as err:
            if os.environ.get("REGASSIST_DEBUG"):
                raise
            click.echo(f"Error: {err}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as err:
            if os.environ.get("REGASSIST_DEBUG"):
                raise
            click.echo(f"Error: {err.__class__.__name__}: {err} (set REGASSIST_DEBUG=1 for the traceback)", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    """Settings from the environment, with the group's --store and the command's flags on top."""
    return Settings.load(store=(ctx.obj or {}).get("store"), **overrides)


index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=None,
    help="Index folder (default: ./index, or REGASSIST_INDEX_DIR).",
)  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--store", metavar="URL", default=None,
              help="postgresql://...: a PostgreSQL index, not the --index folder (or REGASSIST_STORE).")  # fmt: skip
@click.version_option(package_name="regassist")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, store: str | None) -> None:
    """regassist: cited answers about special economic zones, free zones and technoparks (ru/en/ar/tr)."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("sentence_transformers", "transformers", "httpx", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.obj["store"] = store


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--country", help="Country (ISO code) for all files, overriding detection.")
@click.option("--zone", help="Zone key for all files.")
@click.option("--type", "doc_type", type=click.Choice(["law", "handbook", "forum", "guide", "memo"]))
@click.option("--lang", type=click.Choice(["ru", "en", "ar", "tr"]), help="Language, overriding detection.")
@click.option("--edition", help="Effective date YYYY-MM-DD for all files.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout.")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], index_dir: Path | None, as_json: bool, **meta: Any) -> None:
    """Add files or folders (PDF, HTML, Markdown, text) to the index; unchanged files are skipped."""
    from regassist.ingest import Indexer

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise RegassistError(f"No such file or folder: {', '.join(map(str, missing))}")
    settings = _settings(ctx, index_dir=index_dir)
    report = Indexer(settings).ingest(paths, meta, show_progress=not ctx.obj.get("quiet") and not as_json)
    if as_json:
        for r in report.results:
            click.echo(json.dumps({k: getattr(r, k) for k in r.__slots__}, ensure_ascii=False))
    else:
        _print_ingest_report(report, settings)
    if report.n_failed and report.n_failed == len(report.results):
        sys.exit(1)


def _print_ingest_report(report: Any, settings: Settings) -> None:
    from rich.table import Table

    console = _console()
    from regassist.backend import location

    table = Table(title=f"Ingested into {location(settings)}", show_lines=False)
    for col in ("file", "status", "lang", "pages", "chunks", "embedded", "notes"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        notes = r.error or "; ".join(r.warnings)
        style = {"failed": "red", "duplicate": "yellow", "unchanged": "dim"}.get(r.status, "")
        table.add_row(
            Path(r.path).name, r.status, r.lang, str(r.pages or ""), str(r.chunks or ""),
            str(r.embedded or ""), notes, style=style,
        )  # fmt: skip
    console.print(table)
    langs: dict[str, int] = {}
    for r in report.results:
        if r.lang and r.status != "failed":
            langs[r.lang] = langs.get(r.lang, 0) + 1
    console.print(
        f"{report.count('added')} added, {report.count('updated')} updated, {report.count('unchanged')} unchanged, "
        f"{report.count('duplicate')} duplicate, {report.n_failed} failed; "
        f"{sum(r.pages for r in report.results)} pages, {sum(r.chunks for r in report.results)} chunks, "
        f"languages {langs}; {report.elapsed_s:.1f} s"
    )


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def docs(ctx: click.Context, index_dir: Path | None, as_json: bool) -> None:
    """List the indexed documents with their metadata."""
    from rich.table import Table

    from regassist.backend import open_backend

    settings = _settings(ctx, index_dir=index_dir)
    backend = open_backend(settings)
    registry = backend.registry
    infos = registry.documents()
    if as_json:
        for d in infos:
            click.echo(json.dumps({k: getattr(d, k) for k in d.__slots__}, ensure_ascii=False))
        return
    table = Table(title=f"{len(infos)} documents in {backend.location}")
    for col in ("doc_id", "title", "lang", "type", "country", "zone", "edition", "pages", "chunks", "source"):
        table.add_column(col, overflow="fold")
    for d in infos:
        table.add_row(
            d.doc_id[:10], d.title[:60], d.lang, d.doc_type, d.country or "", d.zone or "", d.edition or "",
            str(d.n_pages), str(registry.n_chunks_of(d.doc_id)), d.source,
        )  # fmt: skip
    _console().print(table)


@cli.command()
@click.argument("refs", nargs=-1, required=True)
@index_option
@click.pass_context
@friendly_errors
def remove(ctx: click.Context, refs: tuple[str, ...], index_dir: Path | None) -> None:
    """Remove documents (by id, id prefix or source path) and all their chunks."""
    from regassist.ingest import Indexer

    settings = _settings(ctx, index_dir=index_dir)
    for info in Indexer(settings).remove(refs):
        click.echo(f"removed {info.doc_id} {info.source}")


@cli.command()
@click.argument("ref")
@index_option
@click.option("--page", type=int, help="Only this page (1-based).")
@click.option("--chunks", "show_chunks", is_flag=True, help="Show the chunks with page, section and offsets.")
@click.pass_context
@friendly_errors
def show(ctx: click.Context, ref: str, index_dir: Path | None, page: int | None, show_chunks: bool) -> None:
    """Show a document's extracted text (or its chunks), so staff can check the extraction."""
    from regassist.backend import open_backend

    registry = open_backend(_settings(ctx, index_dir=index_dir)).registry
    info = registry.resolve_doc(ref)
    doc = registry.document(info.doc_id)
    click.echo(f"# {doc.title}  [{doc.doc_id}] {doc.lang} {doc.doc_type} {doc.country or ''} {doc.zone or ''} "
               f"edition={doc.edition or '-'} pages={doc.n_pages}")  # fmt: skip
    for w in doc.warnings:
        click.echo(f"# warning: {w}")
    if show_chunks:
        for c in registry.chunks_of(doc.doc_id):
            if page and not c.page <= page <= c.page_end:
                continue
            click.echo(f"\n--- {c.chunk_id} p.{c.page}{'-' + str(c.page_end) if c.page_end != c.page else ''} "
                       f"[{c.start}:{c.end}] {c.lang} § {c.section}")  # fmt: skip
            click.echo(c.text)
        return
    pages = [page] if page else range(1, doc.n_pages + 1)
    for p in pages:
        if not 1 <= p <= doc.n_pages:
            raise RegassistError(f"Page {p} does not exist; the document has {doc.n_pages} page(s).")
        click.echo(f"\n=== page {p} ===")
        click.echo(doc.page_text(p))


def _read_batch(path: Path) -> Iterator[str]:
    """Questions from FILE: one per line, or JSONL with a 'question' (or 'query') field."""
    text = path.read_text(encoding="utf-8-sig")
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError as err:
                raise RegassistError(f"{path.name}:{n}: not valid JSON ({err}).") from err
            q = obj.get("question") or obj.get("query")
            if not isinstance(q, str):
                raise RegassistError(f"{path.name}:{n}: the JSON object has no 'question' field.")
            yield q
        else:
            yield line


filter_options = [
    click.option("--country", help="Country ISO codes, comma-separated (RU,TR,AE,EG,SA,OM...)."),
    click.option("--zone", help="Zone keys, comma-separated (alabuga, duqm, jafza...)."),
    click.option("--type", "doc_type", help="Document types: law, handbook, forum, guide, memo."),
    click.option("--doc-lang", help="Only documents in these languages (ru,en,ar,tr)."),
    click.option("--edition-from", help="Only editions in force from this date (YYYY-MM-DD)."),
    click.option("--edition-to", help="Only editions up to this date."),
    click.option("--doc", "doc_ids", multiple=True, help="Only these document ids (repeatable)."),
]


def with_filters(func: F) -> F:
    for option in reversed(filter_options):
        func = option(func)
    return func


def _filters(opts: dict[str, Any]) -> Any:
    from regassist.store import Filters

    return Filters.build(
        countries=opts.get("country"),
        zones=opts.get("zone"),
        doc_types=opts.get("doc_type"),
        langs=opts.get("doc_lang"),
        doc_ids=opts.get("doc_ids"),
        edition_from=opts.get("edition_from"),
        edition_to=opts.get("edition_to"),
    )


@cli.command()
@click.argument("query", required=False)
@index_option
@click.option("-k", "--top-k", "k", type=int, default=None, help="How many passages (default 8).")
@click.option("--lang", type=click.Choice(["ru", "en", "ar", "tr"]), help="Query language (default: detected).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Queries from FILE.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (one line per query).")
@with_filters
@click.pass_context
@friendly_errors
def search(ctx: click.Context, query: str | None, index_dir: Path | None, k: int | None, lang: str | None,
           batch: Path | None, as_json: bool, **opts: Any) -> None:  # fmt: skip
    """Search passages across languages, with metadata filters."""
    from regassist.retrieval import Searcher

    if not query and not batch:
        raise RegassistError("Give a QUERY or --batch FILE.")
    settings = _settings(ctx, index_dir=index_dir)
    searcher = Searcher(settings)
    filters = _filters(opts)
    queries = list(_read_batch(batch)) if batch else [query or ""]
    for q in queries:
        started = time.perf_counter()
        hits = searcher.search(q, k=k, filters=filters, lang=lang)  # type: ignore[arg-type]
        latency = (time.perf_counter() - started) * 1000
        if as_json:
            click.echo(json.dumps({"query": q, "hits": [_hit_json(h) for h in hits], "latency_ms": round(latency, 1)},
                                  ensure_ascii=False))  # fmt: skip
        else:
            _print_hits(q, hits, latency)


def _hit_json(h: Any) -> dict[str, Any]:
    return {
        "rank": h.rank,
        "doc_id": h.doc.doc_id,
        "source": h.doc.source,
        "title": h.doc.title,
        "page": h.chunk.page,
        "section": h.chunk.section,
        "text": h.chunk.text,
        "score": round(h.score, 6),
        "lang": h.chunk.lang,
        "chunk_id": h.chunk.chunk_id,
        "dense": round(h.dense, 4),
        "via": h.via,
    }


def _print_hits(query: str, hits: list[Any], latency: float) -> None:
    console = _console()
    console.print(f"[bold]{query}[/bold]  ({len(hits)} hits, {latency:.0f} ms)")
    for h in hits:
        console.print(
            f"[bold]{h.rank}.[/bold] {h.doc.title} — p.{h.chunk.page} {h.chunk.section} "
            f"[dim]({h.chunk.lang}, {h.via}, score {h.score:.4f}, cos {h.dense:.3f}, {h.doc.source})[/dim]",
            markup=True,
            highlight=False,
        )
        snippet = h.chunk.text.replace("\n", " ")
        console.print("   " + (snippet[:300] + ("…" if len(snippet) > 300 else "")), markup=False, highlight=False)


@cli.command()
@click.argument("question", required=False)
@index_option
@click.option("--lang", type=click.Choice(["ru", "en", "ar", "tr"]), help="Answer language (default: the question's).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Questions from FILE.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (one line per question).")
@with_filters
@click.pass_context
@friendly_errors
def ask(ctx: click.Context, question: str | None, index_dir: Path | None, lang: str | None, batch: Path | None,
        as_json: bool, **opts: Any) -> None:  # fmt: skip
    """Answer a question with citations, in the question's language (or refuse when the sources do not say)."""
    from regassist.assistant import Assistant

    if not question and not batch:
        raise RegassistError("Give a QUESTION or --batch FILE.")
    assistant = Assistant(_settings(ctx, index_dir=index_dir))
    filters = _filters(opts)
    questions = list(_read_batch(batch)) if batch else [question or ""]
    for q in questions:
        answer = assistant.ask(q, filters=filters, lang=lang)  # type: ignore[arg-type]
        if as_json:
            click.echo(json.dumps(_answer_json(answer), ensure_ascii=False))
        else:
            _print_answer(answer)


def _answer_json(answer: Any) -> dict[str, Any]:
    data = answer.to_dict()
    data["citations"] = [
        {k: c[k] for k in ("n", "doc_id", "source", "title", "page", "section", "quote", "score", "lang", "edition")}
        for c in data["citations"]
    ]
    return data


def _print_answer(answer: Any) -> None:
    console = _console()
    console.print(answer.text, markup=False, highlight=False)
    for c in answer.citations:
        console.print(
            f"[bold][{c.n}][/bold] {c.title} — p.{c.page} {c.section} [dim]({c.source})[/dim]", highlight=False
        )
        console.print(f"    “{c.quote}”", markup=False, highlight=False)
    console.print(f"[dim]{answer.lang}, {answer.latency_ms:.0f} ms{', refused' if answer.refused else ''}[/dim]")


@cli.command()
@index_option
@click.pass_context
@friendly_errors
def stats(ctx: click.Context, index_dir: Path | None) -> None:
    """Counts of documents, chunks, pages and languages in the index."""
    from regassist.backend import open_backend
    from regassist.index import read_manifest

    settings = _settings(ctx, index_dir=index_dir)
    backend = open_backend(settings)
    data = {"backend": backend.kind, "location": backend.location, **backend.registry.stats()}
    if backend.kind == "embedded":
        data["manifest"] = read_manifest(settings.index_dir)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command()
@click.option("--to", "url", required=True, metavar="URL", help="Target database: postgresql://user:pass@host/db")
@index_option
@click.pass_context
@friendly_errors
def migrate(ctx: click.Context, url: str, index_dir: Path | None) -> None:
    """Copy the embedded index (--index folder) into PostgreSQL, reusing its vectors (no re-embedding).
    Documents already there are skipped, so an interrupted run resumes."""
    from regassist.migrate import migrate as run_migrate

    settings = _settings(ctx, index_dir=index_dir)
    report = run_migrate(settings, url, show_progress=not ctx.obj.get("quiet"))
    click.echo(
        f"Copied {report.copied} documents ({report.chunks} chunks) into {report.target} in {report.elapsed_s:.1f} s; "
        f"{report.skipped} were already there. Use it with REGASSIST_STORE=<URL> or --store URL."
    )


@cli.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@index_option
@click.option("--no-baselines", is_flag=True, help="Only regassist, not the BM25-only and dense-only baselines.")
@click.option("--no-langchain", is_flag=True, help="Skip the LangChain starter baseline (it embeds the corpus again).")
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the full JSON report here.")
@click.option("--floor", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of minimum metric values; exit 1 when a metric falls below its floor.")  # fmt: skip
@click.pass_context
@friendly_errors
def eval_cmd(ctx: click.Context, questions: Path, index_dir: Path | None, no_baselines: bool, no_langchain: bool,
             limit: int | None,
             report: Path | None, floor: Path | None) -> None:  # fmt: skip
    """Measure retrieval and answer quality on a question set (JSONL), per language and kind."""
    from regassist.evaluate import check_floor, load_questions, run_eval

    settings = _settings(ctx, index_dir=index_dir)
    qs = load_questions(questions)[:limit] if limit else load_questions(questions)
    result = run_eval(settings, qs, baselines=not no_baselines, langchain=not no_langchain,
                      progress=not ctx.obj.get("quiet"))  # fmt: skip
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    _print_eval(result)
    if floor:
        failures = check_floor(result, json.loads(floor.read_text(encoding="utf-8")))
        for line in failures:
            click.echo(f"below floor: {line}", err=True)
        if failures:
            sys.exit(1)


def _print_eval(result: dict[str, Any]) -> None:
    from rich.table import Table

    console = _console()
    retrieval = Table(title=f"Retrieval on {result['n_questions']} questions (answerable ones), by question language")
    for col in ("system", "group", "n", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "p50 ms", "p95 ms"):
        retrieval.add_column(col, justify="right")
    for name, entry in result["systems"].items():
        if name == "answers":
            continue
        groups = {
            "all": entry["overall"],
            **entry["by_lang"],
            "cross-lingual": entry["by_kind"].get("cross_lingual", {}),
        }
        for group, m in groups.items():
            retrieval.add_row(name, group, f"{m.get('n', 0):.0f}", *(_fmt(m.get(k)) for k in (
                "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")),
                _fmt(m.get("p50_ms"), 0), _fmt(m.get("p95_ms"), 0))  # fmt: skip
    console.print(retrieval)
    answers = result["systems"].get("answers")
    if not answers:
        return
    table = Table(title="Answers (extractive), by question language")
    for col in ("group", "n", "cites gold", "quotes verbatim", "numbers sourced", "facts", "refused", "lang match",
                "p50 ms", "p95 ms"):  # fmt: skip
        table.add_column(col, justify="right")
    groups = {
        "all": answers["overall"],
        **answers["by_lang"],
        **{f"kind:{k}": v for k, v in answers["by_kind"].items()},
    }
    for group, m in groups.items():
        table.add_row(group, f"{m.get('n', 0):.0f}", *(_fmt(m.get(k)) for k in (
            "cites_gold", "quotes_verbatim", "numbers_sourced", "facts", "refused", "lang_match")),
            _fmt(m.get("p50_ms"), 0), _fmt(m.get("p95_ms"), 0))  # fmt: skip
    console.print(table)
    console.print(
        f"refusal accuracy on unanswerable: {_fmt(answers.get('refusal_accuracy'))}; "
        f"false refusals on answerable: {_fmt(answers.get('false_refusal_rate'))}"
    )


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:.{digits}f}"


@cli.command()
@click.option("--zones", required=True, help="Zones or countries, comma-separated: alabuga,ege_fz,duqm or RU,TR.")
@click.option("--aspects", help="Comma-separated: profit_tax, property_tax, land_tax, vat, customs, land, office_rent, "
              "min_investment, foreign_ownership, localisation, licence_term, licence_fee, tax_holiday.")  # fmt: skip
@click.option("--lang", type=click.Choice(["ru", "en", "ar", "tr"]), default="en", show_default=True)
@index_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
@click.pass_context
@friendly_errors
def compare(ctx: click.Context, zones: str, aspects: str | None, lang: str, index_dir: Path | None, as_json: bool,
            as_csv: bool) -> None:  # fmt: skip
    """Compare zones side by side: one cell per zone and aspect, each with its citation."""
    from rich.table import Table

    from regassist.assistant import Assistant
    from regassist.compare import compare_zones

    assistant = Assistant(_settings(ctx, index_dir=index_dir))
    result = compare_zones(assistant, zones.split(","), aspects.split(",") if aspects else None, lang)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if as_csv:
        click.echo(result.to_csv(), nl=False)
        return
    rows = result.rows
    table = Table(show_lines=True)
    for col in rows[0]:
        table.add_column(col, overflow="fold")
    for row in rows[1:]:
        table.add_row(*row)
    console = _console()
    console.print(table)
    for c in result.citations:
        console.print(f"[{c.n}] {c.title} — p.{c.page} {c.section} ({c.source})", markup=False, highlight=False)
        console.print(f"    “{c.quote}”", markup=False, highlight=False)


@cli.group()
def models() -> None:
    """Local model weights (embedder, optional translation models)."""


@models.command("install")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly_errors
def models_install(path: Path) -> None:
    """Install a translation model from a local .argosmodel file (optional; never downloaded)."""
    from regassist.translate import install_model

    click.echo(f"installed {install_model(path)}")


@models.command("list")
@click.pass_context
@friendly_errors
def models_list(ctx: click.Context) -> None:
    """Show the embedder in use and the installed translation pairs."""
    from regassist.translate import installed_pairs

    settings = _settings(ctx)
    click.echo(f"embedder: {settings.embedding_model} (cache {settings.cache_dir})")
    pairs = sorted(installed_pairs())
    click.echo("translation: " + (", ".join(f"{a}->{b}" for a, b in pairs) if pairs else "none installed "
               "(answers give key facts in the asker's language and quote the source as written)"))  # fmt: skip


@models.command("prepare")
@click.pass_context
@friendly_errors
def models_prepare(ctx: click.Context) -> None:
    """Convert the bundled multilingual-e5-small weights once (no download)."""
    from regassist.models import ensure_e5_model

    settings = _settings(ctx)
    click.echo(str(ensure_e5_model(settings.cache_dir)))


@cli.command()
@index_option
@click.option("--host", help="Listen address (default: REGASSIST_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: REGASSIST_PORT or 7860).")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), help="Demo corpus for an empty index.")
@click.pass_context
@friendly_errors
def serve(ctx: click.Context, index_dir: Path | None, host: str | None, port: int | None, corpus: Path | None) -> None:
    """Start the web app: investor chat, staff workbench, operator console (REGASSIST_OPERATOR_PASSWORD)."""
    from regassist.webapp import serve as serve_web

    serve_web(_settings(ctx, index_dir=index_dir, host=host, port=port), corpus)


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()
