"""Category and executor prediction: quality on a held-out time slice of the demo history and on
kz-complaints (seeded split), training time, latency of one prediction, batch throughput.

Builds the demo region into a fresh SQLite database in a temporary directory (its models go to
that directory too), then runs the measurements in a child process so settings come from the
environment as in production. `run()` returns the figures; as a script it prints them.

    .venv/bin/python bench/intelligence_classifier.py [--appeals 10000] [--seed 48]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KZ = ROOT.parent / "shared" / "data" / "kz-complaints.csv"

CHILD = r"""
import json, statistics, time
from django.conf import settings
from otklik.appeals.models import Appeal
from otklik.directory.models import Region
from otklik.intelligence import training
from otklik.intelligence.models import ModelKind
from otklik.intelligence.suggestions import suggest
from otklik.intelligence.training import active_model
from otklik.intelligence.management.commands.evaluate_csv import evaluate_file

KEYS = ("macro_f1", "accuracy", "top3_accuracy", "test_size", "labels")

def latency(model, texts, contexts=None):
    model.predict(texts[:20], contexts[:20] if contexts else None)
    times = []
    for i, text in enumerate(texts[:300]):
        started = time.perf_counter()
        model.predict([text], [contexts[i]] if contexts else None)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    started = time.perf_counter()
    model.probabilities(texts, contexts)
    batch = len(texts) / (time.perf_counter() - started)
    return {"single_ms_median": round(statistics.median(times), 2),
            "single_ms_p95": round(times[int(len(times) * 0.95)], 2),
            "batch_per_s": round(batch)}

out = {}
region = Region.objects.get(code="48")
for kind in training.KINDS:
    started = time.perf_counter()
    outcome = training.train_region_model(region, kind)
    row = outcome.model
    out[f"demo_{kind}"] = {
        **{k: row.metrics[k] for k in KEYS},
        "train_size": row.train_size,
        "train_seconds_two_fits": round(time.perf_counter() - started, 1),
        "weights_mb": round((settings.MODELS_DIR / row.artefact).stat().st_size / 1e6, 1),
    }
recent = list(Appeal.objects.filter(region=region).order_by("-created_at")
              .values_list("text", "municipality_id", "category_id")[:5000])
texts = [t for t, _m, _c in recent]
_row, model, _p = active_model(region, ModelKind.CATEGORY)
out["demo_category"].update(latency(model, texts))
_row, model, _p = active_model(region, ModelKind.EXECUTOR)
contexts = [training.executor_context(m, c) for _t, m, c in recent]
out["demo_executor"].update(latency(model, texts, contexts))
appeals = list(Appeal.objects.filter(region=region).select_related("municipality", "category")
               .order_by("-created_at")[:100])
suggest(appeals[0], region)
times = []
for appeal in appeals:
    started = time.perf_counter()
    suggest(appeal, region)
    times.append((time.perf_counter() - started) * 1000)
times.sort()
out["suggest_ms_median"] = round(statistics.median(times), 2)
out["suggest_ms_p95"] = round(times[94], 2)
if KZ:
    result = evaluate_file(KZ, "text_ru", "category", seed=42, test_share=0.2)
    out["kz_complaints"] = {**{k: result["metrics"][k] for k in KEYS},
                            "train_size": result["metrics"]["train_size"],
                            "train_seconds": result["metrics"]["train_seconds"]}
print(json.dumps(out))
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def run(appeals: int = 10_000, seed: int = 48) -> dict:
    with tempfile.TemporaryDirectory(prefix="otklik-bench-") as directory:
        env = {**os.environ, "DATA_DIR": directory}
        env.pop("DATABASE_URL", None)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "createcachetable")
        started = time.monotonic()
        manage(env, "build_demo", f"--appeals={appeals}", f"--seed={seed}", "--no-progress")
        built = time.monotonic() - started
        code = CHILD.replace("if KZ:", f"KZ = {str(KZ)!r} if {KZ.exists()} else None\nif KZ:")
        figures = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return {"demo_appeals": appeals, "demo_build_seconds": round(built, 1), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=48)
    options = parser.parse_args()
    figures = run(options.appeals, options.seed)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, figure in value.items():
                print(f"  {name}: {figure}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
