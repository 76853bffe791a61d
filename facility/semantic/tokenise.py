"""Words to compare, per UN language, for matching a query against the SDG and theme vocabulary.

- French, Spanish, Russian, Arabic: words, lower-cased, without the commonest function words,
  stemmed by Snowball (so "juges" meets "juge", "детей" meets "дети"). French and Spanish
  stems lose their accents afterwards, as queries are often typed without them.
- Russian: "ё" is written "е" in most texts (the SDG titles included), so both count as "е".
- Arabic: short vowels (harakat), the elongation sign (tatweel) and the hamza forms of alef are
  dropped before stemming (users rarely type them, the UN texts sometimes do); after stemming,
  a final ta marbuta counts as ha and alef maqsura as ya, the usual spelling variants, and a
  final hamza is dropped.
- Chinese: no spaces between words, so each run of Han characters gives its overlapping
  character pairs (bigrams; a lone character gives itself). "废除死刑" gives 废除 / 除死 /
  死刑, and 死刑 (death penalty) matches without a dictionary.
- English: lower-cased words (the bridge does not run for English; this is for completeness).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import snowballstemmer

# The UN's six languages, as the caller names them ("zh-Hans" is the SDG data's code).
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
ALIASES = {"zh-hans": "zh", "zh-cn": "zh"}
SNOWBALL = {"fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic", "en": "english"}

# Function words that would otherwise match half the vocabulary (short, hand-made lists).
STOP_WORDS = {
    "fr": set("""a à au aux avec ce ces dans de des du en entre et la le les leur leurs l d
        par pour qui que sur son sa ses un une ou où ne pas plus d'ici ici tous toutes tout
        toute afin notamment y est sont être qu s c n j m""".split()),
    "es": set("""a al con de del el en entre la las lo los para por que se su sus un una y o
        u e más todos todas todo toda aquí como sin sobre""".split()),
    "ru": set("""и в во на с со к ко по о об от до для из у за а но или не ни что как их его
        ее её все всех всем это году года""".split()),
    "ar": set("""في من على إلى الى عن مع و أو او ال هذا هذه ذلك التي الذي الذين بين كل جميع
        عام حتى بحلول لا ما""".split()),
    "en": set("""a an and the of to in on for by with or all at from its their is are be
        that this as""".split()),
}

_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")


def language_code(language: str) -> str | None:
    """The supported code for a caller's language tag (case-insensitive), or None."""
    tag = language.strip().lower()
    tag = ALIASES.get(tag, tag)
    return tag if tag in LANGUAGES else None


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(SNOWBALL[language])


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if unicodedata.category(c) != "Mn")


def han_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each run of Han characters (a lone one: itself)."""
    grams: list[str] = []
    for run in _HAN.findall(text):
        grams.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return grams


def normalise_arabic(text: str) -> str:
    return _ARABIC_MARKS.sub("", text).translate(_ALEF_FORMS)


def _arabic_ending(stem: str) -> str:
    # A final hamza is dropped too: قضاة (judges) and قضاء (judiciary) share their stem.
    stem = stem.removesuffix("ء")
    if stem.endswith("ة"):
        return stem[:-1] + "ه"
    return stem[:-1] + "ي" if stem.endswith("ى") else stem


def tokens(text: str, language: str) -> list[str]:
    """The comparable terms of a text in one of LANGUAGES, in order (repeats kept)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if language == "zh":
        # Words in another script (numbers, Latin acronyms) count as words.
        rest = _HAN.sub(" ", text)
        return han_bigrams(text) + _WORD.findall(rest)
    if language == "ar":
        text = normalise_arabic(text)
    elif language == "ru":
        text = text.replace("ё", "е")
    stop = STOP_WORDS[language]
    words = [w for w in _WORD.findall(text) if w not in stop]
    stems = _stemmer(language).stemWords(words)
    if language in ("fr", "es"):
        stems = [_strip_accents(s) for s in stems]
    elif language == "ar":
        stems = [_arabic_ending(s) for s in stems]
    return [s for s in stems if s and s not in stop]
