"""Russian-aware text features of the category and executor models.

Two blocks, each TF-IDF weighted and L2-normalised on its own, then side by side:

* lemmas (pymorphy3) and lemma bigrams: «ямы», «яму», «ямой» are one feature, function words
  (prepositions, conjunctions, particles) are dropped;
* character n-grams inside word boundaries (``char_wb``, 2–5): typos («асфальтт»), slang and
  words the dictionary does not know still share most of their n-grams with the right word.

Pure functions and small objects: no database here. The lemmatiser loads once per process
(about a second) and every word's lemma is cached, so a text costs dictionary lookups only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # numpy, scipy and sklearn load in the functions that use them (see classifier.py).
    import numpy as np
    from scipy import sparse


WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")
# Parts of speech that say nothing about the topic (prepositions, conjunctions, particles,
# interjections, pronouns, numerals).
FUNCTION_WORDS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "NUMR"})
CHAR_NGRAMS = (2, 5)
CHAR_CACHE = 200_000  # words whose n-gram columns are remembered, per loaded model


def normalise(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of a text, lower case, ё as е (digits-only tokens included)."""
    return WORD.findall(normalise(text))


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=300_000)
def lemma(word: str) -> str | None:
    """The dictionary form of a word, or None for a word that carries no topic (a preposition,
    a one-letter word, a number)."""
    if len(word) < 2 or word.isdigit():
        return None
    if not re.search(r"[а-я]", word):
        return word
    parses = _morph().parse(word)
    if parses[0].tag.POS in FUNCTION_WORDS:
        return None
    # The dictionary form most of the readings share: «ямы» is more often «яма» than «ям».
    scores: dict[str, float] = {}
    for parse in parses:
        scores[parse.normal_form] = scores.get(parse.normal_form, 0.0) + parse.score
    return max(scores, key=scores.__getitem__).replace("ё", "е")


def lemma_terms(text: str) -> list[str]:
    """Lemmas and bigrams of neighbouring lemmas (``"яма асфальт"``)."""
    lemmas = [lem for lem in map(lemma, words(text)) if lem]
    return lemmas + [f"{a} {b}" for a, b in pairwise(lemmas)]


def char_text(text: str) -> str:
    """The text the character n-grams are taken from: its words joined by spaces."""
    return " ".join(words(text))


