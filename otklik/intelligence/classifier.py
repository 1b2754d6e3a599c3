"""A linear text classifier with reasons: training, evaluation, scoring, and its weights file.

The method (the same for categories, executors and any labelled CSV): the features of
`features.py`, a one-vs-rest logistic regression fitted by SGD (fast on a CPU, probabilities
that mean something), top-k with confidence, and for each suggestion the words of the text that
pushed it most (largest positive coefficient × TF-IDF, summed per word of the text).

The weights are a numpy ``.npz`` file read with ``allow_pickle=False`` (arrays and strings
only, never arbitrary objects); a file whose SHA-256 differs from the one recorded is refused.
No database here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .features import Features, lemma, words

if TYPE_CHECKING:
    # numpy, scipy and sklearn load in the functions that fit or score (about a second at
    # start-up otherwise): a process that never touches a model never pays for them.
    import numpy as np
    from scipy import sparse

FORMAT = 1
TOP = 3
REASONS = 4
# Coefficients this small change no probability visibly; dropping them keeps files small.
PRUNE = 0.05
DEFAULTS = {"alpha": 1e-5, "max_iter": 15, "tol": 1e-3, "min_df": 2}


class ModelRefused(Exception):
    """The weights file is missing, changed since training or not a weights file."""


@dataclass
class Prediction:
    label: str
    confidence: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Reason:
    """What pushed a prediction: a word of the text (as written) or a context term."""

    text: str
    weight: float
    kind: str = "word"  # or "context"


@dataclass
class TextModel:
    features: Features
    labels: list[str]
    coef: sparse.csr_matrix  # classes × features
    intercept: np.ndarray
    parameters: dict = field(default_factory=dict)

    def __post_init__(self):
        # Features × classes, dense: a sparse row times it costs only the row's non-zeros,
        # with no conversion of the stored (sparse, classes × features) matrix per call.
        import numpy as np

        self._weights = np.ascontiguousarray(self.coef.T.toarray(), dtype=np.float32)

    # ------------------------------------------------------------------ training

    @classmethod
    def train(
        cls,
        texts: list[str],
        labels: list[str],
        contexts: list[list[str]] | None = None,
        *,
        seed: int = 42,
        context_weight: float = 1.0,
        **options,
    ) -> TextModel:
        import numpy as np
        from scipy import sparse
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import SGDClassifier

        params = {**DEFAULTS, **options}
        if len(set(labels)) < 2:
            raise ValueError("at least two labels are needed")
        features = Features.fit(
            texts, contexts=contexts, context_weight=context_weight, min_df=params["min_df"]
        )
        matrix = features.transform(texts, contexts)
        model = SGDClassifier(
            loss="log_loss",
            alpha=params["alpha"],
            max_iter=params["max_iter"],
            tol=params["tol"],
            random_state=seed,
        )
        with warnings.catch_warnings():
            # A few epochs are enough for a linear text model; more only costs time.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix, np.asarray(labels))
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(model.classes_) == 2:  # sklearn keeps one row for two classes
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        coef[np.abs(coef) < PRUNE] = 0
        return cls(
            features=features,
            labels=[str(label) for label in model.classes_],
            coef=sparse.csr_matrix(coef),
            intercept=intercept,
            parameters={**params, "seed": seed, "context_weight": context_weight},
        )

    # ------------------------------------------------------------------ scoring

    def probabilities(self, texts: list[str], contexts: list[list[str]] | None = None):
        """Rows of class probabilities (one-vs-rest sigmoids scaled to sum to 1), and the
        feature matrix they were computed from."""
        import numpy as np

        matrix = self.features.transform(texts, contexts)
        scores = np.asarray(matrix.astype(np.float32) @ self._weights, np.float64) + self.intercept
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(scores, -35, 35)))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities, matrix

    def predict(
        self,
        texts: list[str],
        contexts: list[list[str]] | None = None,
        *,
        top: int = TOP,
        reasons: int = REASONS,
    ) -> list[list[Prediction]]:
        """The `top` labels of each text with confidence (and up to `reasons` reasons each)."""
        import numpy as np

        probabilities, matrix = self.probabilities(texts, contexts)
        best = np.argsort(-probabilities, axis=1)[:, :top]
        result = []
        for row, classes in enumerate(best):
            predictions = [
                Prediction(self.labels[k], float(probabilities[row, k])) for k in classes
            ]
            if reasons:
                context = contexts[row] if contexts else []
                found = self.reasons(texts[row], context, matrix[row], classes, reasons)
                for prediction, why in zip(predictions, found, strict=True):
                    prediction.reasons = why
            result.append(predictions)
        return result

    def reasons(self, text: str, context, row, classes, limit: int = REASONS) -> list[list[Reason]]:
        """For each of `classes`, the words of `text` (and context terms) that pushed it most,
        strongest first.

        A word's weight is the contribution (coefficient × TF-IDF) of its lemma, half of each
        lemma bigram it is in, and its share of every character n-gram it contains: a "share"
        matrix (words × the row's columns) built once per text, times the contributions."""
        import numpy as np
        from scipy import sparse

        row = row.tocsr()
        columns = row.indices
        position_of = {int(c): i for i, c in enumerate(columns.tolist())}
        f = self.features
        n_lemmas, n_chars = len(f.lemma_vocabulary), len(f.char_vocabulary)
        tokens = words(text)
        lemmas = [lemma(t) for t in tokens]
        grams = [f._char_ids(t).tolist() for t in tokens]
        occurrences: dict[int, int] = defaultdict(int)
        for ids in grams:
            for i in ids:
                occurrences[i] += 1
        keys: dict[str, int] = {}
        shown: list[str] = []
        entries: dict[tuple[int, int], float] = defaultdict(float)

        def share(key: str, column: int | None, part: float) -> None:
            if column is None or (at := position_of.get(column)) is None:
                return
            entries[keys[key], at] += part

        for token, lem in zip(tokens, lemmas, strict=True):
            if lem is not None and lem not in keys:  # «не», «на», numbers: never a reason
                keys[lem] = len(keys)
                shown.append(token)  # as first written in the text
        for position, (lem, ids) in enumerate(zip(lemmas, grams, strict=True)):
            if lem is None:
                continue
            for i in ids:
                share(lem, n_lemmas + i, 1 / occurrences[i])
            share(lem, f._lemma_index.get(lem), 1 / lemmas.count(lem))
            following = next((x for x in lemmas[position + 1 :] if x), None)
            if following:
                bigram = f._lemma_index.get(f"{lem} {following}")
                share(lem, bigram, 0.5)
                share(following, bigram, 0.5)
        offset = n_lemmas + n_chars
        for term in set(context or []):
            if (i := f._context_index.get(term)) is not None and (offset + i) in position_of:
                keys[f"x:{term}"] = len(keys)
                shown.append(term)
                entries[keys[f"x:{term}"], position_of[offset + i]] = 1.0
        if not keys:
            return [[] for _ in classes]
        rows_, cols_ = zip(*entries.keys(), strict=True) if entries else ((), ())
        shares = sparse.csr_matrix(
            (list(entries.values()), (rows_, cols_)), shape=(len(keys), len(columns))
        )
        contributions = row.data[:, None] * self._weights[columns][:, list(classes)]
        weights = shares @ contributions  # words × classes
        kinds = ["context" if key.startswith("x:") else "word" for key in keys]
        result = []
        for j in range(len(classes)):
            order = np.argsort(-weights[:, j])[:limit]
            result.append(
                [
                    Reason(shown[i], float(weights[i, j]), kinds[i])
                    for i in order
                    if weights[i, j] > 0
                ]
            )
        return result

    # ------------------------------------------------------------------ evaluation

    def evaluate(
        self, texts: list[str], labels: list[str], contexts: list[list[str]] | None = None
    ) -> tuple[dict, dict]:
        """Figures on a held-out set: (overall, per label)."""
        return evaluate(self, texts, labels, contexts)

    # ------------------------------------------------------------------ the weights file

    def save(self, path: Path) -> str:
        """Write the weights to `path` (atomically) and return their SHA-256."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        f = self.features
        coef = self.coef.tocsr()
        meta = {
            "format": FORMAT,
            "parameters": self.parameters,
            "context_weight": f.context_weight,
            "shape": list(coef.shape),
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez_compressed(
                    out,
                    meta=np.array(json.dumps(meta)),
                    labels=_strings(self.labels),
                    lemma_vocabulary=_strings(f.lemma_vocabulary),
                    lemma_idf=f.lemma_idf,
                    char_vocabulary=_strings(f.char_vocabulary),
                    char_idf=f.char_idf,
                    context_vocabulary=_strings(f.context_vocabulary),
                    coef_data=coef.data.astype(np.float32),
                    coef_indices=coef.indices.astype(np.int32),
                    coef_indptr=coef.indptr.astype(np.int64),
                    intercept=self.intercept,
                )
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return file_sha256(path)

    @classmethod
    def load(cls, path: Path, sha256: str) -> TextModel:
        """Read a weights file, refusing it unless its SHA-256 is `sha256`."""
        import numpy as np
        from scipy import sparse

        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise ModelRefused(f"cannot read {path}: {exc}") from exc
        if not sha256 or hashlib.sha256(content).hexdigest() != sha256:
            raise ModelRefused(f"{path} does not match its recorded SHA-256")
        try:
            import io

            with np.load(io.BytesIO(content), allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format") != FORMAT:
                    raise ModelRefused(f"{path}: unknown format {meta.get('format')}")
                features = Features(
                    [str(t) for t in data["lemma_vocabulary"]],
                    data["lemma_idf"],
                    [str(t) for t in data["char_vocabulary"]],
                    data["char_idf"],
                    [str(t) for t in data["context_vocabulary"]],
                    meta["context_weight"],
                )
                coef = sparse.csr_matrix(
                    (data["coef_data"], data["coef_indices"], data["coef_indptr"]),
                    shape=tuple(meta["shape"]),
                )
                return cls(
                    features=features,
                    labels=[str(label) for label in data["labels"]],
                    coef=coef,
                    intercept=np.asarray(data["intercept"], dtype=np.float64),
                    parameters=meta["parameters"],
                )
        except (ValueError, KeyError, OSError) as exc:
            raise ModelRefused(f"{path} is not a weights file: {exc}") from exc


def _strings(values) -> np.ndarray:
    import numpy as np

    return np.array([str(v) for v in values], dtype=np.str_) if values else np.array([], "U1")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def evaluate(
    model: TextModel, texts: list[str], labels: list[str], contexts=None
) -> tuple[dict, dict]:
    """Macro-F1, accuracy and top-3 accuracy overall; precision, recall, F1, support and
    top-3 recall per label. Labels the model never saw count as misses."""
    import numpy as np
    from sklearn.metrics import precision_recall_fscore_support

    labels = [str(label) for label in labels]
    if not texts:
        return {"test_size": 0}, {}
    probabilities, _ = model.probabilities(texts, contexts)
    order = np.argsort(-probabilities, axis=1)
    names = np.asarray(model.labels)
    predicted = names[order[:, 0]].tolist()
    top3 = [label in names[order[i, :TOP]] for i, label in enumerate(labels)]
    present = sorted(set(labels) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=present, zero_division=0
    )
    per_label = {}
    for i, label in enumerate(present):
        hits = [t for t, true in zip(top3, labels, strict=True) if true == label]
        per_label[label] = {
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
            "top3_recall": round(sum(hits) / len(hits), 4) if hits else None,
        }
    correct = [p == t for p, t in zip(predicted, labels, strict=True)]
    metrics = {
        "macro_f1": round(float(np.mean(f1)), 4),
        "accuracy": round(sum(correct) / len(labels), 4),
        "top3_accuracy": round(sum(top3) / len(labels), 4),
        "test_size": len(labels),
        "labels": len(model.labels),
    }
    return metrics, per_label
