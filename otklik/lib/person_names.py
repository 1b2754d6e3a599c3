"""People's names in Russian text by natasha's news NER model (slovnet + navec).

The model (≈ 50 MB of embeddings and weights shipped inside the natasha package, no download)
is loaded on the first call, once per process, and never at import: a web worker that shows no
public copy never pays for it. natasha's morphology (pymorphy2, broken on Python 3.11) is not
used: the NER tagger tokenises the text itself and needs none of it.
"""

from __future__ import annotations

import threading
import time

BATCH = 32  # texts per run of the network: larger batches amortise numpy's overhead

_lock = threading.Lock()
_tagger = None
# Seconds the load took in this process (None: not loaded): bench/masking.py prints it.
load_seconds: float | None = None


def _load():
    global _tagger, load_seconds
    with _lock:
        if _tagger is None:
            started = time.perf_counter()
            from natasha import NewsEmbedding, NewsNERTagger

            tagger = NewsNERTagger(NewsEmbedding())
            tagger.batch_size = BATCH
            _tagger = tagger
            load_seconds = time.perf_counter() - started
    return _tagger


def is_loaded() -> bool:
    return _tagger is not None


def find_names(texts: list[str]) -> list[list[tuple[int, int]]]:
    """For each text, (start, end) of every person's name the model tags in it."""
    tagger = _tagger or _load()
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    for i, markup in zip(todo, tagger.map([texts[i] for i in todo]), strict=True):
        out[i] = [(span.start, span.stop) for span in markup.spans if span.type == "PER"]
    return out
