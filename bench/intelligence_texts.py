"""Formal replies and duplicates, measured: precision and recall of the formal-reply check and of
the duplicate search on each labelled data set, and the latency of the duplicate search at
1 million appeals on PostgreSQL.

    .venv/bin/python bench/intelligence_texts.py                # fresh database, 1 000 000 appeals
    .venv/bin/python bench/intelligence_texts.py --keep         # reuse the loaded database

It creates the database `otklik_bench_intel` on 127.0.0.1:5432 (trust auth), builds the demo
region with --demo appeals through `build_demo`, calibrates the formal-reply check and the
duplicate weights on the demo's history (stored as TrainedModel rows), measures both on held-out
parts, on a hand-labelled set of answers (tests/intelligence/formal_reply_cases.py) and on
../shared/data (Baltimore 311: «Closed (Duplicate)» with places and dates; kz-complaints: the
duplicate column, text only). Then it copies shifted copies of the demo appeals inside PostgreSQL
(every copy moved back SHIFT_DAYS days and up to ~1 km) up to --appeals rows and times
find_candidates over random points.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The workplace's shared data sets, next to the checkout; OTKLIK_SHARED_DATA for a checkout
# elsewhere (a clone in /tmp).
DATA = Path(os.environ.get("OTKLIK_SHARED_DATA", ROOT.parent / "shared" / "data"))
DB = "otklik_bench_intel"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
SHIFT_DAYS = 3
SEED = 7


def fresh_database() -> None:
    for command in (["dropdb", "--if-exists", DB], ["createdb", DB]):
        subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres"], check=True)


def start_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "tp": tp, "fp": fp,
            "fn": fn}  # fmt: skip


# ---------------------------------------------------------------------------- formal replies


def formal_reply_figures(region) -> dict:
    from otklik.intelligence import formal_reply as fr
    from otklik.intelligence.calibration import calibrate_formal_reply
    from tests.intelligence.formal_reply_cases import CASES, TODAY

    model = calibrate_formal_reply(region)
    tp = fp = fn = 0
    for (appeal, subject), text, resolution, needs, evidence, label in CASES:
        flagged = fr.check_answer(
            text, resolution=resolution, needs_evidence=needs, evidence=evidence,
            appeal_text=appeal, subject=subject, today=TODAY,
        ).is_formal  # fmt: skip
        tp += flagged and label
        fp += flagged and not label
        fn += label and not flagged
    return {
        "demo_calibrated": {k: model.metrics[k] for k in ("precision", "recall", "threshold")},
        "demo_defaults": {
            "precision": model.metrics["default_precision"],
            "recall": model.metrics["default_recall"],
        },
        "demo_sizes": {"train": model.train_size, "test": model.test_size},
        "weights": model.parameters,
        "hand_labelled": {**prf(tp, fp, fn), "answers": len(CASES)},
    }


# ---------------------------------------------------------------------------- duplicates: demo


def demo_pairs(region, queries):
    """(features, label, query id, time) of every candidate of every query appeal."""
    from otklik.appeals.models import Appeal
    from otklik.intelligence.duplicates import DEFAULT, find_candidates

    rows = []
    for q in queries:
        target = q.duplicate_of_id or q.repeat_of_id
        found = find_candidates(
            region, q.category, q.latitude, q.longitude, q.text, at=q.created_at, exclude=q,
            limit=50, queryset=Appeal.objects.filter(created_at__lte=q.created_at),
            weights=DEFAULT,
        )  # fmt: skip
        seen = False
        for c in found:
            label = c.appeal.pk == target
            seen |= label
            rows.append((_features(c), label, q.pk, q.created_at))
        if target and not seen:
            rows.append((None, True, q.pk, q.created_at))  # a miss of the search itself
    return rows


def _features(c):
    from otklik.intelligence.duplicates import features

    return features(distance=c.distance, same_category=c.same_category,
                    same_group=c.same_group, days=c.days, similarity=c.similarity)  # fmt: skip


def pair_scores(rows, weights) -> dict:
    tp = fp = fn = 0
    for feats, label, _, _ in rows:
        hit = feats is not None and weights.score(feats) >= weights.threshold
        tp, fp, fn = tp + (hit and label), fp + (hit and not label), fn + (label and not hit)
    return prf(tp, fp, fn)


def duplicate_figures_demo(region, sample: int) -> dict:
    from sklearn.linear_model import LogisticRegression

    from otklik.appeals.models import Appeal
    from otklik.intelligence.calibration import _store
    from otklik.intelligence.duplicates import DEFAULT, FEATURES, DuplicateWeights
    from otklik.intelligence.models import ModelKind

    rng = random.Random(SEED)
    linked = list(
        Appeal.objects.filter(region=region, latitude__isnull=False)
        .exclude(duplicate_of__isnull=True, repeat_of__isnull=True)
        .select_related("category")
    )
    others = list(
        Appeal.objects.filter(region=region, latitude__isnull=False, duplicate_of__isnull=True,
                              repeat_of__isnull=True).select_related("category")[:20 * sample]
    )  # fmt: skip
    queries = rng.sample(linked, min(sample, len(linked))) + rng.sample(
        others, min(sample, len(others))
    )
    queries.sort(key=lambda a: a.created_at)
    cut = queries[int(len(queries) * 0.7)].created_at
    rows = demo_pairs(region, queries)
    train = [r for r in rows if r[3] < cut]
    test = [r for r in rows if r[3] >= cut]
    fit_rows = [r for r in train if r[0] is not None]
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit([[r[0][n] for n in FEATURES] for r in fit_rows], [r[1] for r in fit_rows])
    weights = {n: round(float(w), 4) for n, w in zip(FEATURES, model.coef_[0], strict=True)}
    bias = round(float(model.intercept_[0]), 4)
    best, best_f1 = DuplicateWeights(bias, weights), -1.0
    for threshold in [i / 100 for i in range(5, 96)]:
        trial = DuplicateWeights(bias, weights, threshold)
        s = pair_scores(train, trial)
        f1 = 2 * s["precision"] * s["recall"] / (s["precision"] + s["recall"] or 1)
        if f1 > best_f1:
            best, best_f1 = trial, f1
    calibrated, defaults = pair_scores(test, best), pair_scores(test, DEFAULT)
    _store(
        region, ModelKind.DUPLICATES, source="demo: merged duplicates and repeat appeals",
        train_size=len(train), test_size=len(test), parameters=best.as_parameters(),
        metrics={**calibrated, "threshold": best.threshold,
                 "default_precision": defaults["precision"], "default_recall": defaults["recall"]},
    )  # fmt: skip
    return {
        "queries": len(queries),
        "pairs": len(rows),
        "positives": sum(r[1] for r in rows),
        "calibrated": {**calibrated, "threshold": best.threshold},
        "defaults": defaults,
        "weights": best.as_parameters(),
    }


# ---------------------------------------------------------------------------- outside data


def baltimore_figures() -> dict:
    """Each request asks: is there an earlier request of the sample within 300 m and 60 days
    that the (text-less) score calls the same problem? Label: its status says «Duplicate»."""
    from otklik.intelligence.duplicates import DEFAULT, RADIUS_M, WINDOW_DAYS, features
    from otklik.lib.geo import distance_m

    rows = []
    with open(DATA / "baltimore-311-sample.csv", newline="") as f:
        for r in csv.DictReader(f):
            try:
                lat, lon = float(r["Latitude"]), float(r["Longitude"])
                at = datetime.strptime(r["CreatedDate"], "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=UTC)
            except ValueError:
                continue
            if (round(lat), round(lon)) == (39, -77) and lat == round(lat):
                continue  # the placeholder point of requests without a place
            rows.append((lat, lon, at, r["SRType"], r["Agency"], "Duplicate" in r["SRStatus"]))
    rows.sort(key=lambda x: x[0])
    lats = [x[0] for x in rows]
    dlat = math.degrees(RADIUS_M / 6_371_008.8)
    tp = fp = fn = 0
    same_type_near = 0
    for lat, lon, at, kind, agency, label in rows:
        best = 0.0
        for j in range(bisect.bisect_left(lats, lat - dlat), bisect.bisect_right(lats, lat + dlat)):
            olat, olon, oat, okind, oagency, _ = rows[j]
            days = (at - oat).total_seconds() / 86400
            if not 0 < days <= WINDOW_DAYS:
                continue
            d = distance_m(lat, lon, olat, olon)
            if d > RADIUS_M:
                continue
            same_type_near += label and okind == kind
            score = DEFAULT.score(features(distance=d, same_category=okind == kind,
                                           same_group=oagency == agency, days=days,
                                           similarity=None))  # fmt: skip
            best = max(best, score)
        hit = best >= DEFAULT.threshold
        tp, fp, fn = tp + (hit and label), fp + (hit and not label), fn + (label and not hit)
    return {**prf(tp, fp, fn), "requests": len(rows), "duplicates": sum(x[5] for x in rows),
            "duplicates_with_an_earlier_same_type_within_300m": same_type_near}  # fmt: skip


def kz_figures() -> dict:
    """Text only: a complaint is called a duplicate when an earlier complaint of the same
    category is similar enough (lemma-stem Jaccard); label: the duplicate column."""
    from otklik.intelligence.words import jaccard, keys

    with open(DATA / "kz-complaints.csv", newline="") as f:
        rows = [(r["category"], keys(r["text_ru"]), r["duplicate"] == "True")
                for r in csv.DictReader(f)]  # fmt: skip
    best = []
    for i, (category, k, label) in enumerate(rows):
        similar = max((jaccard(k, rows[j][1]) for j in range(i) if rows[j][0] == category),
                      default=0.0)  # fmt: skip
        best.append((similar, label))
    out = {}
    for threshold in (0.3, 0.4, 0.5):
        tp = sum(s >= threshold and lb for s, lb in best)
        fp = sum(s >= threshold and not lb for s, lb in best)
        fn = sum(s < threshold and lb for s, lb in best)
        out[f"jaccard>={threshold}"] = prf(tp, fp, fn)
    out["complaints"], out["duplicates"] = len(rows), sum(lb for _, lb in best)
    return out


# ---------------------------------------------------------------------------- latency at 1 M


APPEAL_COLUMNS = (
    "id", "number", "region_id", "municipality_id", "category_id", "applicant_id", "channel",
    "contact_name", "contact_phone", "text", "address", "latitude", "longitude", "is_public",
    "status", "resolution", "executor_id", "external_id", "created_at", "registered_at",
    "due_at", "answered_at", "closed_at", "updated_at",
)  # fmt: skip
DATES = {"created_at", "registered_at", "due_at", "answered_at", "closed_at", "updated_at"}


def load_copies(total: int) -> float:
    """Shifted copies of the demo appeals, made inside PostgreSQL (INSERT … SELECT over
    generate_series, no round trip through Python) until `total` rows: copy k
    moves every date back SHIFT_DAYS·k days and the point by up to ~1 km (deterministic)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM appeals_appeal")
        count, span = cursor.fetchone()
    copies = max(0, math.ceil((total - count) / count))
    replace = {
        "id": f"t.id + k * {span}",
        "number": "'48-I' || k || '-' || t.id",
        "latitude": "t.latitude + ((k * 7919 + t.id) %% 181 - 90) * 0.0001",
        "longitude": "t.longitude + ((k * 104729 + t.id) %% 181 - 90) * 0.00016",
    }
    parts = [replace.get(c, f"t.{c} - make_interval(days => {SHIFT_DAYS} * k)" if c in DATES
                         else f"t.{c}") for c in APPEAL_COLUMNS]  # fmt: skip
    select = (
        f"SELECT {', '.join(parts)} FROM appeals_appeal t "  # noqa: S608 (our own columns)
        f"CROSS JOIN generate_series(%(first)s, %(last)s) AS k WHERE t.id <= {span}"
    )
    with connection.cursor() as cursor:
        # The full-text index is not what is measured here; it would triple the load time.
        cursor.execute("DROP INDEX IF EXISTS appeal_text_search")
        for first in range(1, copies + 1, 10):
            params = {"first": first, "last": min(copies, first + 9)}
            cursor.execute(
                f"INSERT INTO appeals_appeal ({', '.join(APPEAL_COLUMNS)}) {select}", params
            )
            print(f"  … {count * (params['last'] + 1):,} appeals", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM appeals_appeal WHERE id > %s", [span * (1 + copies)])
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), max(id)) "
            "FROM appeals_appeal"
        )
        cursor.execute("ANALYZE appeals_appeal")
    return time.perf_counter() - started


