"""Scale benchmark: index build time, disk size, memory and query latency at 1k / 10k / 100k chunks.

usage: python bench/bench_scale.py [--source /tmp/bench-idx] [--sizes 1000,10000,100000]
       [--work /tmp/regassist-scale] [--out bench/out] [--noise 0.3] [--ask-every 3] [--faiss-threads-variant]

The demo corpus is scaled synthetically from an ingested index (``--source``, built with
``regassist ingest corpus/ --index /tmp/bench-idx`` when missing): replica r of every document gets a new
doc id, source path (``synthetic/rNNNN/...``), chunk ids, a heading context marked ``~rN`` (so its content hash,
computed as ``Chunk.content_hash`` does, is new); its chunk vectors are the real
ones plus Gaussian noise of norm ~``--noise``, renormalised; texts and BM25 tokens are copied verbatim.
Nothing is paraphrased or re-embedded. Rows go straight into a fresh Registry (one transaction per replica),
then ``index.build_from_registry`` + ``index.write_index`` build the FAISS and bm25s files.

Each size is measured with exact search (flat) and with IVF (what ``Settings.ann_threshold`` picks
automatically above 50k chunks; at 100k the flat run raises the threshold, at 1k/10k the IVF run lowers it).
Every build and every query run is a separate subprocess, so peak RSS (``ru_maxrss``) is per step.

Query latency uses the development questions (bench/questions/dev.jsonl):
  retrieval warm   Searcher.search with the query vector already cached (the index work only)
  retrieval cold   the same with the query embedded first (what a new question costs)
  ask cold / warm  Assistant.ask on every ``--ask-every``-th question, with all embedding caches cleared
                   before each question / right after (so only the sentence embedding is cached)
A per-stage breakdown (wrapped functions; microseconds of overhead) and IVF-vs-flat recall@10 are included.
Results: bench/out/scale.md, scale.json, scale_latency.png, scale_memory.png.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
BIG = 10**9  # ann_threshold that keeps the index flat


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _pct(values: list[float], p: float) -> float:
    from regassist.evaluate import percentile

    return float(percentile(values, p))


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- step 1: fill a registry with N synthetic chunks ------------------------------------------------------
def _time_latest_only(registry: Any, cap_s: float) -> float:
    """Wall time of Registry.allowed_ids(latest_only=True) (what Assistant.ask adds for most questions), or
    nan when it exceeds ``cap_s`` (the query is interrupted)."""
    from regassist.store import Filters

    started = time.perf_counter()
    registry.conn.set_progress_handler(lambda: int(time.perf_counter() - started > cap_s), 10_000)
    try:
        registry.allowed_ids(Filters(latest_only=True))
    except sqlite3.OperationalError:
        return float("nan")
    finally:
        registry.conn.set_progress_handler(None, 0)
    return (time.perf_counter() - started) * 1000


def fill(source: Path, target: Path, n: int, noise: float, series_index: bool, seed: int = 0) -> dict[str, Any]:
    from regassist.store import DB_NAME, Registry

    src = sqlite3.connect(source / DB_NAME)
    model = json.loads((source / "manifest.json").read_text())["model"]
    doc_cols = [r[1] for r in src.execute("PRAGMA table_info(documents)")]
    docs = src.execute(f"SELECT {', '.join(doc_cols)} FROM documents").fetchall()
    chunk_cols = ["chunk_id", "doc_id", "text", "lang", "page", "page_end", "section", "start", '"end"', "context",
                  "content_hash", "tokens"]  # fmt: skip
    chunks = src.execute(f"SELECT {', '.join(chunk_cols)} FROM chunks ORDER BY id").fetchall()
    vecs = {h: np.frombuffer(v, dtype=np.float32) for h, v in src.execute(
        "SELECT content_hash, vec FROM vectors WHERE model = ?", (model,))}  # fmt: skip
    src.close()
    dim = len(next(iter(vecs.values())))
    i_doc, i_source, i_title, i_series = (doc_cols.index(c) for c in ("doc_id", "source", "title", "series"))

    if target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    registry = Registry(target, create=True)
    rng = np.random.default_rng(seed)
    cos_sum, cos_n = 0.0, 0
    written, replica = 0, 0
    while written < n:
        take = chunks[: n - written]
        used_docs = {c[1] for c in take}

        def rid(x: str, r: int = replica) -> str:
            return x if r == 0 else hashlib.sha256(f"{x}:r{r}".encode()).hexdigest()

        def context(c: tuple[Any, ...], r: int = replica) -> str:
            return c[9] if r == 0 else f"{c[9]} ~r{r}"

        def content_hash(c: tuple[Any, ...], r: int = replica) -> str:
            """Chunk.content_hash of the replica (its context differs), so every backend finds its vector."""
            return c[10] if r == 0 else hashlib.sha256(f"{context(c, r)}\n{c[2]}".encode()).hexdigest()[:24]

        new_vecs: dict[str, bytes] = {}
        for c in take:
            h = content_hash(c)
            if h in new_vecs:
                continue
            v = vecs[c[10]]
            if replica:
                v2 = v + rng.standard_normal(dim).astype(np.float32) * (noise / np.sqrt(dim))
                v2 = (v2 / np.linalg.norm(v2)).astype(np.float32)
                cos_sum += float(v2 @ v)
                cos_n += 1
                v = v2
            new_vecs[h] = np.ascontiguousarray(v, dtype=np.float32).tobytes()
        doc_rows = []
        for d in docs:
            if d[i_doc] not in used_docs:
                continue
            row = list(d)
            if replica:
                row[i_doc] = rid(d[i_doc])
                row[i_source] = f"synthetic/r{replica:04d}/{d[i_source]}"
                row[i_title] = f"{d[i_title]} [r{replica}]"
                row[i_series] = f"{d[i_series]}~r{replica}" if d[i_series] else None
            doc_rows.append(row)
        chunk_rows = [
            (c[0] if not replica else f"{c[0]}~r{replica}", rid(c[1]), *c[2:9], context(c), content_hash(c), c[11])
            for c in take
        ]
        with registry.transaction() as conn:
            conn.executemany(f"INSERT INTO documents ({', '.join(doc_cols)}) VALUES ({','.join('?' * len(doc_cols))})",
                             doc_rows)  # fmt: skip
            conn.executemany(f"INSERT INTO chunks ({', '.join(chunk_cols)}) VALUES ({','.join('?' * len(chunk_cols))})",
                             chunk_rows)  # fmt: skip
            conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?,?,?)",
                             [(h, model, v) for h, v in new_vecs.items()])  # fmt: skip
        written += len(take)
        replica += 1
    with registry.transaction() as conn:
        registry.bump_generation(conn)
    fill_s = time.perf_counter() - started
    n_docs = registry.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    latest_ms = _time_latest_only(registry, 60.0)
    latest_idx_ms = float("nan")
    if series_index:  # the fix proposed for store.py's schema (see the report)
        registry.conn.execute("CREATE INDEX IF NOT EXISTS documents_series ON documents(series, edition)")
        latest_idx_ms = _time_latest_only(registry, 60.0)
    registry.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    registry.close()
    return {
        "n": n, "model": model, "dim": dim, "replicas": replica, "fill_s": fill_s, "noise": noise,
        "mean_cos_to_original": cos_sum / cos_n if cos_n else 1.0, "series_index": series_index, "n_docs": n_docs,
        "latest_only_sql_ms": latest_ms, "latest_only_sql_ms_with_index": latest_idx_ms,
    }  # fmt: skip


# -- step 2: build the search indexes -------------------------------------------------------------------
def build(index_dir: Path, model: str, dim: int, ann_threshold: int, trace: bool) -> dict[str, Any]:
    import bm25s  # noqa: F401  (imports are not part of the build's memory)
    import faiss  # noqa: F401

    from regassist.index import build_from_registry, write_index
    from regassist.store import Registry

    registry = Registry(index_dir)
    rss_before = _current_rss_mb()
    started = time.perf_counter()
    index = build_from_registry(registry, model, dim, ann_threshold)
    built = time.perf_counter()
    write_index(index_dir, index, {"dim": dim, "synthetic": True})
    written = time.perf_counter()
    out: dict[str, Any] = {
        "kind": index.dense.kind, "build_s": built - started, "write_s": written - built,
        "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb(),
    }  # fmt: skip
    del index
    if trace:  # Python-side allocations (numpy included; FAISS's C++ memory is not traced)
        import tracemalloc

        tracemalloc.start()
        again = build_from_registry(registry, model, dim, ann_threshold)
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        del again
    registry.close()
    manifest = json.loads((index_dir / "manifest.json").read_text())
    out["disk"] = {
        "registry": _du(index_dir / "registry.sqlite"),
        "faiss": _du(index_dir / manifest["dense"]) + _du(index_dir / manifest["centroids"]),
        "bm25": _du(index_dir / manifest["bm25"]),
    }
    return out


# -- step 3: query latency --------------------------------------------------------------------------------
class StageTimer:
    """Wraps functions with wall-clock accumulators (per stage, per query)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active = False

    def wrap(self, owner: Any, attr: str, name: str) -> None:
        fn = getattr(owner, attr)
        timer = self

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not timer.active:
                return fn(*args, **kwargs)
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timer.totals[name] += time.perf_counter() - t
                timer.calls[name] += 1

        setattr(owner, attr, wrapped)

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()


