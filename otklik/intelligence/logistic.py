"""A calibrated logistic score: a bias, a weight per feature and a flagging threshold.

The formal-reply check and the duplicate search both score this way; their calibrations are
stored as a TrainedModel's parameters and read back here, falling back to the defaults for
anything missing or odd (a hand-edited row never breaks a page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


@dataclass(frozen=True)
class LogisticWeights:
    """Subclasses give the three fields their defaults."""

    bias: float
    weights: dict
    threshold: float

    @classmethod
    def from_parameters(cls, parameters: dict | None):
        """From a TrainedModel's parameters; the defaults where anything is missing or odd."""
        defaults = cls()
        parameters = parameters or {}
        weights = dict(defaults.weights)
        for name, value in (parameters.get("weights") or {}).items():
            if name in weights and _finite(value):
                weights[name] = float(value)
        bias = parameters.get("bias", defaults.bias)
        if not _finite(bias):
            bias = defaults.bias
        threshold = parameters.get("threshold", defaults.threshold)
        if not _finite(threshold) or not 0 < threshold < 1:
            threshold = defaults.threshold
        return cls(float(bias), weights, float(threshold))

    def as_parameters(self) -> dict:
        return {"bias": self.bias, "weights": dict(self.weights), "threshold": self.threshold}

    def logistic(self, weighted_sum: float) -> float:
        return 1 / (1 + math.exp(-(self.bias + weighted_sum)))
