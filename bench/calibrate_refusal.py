"""Calibrate the refusal threshold (Settings.min_evidence) on the development questions.

Answers every question once with refusal switched off, records the confidence (score of the best evidence
sentence) and whether the question is answerable, then sweeps the threshold and prints refusal accuracy on
unanswerable questions, false refusals on answerable ones, and their balance.

usage: python bench/calibrate_refusal.py [--questions bench/questions/dev.jsonl] [--index index]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from regassist.assistant import Assistant
from regassist.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=Path("bench/questions/dev.jsonl"))
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings.load(index_dir=args.index, min_evidence=-1e9)
    assistant = Assistant(settings)
    conf, answerable, hard_refused = [], [], []
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        answer = assistant.ask(q["question"])
        conf.append(answer.confidence)
        answerable.append(bool(q.get("answerable")))
        hard_refused.append(answer.refused)  # refused whatever the threshold: unknown place, no relevant evidence
    conf_a, ans, hard = np.array(conf), np.array(answerable), np.array(hard_refused)
    table = Table(title=f"Refusal threshold sweep on {len(conf)} questions ({(~ans).sum()} unanswerable)")
    for col in ("min_evidence", "refused unanswerable", "refused answerable", "balanced accuracy"):
        table.add_column(col, justify="right")
    best = None
    for t in np.arange(0.0, 6.01, 0.25):
        refused = hard | (conf_a < t)
        tpr = refused[~ans].mean() if (~ans).any() else float("nan")
        fpr = refused[ans].mean()
        bal = (tpr + 1 - fpr) / 2
        if fpr <= 0.10 and (best is None or bal > best[1]):
            best = (t, bal)
        table.add_row(f"{t:.2f}", f"{tpr:.3f}", f"{fpr:.3f}", f"{bal:.3f}")
    Console(width=120).print(table)
    if best:
        Console().print(
            f"best threshold with at most 10% false refusals: {best[0]:.2f} (balanced accuracy {best[1]:.3f})"
        )


if __name__ == "__main__":
    main()