def _add(into: StageTimer, timers: StageTimer) -> None:
    for k, v in timers.totals.items():
        into.totals[k] += v


def install_timers() -> StageTimer:
    import bm25s

    from regassist import answer, embeddings, index, retrieval, store

    t = StageTimer()
    t.wrap(retrieval.Searcher, "search", "search (total)")
    t.wrap(retrieval.Searcher, "plan", "plan (lang, places, glossary)")
    t.wrap(embeddings.SentenceTransformerEmbedder, "embed_query", "embed query")
    t.wrap(embeddings.SentenceTransformerEmbedder, "embed_passages", "embed sentences")
    t.wrap(store.Registry, "allowed_ids", "SQLite allowed_ids (filters, places)")
    t.wrap(store.Registry, "chunks_by_ids", "SQLite chunks_by_ids")
    t.wrap(index.DenseIndex, "search", "FAISS search")
    t.wrap(index.LexicalIndex, "search", "BM25 search (total)")
    t.wrap(bm25s.BM25, "get_scores", "  bm25s get_scores")
    t.wrap(retrieval, "_diversify", "diversify (near-dups)")
    t.wrap(answer.Answerer, "answer", "answer (total)")
    t.wrap(answer.Answerer, "_rank_sentences", "  rank sentences")
    t.wrap(answer, "sentence_candidates", "  sentence candidates")
    return t


