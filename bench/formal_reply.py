"""Precision and recall of the formal-reply check (issue 17 item 11) on the labelled answers in
tests/intelligence/data/: 170 answers written like real executors' across twelve topics, split
into the part the rules were tuned on and a held-out part they were not. A formal reply is the
positive class. Also prints the confusion counts and the time per answer (the check runs live in
the answer form). No database: the check is pure, the default weights are used.

    .venv/bin/python bench/formal_reply.py            # figures
    .venv/bin/python bench/formal_reply.py --errors   # also list the misjudged tuning answers
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 20  # passes over the set for the timing


def start_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()


def run_check(item):
    from otklik.intelligence.formal_reply import check_answer
    from tests.intelligence.formal_reply_cases import TODAY

    return check_answer(
        item.text,
        resolution=item.resolution,
        needs_evidence=item.needs_evidence,
        evidence=item.evidence,
        appeal_text=item.appeal,
        subject=item.subject,
        today=TODAY,
    )


def confusion(items, verdicts) -> dict:
    tp = sum(v and i.formal for i, v in zip(items, verdicts, strict=True))
    fp = sum(v and not i.formal for i, v in zip(items, verdicts, strict=True))
    fn = sum(i.formal and not v for i, v in zip(items, verdicts, strict=True))
    tn = len(items) - tp - fp - fn
    return {
        "answers": len(items),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misjudged tuning answers")
    args = parser.parse_args()
    start_django()
    from tests.intelligence.formal_reply_cases import SPLITS, labelled_answers

    items = labelled_answers()
    run_check(items[0])  # the lemmatiser's dictionaries load once per process (~1 s)
    started = time.perf_counter()
    for _ in range(REPEAT):
        checks = [run_check(item) for item in items]
    per_answer_ms = (time.perf_counter() - started) * 1000 / (REPEAT * len(items))
    verdicts = [c.is_formal for c in checks]

    print("formal-reply check, formal reply = positive class, default weights")
    parts = [("all", items, verdicts)] + [
        (
            split,
            [i for i in items if i.split == split],
            [v for i, v in zip(items, verdicts, strict=True) if i.split == split],
        )
        for split in SPLITS
    ]
    for name, part, part_verdicts in parts:
        c = confusion(part, part_verdicts)
        print(
            f"  {name:9} {c['answers']:4} answers: precision {c['precision']:.3f} "
            f"recall {c['recall']:.3f}  (TP {c['tp']} FP {c['fp']} FN {c['fn']} TN {c['tn']})"
        )
    print(f"  time per answer: {per_answer_ms:.3f} ms (warm, mean over {REPEAT} passes)")
    if args.errors:
        for item, check in zip(items, checks, strict=True):
            if item.split == "tuning" and check.is_formal != item.formal:
                kind = "missed" if item.formal else "false flag"
                print(f"  {kind}: [{item.resolution}] {item.text} -> {check.codes}")


if __name__ == "__main__":
    main()
