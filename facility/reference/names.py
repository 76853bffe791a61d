"""Reference data in the reader's language: the six official languages of the UN, and the
names of States (UNTERM), regional groups and themes in each.

Codes (ISO3, group codes, theme names in English) stay the stable identifiers; a name is what a
person reads. Where a name is missing in a language, the English one is shown.
"""

from __future__ import annotations

import re

# The UN's six official languages, as the reference files key them (Chinese in simplified
# script, as the UN writes it).
LANGUAGES = ("ar", "zh-Hans", "en", "fr", "ru", "es")
DEFAULT_LANGUAGE = "en"

_ALIASES = {"zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-hans": "zh-Hans", "zh-sg": "zh-Hans"}

# UNTERM writes the article of a short name in brackets after it ("Congo (the)", "Afghanistan
# (l')", "Bahamas (las)"); lists drop it. Other brackets are part of the name ("Iran (Islamic
# Republic of)") and stay.
_BRACKETED_ARTICLE = re.compile(r"\s*\((?:the|le|la|l'|les|el|los|las)\)\s*$")
# UNTERM marks observer States (*) and States that are not UN members (**).
_MARKS = re.compile(r"\s*\*+\s*$")
_LEADING_ARTICLE = re.compile(r"^(?:the |le |la |l'|les |el |los |las )")


def language_code(tag: str | None) -> str | None:
    """The UN language a language tag asks for ("fr-CH" -> "fr", "zh-CN" -> "zh-Hans"), or None
    when it is not one of the six."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    lowered = tag.lower()
    if lowered in _ALIASES or lowered.startswith("zh-hans"):
        return _ALIASES.get(lowered, "zh-Hans")
    primary = lowered.split("-", 1)[0]
    if primary == "zh":
        return "zh-Hans"
    return primary if primary in LANGUAGES else None


def in_language(names: dict[str, str] | None, language: str | None, fallback: str) -> str:
    """The name in `language` (any tag `language_code` understands), else `fallback`."""
    code = language_code(language) or DEFAULT_LANGUAGE
    return (names or {}).get(code) or fallback


def short_name(unterm: str) -> str:
    """A UNTERM short name as lists show it: without its bracketed article and marks."""
    return _BRACKETED_ARTICLE.sub("", _MARKS.sub("", unterm)).strip()


def formal_name(unterm: str) -> str:
    """A UNTERM formal name standing alone, without the article it takes in a sentence ("the
    Republic of Chad" -> "Republic of Chad", "la République du Tchad" -> "République du Tchad")."""
    name = _LEADING_ARTICLE.sub("", _MARKS.sub("", unterm).strip())
    return name[:1].upper() + name[1:]


# The regional groups' names, as the UN's documents write them in each language (translated
# for the project where it found no UN text; see data/SOURCES.md).
GROUP_NAMES: dict[str, dict[str, str]] = {
    "AFRICAN": {
        "en": "African Group", "fr": "Groupe des États d'Afrique",
        "es": "Grupo de los Estados de África", "ru": "Группа африканских государств",
        "ar": "مجموعة الدول الأفريقية", "zh-Hans": "非洲国家组",
    },
    "APG": {
        "en": "Asia-Pacific Group", "fr": "Groupe des États d'Asie et du Pacifique",
        "es": "Grupo de los Estados de Asia y el Pacífico",
        "ru": "Группа азиатско-тихоокеанских государств",
        "ar": "مجموعة دول آسيا والمحيط الهادئ", "zh-Hans": "亚洲及太平洋国家组",
    },
    "EEG": {
        "en": "Eastern European Group", "fr": "Groupe des États d'Europe orientale",
        "es": "Grupo de los Estados de Europa Oriental",
        "ru": "Группа восточноевропейских государств",
        "ar": "مجموعة دول أوروبا الشرقية", "zh-Hans": "东欧国家组",
    },
    "GRULAC": {
        "en": "Latin American and Caribbean Group",
        "fr": "Groupe des États d'Amérique latine et des Caraïbes",
        "es": "Grupo de los Estados de América Latina y el Caribe",
        "ru": "Группа государств Латинской Америки и Карибского бассейна",
        "ar": "مجموعة دول أمريكا اللاتينية ومنطقة البحر الكاريبي",
        "zh-Hans": "拉丁美洲和加勒比国家组",
    },
    "WEOG": {
        "en": "Western European and Others Group",
        "fr": "Groupe des États d'Europe occidentale et autres États",
        "es": "Grupo de los Estados de Europa Occidental y otros Estados",
        "ru": "Группа западноевропейских и других государств",
        "ar": "مجموعة دول أوروبا الغربية ودول أخرى", "zh-Hans": "西欧和其他国家组",
    },
}
