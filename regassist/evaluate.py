"""Evaluation on a question set: retrieval (Recall@k, MRR, nDCG) and answers (citations, quotes, facts,
refusals, language), per language and per kind, for regassist and retrieval baselines in the same run.

A question file is JSONL: {"id", "lang", "kind", "question", "gold": [{"source", "page", "quote"}],
"facts": [...], "answerable": bool}. ``source`` is matched against the ingested document's source path.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regassist.config import Settings
from regassist.documents import Answer, Hit
from regassist.errors import RegassistError
from regassist.langid import detect_lang
from regassist.textnorm import ascii_digits, fold

KS = (1, 5, 10)


@dataclass(frozen=True, slots=True)
class Question:
    qid: str
    lang: str
    kind: str
    question: str
    gold_sources: tuple[str, ...]
    facts: tuple[str, ...]
    answerable: bool

    @property
    def is_cross_lingual(self) -> bool:
        return self.kind == "cross_lingual"


def load_questions(path: Path) -> list[Question]:
    out: list[Question] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(
                Question(
                    qid=str(d.get("id", n)),
                    lang=d["lang"],
                    kind=d.get("kind", "same_lang"),
                    question=d["question"],
                    gold_sources=tuple(_norm_source(g["source"]) for g in d.get("gold", [])),
                    facts=tuple(str(f) for f in d.get("facts", [])),
                    answerable=bool(d.get("answerable", bool(d.get("gold")))),
                )
            )
        except (ValueError, KeyError) as err:
            raise RegassistError(f"{path.name}:{n}: not a valid question ({err}).") from err
    return out


def _norm_source(source: str) -> str:
    return source.replace("\\", "/").lstrip("./")


def _matches(source: str, gold: Sequence[str]) -> bool:
    s = _norm_source(source)
    return any(s == g or s.endswith("/" + g) or g.endswith("/" + s) for g in gold)


def doc_ranking(hits: Sequence[Hit]) -> list[str]:
    """Distinct documents in the order of their first hit."""
    seen: list[str] = []
    for h in hits:
        if h.doc.source not in seen:
            seen.append(h.doc.source)
    return seen


def retrieval_scores(ranked_sources: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """Recall@k (any gold document in the top k documents), MRR@10 and binary nDCG@10 over documents."""
    rel = [1.0 if _matches(s, gold) else 0.0 for s in ranked_sources[:10]]
    out = {f"recall@{k}": float(any(rel[:k])) for k in KS}
    first = next((i for i, r in enumerate(rel) if r), None)
    out["mrr@10"] = 1.0 / (first + 1) if first is not None else 0.0
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(set(gold)), 10)))
    out["ndcg@10"] = dcg / ideal if ideal else 0.0
    return out


_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUM.findall(ascii_digits(text))}


def answer_scores(q: Question, answer: Answer, doc_text: Callable[[str], str]) -> dict[str, float]:
    """Citation, quote, number, fact, refusal and language checks for one answer."""
    out: dict[str, float] = {}
    out["refused"] = float(answer.refused)
    out["lang_match"] = float(detect_lang(answer.text, default=answer.lang) == q.lang)
    if not q.answerable:
        return out
    cited = [c.source for c in answer.citations]
    out["cites_gold"] = float(any(_matches(s, q.gold_sources) for s in cited))
    quotes_ok = [doc_text(c.doc_id)[c.start : c.start + len(c.quote)] == c.quote for c in answer.citations]
    out["quotes_verbatim"] = sum(quotes_ok) / len(quotes_ok) if quotes_ok else math.nan
    body = re.sub(r"\[\d+\]", " ", answer.text)
    # Numbers of the cited statements; a paragraph without a marker is a note (e.g. which edition was used).
    cited_lines = " ".join(p for p in answer.text.split("\n\n") if re.search(r"\[\d+\]", p))
    numbers = _numbers(re.sub(r"\[\d+\]", " ", cited_lines))
    sources = set().union(*(_numbers(c.quote) for c in answer.citations)) if answer.citations else set()
    out["numbers_sourced"] = (len(numbers & sources) / len(numbers)) if numbers else math.nan
    if q.facts:
        text = fold(ascii_digits(body))
        found = [fold(ascii_digits(f)).replace(" ", "") in text.replace(" ", "") for f in q.facts]
        out["facts"] = float(all(found))
    return out


@dataclass
class SystemRun:
    name: str
    per_question: list[dict[str, Any]] = field(default_factory=list)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    i = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[i]


def aggregate(rows: Sequence[dict[str, Any]], key: str | None) -> dict[str, dict[str, float]]:
    """Mean of each metric per group (``key`` = 'lang', 'kind' or None for overall), NaN-aware."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups["all" if key is None else str(r[key])].append(r)
    out: dict[str, dict[str, float]] = {}
    for g, items in sorted(groups.items()):
        metrics: dict[str, float] = {"n": float(len(items))}
        names = {m for r in items for m in r if isinstance(r[m], float)}
        for m in sorted(names):
            vals = [r[m] for r in items if isinstance(r.get(m), float) and not math.isnan(r[m])]
            metrics[m] = statistics.fmean(vals) if vals else math.nan
        lat = [r["latency_ms"] for r in items if "latency_ms" in r]
        if lat:
            metrics["p50_ms"] = percentile(lat, 50)
            metrics["p95_ms"] = percentile(lat, 95)
        out[g] = metrics
    return out


