"""The Jinja2 environment of the pages and `render()`, which every page route returns.

Templates are translated with the i18n extension in its "new style": `{{ _("Text") }}` and
`{% trans %}` blocks; placeholders are `%(name)s` and are escaped. The language is the one
chosen for the request (see i18n.choose_language), read from the template's `request`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from facility.reference import loader, names
from facility.web import explanations, i18n
from facility.web.labels import CLAUSES, label_in
from facility.web.security import attach_cookies, csrf_token_for
from governance.runs import RUN_CURRENCY

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(),
                  extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
templates = Jinja2Templates(env=env)


def _language(context: Context) -> str:
    return i18n.language_of(context["request"])


def _escape_result(context: Context, text: str, variables: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables else text


@pass_context
def _gettext(context: Context, message: str, **variables: Any) -> str:
    return _escape_result(context, i18n.translations(_language(context)).gettext(message), variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    text = i18n.translations(_language(context)).ngettext(singular, plural, n)
    return _escape_result(context, text, variables)


env.newstyle_gettext = True  # type: ignore[attr-defined]
env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext, languages=i18n.LANGUAGES)


@pass_context
def _label(context: Context, value: object, of: str | None = None) -> str:
    """The words for a code; `of` names what it qualifies where a code means different things
    (labels.LABELS_OF: "criteria", "motion")."""
    return label_in(value, _language(context), of)


@pass_context
def _clause(context: Context, key: str) -> str:
    """A clause of the criteria ("eligibility.budget_ceiling") in the criteria's own words."""
    words = CLAUSES.get(key)
    return i18n.translations(_language(context)).gettext(words) if words else key


@pass_context
def _state_name(context: Context, code: str | None) -> str:
    """A State known by its ISO3 code, by its UN short name in the page's language."""
    if not code:
        return ""
    return names.in_language(loader.state_names().get(code), _language(context), code)


@pass_context
def _theme_name(context: Context, name: str) -> str:
    """A theme (its English name is its identifier) in the page's language."""
    return names.in_language(loader.theme_names().get(name), _language(context), name)


@pass_context
def _theme_names(context: Context, themes: list[str] | None) -> str:
    """Themes (by their English names) listed in the page's language."""
    return ", ".join(_theme_name(context, t) for t in themes or ())


@pass_context
def _language_names(context: Context, codes: str | list[str] | None) -> str:
    """Language codes ("fr", ["fr", "wo"]) as the languages' names in the page's language."""
    listed = [codes] if isinstance(codes, str) else list(codes or ())
    return ", ".join(i18n.name_of_language(str(c), _language(context)) for c in listed)


@pass_context
def _text_languages(context: Context) -> list[tuple[str, str]]:
    """The languages an author may say their text is in: the UN's six first, then every other
    ISO 639-1 language, each named in the page's language."""
    return i18n.text_language_options(_language(context))


@pass_context
def _written_in(context: Context, code: str | None) -> str:
    """"Written in French" (in the page's language) beside an author's text in another language
    than the page's; nothing when they are the same."""
    page = _language(context)
    if not code or code == page:
        return ""
    words = i18n.translations(page).gettext("Written in %(language)s")
    note = Markup(words) % {"language": i18n.name_of_language(code, page)}
    return Markup('<span class="written-in">%s</span>') % note


# Budgets the criteria and the optimiser compare are in the runs' one currency (governance.runs).
env.globals.update(text_languages=_text_languages, written_in=_written_in)
env.globals.update(label=_label, clause=_clause, state_name=_state_name, theme_name=_theme_name,
                   run_currency=RUN_CURRENCY)
env.filters.update(label=_label, state_name=_state_name, theme_name=_theme_name,
                   theme_names=_theme_names, language_names=_language_names)
env.globals["new_form_token"] = lambda: secrets.token_urlsafe(18)  # see macros/forms.html


@pass_context
def _plain(context: Context, text: str, names: explanations.Names) -> str:
    """An optimiser explanation with names for ids (facility/web/explanations.py)."""
    words = i18n.translations(_language(context)).gettext
    return explanations.in_plain_words(text, names, lambda code: _label(context, code), words)


env.filters["plain"] = _plain
env.filters.update(
    number=pass_context(lambda c, v: i18n.number(v, _language(c))),
    percent=pass_context(lambda c, v: i18n.percent(v, _language(c))),
    money=pass_context(lambda c, v, currency: i18n.money(v, currency, _language(c))),
    long_date=pass_context(lambda c, v: i18n.long_date(v, _language(c))),
)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    """A page: the template with what every page needs (viewer, CSRF token, language, demo)."""
    values = {
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": csrf_token_for(request),
        "language": i18n.language_of(request),
        "html_lang": i18n.html_lang(i18n.language_of(request)),
        "text_direction": i18n.text_direction(i18n.language_of(request)),
        # The reader asked for a language this page is not in: say so, in that language.
        "not_available": i18n.NOT_AVAILABLE.get(i18n.wanted_language(request))
                         if i18n.wanted_language(request) != i18n.language_of(request) else None,
        "wanted_language": i18n.wanted_language(request),
        "demo": request.app.state.demo,
        "show_graphiql": not request.app.state.settings.is_production,
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    attach_cookies(request, response)
    return response
