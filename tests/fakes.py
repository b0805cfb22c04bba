"""Test doubles and crash-test tools shared by the reliability tests and ``bench/bench_killloop.py``.

The fake embedder is ``conftest.FakeEmbedder`` (hashing, deterministic across processes). A child process
picks it when ``REGASSIST_TEST_EMBEDDER=fake`` is set; the package itself has no test hooks::

    REGASSIST_TEST_EMBEDDER=fake PYTHONPATH=<repo> python tests/fakes.py ingest INDEX_DIR PATH...

prints ``READY`` just before ``Indexer.ingest`` starts and ``DONE <seconds> <statuses as JSON>`` when it ends.
``REGASSIST_TEST_EMBED_DELAY`` (seconds per embedding call) slows it down, to hold the writer lock longer.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:  # conftest.py is importable as a module when the tests folder is on the path
    sys.path.insert(0, str(TESTS))

from conftest import FakeEmbedder  # noqa: E402


class SlowFakeEmbedder(FakeEmbedder):
    """FakeEmbedder that sleeps ``delay`` seconds per passage batch (a stand-in for a real model's cost)."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay

    def embed_passages(self, texts, *, show_progress=False):  # type: ignore[no-untyped-def]
        if self.delay:
            time.sleep(self.delay)
        return super().embed_passages(texts, show_progress=show_progress)


def embedder_from_env() -> FakeEmbedder | None:
    """The fake embedder when ``REGASSIST_TEST_EMBEDDER=fake``; None (the configured real model) otherwise."""
    if os.environ.get("REGASSIST_TEST_EMBEDDER", "") != "fake":
        return None
    return SlowFakeEmbedder(float(os.environ.get("REGASSIST_TEST_EMBED_DELAY", "0") or 0))


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child process: this checkout first on the path, the fake embedder, one thread."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update({"REGASSIST_TEST_EMBEDDER": "fake", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"})
    env.update(extra)
    return env


