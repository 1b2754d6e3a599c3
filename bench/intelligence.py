"""Text intelligence figures in one run (issue 6): category prediction on a held-out time slice
of the demo history and on the labelled sets in ../shared/data (seeded splits), prediction
latency and throughput, formal-reply precision and recall, duplicate precision and recall, and
the latency of duplicate search at one million appeals in PostgreSQL.

    .venv/bin/python bench/intelligence.py            # everything (about half an hour here)
    .venv/bin/python bench/intelligence.py classifier # one part: classifier | texts

The parts live next to this file (bench/intelligence_classifier.py, bench/intelligence_texts.py);
each prints its own figures and can be run alone with its own options.
"""

import subprocess
import sys
from pathlib import Path

PARTS = ("classifier", "texts")


def main() -> None:
    chosen = sys.argv[1:] or list(PARTS)
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(sorted(unknown))}; choose from {PARTS}")
    here = Path(__file__).resolve().parent
    for part in chosen:
        print(f"== {part}", flush=True)
        # Each part in its own process: each sets up Django on its own database.
        subprocess.run([sys.executable, str(here / f"intelligence_{part}.py")], check=True)


if __name__ == "__main__":
    main()
