"""Check the development question set (bench/questions/dev.jsonl) against the corpus as regassist extracts it.

usage: python bench/questions/validate.py [FILE] [--corpus DIR] [--min-per-lang 40] [--min-total 160] [-v]

Errors (exit status 1): a line that is not JSON or does not fit the schema; a duplicate id; an id whose prefix
is not its language; a gold quote that is not an exact substring of ``load_path(source).text`` or is outside
20-250 characters; a page that is not ``doc.page_of(text.index(quote))``; a ``lang`` that differs from the
language regassist detects in the question; gold/answerable/kind that contradict each other (unanswerable
questions have no gold, answerable ones have some; same_lang gold is in the question's language,
cross_lingual gold is not; two_docs needs two documents, edition needs an edition of a document series);
fewer questions than required per language or in total; an ordered cross-lingual language pair without a
question; a corpus document that is gold for fewer than 3 questions.
Warnings (printed, not fatal): a fact not found in any of the question's gold quotes (facts are often given
as digits when the source spells the number out), a quote that occurs more than once in its document.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("ru", "en", "ar", "tr")
KINDS = ("same_lang", "cross_lingual", "two_docs", "edition", "forum", "unanswerable", "adversarial")
TARGET_SHARE = {"same_lang": 35, "cross_lingual": 30, "two_docs": 5, "edition": 5, "forum": 5,
                "unanswerable": 12, "adversarial": 8}  # fmt: skip
TOP_KEYS = {"id", "lang", "kind", "question", "gold", "facts", "answerable"}
OPTIONAL_KEYS = {"notes"}
GOLD_KEYS = {"source", "page", "quote", "section"}
ID_RE = re.compile(r"^(?:[a-z]+-)?(ru|en|ar|tr)-\d{3}$")  # "ru-001"; another set may prefix its ids: "fr-ru-001"
QUOTE_MIN, QUOTE_MAX = 20, 250
MIN_GOLD_PER_DOC = 3


def norm(s: str) -> str:
    """Loose form for the fact check only: NFKC, Arabic-Indic digits, no spaces, no tatweel, lower case."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٪", "01234567890123456789%"))
    return re.sub(r"[\s\u00a0\u202f\u0640]+", "", s).casefold()


class Checker:
    def __init__(self, corpus: Path) -> None:
        from regassist.config import Settings

        self.settings = Settings()
        self.corpus = corpus
        self.docs: dict[str, object] = {}
        self.series_count: Counter[str] = Counter()  # editions per document series in the corpus
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def doc(self, source: str):  # type: ignore[no-untyped-def]
        from regassist.loaders import load_path

        if source not in self.docs:
            self.docs[source] = load_path(ROOT / source, self.settings)
        return self.docs[source]

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def warn(self, where: str, msg: str) -> None:
        self.warnings.append(f"{where}: {msg}")


def check_schema(c: Checker, where: str, q: object) -> bool:
    if not isinstance(q, dict):
        c.err(where, "not a JSON object")
        return False
    ok = True
    missing = TOP_KEYS - q.keys()
    extra = q.keys() - TOP_KEYS - OPTIONAL_KEYS
    if missing:
        c.err(where, f"missing keys {sorted(missing)}")
        ok = False
    if extra:
        c.err(where, f"unknown keys {sorted(extra)}")
    if not ok:
        return False
    types = {"id": str, "lang": str, "kind": str, "question": str, "gold": list, "facts": list, "answerable": bool}
    for key, typ in types.items():
        if not isinstance(q[key], typ):
            c.err(where, f"{key} must be {typ.__name__}")
            ok = False
    if "notes" in q and not isinstance(q["notes"], str):
        c.err(where, "notes must be a string")
    if not ok:
        return False
    id_match = ID_RE.match(q["id"])
    if not id_match:
        c.err(where, f"id {q['id']!r} is not like 'ru-001' (or 'fr-ru-001')")
    elif id_match.group(1) != q["lang"]:
        c.err(where, f"id language {id_match.group(1)!r} differs from lang {q['lang']!r}")
    if q["lang"] not in LANGS:
        c.err(where, f"lang {q['lang']!r} not in {LANGS}")
        ok = False
    if q["kind"] not in KINDS:
        c.err(where, f"kind {q['kind']!r} not in {KINDS}")
        ok = False
    if not q["question"].strip():
        c.err(where, "empty question")
    if not all(isinstance(f, str) and f.strip() for f in q["facts"]):
        c.err(where, "facts must be non-empty strings")
    for n, g in enumerate(q["gold"]):
        gw = f"{where} gold[{n}]"
        if not isinstance(g, dict):
            c.err(gw, "not an object")
            ok = False
            continue
        if g.keys() != GOLD_KEYS:
            c.err(gw, f"keys must be {sorted(GOLD_KEYS)}, got {sorted(g.keys())}")
            ok = False
            continue
        if not isinstance(g["source"], str) or not isinstance(g["quote"], str) or not isinstance(g["section"], str):
            c.err(gw, "source, quote and section must be strings")
            ok = False
        if not isinstance(g["page"], int) or isinstance(g["page"], bool) or g["page"] < 1:
            c.err(gw, "page must be a positive integer")
            ok = False
    return ok