def latency_figures(region, queries: int) -> dict:
    from django.db import connection

    from otklik.appeals.models import Appeal
    from otklik.intelligence.duplicates import candidate_rows, find_candidates

    rng = random.Random(SEED)
    ids = list(Appeal.objects.filter(latitude__isnull=False).order_by("?")
               .values_list("pk", flat=True)[:queries])  # fmt: skip
    probes = list(Appeal.objects.filter(pk__in=ids).select_related("category"))
    rng.shuffle(probes)
    find_candidates(region, probes[0].category, probes[0].latitude, probes[0].longitude, "")
    times, counts = [], []
    for p in probes:
        lat = p.latitude + rng.uniform(-0.001, 0.001)
        lon = p.longitude + rng.uniform(-0.0015, 0.0015)
        started = time.perf_counter()
        found = find_candidates(region, p.category, lat, lon, p.text, at=p.created_at)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(found))
    p = probes[0]
    rows = candidate_rows(region, p.latitude, p.longitude, at=p.created_at)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    times.sort()
    return {
        "appeals": Appeal.objects.count(),
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        "candidates_mean": round(statistics.mean(counts), 1),
        "plan": plan,
        "index_scan": any("Index" in line and "latitude" in line for line in plan)
        or any("Index Scan" in line or "Bitmap Index Scan" in line for line in plan),
        "seq_scan": any("Seq Scan" in line for line in plan),
    }


