"""The labelled retrieval set in French and Spanish: bench/semantic_queries.py's needs, translated.

The translations are the project's own (made by hand for this benchmark, not by a translation
service), query by query, with the same labels: a recommendation is relevant when UPR Info
tagged it with the query's theme. As in English, no query word shares its first five letters
(accents ignored) with a word of the theme's name in the query's language
(reference/data/theme_translations.csv), checked by `check()`; where the natural translation
would have used the theme's own word (French "peine capitale" for "capital punishment", theme
"Peine de mort"), a synonym stands in, as the English set does.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from bench.semantic_queries import QUERIES

FRENCH: dict[str, list[str]] = {
    "Women's rights": ["mettre fin aux violences contre les épouses et les filles au foyer",
                       "égalité salariale et congé de maternité pour les travailleuses"],
    "Rights of the Child": ["protéger les mineurs contre les abus et le travail précoce",
                            "justice juvénile pour les garçons et les filles de moins de "
                            "dix-huit ans"],
    "Torture and other CID treatment": ["empêcher la police de frapper et de maltraiter les "
                                        "personnes qu'elle arrête",
                                        "interdire les châtiments brutaux et les sévices "
                                        "infligés aux prisonniers"],
    "Detention": ["prisons surpeuplées et conditions de la garde à vue avant le procès",
                  "conditions des personnes incarcérées dans les prisons"],
    "Justice": ["formation des juges à l'indépendance judiciaire",
                "des tribunaux équitables, efficaces et libres de toute ingérence"],
    "Death penalty": ["abolir le châtiment suprême et les exécutions",
                      "un moratoire sur la pendaison des condamnés"],
    "Migrants": ["protéger les travailleurs étrangers arrivés d'un autre pays",
                 "droits des personnes qui ont quitté leur pays pour travailler ailleurs"],
    "Minorities": ["protéger les communautés ethniques et linguistiques contre la discrimination",
                   "égalité de traitement des groupes religieux peu nombreux"],
    "Labour": ["conditions d'emploi décentes et syndicats",
               "emploi forcé et rémunération des salariés"],
    "Right to education": ["scolarité primaire gratuite pour chaque élève",
                           "davantage d'enseignants et de salles de classe dans les zones rurales"],
    "Racial discrimination": ["combattre le racisme et la xénophobie",
                              "discours de haine contre les personnes d'ascendance africaine"],
    "Human rights defenders": ["protéger les militants et les avocats qui se mobilisent pour "
                               "autrui",
                               "mettre fin au harcèlement des personnes qui dénoncent des abus"],
    "Freedom of the press": ["protéger les journalistes et les médias indépendants",
                             "censure des journaux et des radiodiffuseurs"],
    "NHRI": ["une commission indépendante conforme aux Principes de Paris",
             "un bureau de médiateur chargé de protéger les citoyens"],
    "Indigenous peoples": ["consultation des communautés originaires sur leurs terres ancestrales",
                           "revendications foncières des groupes tribaux et aborigènes"],
    "Trafficking": ["mettre fin à la vente et à l'exploitation de personnes par-delà les "
                    "frontières",
                    "exploitation sexuelle et réseaux de prostitution forcée"],
    "Right to health": ["accès aux hôpitaux, aux médicaments et aux médecins",
                        "mortalité maternelle et soins médicaux"],
    "Enforced disappearances": ["personnes enlevées par des agents de l'État dont le sort est "
                                "inconnu",
                                "recherche des personnes portées manquantes emmenées par les "
                                "services de sécurité"],
    "Disabilities": ["accessibilité pour les usagers de fauteuils roulants et les aveugles",
                     "inclusion des personnes atteintes de déficiences"],
    "Asylum-seekers - refugees": ["personnes fuyant la persécution qui cherchent une protection",
                                  "non-refoulement et apatrides"],
    "Freedom of religion and belief": ["pratiquer son culte sans ingérence des autorités",
                                       "tolérance entre les confessions et les Églises"],
    "Sexual Orientation and Gender Identity": ["dépénaliser les relations entre personnes de "
                                               "même sexe",
                                               "discrimination contre les personnes "
                                               "homosexuelles et transgenres"],
    "Poverty": ["réduire le nombre de ménages démunis",
                "filets de protection sociale pour les indigents"],
    "Corruption": ["lutter contre les pots-de-vin versés aux agents publics",
                   "détournement de fonds publics et prévarication"],
    "Right to food": ["la faim et la malnutrition dans les familles",
                      "de quoi manger pour chaque famille et les récoltes des agriculteurs"],
}

SPANISH: dict[str, list[str]] = {
    "Women's rights": ["acabar con la violencia contra las esposas y las niñas en el hogar",
                       "igualdad salarial y licencia de maternidad para las trabajadoras"],
    "Rights of the Child": ["proteger a los menores del abuso y del trabajo a edad temprana",
                            "justicia juvenil para chicos y chicas menores de dieciocho años"],
    "Torture and other CID treatment": ["impedir que la policía golpee y maltrate a las "
                                        "personas que detiene",
                                        "prohibir los castigos brutales y el maltrato de los "
                                        "presos"],
    "Detention": ["cárceles superpobladas y condiciones de la custodia antes del juicio",
                  "condiciones de los reclusos internados en las cárceles"],
    "Justice": ["formación de los jueces en independencia judicial",
                "tribunales imparciales, eficientes y libres de injerencias"],
    "Death penalty": ["abolir el castigo capital y las ejecuciones",
                      "una moratoria de la horca para los presos condenados"],
    "Migrants": ["proteger a los trabajadores extranjeros llegados de otro país",
                 "derechos de las personas que dejaron su país para trabajar en otro lugar"],
    "Minorities": ["proteger a las comunidades étnicas y lingüísticas de la discriminación",
                   "igualdad de trato de los grupos religiosos poco numerosos"],
    "Labour": ["condiciones de empleo dignas y sindicatos",
               "empleo forzoso y salarios de los empleados"],
    "Right to education": ["escolarización primaria gratuita para cada alumno",
                           "más maestros y aulas en las zonas rurales"],
    "Racial discrimination": ["combatir el racismo y la xenofobia",
                              "discurso de odio contra las personas afrodescendientes"],
    "Human rights defenders": ["proteger a los activistas y abogados que hacen campaña por los "
                               "demás",
                               "acabar con el acoso a las personas que denuncian abusos"],
    "Freedom of the press": ["proteger a los periodistas y a los medios independientes",
                             "censura de los periódicos y de las emisoras"],
    "NHRI": ["una comisión independiente conforme a los Principios de París",
             "una oficina del defensor del pueblo con el mandato de proteger a los ciudadanos"],
    "Indigenous peoples": ["consulta a las comunidades nativas sobre sus tierras ancestrales",
                           "reclamaciones de tierras de los grupos tribales y aborígenes"],
    "Trafficking": ["acabar con la venta y la explotación de seres humanos a través de las "
                    "fronteras",
                    "explotación sexual y redes de prostitución forzada"],
    "Right to health": ["acceso a hospitales, medicamentos y médicos",
                        "mortalidad materna y atención médica"],
    "Enforced disappearances": ["personas secuestradas por agentes del Estado cuyo paradero se "
                                "desconoce",
                                "búsqueda de personas en paradero desconocido llevadas por los "
                                "cuerpos de seguridad"],
    "Disabilities": ["accesibilidad para usuarios de sillas de ruedas y personas ciegas",
                     "inclusión de las personas con deficiencias"],
    "Asylum-seekers - refugees": ["personas que huyen de la persecución y buscan protección",
                                  "no devolución y apátridas"],
    "Freedom of religion and belief": ["practicar el culto sin injerencia de las autoridades",
                                       "tolerancia entre credos e iglesias"],
    "Sexual Orientation and Gender Identity": ["despenalizar las relaciones entre personas del "
                                               "mismo sexo",
                                               "discriminación contra las personas gais y "
                                               "transgénero"],
    "Poverty": ["reducir el número de hogares necesitados",
                "redes de protección social para los indigentes"],
    "Corruption": ["combatir el soborno de funcionarios públicos",
                   "malversación de fondos del Estado y cohecho"],
    "Right to food": ["el hambre y la malnutrición en las familias",
                      "suficiente para comer para cada familia y las cosechas de los "
                      "agricultores"],
}

TRANSLATED = {"fr": FRENCH, "es": SPANISH}
THEMES_FILE = (Path(__file__).resolve().parent.parent / "facility" / "reference" / "data"
               / "theme_translations.csv")
# Function words of the theme names, which a query may share ("de", "la"...).
STOP_WORDS = {"fr": {"des", "les", "aux", "autres", "contre", "par", "de", "la", "et", "du",
                     "une", "un", "le"},
              "es": {"los", "las", "del", "por", "de", "la", "y", "el", "otros", "contra"}}


def _stem(word: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", word.lower())
                    if unicodedata.category(c) != "Mn")
    return plain[:5]


def check() -> None:
    with THEMES_FILE.open(encoding="utf-8", newline="") as handle:
        names = {row["name"]: row for row in csv.DictReader(handle)}
    for language, queries in TRANSLATED.items():
        assert list(queries) == list(QUERIES), f"{language}: not the English set's themes"
        for theme, texts in queries.items():
            assert len(texts) == len(QUERIES[theme]), f"{language}: {theme}"
            name = names[theme][language]
            banned = {_stem(w) for w in re.findall(r"[^\W\d_]+", name)
                      if len(w) > 2 and w.lower() not in STOP_WORDS[language]}
            for text in texts:
                shared = {w for w in re.findall(r"[^\W\d_]+", text) if _stem(w) in banned}
                assert not shared, f"{text!r} shares {shared} with the theme {name!r}"


check()