def query(index_dir: Path, ann_threshold: int, questions: list[str], ask_every: int, faiss_threads: int,
          cold: bool, repeat: int = 3) -> dict[str, Any]:  # fmt: skip
    import faiss

    timers = install_timers()
    from regassist.assistant import Assistant
    from regassist.config import Settings
    from regassist.store import Filters

    if faiss_threads:
        faiss.omp_set_num_threads(faiss_threads)
    settings = Settings.load(index_dir=index_dir, ann_threshold=ann_threshold)
    assistant = Assistant(settings)
    searcher = assistant.searcher
    rss_start = _current_rss_mb()
    started = time.perf_counter()
    searcher.search("warm-up")  # loads the model and the index
    load_s = time.perf_counter() - started
    index = searcher.index
    out: dict[str, Any] = {"kind": index.dense.kind, "load_s": load_s, "rss_loaded_mb": _current_rss_mb(),
                           "rss_before_load_mb": rss_start, "faiss_threads": faiss.omp_get_max_threads()}  # fmt: skip
    cache = searcher._vectors  # the searcher's query/sentence vector cache (cleared for cold runs)

    embed_ms = []
    for q in questions:
        t = time.perf_counter()
        searcher.query_vector(q)
        embed_ms.append((time.perf_counter() - t) * 1000)
    out["embed_query_ms"] = embed_ms

    for q in questions:  # one untimed warm pass (page cache, SQLite cache, lazily built structures)
        searcher.search(q)
    # ``repeat`` timed passes; per question the fastest counts (other processes on a shared machine only ever
    # add time), and the breakdown is the mean over all passes
    warm = [float("inf")] * len(questions)
    n_hits, breakdown = [], {}
    timers.reset()
    timers.active = True
    for _ in range(repeat):
        n_hits = []
        for i, q in enumerate(questions):
            t = time.perf_counter()
            hits = searcher.search(q)
            warm[i] = min(warm[i], (time.perf_counter() - t) * 1000)
            n_hits.append(len(hits))
    timers.active = False
    breakdown["retrieval_warm"] = {k: 1000 * v / len(questions) / repeat for k, v in timers.totals.items()}
    out["retrieval_warm_ms"] = warm
    out["hits_per_query"] = statistics.fmean(n_hits)

    # rankings for IVF-vs-flat recall: dense top-10 (unfiltered and place-restricted) and the final hits
    alpha = settings.language_debias
    ranks: dict[str, list[Any]] = {"dense": [], "dense_place": [], "hits": []}
    for q in questions:
        qv = searcher.query_vector(q)
        ranks["dense"].append([i for i, _ in index.dense.search(qv, 10, alpha=alpha)])
        plan = searcher.plan(q)
        place_ids = searcher._place_scope(plan, Filters()) if (plan.zones or plan.countries) else None
        has_place = place_ids is not None and len(place_ids) > 0
        ranks["dense_place"].append(
            [i for i, _ in index.dense.search(qv, 10, place_ids, alpha=alpha)] if has_place else None
        )
        ranks["hits"].append([h.chunk.chunk_id for h in searcher.search(q)])
    out["ranks"] = ranks
    # the original chunk each id is a replica of (chunk_id without the ~rN suffix), for content-level recall
    ids = sorted({i for lst in ranks["dense"] + [x for x in ranks["dense_place"] if x] for i in lst})
    rows = searcher.registry.chunks_by_ids(ids)
    out["origin"] = {str(i): rows[i][0].chunk_id.split("~r")[0] for i in ids if i in rows}

    # FAISS alone, default threads vs one thread (OpenMP on a busy 2-core machine)
    qvs = [searcher.query_vector(q) for q in questions]
    for label, nt in (("default", faiss_threads or 0), ("1 thread", 1)):
        if nt:
            faiss.omp_set_num_threads(nt)
        ts = [float("inf")] * len(qvs)
        for _ in range(repeat):
            for i, qv in enumerate(qvs):
                t = time.perf_counter()
                index.dense.search(qv, settings.candidates, alpha=alpha)
                ts[i] = min(ts[i], (time.perf_counter() - t) * 1000)
        out[f"faiss_ms_{label}"] = ts
    faiss.omp_set_num_threads(faiss_threads or os.cpu_count() or 1)

    if cold:
        cold_ms = []
        for q in questions[:: ask_every or 1]:
            cache.clear()
            t = time.perf_counter()
            searcher.search(q)
            cold_ms.append((time.perf_counter() - t) * 1000)
        out["retrieval_cold_ms"] = cold_ms

    subset = questions[::ask_every] if ask_every else []
    if subset:
        ask_cold, ask_warm = [], []
        cold_t, warm_t = StageTimer(), StageTimer()
        for q in subset:
            cache.clear()
            timers.reset()
            timers.active = True
            t = time.perf_counter()
            assistant.ask(q)
            ask_cold.append((time.perf_counter() - t) * 1000)
            _add(cold_t, timers)
            timers.reset()
            t = time.perf_counter()
            assistant.ask(q)  # again: query and sentence vectors now cached
            ask_warm.append((time.perf_counter() - t) * 1000)
            timers.active = False
            _add(warm_t, timers)
        breakdown["ask_cold"] = {k: 1000 * v / len(subset) for k, v in cold_t.totals.items()}
        breakdown["ask_warm"] = {k: 1000 * v / len(subset) for k, v in warm_t.totals.items()}
        out["ask_cold_ms"], out["ask_warm_ms"] = ask_cold, ask_warm
    out["breakdown"] = breakdown
    out["peak_rss_mb"] = _rss_mb()
    return out