class Features:
    """The fitted vocabulary and IDF weights of both blocks, plus optional one-hot "context"
    columns (municipality, category) for the executor model."""

    def __init__(
        self,
        lemma_vocabulary: list[str],
        lemma_idf: np.ndarray,
        char_vocabulary: list[str],
        char_idf: np.ndarray,
        context_vocabulary: list[str] | None = None,
        context_weight: float = 1.0,
    ):
        import numpy as np

        self.lemma_vocabulary = list(lemma_vocabulary)
        self.char_vocabulary = list(char_vocabulary)
        self.context_vocabulary = list(context_vocabulary or [])
        self.context_weight = float(context_weight)
        self.lemma_idf = np.asarray(lemma_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self._lemma_index = {term: i for i, term in enumerate(self.lemma_vocabulary)}
        self._char_index = {term: i for i, term in enumerate(self.char_vocabulary)}
        self._char_cache: dict[str, np.ndarray] = {}
        self._context_index = {term: i for i, term in enumerate(self.context_vocabulary)}

    @classmethod
    def fit(
        cls,
        texts: list[str],
        *,
        contexts: list[list[str]] | None = None,
        context_weight: float = 1.0,
        min_df: int = 2,
        max_lemmas: int = 30_000,
        max_chars: int = 60_000,
    ) -> Features:
        from sklearn.feature_extraction.text import TfidfVectorizer

        lemmas = TfidfVectorizer(
            analyzer=lemma_terms, min_df=min_df, max_features=max_lemmas, sublinear_tf=True
        ).fit(texts)
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=CHAR_NGRAMS,
            min_df=min_df,
            max_features=max_chars,
            sublinear_tf=True,
        ).fit([char_text(t) for t in texts])
        context = sorted({term for terms in contexts or [] for term in terms})
        return cls(
            _ordered(lemmas.vocabulary_),
            lemmas.idf_,
            _ordered(chars.vocabulary_),
            chars.idf_,
            context,
            context_weight,
        )

    @property
    def names(self) -> list[str]:
        """Every column's name: ``w:<lemma>``, ``c:<n-gram>``, ``x:<context>``."""
        return (
            [f"w:{t}" for t in self.lemma_vocabulary]
            + [f"c:{t}" for t in self.char_vocabulary]
            + [f"x:{t}" for t in self.context_vocabulary]
        )

    @property
    def size(self) -> int:
        return len(self.lemma_vocabulary) + len(self.char_vocabulary) + len(self.context_vocabulary)

    def transform(
        self, texts: Iterable[str], contexts: Iterable[Iterable[str]] | None = None
    ) -> sparse.csr_matrix:
        """The feature matrix of `texts` (one row each), as sklearn's TfidfVectorizer with the
        same vocabulary would give, but with every word's n-grams and lemma looked up once."""
        import numpy as np
        from scipy import sparse

        texts = list(texts)
        lemma_rows, char_parts, char_lengths = [], [], []
        for text in texts:
            tokens = words(text)
            lemma_rows.append(np.asarray(self._lemma_ids(tokens), dtype=np.int64))
            parts = [self._char_ids(token) for token in tokens]
            char_parts.extend(parts)
            char_lengths.append(sum(len(p) for p in parts))
        blocks = [
            _tfidf(lemma_rows, [len(r) for r in lemma_rows], self.lemma_idf),
            _tfidf(char_parts, char_lengths, self.char_idf),
        ]
        if self.context_vocabulary:
            blocks.append(self._context(contexts or [[] for _ in texts], len(texts)))
        return sparse.hstack(blocks, format="csr", dtype=np.float64)

    def _lemma_ids(self, tokens: list[str]) -> list[int]:
        index = self._lemma_index
        lemmas = [lem for lem in map(lemma, tokens) if lem]
        ids = [index[lem] for lem in lemmas if lem in index]
        for a, b in pairwise(lemmas):
            if (i := index.get(f"{a} {b}")) is not None:
                ids.append(i)
        return ids

    def _char_ids(self, token: str) -> np.ndarray:
        import numpy as np

        ids = self._char_cache.get(token)
        if ids is None:
            index = self._char_index
            ids = np.asarray([index[g] for g in char_ngrams(token) if g in index], dtype=np.int64)
            if len(self._char_cache) < CHAR_CACHE:
                self._char_cache[token] = ids
        return ids

    def _context(self, contexts: Iterable[Iterable[str]], count: int) -> sparse.csr_matrix:
        import numpy as np
        from scipy import sparse

        rows, cols = [], []
        for row, terms in enumerate(contexts):
            for term in terms:
                if (col := self._context_index.get(term)) is not None:
                    rows.append(row)
                    cols.append(col)
        data = np.full(len(rows), self.context_weight)
        return sparse.csr_matrix((data, (rows, cols)), shape=(count, len(self.context_vocabulary)))


def char_ngrams(token: str, low: int = CHAR_NGRAMS[0], high: int = CHAR_NGRAMS[1]) -> list[str]:
    """The n-grams sklearn's ``char_wb`` analyser takes from one word (padded with spaces)."""
    padded = f" {token} "
    size = len(padded)
    grams = []
    for n in range(low, high + 1):
        if size <= n:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def _tfidf(parts: list[np.ndarray], lengths: list[int], idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF × IDF, each row L2-normalised (TfidfVectorizer's defaults). `parts` are
    the column ids of all rows in order, `lengths` how many of them belong to each row."""
    import numpy as np
    from scipy import sparse

    indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    rows = lengths
    counts = sparse.csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(len(rows), len(idf))
    )
    counts.sum_duplicates()
    counts.data = (np.log(counts.data) + 1.0) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


def _ordered(vocabulary: dict[str, int]) -> list[str]:
    return [term for term, _ in sorted(vocabulary.items(), key=lambda item: item[1])]