def main(argv: list[str] | None = None) -> int:
    """``ingest INDEX_DIR PATH...``, ``remove INDEX_DIR REF...`` or ``ask INDEX_DIR`` (an app process: one
    question per stdin line, one JSON answer per stdout line) with the embedder chosen by the environment
    and the backend by ``REGASSIST_STORE`` (empty: the embedded index in INDEX_DIR)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, index_dir, rest = argv[0], Path(argv[1]), argv[2:]
    from regassist.config import Settings
    from regassist.errors import RegassistError
    from regassist.ingest import Indexer

    settings = Settings(
        index_dir=index_dir, cache_dir=index_dir.parent / "cache", store=os.environ.get("REGASSIST_STORE", "")
    )
    if command == "ask":
        return _ask_loop(settings)
    indexer = Indexer(settings, embedder=embedder_from_env())
    print("READY", flush=True)
    started = time.perf_counter()
    try:
        if command == "ingest":
            report = indexer.ingest([Path(p) for p in rest])
            statuses = dict(Counter(r.status for r in report.results))
        else:
            statuses = {"removed": len(indexer.remove(rest))}
    except RegassistError as err:
        print(f"ERROR {err}", flush=True)
        return 1
    print(f"DONE {time.perf_counter() - started:.3f} {json.dumps(statuses)}", flush=True)
    return 0


def _ask_loop(settings: Any) -> int:
    from regassist.assistant import Assistant

    assistant = Assistant(settings, embedder=embedder_from_env())
    print("READY", flush=True)
    for line in sys.stdin:
        answer = assistant.ask(line.strip())
        out = {"answer": answer.text, "refused": answer.refused, "docs": [c.doc_id for c in answer.citations],
               "hits": [h.doc.doc_id for h in assistant.search(line.strip(), k=5)]}  # fmt: skip
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


# -- a generated corpus -----------------------------------------------------------------------------------

_TOPICS = {
    "en": ["customs duty", "corporate income tax", "land lease", "work permits", "profit repatriation",
           "electricity tariffs", "import of equipment", "resident status", "audit", "export quotas"],
    "ru": ["таможенная пошлина", "налог на прибыль", "аренда земли", "разрешения на работу", "вывоз прибыли",
           "тарифы на электроэнергию", "ввоз оборудования", "статус резидента", "аудит", "экспортные квоты"],
    "tr": ["gümrük vergisi", "kurumlar vergisi", "arazi kirası", "çalışma izni", "kâr transferi",
           "elektrik tarifesi", "ekipman ithalatı", "kullanıcı statüsü", "denetim", "ihracat kotası"],
    "ar": ["الرسوم الجمركية", "ضريبة الدخل", "إيجار الأراضي", "تصاريح العمل", "تحويل الأرباح",
           "تعرفة الكهرباء", "استيراد المعدات", "صفة المستثمر", "التدقيق", "حصص التصدير"],
}  # fmt: skip
_HEADING = {"en": "Article {n}. {t}", "ru": "Статья {n}. {t}", "tr": "Madde {n} – {t}", "ar": "المادة ({n}): {t}"}
_SENTENCE = {
    "en": "Residents of zone {z} pay {p} percent on {t} for {y} years under rule {n}.",
    "ru": "Резиденты зоны {z} платят {p} процентов по статье «{t}» в течение {y} лет по правилу {n}.",
    "tr": "{z} bölgesindeki şirketler {t} için {y} yıl boyunca yüzde {p} öder, kural {n}.",
    "ar": "يدفع المستثمرون في المنطقة {z} نسبة {p} بالمئة عن {t} لمدة {y} سنوات وفق القاعدة {n}.",
}
_COUNTRY = {"en": "OM", "ru": "RU", "tr": "TR", "ar": "SA"}


def make_corpus(folder: Path, n_docs: int = 30, seed: int = 0) -> Path:
    """``n_docs`` small invented documents (md, txt, html; four languages; 1 to ~6 chunks each) and a
    manifest.json pinning their metadata, so detection plays no part in crash tests."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, str]] = {}
    for i in range(n_docs):
        lang = ("en", "ru", "tr", "ar")[i % 4]
        fmt = ("md", "txt", "html")[i % 3]
        sections = []
        for n in range(1, rng.randint(1, 7) + 1):
            topic = rng.choice(_TOPICS[lang])
            sentences = [
                _SENTENCE[lang].format(z=f"Z{i}", p=rng.randint(0, 30), t=topic, y=rng.randint(2, 25), n=f"{i}.{n}.{k}")
                for k in range(rng.randint(2, 12))
            ]
            sections.append((_HEADING[lang].format(n=n, t=topic), " ".join(sentences)))
        name = f"doc{i:02d}_{lang}.{fmt}"
        (folder / name).write_text(_render(fmt, f"Document {i} ({lang})", sections), encoding="utf-8")
        manifest[name] = {"lang": lang, "doc_type": "law", "country": _COUNTRY[lang], "zone": f"z{i}"}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def _render(fmt: str, title: str, sections: list[tuple[str, str]]) -> str:
    if fmt == "html":
        body = "".join(f"<h2>{h}</h2><p>{p}</p>" for h, p in sections)
        head = f"<!doctype html><html><head><title>{title}</title></head>"
        return f"{head}<body><main><h1>{title}</h1>{body}</main></body></html>"
    if fmt == "md":
        return f"# {title}\n\n" + "\n\n".join(f"## {h}\n\n{p}" for h, p in sections) + "\n"
    return f"{title}\n\n" + "\n\n".join(f"{h}\n{p}" for h, p in sections) + "\n"