# ---------------------------------------------------------------------------- main


def run(appeals: int = 1_000_000, demo: int = 10_000, keep: bool = False, queries: int = 200,
        pairs: int = 600) -> dict:  # fmt: skip
    if not keep:
        fresh_database()
    start_django()
    from django.core.management import call_command

    from otklik.appeals.models import Appeal
    from otklik.directory.models import Region

    if not keep:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        started = time.perf_counter()
        call_command("build_demo", appeals=demo, no_progress=True, verbosity=0, force=True,
                     now=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
        print(f"demo region with {demo:,} appeals: {time.perf_counter() - started:.0f} s")
    region = Region.objects.get(code="48")
    figures: dict = {}
    if Appeal.objects.count() <= demo * 1.5:
        figures["formal_reply"] = formal_reply_figures(region)
        figures["duplicates_demo"] = duplicate_figures_demo(region, pairs)
    figures["duplicates_baltimore"] = baltimore_figures()
    figures["duplicates_kz"] = kz_figures()
    if Appeal.objects.count() < appeals:
        print(f"copies up to {appeals:,} appeals: {load_copies(appeals):.0f} s")
    figures["latency"] = latency_figures(region, queries)
    return figures


def report(f: dict) -> None:
    if "formal_reply" in f:
        fr = f["formal_reply"]
        print("formal-reply check")
        print(
            f"  demo, held-out newest answers ({fr['demo_sizes']['test']}): calibrated "
            f"P {fr['demo_calibrated']['precision']:.3f} R {fr['demo_calibrated']['recall']:.3f} "
            f"(threshold {fr['demo_calibrated']['threshold']:.3f}); defaults "
            f"P {fr['demo_defaults']['precision']:.3f} R {fr['demo_defaults']['recall']:.3f}"
        )
        h = fr["hand_labelled"]
        print(
            f"  hand-labelled ({h['answers']} answers), defaults: P {h['precision']:.3f} "
            f"R {h['recall']:.3f}"
        )
        print(f"  calibrated weights: {fr['weights']}")
        d = f["duplicates_demo"]
        print(
            f"duplicates, demo pairs ({d['queries']} queries, {d['pairs']} pairs, "
            f"{d['positives']} true): calibrated P {d['calibrated']['precision']:.3f} "
            f"R {d['calibrated']['recall']:.3f} (threshold {d['calibrated']['threshold']}); "
            f"defaults P {d['defaults']['precision']:.3f} R {d['defaults']['recall']:.3f}"
        )
        print(f"  calibrated weights: {d['weights']}")
    b = f["duplicates_baltimore"]
    print(
        f"duplicates, Baltimore 311 ({b['requests']} requests with a place, {b['duplicates']} "
        f"duplicates, {b['duplicates_with_an_earlier_same_type_within_300m']} with an earlier "
        f"same-type request within 300 m in the sample): P {b['precision']:.3f} "
        f"R {b['recall']:.3f}"
    )
    k = f["duplicates_kz"]
    for name, s in k.items():
        if isinstance(s, dict):
            print(
                f"duplicates, kz-complaints text only, {name}: P {s['precision']:.3f} "
                f"R {s['recall']:.3f} ({k['duplicates']} of {k['complaints']} labelled)"
            )
    lat = f["latency"]
    print(
        f"find_candidates at {lat['appeals']:,} appeals: p50 {lat['p50_ms']} ms, p95 "
        f"{lat['p95_ms']} ms, max {lat['max_ms']} ms over {lat['queries']} queries "
        f"({lat['candidates_mean']} candidates on average); index scan: {lat['index_scan']}, "
        f"seq scan: {lat['seq_scan']}"
    )
    for line in lat["plan"]:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--demo", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()
    report(run(args.appeals, args.demo, args.keep, args.queries, args.pairs))


if __name__ == "__main__":
    main()
