"""The optimiser's explanations in plain words: names instead of instance ids.

matching/explain.py writes its explanations from the run's instance, where a request is
R<id>, an offer O<id> and an expert E<id> (governance/runs.py builds those ids from the
database ids) and regional groups are codes ("Funded by offer O1 (...). Expert E3 (AFRICAN;
Justice; speaks en)."). The pages show names: the offer's and the request's titles, the
expert's name for those who may see it (permissions.can_view_expert_personal: the committee,
the secretariat, the expert's own partner) and "#1", "#2" for anyone else, and the group's
words in the page's language. The optimiser itself stays free of names and of the database.

    names = load_names(db, actor, [p.explanation for p in proposals])   # 3 statements
    {{ p.explanation | plain(names) }}

A page that already holds the offers (a match's explanation names its offer and its experts
only) builds `Names(offers=..., experts=expert_names(...))` instead. The names are loaded by
governance/names.py (the read models use them too); this module only writes the words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from facility.web.labels import N_
from governance.names import TOKEN, Names

GROUP = re.compile(r"\b(AFRICAN|APG|EEG|GRULAC|WEOG)\b")


def in_plain_words(text: str, names: Names, group: Callable[[str], str],
                   words: Callable[[str], str] = lambda s: s) -> str:
    """`text` with each id replaced by a name (or a neutral stand-in) and each group code by
    `group(code)`; `words` translates the stand-ins."""
    unnamed: dict[int, int] = {}

    def name(match: re.Match[str]) -> str:
        kind, pk = match.group(1), int(match.group(2))
        if kind == "O":
            title = names.offers.get(pk)
            return f"“{title}”" if title else words(N_("another offer"))
        if kind == "R":
            title = names.requests.get(pk)
            return f"“{title}”" if title else words(N_("another request"))
        if pk in names.experts:
            return names.experts[pk]
        return f"#{unnamed.setdefault(pk, len(unnamed) + 1)}"

    return GROUP.sub(lambda m: group(m.group(1)), TOKEN.sub(name, text or ""))
