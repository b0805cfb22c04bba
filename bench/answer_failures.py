"""Per-question failures of the extractive answerer on a question set, grouped by what went wrong.

Answers every question with the assistant, scores it like ``regassist eval`` (regassist.evaluate.answer_scores)
and prints, per failure category (not citing a gold document, missing key facts, unanswerable question answered,
answerable question refused, quote not verbatim, wrong language), each failing question with its language pair,
expected facts, gold and cited sources and the answer. ``--save`` writes the rows as JSON so that two runs can be
compared with ``--diff``.

usage: python bench/answer_failures.py [--questions bench/questions/dev.jsonl] [--index /tmp/wt-index]
                                       [--only cites_gold,facts] [--save run.json] [--diff before.json]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path

from regassist.assistant import Assistant
from regassist.config import Settings
from regassist.evaluate import _matches, answer_scores, load_questions

CATEGORIES = {
    "cites_gold": "answerable, no gold document cited",
    "facts": "answerable, key facts missing from the answer",
    "not_refused": "unanswerable, answered",
    "false_refusal": "answerable, refused",
    "verbatim": "a quote is not verbatim",
    "lang": "answer not in the question's language",
}


def failures_of(row: dict) -> list[str]:
    out = []
    if row["answerable"]:
        if row["refused"]:
            out.append("false_refusal")
        if row.get("cites_gold") == 0.0:
            out.append("cites_gold")
        if row.get("facts") == 0.0:
            out.append("facts")
        v = row.get("quotes_verbatim")
        if v is not None and not math.isnan(v) and v < 1.0:
            out.append("verbatim")
    elif not row["refused"]:
        out.append("not_refused")
    if row["lang_match"] < 1.0:
        out.append("lang")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=Path("bench/questions/dev.jsonl"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--only", default="", help="Comma-separated categories to print (default: all).")
    parser.add_argument("--save", type=Path, help="Write the per-question rows as JSON.")
    parser.add_argument("--diff", type=Path, help="A saved run: print questions whose failures changed.")
    parser.add_argument("--width", type=int, default=400, help="Characters of each answer to print.")
    args = parser.parse_args()

    assistant = Assistant(Settings.load(index_dir=args.index))
    assistant.ask("warm-up")
    questions = load_questions(args.questions)
    evidence_lang = {
        json.loads(line)["id"]: sorted({g["source"].split("/")[1] for g in json.loads(line).get("gold", [])})
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    doc_texts: dict[str, str] = {}

    def doc_text(doc_id: str) -> str:
        if doc_id not in doc_texts:
            doc_texts[doc_id] = assistant.registry.document(doc_id).text
        return doc_texts[doc_id]

    rows = []
    for q in questions:
        answer = assistant.ask(q.question)
        scores = answer_scores(q, answer, doc_text)
        row = {
            "id": q.qid,
            "lang": q.lang,
            "kind": q.kind,
            "pair": f"{q.lang}->{'/'.join(evidence_lang.get(q.qid, [])) or '-'}",
            "question": q.question,
            "facts_expected": list(q.facts),
            "gold": list(q.gold_sources),
            "cited": [
                f"{c.source}:{c.lang}{'*' if _matches(c.source, q.gold_sources) else ''}" for c in answer.citations
            ],
            "answerable": q.answerable,
            "confidence": answer.confidence,
            "answer": answer.text,
            **scores,
        }
        row["failures"] = failures_of(row)
        rows.append(row)

    only = [c for c in args.only.split(",") if c] or list(CATEGORIES)
    for cat in only:
        failing = [r for r in rows if cat in r["failures"]]
        print(f"\n=== {cat}: {CATEGORIES[cat]} ({len(failing)}) " + "=" * 40)
        for r in failing:
            print(f"\n[{r['id']}] {r['kind']} {r['pair']} conf={r['confidence']:.2f}  {r['question']}")
            if r["answerable"]:
                print(f"   facts: {r['facts_expected']}  gold: {r['gold']}")
            print(f"   cited: {r['cited']}")
            print("   answer: " + r["answer"][: args.width].replace("\n", "\n           "))
    print("\n=== summary " + "=" * 60)
    counts = Counter((c, r["lang"]) for r in rows for c in r["failures"])
    langs = sorted({r["lang"] for r in rows})
    print(f"{'category':<16}" + "".join(f"{lang:>6}" for lang in langs) + f"{'all':>6}")
    for cat in CATEGORIES:
        per_lang = "".join(f"{counts[(cat, lang)]:>6}" for lang in langs)
        print(f"{cat:<16}{per_lang}{sum(counts[(cat, x)] for x in langs):>6}")
    answerable = [r for r in rows if r["answerable"]]
    for name, group in (
        ("same_lang", [r for r in answerable if r["kind"] == "same_lang"]),
        ("cross_lingual", [r for r in answerable if r["kind"] == "cross_lingual"]),
        ("answerable", answerable),
    ):
        with_facts = [r for r in group if "facts" in r]
        if group:
            print(
                f"{name:<14} cites_gold {sum(r.get('cites_gold', 0) for r in group) / len(group):.3f}"
                f"  facts {sum(r['facts'] for r in with_facts) / max(1, len(with_facts)):.3f}  (n={len(group)})"
            )
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if args.diff:
        before = {r["id"]: r for r in json.loads(args.diff.read_text(encoding="utf-8"))}
        print("\n=== changes against " + str(args.diff) + " " + "=" * 30)
        for r in rows:
            old = before.get(r["id"])
            if old is not None and set(old["failures"]) != set(r["failures"]):
                fixed = sorted(set(old["failures"]) - set(r["failures"]))
                broke = sorted(set(r["failures"]) - set(old["failures"]))
                print(f"[{r['id']}] {r['pair']} fixed {fixed} broke {broke}")


if __name__ == "__main__":
    main()
