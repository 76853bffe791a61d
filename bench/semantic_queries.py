"""The labelled retrieval set: paraphrased needs per recommendation theme.

Each query says what a State might need in other words than the theme's name: no query word
shares its first five letters with a word of the theme's name (checked by `check()`). A
recommendation is relevant to a query when UPR Info tagged it with the query's theme.
"""

from __future__ import annotations

import re

QUERIES: dict[str, list[str]] = {
    "Women's rights": ["stop violence against wives and girls at home",
                       "equal pay and maternity leave for female workers"],
    "Rights of the Child": ["protect minors from abuse and underage work",
                            "juvenile justice for boys and girls under eighteen"],
    "Torture and other CID treatment": ["prevent police beating and abusing people they arrest",
                                        "ban cruel punishment and abuse of prisoners"],
    "Detention": ["overcrowded prisons and pre-trial custody conditions",
                  "conditions for inmates held in jails"],
    "Justice": ["judicial independence training for judges",
                "make courts fair, efficient and free from interference"],
    "Death penalty": ["abolish capital punishment and executions",
                      "a moratorium on hanging convicted prisoners"],
    "Migrants": ["protect foreign workers who moved from abroad",
                 "rights of people who left their country to work elsewhere"],
    "Minorities": ["protect ethnic and linguistic communities from discrimination",
                   "equal treatment of religious groups that are few in number"],
    "Labour": ["decent work conditions and trade unions",
               "forced work and wages of employees"],
    "Right to education": ["free primary schooling for every pupil",
                           "more teachers and classrooms in rural areas"],
    "Racial discrimination": ["combat racism and xenophobia",
                              "hate speech against people of African descent"],
    "Human rights defenders": ["protect activists and lawyers who campaign for others",
                               "stop harassment of people who denounce abuses"],
    "Freedom of the press": ["protect journalists and independent media",
                             "censorship of newspapers and broadcasters"],
    "NHRI": ["an independent national commission in line with the Paris Principles",
             "ombudsman office with a mandate to protect citizens"],
    "Indigenous peoples": ["consultation of native communities on their ancestral lands",
                           "tribal and aboriginal groups' land claims"],
    "Trafficking": ["stop the sale and exploitation of persons across borders",
                    "sexual exploitation and forced prostitution networks"],
    "Right to health": ["access to hospitals, medicines and doctors",
                        "maternal mortality and medical care"],
    "Enforced disappearances": ["people abducted by state agents whose fate is unknown",
                                "search for missing persons taken by security forces"],
    "Disabilities": ["accessibility for wheelchair users and the blind",
                     "inclusion of persons with impairments"],
    "Asylum-seekers - refugees": ["people fleeing persecution who seek protection",
                                  "non-refoulement and stateless people"],
    "Freedom of religion and belief": ["worship without interference from the authorities",
                                       "tolerance between faiths and churches"],
    "Sexual Orientation and Gender Identity": ["decriminalise same-sex relations",
                                               "discrimination against gay and transgender people"],
    "Poverty": ["reduce the number of poor households",
                "social safety nets for the destitute"],
    "Corruption": ["fight bribery of public officials",
                   "embezzlement of state funds and graft"],
    "Right to food": ["hunger and malnutrition among families",
                      "enough to eat for every family and farmers' harvests"],
}


STOP_WORDS = {"and", "the", "other", "for", "with"}


def _stem(word: str) -> str:
    return word.lower()[:5]


def check() -> None:
    for theme, queries in QUERIES.items():
        banned = {_stem(w) for w in re.findall(r"[A-Za-z]+", theme)
                  if len(w) > 2 and w.lower() not in STOP_WORDS}
        for query in queries:
            shared = {w for w in re.findall(r"[A-Za-z]+", query) if _stem(w) in banned}
            assert not shared, f"{query!r} shares {shared} with the theme {theme!r}"


check()
