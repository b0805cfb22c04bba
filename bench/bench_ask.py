"""Latency of ``Assistant.ask`` (extractive mode) on the demo corpus, per question language.

    python bench/bench_ask.py                          # index /tmp/regassist-bench-index, built from corpus/ if empty
    python bench/bench_ask.py --index /tmp/wt-index    # an index that already holds the demo corpus
    python bench/bench_ask.py --repeat 2               # a second pass: sentence and query vectors are then cached

Opens the index (ingesting ``--corpus`` first when it holds no documents), loads the model and index and warms
up with questions that are not in the set, then answers every question of ``--questions`` once per pass, in
file order, on one thread, and prints p50/p95/mean/max latency per question language and overall (the first
pass is what a new question costs: its passages' sentences are embedded then). Generative mode is switched
off whatever the settings say. ``--json`` writes the per-question latencies.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's regassist, also when another one is installed

from regassist.assistant import Assistant  # noqa: E402
from regassist.config import Settings  # noqa: E402
from regassist.evaluate import percentile  # noqa: E402

WARM_UP = (  # not in the question sets: model, index and code paths load, no answer sentence is cached
    "What documents are in the knowledge base?",
    "Какие документы есть в базе?",
    "ما هي الوثائق المتاحة؟",
    "Hangi belgeler var?",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=Path("/tmp/regassist-bench-index"))
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/questions/dev.jsonl")
    parser.add_argument("--repeat", type=int, default=1, help="Passes over the questions (default 1).")
    parser.add_argument("--json", type=Path, help="Write per-question latencies here.")
    args = parser.parse_args()

    settings = Settings.load(index_dir=args.index, llm="")
    assistant = Assistant(settings)
    if not assistant.registry.documents():
        from regassist.ingest import Indexer

        started = time.perf_counter()
        Indexer(settings).ingest([args.corpus], {}, show_progress=False)
        print(f"built the index from {args.corpus} in {time.perf_counter() - started:.0f} s")
        assistant = Assistant(settings)
    assert assistant.generator is None, "generative mode must be off"
    for q in WARM_UP:
        assistant.ask(q)
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows: list[dict] = []
    for run in range(1, args.repeat + 1):
        for q in questions:
            answer = assistant.ask(q["question"])
            rows.append({"pass": run, "id": q.get("id"), "lang": q["lang"], "ms": answer.latency_ms})

    print(f"Assistant.ask latency (ms), extractive, {len(questions)} questions, index {args.index}")
    print(f"{'pass':>4} {'group':>6} {'n':>4} {'p50':>7} {'p95':>7} {'mean':>7} {'max':>7}")
    for run in range(1, args.repeat + 1):
        in_pass = [r for r in rows if r["pass"] == run]
        langs = sorted({r["lang"] for r in in_pass})
        groups = {lang: [r["ms"] for r in in_pass if r["lang"] == lang] for lang in langs}
        groups["all"] = [r["ms"] for r in in_pass]
        for name, values in groups.items():
            print(
                f"{run:>4} {name:>6} {len(values):>4} {percentile(values, 50):>7.0f} {percentile(values, 95):>7.0f}"
                f" {statistics.fmean(values):>7.0f} {max(values):>7.0f}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
