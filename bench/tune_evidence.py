"""Fit the evidence-sentence weights (answer.ScoreWeights) on the development questions.

For every answerable question, the candidate sentences of the retrieved passages are labelled by whether they
overlap a gold quote; a grid search over the weights reports how often the top-scored sentence (and the top 3)
is gold, per language. The current defaults are printed first, for comparison.

usage: python bench/tune_evidence.py [--questions bench/questions/dev.jsonl] [--index index]
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from regassist.answer import COSINE_FLOOR, SEMANTIC_SHORTLIST, ScoreWeights, sentence_candidates
from regassist.assistant import Assistant
from regassist.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=Path("bench/questions/dev.jsonl"))
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings.load(index_dir=args.index)
    assistant = Assistant(settings)
    searcher = assistant.searcher
    items = []
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if not q.get("answerable") or not q.get("gold"):
            continue
        plan = searcher.plan(q["question"])
        hits = searcher.search(q["question"])
        cands = sentence_candidates(plan, hits)
        if not cands:
            items.append((q, [], np.zeros(0), np.zeros(0, bool)))
            continue
        texts = [f"{c.evidence.hit.chunk.context}\n{c.evidence.text}" for c in cands]
        cos = searcher.passage_vectors(texts) @ searcher.query_vector(q["question"])
        gold = np.array([_is_gold(c, q["gold"]) for c in cands])
        items.append((q, cands, cos, gold))
    console = Console(width=140)
    console.print(f"{len(items)} answerable questions; {sum(g.any() for *_, g in items)} have a gold sentence in reach")

    def evaluate(w: ScoreWeights) -> dict[str, tuple[float, float]]:
        per: dict[str, list[tuple[bool, bool]]] = {}
        for q, cands, cos, gold in items:
            if not cands:
                per.setdefault(q["lang"], []).append((False, False))
                continue
            lex = np.array([c.lexical_score(w) for c in cands])
            short = np.argsort(-lex)[:SEMANTIC_SHORTLIST]
            score = np.full(len(cands), -1e9)
            score[short] = lex[short] + w.semantic * (cos[short] - COSINE_FLOOR)
            order = np.argsort(-score)
            per.setdefault(q["lang"], []).append((bool(gold[order[0]]), bool(gold[order[:3]].any())))
        out = {lang: (np.mean([a for a, _ in v]), np.mean([b for _, b in v])) for lang, v in per.items()}
        allv = [x for v in per.values() for x in v]
        out["all"] = (np.mean([a for a, _ in allv]), np.mean([b for _, b in allv]))
        return out

    results = []
    grid = itertools.product((1.0, 2.0, 3.0), (0.0, 0.3), (0.5, 1.0, 2.0), (0.0, 0.5, 1.0), (5.0, 10.0, 20.0, 40.0))
    for lexical, context, prior, facts, semantic in grid:
        w = ScoreWeights(lexical=lexical, context=context, prior=prior, facts=facts, semantic=semantic)
        results.append((evaluate(w), w))
    results.sort(key=lambda r: (r[0]["all"][0], r[0]["all"][1]), reverse=True)
    table = Table(title="Top sentence is gold (top-3 in brackets), best weights first")
    for col in ("weights", "all", "ru", "en", "ar", "tr"):
        table.add_column(col)
    default = evaluate(ScoreWeights())
    rows = [("default " + _w(ScoreWeights()), default)] + [(_w(w), m) for m, w in results[:8]]
    for name, m in rows:
        table.add_row(
            name, *(f"{m[k][0]:.3f} ({m[k][1]:.3f})" if k in m else "–" for k in ("all", "ru", "en", "ar", "tr"))
        )
    console.print(table)


def _w(w: ScoreWeights) -> str:
    return f"lex={w.lexical} ctx={w.context} prior={w.prior} facts={w.facts} sem={w.semantic}"


def _is_gold(cand, gold: list[dict]) -> bool:  # type: ignore[no-untyped-def]
    ev = cand.evidence
    for g in gold:
        if not ev.hit.doc.source.endswith(g["source"].lstrip("./")) and g["source"] not in ev.hit.doc.source:
            continue
        quote = g["quote"]
        if quote[:40] in ev.text or ev.text[:40] in quote or (len(ev.text) > 20 and ev.text[-30:] in quote):
            return True
    return False


if __name__ == "__main__":
    _ = replace  # keep the import for readers who extend the grid with dataclasses.replace
    main()