def check_question(c: Checker, where: str, q: dict) -> list[tuple[str, str]]:
    """Content checks; returns (source, doc_lang) of each gold passage."""
    from regassist.langid import detect_lang

    detected = detect_lang(q["question"])
    if detected != q["lang"]:
        c.err(where, f"lang is {q['lang']!r} but the question reads as {detected!r}")
    golds: list[tuple[str, str]] = []
    for n, g in enumerate(q["gold"]):
        gw = f"{where} gold[{n}]"
        path = ROOT / g["source"]
        if not g["source"].startswith("corpus/") or not path.is_file():
            c.err(gw, f"source {g['source']!r} is not a corpus file")
            continue
        try:
            doc = c.doc(g["source"])
        except Exception as e:  # noqa: BLE001 - reports the failure instead of stopping
            c.err(gw, f"cannot load {g['source']}: {e.__class__.__name__}: {e}")
            continue
        quote = g["quote"]
        if not QUOTE_MIN <= len(quote) <= QUOTE_MAX:
            c.err(gw, f"quote has {len(quote)} characters (want {QUOTE_MIN}-{QUOTE_MAX})")
        offset = doc.text.find(quote)
        if offset < 0:
            c.err(gw, f"quote not found in the extracted text of {g['source']}: {quote[:70]!r}")
        else:
            page = doc.page_of(offset)
            if page != g["page"]:
                c.err(gw, f"page is {g['page']} but the quote is on page {page}")
            if doc.text.count(quote) > 1:
                c.warn(gw, "quote occurs more than once in the document (the first occurrence is used)")
        golds.append((g["source"], doc.lang))

    kind, gold = q["kind"], q["gold"]
    if kind == "unanswerable":
        if q["answerable"] or gold or q["facts"]:
            c.err(where, "unanswerable questions need answerable=false, gold=[] and facts=[]")
    else:
        if not q["answerable"]:
            c.err(where, f"kind {kind} must be answerable (only 'unanswerable' questions are not)")
        if not gold:
            c.err(where, "answerable question without gold")
    langs = {lang for _, lang in golds}
    sources = {src for src, _ in golds}
    if kind == "same_lang" and golds and langs != {q["lang"]}:
        c.err(where, f"same_lang question ({q['lang']}) has gold in {sorted(langs)}")
    if kind == "cross_lingual" and q["lang"] in langs:
        c.err(where, f"cross_lingual question has gold in its own language {q['lang']}")
    if kind == "two_docs" and len(sources) < 2:
        c.err(where, "two_docs question needs gold from two documents")
    if kind == "edition":
        series = {getattr(c.doc(s), "series", None) for s in sources}
        if not any(s and c.series_count[s] > 1 for s in series):
            c.err(where, "edition question has no gold in a document that has several editions")
    if kind == "forum" and not any(getattr(c.doc(s), "doc_type", "") == "forum" for s in sources):
        c.err(where, "forum question has no gold in a forum thread")
    quotes = norm(" ".join(g["quote"] for g in gold))
    for fact in q["facts"]:
        if norm(fact) not in quotes:
            c.warn(where, f"fact {fact!r} not found verbatim in the gold quotes")
    return golds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "bench" / "questions" / "dev.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--min-per-lang", type=int, default=40)
    parser.add_argument("--min-total", type=int, default=160)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every warning")
    args = parser.parse_args()

    c = Checker(args.corpus)
    try:
        raw = args.file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"Error: cannot read {args.file} as UTF-8: {e}")
        return 1

    seen: dict[str, int] = {}
    questions: list[dict] = []
    for lineno, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            if lineno < raw.count("\n") + 1:
                c.err(f"line {lineno}", "blank line")
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            c.err(f"line {lineno}", f"invalid JSON: {e}")
            continue
        where = f"line {lineno} ({q.get('id', '?') if isinstance(q, dict) else '?'})"
        if not check_schema(c, where, q):
            continue
        if q["id"] in seen:
            c.err(where, f"duplicate id (first on line {seen[q['id']]})")
        seen[q["id"]] = lineno
        q["_where"] = where
        questions.append(q)

    from regassist.loaders import iter_sources

    corpus_docs = [str(p.relative_to(ROOT)) for p in iter_sources([args.corpus])]
    for src in corpus_docs:
        try:
            series = getattr(c.doc(src), "series", None)
        except Exception as e:  # noqa: BLE001 - reports the failure instead of stopping
            c.err("corpus", f"cannot load {src}: {e.__class__.__name__}: {e}")
            continue
        if series:
            c.series_count[series] += 1

    pair_count: Counter[tuple[str, str]] = Counter()
    doc_gold: Counter[str] = Counter()
    for q in questions:
        golds = check_question(c, q["_where"], q)
        for src in {s for s, _ in golds}:
            doc_gold[src] += 1
        if q["kind"] == "cross_lingual":
            for dl in {dl for _, dl in golds}:
                pair_count[(q["lang"], dl)] += 1

    # counts
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for q in questions:
        table[q["lang"]][q["kind"]] += 1
    total = len(questions)
    width = max(len(k) for k in KINDS)
    print(f"{'kind':<{width}} " + " ".join(f"{lang:>5}" for lang in LANGS) + "   all  share  target")
    for kind in KINDS:
        n = sum(table[lang][kind] for lang in LANGS)
        share = 100 * n / total if total else 0
        print(f"{kind:<{width}} " + " ".join(f"{table[lang][kind]:>5}" for lang in LANGS)
              + f" {n:>5} {share:>5.1f}%  ~{TARGET_SHARE[kind]}%")  # fmt: skip
    print(f"{'total':<{width}} " + " ".join(f"{sum(table[lang].values()):>5}" for lang in LANGS) + f" {total:>5}")

    for lang in LANGS:
        n = sum(table[lang].values())
        if n < args.min_per_lang:
            c.err("counts", f"{lang}: {n} questions, fewer than {args.min_per_lang}")
        for kind in KINDS:
            if table[lang][kind] == 0:
                c.err("counts", f"{lang}: no {kind} question")
    if total < args.min_total:
        c.err("counts", f"{total} questions, fewer than {args.min_total}")

    print("\ncross_lingual pairs (question -> gold document):")
    print("      " + " ".join(f"{lang:>4}" for lang in LANGS))
    for ql in LANGS:
        cells = []
        for dl in LANGS:
            if ql == dl:
                cells.append(f"{'-':>4}")
                continue
            cells.append(f"{pair_count[(ql, dl)]:>4}")
            if pair_count[(ql, dl)] == 0:
                c.err("counts", f"no cross_lingual question {ql} -> {dl}")
        print(f"  {ql:>3} " + " ".join(cells))

    print(f"\ngold questions per document ({len(corpus_docs)} documents):")
    for src in corpus_docs:
        n = doc_gold[src]
        print(f"  {n:>3}  {src}")
        if n < MIN_GOLD_PER_DOC:
            c.err("coverage", f"{src} is gold for {n} questions (want >= {MIN_GOLD_PER_DOC})")
    for src in sorted(set(doc_gold) - set(corpus_docs)):
        c.err("coverage", f"gold source {src} is not among the corpus documents")

    if c.warnings:
        print(f"\n{len(c.warnings)} warnings" + ("" if args.verbose else " (-v to list)"))
        if args.verbose:
            for w in c.warnings:
                print("  warning:", w)
    if c.errors:
        print(f"\n{len(c.errors)} errors:")
        for e in c.errors:
            print("  error:", e)
        return 1
    print(f"\nOK: {total} questions, {sum(len(q['gold']) for q in questions)} gold quotes verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
