"""Reference data in the reader's language: the UN's names of States (UNTERM), of the regional
groups and of the themes, in the six UN languages, over GraphQL."""

from __future__ import annotations

import pytest

from facility.reference import names

STATE = """query($code: String) { states(language: $code) {
  code name(language: $code) officialName(language: $code) regionalGroupName(language: $code) } }"""


def _by_code(gql, language: str | None) -> dict[str, dict]:
    return {s["code"]: s for s in gql(STATE, {"code": language})["states"]}


def test_state_names_are_the_uns_not_common_spellings(gql) -> None:
    states = _by_code(gql, None)
    assert len(states) == 195
    # The common English spellings the reference used to show, and what the UN calls them.
    expected = {"CIV": "Côte d'Ivoire", "COD": "Democratic Republic of the Congo",
                "PRK": "Democratic People's Republic of Korea", "IRN": "Iran (Islamic Republic of)",
                "RUS": "Russian Federation", "LAO": "Lao People's Democratic Republic",
                "BRN": "Brunei Darussalam", "CPV": "Cabo Verde", "TUR": "Türkiye"}
    assert {code: states[code]["name"] for code in expected} == expected
    # UNTERM's bracketed article and its observer marks are dropped in lists.
    assert states["BHS"]["name"] == "Bahamas"
    assert states["VAT"]["name"] == "Holy See"
    assert states["CIV"]["officialName"] == "Republic of Côte d'Ivoire"
    assert not [s for s in states.values() if "(the)" in s["name"] or "*" in s["name"]]


@pytest.mark.parametrize(("language", "code", "name", "group"), [
    ("fr", "CIV", "Côte d'Ivoire", "Groupe des États d'Afrique"),
    ("fr", "AFG", "Afghanistan", "Groupe des États d'Asie et du Pacifique"),
    ("es", "COD", "República Democrática del Congo", "Grupo de los Estados de África"),
    ("ru", "DEU", "Германия", "Группа западноевропейских и других государств"),
    ("ar", "EGY", "مصر", "مجموعة الدول الأفريقية"),
    ("zh", "BRA", "巴西", "拉丁美洲和加勒比国家组"),
    ("zh-Hans", "POL", "波兰", "东欧国家组"),
])
def test_each_un_language_names_states_and_groups(gql, language, code, name, group) -> None:
    state = _by_code(gql, language)[code]
    assert (state["name"], state["regionalGroupName"]) == (name, group)
    assert not state["officialName"].startswith(("la ", "le ", "l'", "el ", "the "))


def test_states_are_listed_in_the_order_of_the_readers_names(gql) -> None:
    french = [s["name"] for s in gql(STATE, {"code": "fr"})["states"]]
    assert french == sorted(french, key=str.casefold)
    # "Allemagne" (DEU) comes before "Belgique" in French, though "Germany" is after "Belgium".
    assert french.index("Allemagne") < french.index("Belgique")


def test_an_unknown_language_is_refused_naming_the_argument(gql) -> None:
    response = gql.post("{ states(language: \"xx\") { code } }")
    errors = response.json()["errors"]
    assert "language" in errors[0]["message"] and "zh-Hans" in errors[0]["message"]


def test_regional_groups_and_themes_in_the_readers_language(gql) -> None:
    data = gql('{ regionalGroups(language: "es") { code name } '
               'themeLabels(language: "fr") { name label } }')
    assert {g["code"]: g["name"] for g in data["regionalGroups"]}["GRULAC"] == (
        "Grupo de los Estados de América Latina y el Caribe")
    labels = {t["name"]: t["label"] for t in data["themeLabels"]}
    assert len(labels) == 54 and all(labels.values())
    assert labels["Civil society"] == "Société civile"
    # Theme names remain the identifiers that requests, offers and experts use.
    assert set(labels) == set(gql("{ themes }")["themes"])


def test_the_old_common_spellings_still_find_the_state_on_import(db_session) -> None:
    from sqlmodel import select

    from facility.reference.models import StateAlias

    aliases = dict(db_session.exec(select(StateAlias.name, StateAlias.state_code)).all())
    assert aliases["Ivory Coast"] == "CIV" and aliases["Côte d'Ivoire"] == "CIV"


@pytest.mark.parametrize(("tag", "code"), [("fr-CH", "fr"), ("zh-CN", "zh-Hans"), ("ZH", "zh-Hans"),
                                           ("es_419", "es"), ("de", None), ("", None)])
def test_language_tags(tag, code) -> None:
    assert names.language_code(tag) == code
