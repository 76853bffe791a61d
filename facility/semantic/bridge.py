"""A bridge from a query in another UN language to an English query, through a parallel vocabulary.

The embedding model and the recommendation texts are English. What exists in all six UN
languages is a vocabulary: the 17 SDG goals and 169 targets (the UN's own titles, shipped in
reference/data/sdg_*.csv) and the 54 recommendation themes (the project's own translations,
reference/data/theme_translations.csv). A query in French, Spanish, Arabic, Russian or Chinese
is matched lexically (BM25 over facility/semantic/tokenise.py's terms) against that vocabulary
in its language; the English texts of the best entries are added to the query the English model
embeds (facility/semantic/search.py). A query whose words the vocabulary does
not hold finds no entry: the bridge covers what the SDG and theme vocabulary covers, no more.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache

from facility.reference.loader import read_csv
from facility.semantic.tokenise import tokens

BRIDGED_LANGUAGES = ("ar", "es", "fr", "ru", "zh")
_DATA_COLUMN = {"zh": "zh-Hans"}  # the SDG data's and the theme file's column suffix

# Chosen on the French labelled set only (bench/semantic_queries.py), then measured unchanged
# on Spanish: see docs/benchmarks.md.
MAX_ENTRIES = 3  # the English query is at most three entries long
RELATIVE_SCORE = 0.5  # an entry scoring under half the best one is left out
BM25_K1, BM25_B = 1.2, 0.75  # the usual BM25 constants (Robertson & Zaragoza, 2009)


@dataclass(frozen=True)
class Entry:
    kind: str  # "goal", "target" or "theme"
    key: str  # goal number, target code ("16.3") or theme name (as stored)
    english: str

    @property
    def label(self) -> str:
        return f"theme {self.key}" if self.kind == "theme" else f"SDG {self.kind} {self.key}"


@dataclass(frozen=True)
class Bridge:
    language: str
    entries: list[Entry]  # best first
    english_query: str


def _texts(language: str) -> list[tuple[Entry, str]]:
    """Every vocabulary entry with its text in the language."""
    col = _DATA_COLUMN.get(language, language)
    entries = []
    for row in read_csv("sdg_goals.csv"):
        entries.append((Entry("goal", row["goal"], row["title_en"]),
                        f"{row[f'short_{col}']}. {row[f'title_{col}']}"))
    for row in read_csv("sdg_targets.csv"):
        entries.append((Entry("target", row["target"], row["title_en"]),
                        row[f"title_{col}"]))
    for row in read_csv("theme_translations.csv"):
        entries.append((Entry("theme", row["name"], row["en"]), row[col]))
    return entries


class _Index:
    """BM25 over the vocabulary's texts in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        pairs = _texts(language)
        self.entries = [e for e, _ in pairs]
        self.terms = [Counter(tokens(text, language)) for _, text in pairs]
        self.lengths = [sum(t.values()) for t in self.terms]
        self.average = sum(self.lengths) / len(self.lengths)
        frequency = Counter(term for t in self.terms for term in t)
        n = len(self.terms)
        self.idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5))
                    for term, df in frequency.items()}

    def scores(self, query: str) -> list[tuple[float, Entry]]:
        wanted = set(tokens(query, self.language)) & self.idf.keys()
        scored = []
        for entry, terms, length in zip(self.entries, self.terms, self.lengths, strict=True):
            score = 0.0
            for term in wanted & terms.keys():
                tf = terms[term]
                score += self.idf[term] * tf * (BM25_K1 + 1) / (
                    tf + BM25_K1 * (1 - BM25_B + BM25_B * length / self.average))
            if score > 0:
                scored.append((score, entry))
        scored.sort(key=lambda pair: -pair[0])
        return scored


@cache
def _index(language: str) -> _Index:
    return _Index(language)


def bridge(query: str, language: str) -> Bridge | None:
    """The English query standing for a query in one of BRIDGED_LANGUAGES; None when no
    vocabulary entry shares a term with it."""
    scored = _index(language).scores(query)
    if not scored:
        return None
    best = scored[0][0]
    chosen = [entry for score, entry in scored[:MAX_ENTRIES] if score >= RELATIVE_SCORE * best]
    return Bridge(language, chosen, ". ".join(e.english for e in chosen))