def mutate_corpus(folder: Path, seed: int = 0, n_new: int = 3) -> None:
    """Change about a third of the documents and add ``n_new`` new ones (an 'update' batch)."""
    rng = random.Random(seed)
    files = sorted(p for p in folder.iterdir() if p.name != "manifest.json")
    for path in rng.sample(files, k=len(files) // 3):
        text = path.read_text(encoding="utf-8")
        extra = f"Amendment {rng.randint(1, 10**6)}: the rate above changes from {rng.randint(1, 9)} January."
        if path.suffix == ".html":
            text = text.replace("</main>", f"<p>{extra}</p></main>")
        else:
            text += f"\n{extra}\n"
        path.write_text(text, encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for j in range(n_new):
        name = f"new{seed}_{j}.md"
        (folder / name).write_text(
            f"# New {seed}-{j}\n\nArticle 1. New rule {seed}-{j} on customs duty.\n", encoding="utf-8"
        )
        manifest[name] = {"lang": "en", "doc_type": "law", "country": "OM", "zone": f"new{j}"}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


# -- consistency of an index folder ----------------------------------------------------------------------


@dataclass
class IndexState:
    problems: list[str] = field(default_factory=list)
    registry_generation: int = -1  # -1: no registry yet
    manifest_generation: int | None = None
    documents: int = 0
    chunks: int = 0
    leftovers: list[str] = field(default_factory=list)  # files of other generations, *.tmp
    doc_keys: set[tuple[str, str]] = field(default_factory=set)  # (doc_id, source)
    chunk_keys: set[str] = field(default_factory=set)  # chunk_id strings

    @property
    def manifest_current(self) -> bool:
        return self.manifest_generation == self.registry_generation


def check_index(
    index_dir: Path, embedder: Any, *, complete: bool = False, query: str = "customs duty tax"
) -> IndexState:
    """Everything a fresh start relies on, read from the files directly; ``problems`` lists what is wrong.

    Always: the registry is whole (chunks have documents and vectors, documents have chunks, one document per
    source); the generation named by manifest.json is self-consistent (FAISS ids == BM25 ids.npy ids ==
    n_chunks) and not ahead of the registry, and equal to the registry's ids when it is current; a Searcher
    opens, its index holds exactly the registry's chunk ids, and a search returns chunks that exist and quote
    their document verbatim. With ``complete``: the manifest is current and nothing else is left in the folder.
    """
    import faiss
    import numpy as np

    from regassist.config import Settings
    from regassist.errors import IndexStateError
    from regassist.index import read_manifest
    from regassist.retrieval import Searcher
    from regassist.store import DB_NAME, Registry

    state = IndexState()
    bad = state.problems.append
    if not (index_dir / DB_NAME).exists():
        if complete:
            bad("no registry")
        return state
    registry = Registry(index_dir)
    try:
        conn = registry.conn
        state.registry_generation = registry.generation
        reg_ids = sorted(int(i) for i in registry.all_chunk_ids())
        state.chunks = len(reg_ids)
        docs = conn.execute("SELECT doc_id, source FROM documents").fetchall()
        state.documents = len(docs)
        state.doc_keys = {(d[0], d[1]) for d in docs}
        state.chunk_keys = {r[0] for r in conn.execute("SELECT chunk_id FROM chunks")}
        if len({d[1] for d in docs}) != len(docs):
            bad("two documents share a source")
        orphans = conn.execute("SELECT count(*) FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        if (n := orphans.fetchone()[0]) != 0:
            bad(f"{n} chunks without a document")
        empty = conn.execute("SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM chunks)")
        if (n := empty.fetchone()[0]) != 0:
            bad(f"{n} documents without chunks")
        novec = conn.execute(
            "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE "
            "v.content_hash = c.content_hash AND v.model = ?)",
            (embedder.name,),
        ).fetchone()[0]
        if novec:
            bad(f"{novec} chunks without a cached vector")
        if (integrity := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            bad(f"sqlite integrity_check: {integrity}")
    finally:
        registry.close()

    manifest = read_manifest(index_dir)
    keep = {".lock", DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", "manifest.json"}
    if manifest is not None:
        state.manifest_generation = int(manifest["generation"])
        keep |= {manifest["dense"], manifest["bm25"], manifest["centroids"]}
        try:
            dense_index = faiss.read_index(str(index_dir / manifest["dense"]))
            dense = sorted(int(i) for i in faiss.vector_to_array(dense_index.id_map))
            bm25 = sorted(int(i) for i in np.load(index_dir / manifest["bm25"] / "ids.npy"))
            np.load(index_dir / manifest["centroids"])
        except Exception as err:  # any damage is a finding  # noqa: BLE001 - reports the failure instead of stopping
            bad(f"files of manifest generation {state.manifest_generation} unreadable: {err!r}")
        else:
            if dense != bm25 or len(dense) != manifest["n_chunks"]:
                bad(f"generation {state.manifest_generation}: {len(dense)} FAISS ids, {len(bm25)} BM25 ids, "
                    f"manifest says {manifest['n_chunks']}")  # fmt: skip
            if state.manifest_current and dense != reg_ids:
                bad(f"manifest is current but FAISS has {len(dense)} ids and the registry {len(reg_ids)}")
        if state.manifest_generation > state.registry_generation:
            bad(f"manifest generation {state.manifest_generation} ahead of the registry's {state.registry_generation}")
    elif complete:
        bad("no manifest.json")
    state.leftovers = sorted(p.name for p in index_dir.iterdir() if p.name not in keep)
    if complete:
        if not state.manifest_current:
            bad(f"manifest generation {state.manifest_generation} != registry generation {state.registry_generation}")
        if state.leftovers:
            bad(f"files left behind: {state.leftovers}")

    settings = Settings(index_dir=index_dir, cache_dir=index_dir.parent / "cache")
    searcher = Searcher(settings, embedder=embedder)
    try:
        index = searcher.index
        if index.generation != searcher.registry.generation:
            bad(f"searcher opened generation {index.generation}, registry is at {searcher.registry.generation}")
        dense_ids = sorted(int(i) for i in faiss.vector_to_array(index.dense.index.id_map))
        lexical_ids = sorted(int(i) for i in index.lexical.ids)
        live = sorted(int(i) for i in searcher.registry.all_chunk_ids())
        if not dense_ids == lexical_ids == live:
            bad(f"searcher index: {len(dense_ids)} dense ids, {len(lexical_ids)} BM25 ids, {len(live)} in registry")
        try:
            hits = searcher.search(query, k=5)
        except IndexStateError as err:
            if live:
                bad(f"search failed on a non-empty index: {err}")
            hits = []
        if live and not hits:
            bad("search found nothing on a non-empty index")
        for hit in hits:
            text = searcher.registry.document(hit.doc.doc_id).text
            if text[hit.chunk.start : hit.chunk.end] != hit.chunk.text:
                bad(f"hit {hit.chunk.chunk_id} does not quote its document")
    except Exception as err:  # a reader that cannot open is the finding  # noqa: BLE001 - reports the failure instead of stopping
        bad(f"searcher failed: {err.__class__.__name__}: {err}")
    finally:
        searcher.registry.close()
    return state


# -- one kill trial ----------------------------------------------------------------------------------------

KILL_POINTS = ("before any commit", "mid-batch", "writing index files", "removing old files", "after the end")


def kill_point(before: IndexState, after: IndexState, reference: IndexState) -> str:
    """Where the ingestion was when it died, judged from what it left."""
    if after.registry_generation == before.registry_generation and not after.leftovers:
        return "before any commit"
    if not after.manifest_current:
        return "writing index files" if after.doc_keys == reference.doc_keys else "mid-batch"
    return "removing old files" if after.leftovers else "after the end"


@dataclass
class Trial:
    mode: str
    delay: float
    kill_point: str
    after_kill: list[str]
    after_repair: list[str]
    repair_s: float
    statuses: dict[str, int]
    killed: bool


def spawn_ingest(index_dir: Path, paths: list[Path], **env: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(TESTS / "fakes.py"), "ingest", str(index_dir), *map(str, paths)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=child_env(**env))


def wait_ready(proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY"):
            return
        if not line and proc.poll() is not None:
            raise RuntimeError(f"child exited with {proc.returncode} before READY")
    raise TimeoutError("child did not get ready")


def timed_ingest(index_dir: Path, corpus: Path) -> float:
    """Seconds an uninterrupted child ingestion takes from READY to DONE."""
    proc = spawn_ingest(index_dir, [corpus])
    wait_ready(proc)
    out, _ = proc.communicate(timeout=120)
    done = [ln for ln in out.splitlines() if ln.startswith("DONE")]
    if proc.returncode != 0 or not done:
        raise RuntimeError(f"ingestion failed: {out!r}")
    return float(done[0].split()[1])


def kill_trial(index_dir: Path, corpus: Path, delay: float, *, mode: str, reference: IndexState) -> Trial:
    """Start a child ingestion of ``corpus`` into ``index_dir``, SIGKILL it ``delay`` s after READY, check what
    it left, re-run the ingestion in this process and check that it completed everything."""
    from regassist.config import Settings
    from regassist.ingest import Indexer

    embedder = FakeEmbedder()
    before = check_index(index_dir, embedder)
    proc = spawn_ingest(index_dir, [corpus])
    wait_ready(proc)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    after = check_index(index_dir, embedder)
    point = kill_point(before, after, reference) if killed else "after the end"
    started = time.perf_counter()
    report = Indexer(Settings(index_dir=index_dir, cache_dir=index_dir.parent / "cache"), embedder=embedder).ingest(
        [corpus]
    )
    repair_s = time.perf_counter() - started
    statuses = dict(Counter(r.status for r in report.results))
    repaired = check_index(index_dir, embedder, complete=True)
    problems = list(repaired.problems)
    allowed = {"added", "unchanged"} if mode == "fresh" else {"added", "updated", "unchanged"}
    if set(statuses) - allowed:
        problems.append(f"re-run statuses {statuses}")
    if (repaired.documents, repaired.chunks) != (reference.documents, reference.chunks):
        problems.append(f"{repaired.documents} docs / {repaired.chunks} chunks, expected "
                        f"{reference.documents} / {reference.chunks}")  # fmt: skip
    if repaired.doc_keys != reference.doc_keys or repaired.chunk_keys != reference.chunk_keys:
        problems.append("documents or chunks differ from an uninterrupted ingestion")
    return Trial(mode, delay, point, after.problems, problems, repair_s, statuses, killed)


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
        assert (
            Indexer(Settings(index_dir=root / "ref-update" / "index"), embedder=embedder)
            .ingest([self.docs])
            .count("unchanged")
            == self.reference["update"].documents
        )

    def _use(self, corpus: Path) -> None:
        shutil.rmtree(self.docs, ignore_errors=True)
        shutil.copytree(corpus, self.docs)

    def trial(self, n: int, rng: random.Random) -> Trial:
        mode = "fresh" if n % 2 == 0 else "update"
        self._use(self.base if mode == "fresh" else self.mutated)
        work = self.root / "trial"
        shutil.rmtree(work, ignore_errors=True)
        if mode == "fresh":
            work.mkdir()
        else:
            shutil.copytree(self.root / "ref-fresh", work)
        # half the kills anywhere in the run, half in its last quarter, where the index files are written
        d = self.duration[mode]
        delay = rng.uniform(0.0, 1.15 * d) if rng.random() < 0.5 else rng.uniform(0.75 * d, 1.1 * d)
        return kill_trial(work / "index", self.docs, delay, mode=mode, reference=self.reference[mode])


def run_kill_loop(bed: KillBed, trials: int, seed: int = 8) -> list[Trial]:
    """``trials`` kill trials, alternating fresh and update batches, kill delays drawn with ``seed``."""
    rng = random.Random(seed)
    return [bed.trial(n, rng) for n in range(trials)]


if __name__ == "__main__":
    sys.exit(main())