def run_eval(
    settings: Settings,
    questions: Sequence[Question],
    *,
    baselines: bool = True,
    langchain: bool = True,
    answers: bool = True,
    progress: bool = False,
) -> dict[str, Any]:
    """Evaluate regassist (hybrid retrieval + extractive answers) and retrieval baselines on ``questions``."""
    from tqdm.auto import tqdm

    from regassist.assistant import Assistant

    assistant = Assistant(settings)
    searcher = assistant.searcher
    searcher.search("warm-up")  # model and index load are not part of any latency
    systems: dict[str, Callable[[str], list[Hit]]] = {"regassist": lambda q: searcher.search(q, k=10)}
    if baselines:
        bm25_only = searcher.variant(dense_weight=0.0)
        dense_only = searcher.variant(bm25_weight=0.0, language_debias=0.0)
        systems["bm25"] = lambda q: bm25_only.search(q, k=10, use_places=False, expand=False)
        systems["dense"] = lambda q: dense_only.search(q, k=10, use_places=False, expand=False)
    if baselines and langchain:  # the plain LangChain pipeline with the same embedder (embeds the corpus once)
        from regassist.baselines import langchain_system

        starter = langchain_system(searcher)
        if starter is not None:
            systems["langchain"] = starter
    runs = {name: SystemRun(name) for name in systems}
    doc_texts: dict[str, str] = {}

    def doc_text(doc_id: str) -> str:
        if doc_id not in doc_texts:
            doc_texts[doc_id] = assistant.registry.document(doc_id).text
        return doc_texts[doc_id]

    for q in tqdm(questions, desc="Evaluating", disable=not progress):
        base = {"id": q.qid, "lang": q.lang, "kind": q.kind}
        for name, search in systems.items():
            row = dict(base)
            started = time.perf_counter()
            hits = search(q.question)
            row["latency_ms"] = (time.perf_counter() - started) * 1000
            if q.answerable:  # retrieval is scored on questions that have a gold document
                row.update(retrieval_scores(doc_ranking(hits), q.gold_sources))
                runs[name].per_question.append(row)
        if answers:
            answer = assistant.ask(q.question)
            row = {**base, "latency_ms": answer.latency_ms, **answer_scores(q, answer, doc_text)}
            row["answerable"] = q.answerable
            row["answer"] = answer.text
            runs.setdefault("answers", SystemRun("answers")).per_question.append(row)
    report: dict[str, Any] = {"n_questions": len(questions), "systems": {}}
    for name, run in runs.items():
        rows = run.per_question
        entry = {
            "overall": aggregate(rows, None)["all"],
            "by_lang": aggregate(rows, "lang"),
            "by_kind": aggregate(rows, "kind"),
            "questions": rows,
        }
        if name == "answers":
            answerable = [r for r in rows if r["answerable"]]
            unanswerable = [r for r in rows if not r["answerable"]]
            entry["refusal_accuracy"] = statistics.fmean([r["refused"] for r in unanswerable]) if unanswerable else None
            entry["false_refusal_rate"] = statistics.fmean([r["refused"] for r in answerable]) if answerable else None
        report["systems"][name] = entry
    return report


def check_floor(report: dict[str, Any], floor: dict[str, float]) -> list[str]:
    """Metrics below their floor, as 'system.group.metric value < floor' lines. Keys look like
    'regassist.all.recall@5', 'regassist.cross_lingual.recall@5', 'answers.all.quotes_verbatim',
    'answers.refusal_accuracy'."""
    failures: list[str] = []
    for raw_key, bound in floor.items():
        if raw_key.startswith("_"):
            continue  # comments
        is_max = raw_key.startswith("max:")
        key = raw_key.removeprefix("max:")
        parts = key.split(".")
        entry = report["systems"].get(parts[0], {})
        if len(parts) == 2:
            value = entry.get(parts[1])
        else:
            group, metric = parts[1], parts[2]
            source = (
                entry.get("overall") if group == "all"
                else entry.get("by_lang", {}).get(group) or entry.get("by_kind", {}).get(group)
            )  # fmt: skip
            value = (source or {}).get(metric)
        if value is None or value != value:
            failures.append(f"{key} is missing from the report")
        elif (value > bound) if is_max else (value < bound):
            failures.append(f"{key} {value:.3f} {'>' if is_max else '<'} {bound}")
    return failures
