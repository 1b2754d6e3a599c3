"""Recall and precision of the personal-data masking (otklik/lib/masking.py) on made-up texts
with planted data (tests/lib/masking_cases.py), and what the names model costs.

Prints, per kind, how many planted fragments were fully masked (recall); the share of masks
that cover planted data (precision); the addresses named after people and other distractors
that were wrongly touched; the NER model's load time and the process's RSS before and after
it; the time per text with the regex rules alone and with the model.

    .venv/bin/python bench/masking.py [--texts 300] [--seed 17] [--show-misses]

Goals (issue 17): phones and e-mails ≥ 0.99, names ≥ 0.9.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otklik.lib import masking, person_names
from tests.lib.masking_cases import cases

GROUPS = {
    "phones": {masking.PHONE},
    "e-mails": {masking.EMAIL},
    "passport/СНИЛС/ИНН": {masking.PASSPORT, masking.SNILS, masking.INN},
    "flats": {masking.FLAT},
    "names": {masking.NAME},
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def covered(text: str, fragment: str, found) -> bool:
    """Every letter and digit of the fragment (at each place it occurs) lies inside a mask."""
    hits = [m.start() for m in re.finditer(re.escape(fragment), text)]
    if not hits:
        raise ValueError(f"{fragment!r} is not in {text!r}")
    for start in hits:
        for i in range(start, start + len(fragment)):
            if text[i].isalnum() and not any(f.start <= i < f.end for f in found):
                return False
    return True


def overlaps(found, text: str, fragments) -> bool:
    for fragment in fragments:
        for m in re.finditer(re.escape(fragment), text):
            if found.start < m.end() and m.start() < found.end:
                return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    data = cases(args.texts, args.seed)

    before = rss_mb()
    started = time.perf_counter()
    person_names.find_names(["Проверка модели."])
    first_call = time.perf_counter() - started
    after = rss_mb()

    started = time.perf_counter()
    for case in data:
        masking.find(case.text)
    regex_ms = (time.perf_counter() - started) * 1000 / len(data)
    started = time.perf_counter()
    results = [masking.find(case.text, names=person_names.find_names) for case in data]
    full_ms = (time.perf_counter() - started) * 1000 / len(data)
    started = time.perf_counter()
    batched = masking.find_many([case.text for case in data], names=person_names.find_names)
    batch_ms = (time.perf_counter() - started) * 1000 / len(data)
    assert batched == results
    started = time.perf_counter()
    for case in data:
        person_names.find_names([case.text])
    ner_ms = (time.perf_counter() - started) * 1000 / len(data)
    needing = sum(masking.needs_names(case.text) for case in data)

    planted, masked, misses = Counter(), Counter(), []
    true_masks = false_masks = touched = distractors = clean_with_masks = clean = 0
    for case, found in zip(data, results, strict=True):
        for kind, fragment in case.planted:
            group = next(g for g, kinds in GROUPS.items() if kind in kinds)
            planted[group] += 1
            if covered(case.text, fragment, found):
                masked[group] += 1
            else:
                misses.append((group, fragment, case.text))
        fragments = [fragment for _kind, fragment in case.planted]
        for item in found:
            if overlaps(item, case.text, fragments):
                true_masks += 1
            else:
                false_masks += 1
        for distractor in case.distractors:
            distractors += 1
            touched += any(overlaps(item, case.text, [distractor]) for item in found)
        if not case.planted:
            clean += 1
            clean_with_masks += bool(found)

    print(f"texts: {len(data)} (seed {args.seed}), clean: {clean}")
    print("recall per kind (planted fragments fully masked):")
    for group in GROUPS:
        share = masked[group] / planted[group] if planted[group] else float("nan")
        print(f"  {group:<20} {masked[group]:>4} / {planted[group]:<4} = {share:.3f}")
    total = true_masks + false_masks
    print(f"precision (masks covering planted data): {true_masks} / {total} = "
          f"{true_masks / total:.3f}")  # fmt: skip
    print(f"distractors touched (addresses named after people, dates, numbers): "
          f"{touched} / {distractors}")  # fmt: skip
    print(f"clean texts with any mask: {clean_with_masks} / {clean}")
    print(f"names model: load (first call) {first_call:.2f} s, RSS {before:.0f} → {after:.0f} MB "
          f"(+{after - before:.0f} MB)")  # fmt: skip
    print(f"per text: regex rules {regex_ms:.2f} ms; with the names model {full_ms:.1f} ms one "
          f"by one, {batch_ms:.1f} ms in batches (find_many); the model alone over a whole text "
          f"{ner_ms:.1f} ms; texts with a name-like word left for the model: "
          f"{needing} / {len(data)}")  # fmt: skip
    if args.show_misses:
        for group, fragment, text in misses:
            print(f"MISS {group}: {fragment!r} in {text!r}")


if __name__ == "__main__":
    main()
