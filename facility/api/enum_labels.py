"""`enumLabels`: the words the pages show for an enum's codes, in one of the UN's six languages.

Codes stay the stable identifiers; a client shows the label, which is the pages' own (the same
catalogue entry, facility/web/labels.py), so a client and the pages say the same thing.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info
from strawberry.types.enum import StrawberryEnumDefinition

from facility.api.context import context_of
from facility.api.errors import PublicError
from facility.reference import names
from facility.web import i18n
from facility.web.labels import ENUM_USE, label_in


@strawberry.type(description="one code of an enum with the words the pages use for it")
class EnumLabel:
    code: str = strawberry.field(description="the enum value, as the API takes and gives it")
    label: str = strawberry.field(description="its words in the language asked for; the code "
                                              "itself where the interface has no words for it")


def _page_language(language: str | None, accept_language: str | None) -> str:
    """The catalogue's language: the argument (any tag of the six languages), else the request's
    Accept-Language, else English."""
    if language is None:
        return i18n.from_accept_language(accept_language or "") or i18n.DEFAULT_LANGUAGE
    code = names.language_code(language)
    if code is None:
        raise PublicError("language: one of the UN's six languages: ar, zh-Hans (or zh), en, fr, "
                          "ru, es")
    return "zh" if code == "zh-Hans" else code


@strawberry.type
class EnumLabelQuery:
    @strawberry.field(description="the codes of the enum named `enum` (e.g. RunStatus, VoteChoice) "
                                  "with their words in `language` (by default the request's "
                                  "Accept-Language, else English)")
    def enum_labels(self, info: Info, enum: str, language: str | None = None) -> list[EnumLabel]:
        found = info.schema.get_type_by_name(enum)
        if not isinstance(found, StrawberryEnumDefinition):
            raise PublicError(f"enum: no enum type is named {enum!r}; give a GraphQL enum's name, "
                              "e.g. RunStatus")
        page_language = _page_language(language, context_of(info).accept_language)
        use = ENUM_USE.get(found.name)
        return [EnumLabel(code=value.name, label=label_in(value.name, page_language, use))
                for value in found.values]
