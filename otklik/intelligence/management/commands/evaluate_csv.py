"""Train and evaluate the text method on any labelled CSV, with a split fixed by a seed."""

import csv
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.intelligence.classifier import TextModel
from otklik.intelligence.models import ModelKind, TrainedModel


def read_labelled(path: Path, text_column: str, label_column: str) -> tuple[list, list]:
    """Texts and labels of a CSV file; rows with an empty text or label are left out."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    raise CommandError(
                        _("No column «%(column)s» in %(file)s; it has: %(columns)s.")
                        % {"column": column, "file": path, "columns": ", ".join(columns)}
                    )
            rows = [
                (row[text_column].strip(), row[label_column].strip())
                for row in reader
                if (row.get(text_column) or "").strip() and (row.get(label_column) or "").strip()
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        message = _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc}
        raise CommandError(message) from exc
    return [t for t, _l in rows], [label for _t, label in rows]


def seeded_split(count: int, test_share: float, seed: int) -> tuple[list[int], list[int]]:
    order = list(range(count))
    random.Random(seed).shuffle(order)  # noqa: S311  (a reproducible split, not a secret)
    cut = count - max(1, round(count * test_share))
    return sorted(order[:cut]), sorted(order[cut:])


def evaluate_file(path, text_column, label_column, *, seed=42, test_share=0.2) -> dict:
    """Figures of the method on a labelled file: fit on the seeded train part, score the rest."""
    texts, labels = read_labelled(Path(path), text_column, label_column)
    if len(texts) < 4 or len(set(labels)) < 2:
        raise CommandError(
            _("Too few labelled rows to train on: %(count)s.") % {"count": len(texts)}
        )
    train, test = seeded_split(len(texts), test_share, seed)
    started = time.perf_counter()
    model = TextModel.train([texts[i] for i in train], [labels[i] for i in train], seed=seed)
    seconds = time.perf_counter() - started
    metrics, per_label = model.evaluate([texts[i] for i in test], [labels[i] for i in test])
    metrics.update(train_size=len(train), train_seconds=round(seconds, 2), seed=seed)
    return {"model": model, "metrics": metrics, "per_label": per_label, "rows": len(texts)}


class Command(BaseCommand):
    help = "Train and evaluate the category method on a labelled CSV (text, label)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--test-share", type=float, default=0.2)
        parser.add_argument(
            "--save", action="store_true", help="store the model as a trained model without region"
        )

    def handle(self, *args, file, text_column, label_column, seed, test_share, save, **options):
        if not 0 < test_share < 1:
            raise CommandError(_("--test-share must be between 0 and 1."))
        result = evaluate_file(file, text_column, label_column, seed=seed, test_share=test_share)
        m = result["metrics"]
        self.stdout.write(
            _(
                "%(file)s: %(rows)s rows, %(labels)s labels, trained on %(train)s, tested on "
                "%(test)s (seed %(seed)s)"
            )
            % {
                "file": Path(file).name,
                "rows": result["rows"],
                "labels": m["labels"],
                "train": m["train_size"],
                "test": m["test_size"],
                "seed": seed,
            }
        )
        self.stdout.write(
            f"macro-F1 {m['macro_f1']:.4f}  accuracy {m['accuracy']:.4f}  "
            f"top-3 {m['top3_accuracy']:.4f}"
        )
        for label, figures in sorted(result["per_label"].items()):
            self.stdout.write(
                f"  {label}: P {figures['precision']:.3f} R {figures['recall']:.3f} "
                f"F1 {figures['f1']:.3f} n={figures['support']}"
            )
        if save:
            self._save(file, result, seed)

    def _save(self, file, result, seed):
        name = f"csv/{Path(file).stem}-seed{seed}-{int(time.time())}.npz"
        sha256 = result["model"].save(settings.MODELS_DIR / name)
        latest = (
            TrainedModel.objects.filter(region=None, kind=ModelKind.CATEGORY)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        row = TrainedModel.objects.create(
            region=None,
            kind=ModelKind.CATEGORY,
            version=(latest or 0) + 1,
            source=Path(file).name[:300],
            train_size=result["metrics"]["train_size"],
            test_size=result["metrics"]["test_size"],
            parameters=result["model"].parameters,
            metrics=result["metrics"],
            per_label=result["per_label"],
            artefact=name,
            sha256=sha256,
        )
        self.stdout.write(_("Saved as version %(version)s.") % {"version": row.version})