# -- orchestration ------------------------------------------------------------------------------------------
def _child(args: list[str]) -> dict[str, Any]:
    """Run this script as a subprocess step; its last stdout line is JSON."""
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"step {' '.join(args)} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _recall(a: list[list[Any]], b: list[list[Any]]) -> float:
    """Mean |a_i ∩ b_i| / |a_i| over queries where a_i is not empty (a = exact, b = approximate)."""
    vals = [len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True) if x]
    return statistics.fmean(vals) if vals else float("nan")


def _content_recall(a: list[list[int]], b: list[list[int]], oa: dict[str, str], ob: dict[str, str]) -> float:
    """Recall on the original chunks the ids are replicas of (a replica found instead of its twin counts)."""
    vals = []
    for x, y in zip(a, b, strict=True):
        if not x:
            continue
        sx, sy = {oa[str(i)] for i in x}, {ob[str(i)] for i in y}
        vals.append(len(sx & sy) / len(sx))
    return statistics.fmean(vals) if vals else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", type=Path, default=Path("/tmp/bench-idx"))
    p.add_argument("--corpus", type=Path, default=Path("corpus"))
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--work", type=Path, default=Path("/tmp/regassist-scale"))
    p.add_argument("--out", type=Path, default=HERE / "out")
    p.add_argument("--questions", type=Path, default=HERE / "questions" / "dev.jsonl")
    p.add_argument("--noise", type=float, default=0.3, help="norm of the perturbation of replica vectors")
    p.add_argument("--ask-every", type=int, default=3, help="Assistant.ask on every N-th question (0: none)")
    p.add_argument("--repeat", type=int, default=3, help="timed warm retrieval passes (fastest per question)")
    p.add_argument("--no-cold", action="store_true", help="skip the cold (query embedding included) retrieval run")
    p.add_argument(
        "--series-index",
        action="store_true",
        help="add the index documents(series, edition) that latest-edition filtering needs (proposed fix)",
    )
    p.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass of the build")
    p.add_argument(
        "--faiss-threads-variant",
        action="store_true",
        help="also run the IVF and flat query steps at the largest size with faiss.omp_set_num_threads(1)",
    )
    p.add_argument("--step", help=argparse.SUPPRESS)
    p.add_argument("--params", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.step:  # a subprocess step
        prm = json.loads(args.params)
        if args.step == "fill":
            res = fill(Path(prm["source"]), Path(prm["target"]), prm["n"], prm["noise"], prm["series_index"])
        elif args.step == "build":
            res = build(Path(prm["dir"]), prm["model"], prm["dim"], prm["ann_threshold"], prm["trace"])
        else:
            res = query(Path(prm["dir"]), prm["ann_threshold"], prm["questions"], prm["ask_every"],
                        prm["faiss_threads"], prm["cold"], prm["repeat"])  # fmt: skip
        print(json.dumps(res))
        return

    from rich.console import Console

    console = Console(width=140)
    if not (args.source / "registry.sqlite").is_file():
        console.print(f"building the source index {args.source} from {args.corpus}")
        from regassist.config import Settings
        from regassist.ingest import Indexer

        Indexer(Settings.load(index_dir=args.source)).ingest([args.corpus], show_progress=True)
    from regassist.config import Settings

    threshold = Settings.load().ann_threshold
    questions = [
        json.loads(x)["question"] for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    sizes = [int(s) for s in args.sizes.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    loads: list[tuple[str, tuple[float, float, float]]] = [("start", os.getloadavg())]
    results: dict[str, Any] = {"sizes": sizes, "ann_threshold": threshold, "questions": len(questions),
                               "cpus": os.cpu_count(), "runs": {}}  # fmt: skip
    for n in sizes:
        base = args.work / str(n)
        console.print(f"[bold]{n} chunks[/bold]: filling the registry")
        info = _child(["--step", "fill", "--params", json.dumps(
            {"source": str(args.source), "target": str(base / "flat"), "n": n, "noise": args.noise,
             "series_index": args.series_index})])  # fmt: skip
        shutil.rmtree(base / "ivf", ignore_errors=True)
        (base / "ivf").mkdir(parents=True)
        shutil.copy2(base / "flat" / "registry.sqlite", base / "ivf" / "registry.sqlite")
        results["runs"][str(n)] = {"fill": info}
        variants = [("flat", BIG, 0), ("ivf", 1, 0)]
        if args.faiss_threads_variant and n == max(sizes):
            variants += [("flat", BIG, 1), ("ivf", 1, 1)]
        for kind, ann, _ in variants[:2]:
            console.print(f"  building {kind}")
            b = _child(["--step", "build", "--params", json.dumps(
                {"dir": str(base / kind), "model": info["model"], "dim": info["dim"], "ann_threshold": ann,
                 "trace": not args.no_trace})])  # fmt: skip
            results["runs"][str(n)][kind] = {"build": b}
            console.print(
                f"    {b['build_s']:.1f} s build, {b['write_s']:.1f} s write, peak RSS {b['peak_rss_mb']:.0f} MB"
            )
        for kind, ann, threads in variants:
            label = kind if not threads else f"{kind}+faiss1"
            console.print(f"  querying {label}")
            q = _child(["--step", "query", "--params", json.dumps(
                {"dir": str(base / kind), "ann_threshold": ann, "questions": questions,
                 "ask_every": args.ask_every if not threads else 0, "faiss_threads": threads,
                 "cold": not args.no_cold and not threads, "repeat": args.repeat})])  # fmt: skip
            results["runs"][str(n)].setdefault(label, {})["query"] = q
            loads.append((f"{n} {label}", os.getloadavg()))
            console.print(f"    retrieval warm p50 {_pct(q['retrieval_warm_ms'], 50):.1f} p95 "
                          f"{_pct(q['retrieval_warm_ms'], 95):.1f} ms; load {os.getloadavg()[0]:.2f}")  # fmt: skip
        r = results["runs"][str(n)]
        (args.out / "scale.partial.json").write_text(json.dumps(results))
        fq, iq = r["flat"]["query"], r["ivf"]["query"]
        r["recall"] = {
            "dense@10": _recall(fq["ranks"]["dense"], iq["ranks"]["dense"]),
            "dense@10 content": _content_recall(fq["ranks"]["dense"], iq["ranks"]["dense"], fq["origin"], iq["origin"]),
            "dense@10 place-filtered": _recall(
                [x or [] for x in fq["ranks"]["dense_place"]], [y or [] for y in iq["ranks"]["dense_place"]]),
            "search hits": _recall(fq["ranks"]["hits"], iq["ranks"]["hits"]),
            "n_place_queries": sum(1 for x in fq["ranks"]["dense_place"] if x),
        }  # fmt: skip
    results["load_averages"] = loads
    for run in results["runs"].values():  # keep the JSON small: rankings are only for recall
        for v in run.values():
            if isinstance(v, dict) and "query" in v:
                v["query"].pop("ranks", None)
                v["query"].pop("origin", None)
    (args.out / "scale.json").write_text(json.dumps(results, indent=1))
    md = render(results)
    (args.out / "scale.md").write_text(md, encoding="utf-8")
    console.print(md, markup=False, highlight=False)
    plot(results, args.out)
    console.print(f"wrote {args.out / 'scale.md'}, scale.json, scale_latency.png, scale_memory.png")


def render(res: dict[str, Any]) -> str:
    def f(x: float, d: int = 1) -> str:
        return "–" if x is None or x != x else f"{x:.{d}f}"

    lines = [f"# Scale benchmark ({res['cpus']} CPUs; {res['questions']} dev questions; "
             f"automatic IVF at >= {res['ann_threshold']} chunks)", ""]  # fmt: skip
    lines += ["## Build and size", "",
              "| chunks | index | auto? | fill s | build s | write s | build peak RSS MB (before) "
              "| tracemalloc peak MB | registry MB | faiss MB | bm25 MB |",
              "|---:|---|:-:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, run in res["runs"].items():
        auto = "flat" if int(n) < res["ann_threshold"] else "ivf"
        for kind in ("flat", "ivf"):
            b = run[kind]["build"]
            d = b["disk"]
            lines.append(
                f"| {int(n):,} | {kind} | {'yes' if kind == auto else ''} | {f(run['fill']['fill_s'])} | "
                f"{f(b['build_s'], 2)} | {f(b['write_s'], 2)} | "
                f"{f(b['peak_rss_mb'], 0)} ({f(b['rss_before_mb'], 0)}) | "
                f"{f(b.get('tracemalloc_peak_mb'), 0)} | {f(d['registry'] / 2**20)} | {f(d['faiss'] / 2**20)} | "
                f"{f(d['bm25'] / 2**20)} |"
            )
    lines += ["", "## Query latency (ms)", "",
              "| chunks | index | retrieval warm p50 | p95 | retrieval cold p50 | p95 | ask cold p50 | p95 | "
              "ask warm p50 | p95 | FAISS alone p50/p95 | FAISS 1 thread p50/p95 | hits/query | serving RSS MB |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, run in res["runs"].items():
        for label, v in run.items():
            if not isinstance(v, dict) or "query" not in v:
                continue
            q = v["query"]

            def pp(key: str, q: dict[str, Any] = q, digits: int = 1) -> tuple[str, str]:
                vals = q.get(key)
                return (f(_pct(vals, 50), digits), f(_pct(vals, 95), digits)) if vals else ("–", "–")

            fa, f1 = pp("faiss_ms_default", digits=2), pp("faiss_ms_1 thread", digits=2)
            lines.append(
                f"| {int(n):,} | {label} | {' | '.join(pp('retrieval_warm_ms'))} | "
                f"{' | '.join(pp('retrieval_cold_ms'))} | "
                f"{' | '.join(pp('ask_cold_ms'))} | {' | '.join(pp('ask_warm_ms'))} | {fa[0]} / {fa[1]} | "
                f"{f1[0]} / {f1[1]} | {f(q['hits_per_query'])} | {f(q['peak_rss_mb'], 0)} |"
            )
    lines += [
        "",
        "## Latest-edition filter: Registry.allowed_ids(Filters(latest_only=True)) (ms, one call)",
        "",
        "Assistant.ask adds this filter to most questions; its SQL has a correlated subquery on "
        "documents.series, which has no index (capped at 60 s: – means it did not finish).",
        "",
        "| chunks | documents | as shipped | with index documents(series, edition) |",
        "|---:|---:|---:|---:|",
    ]
    for n, run in res["runs"].items():
        fl = run["fill"]
        lines.append(
            f"| {int(n):,} | {fl.get('n_docs', '–')} | "
            f"{f(fl.get('latest_only_sql_ms'), 0)} | {f(fl.get('latest_only_sql_ms_with_index'), 0)} |"
        )
    if next(iter(res["runs"].values()))["fill"].get("series_index"):
        lines += [
            "",
            "**The query latencies above were measured WITH that index added to the synthetic registries "
            "(--series-index).**",
        ]
    lines += ["", "## IVF vs exact: recall@10 on the same queries", "",
              "| chunks | dense top-10 (ids) | dense top-10 (content: replica of the same chunk counts) | "
              "dense top-10, place-filtered (n queries) | final search hits |",
              "|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, run in res["runs"].items():
        r = run["recall"]
        lines.append(
            f"| {int(n):,} | {f(r['dense@10'], 3)} | {f(r['dense@10 content'], 3)} | "
            f"{f(r['dense@10 place-filtered'], 3)} ({r['n_place_queries']}) | {f(r['search hits'], 3)} |"
        )
    biggest = str(max(res["sizes"]))
    for label, v in res["runs"][biggest].items():
        if not isinstance(v, dict) or "query" not in v:
            continue
        for phase, stages in v["query"].get("breakdown", {}).items():
            lines += ["", f"## Where the time goes: {int(biggest):,} chunks, {label}, {phase} (ms per question)", "",
                      "| stage | ms |", "|---|---:|"]  # fmt: skip
            for stage, ms in sorted(stages.items(), key=lambda kv: -kv[1]):
                lines.append(f"| {stage} | {ms:.1f} |")
    lines += ["", "Load average (1/5/15 min) after each step: " + "; ".join(
        f"{name}: {a:.2f}/{b:.2f}/{c:.2f}" for name, (a, b, c) in res["load_averages"])]  # fmt: skip
    fill0 = next(iter(res["runs"].values()))["fill"]
    lines += ["", f"Synthetic replicas: vectors perturbed by noise of norm {fill0['noise']} "
              f"(mean cosine to the original at the largest size: "
              f"{res['runs'][biggest]['fill']['mean_cos_to_original']:.3f}); "
              "texts and tokens copied verbatim."]  # fmt: skip
    return "\n".join(lines) + "\n"


def plot(res: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    sizes = [int(n) for n in res["runs"]]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    styles = {"flat": ("tab:blue", "o"), "ivf": ("tab:orange", "s"), "flat+faiss1": ("tab:green", "^"),
              "ivf+faiss1": ("tab:red", "v")}  # fmt: skip
    for label, (color, marker) in styles.items():
        for ax, key, title in ((axes[0], "retrieval_warm_ms", "Retrieval (query vector cached)"),
                               (axes[1], "ask_cold_ms", "Assistant.ask (cold: embeddings included)")):  # fmt: skip
            xs, p50, p95 = [], [], []
            for n in sizes:
                q = res["runs"][str(n)].get(label, {}).get("query")
                if q and q.get(key):
                    xs.append(n)
                    p50.append(_pct(q[key], 50))
                    p95.append(_pct(q[key], 95))
            if xs:
                ax.plot(xs, p95, color=color, marker=marker, label=f"{label} p95")
                ax.plot(xs, p50, color=color, marker=marker, linestyle="--", alpha=0.6, label=f"{label} p50")
            ax.set_title(title)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("chunks")
        ax.set_ylabel("ms")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].axhline(50, color="grey", linestyle=":", linewidth=1)
    axes[0].text(sizes[0], 52, "target p95 50 ms", fontsize=8, color="grey")
    fig.tight_layout()
    fig.savefig(out / "scale_latency.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for kind, (color, marker) in (("flat", styles["flat"]), ("ivf", styles["ivf"])):
        b = [res["runs"][str(n)][kind]["build"] for n in sizes]
        q = [res["runs"][str(n)][kind]["query"] for n in sizes]
        axes[0].plot(sizes, [x["peak_rss_mb"] for x in b], color=color, marker=marker, label=f"{kind}: build peak RSS")
        axes[0].plot(sizes, [x["peak_rss_mb"] for x in q], color=color, marker=marker, linestyle="--",
                     label=f"{kind}: serving peak RSS (model + index)")  # fmt: skip
        if all("tracemalloc_peak_mb" in x for x in b):
            axes[0].plot(sizes, [x["tracemalloc_peak_mb"] for x in b], color=color, marker=marker, linestyle=":",
                         label=f"{kind}: build tracemalloc peak")  # fmt: skip
        axes[1].plot(
            sizes, [x["disk"]["faiss"] / 2**20 for x in b], color=color, marker=marker, label=f"faiss ({kind})"
        )
    b = [res["runs"][str(n)]["flat"]["build"] for n in sizes]
    axes[1].plot(
        sizes, [x["disk"]["registry"] / 2**20 for x in b], color="tab:purple", marker="D", label="registry.sqlite"
    )
    axes[1].plot(sizes, [x["disk"]["bm25"] / 2**20 for x in b], color="tab:brown", marker="x", label="bm25s")
    axes[0].set_title("Memory")
    axes[1].set_title("Size on disk")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("chunks")
        ax.set_ylabel("MB")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "scale_memory.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
