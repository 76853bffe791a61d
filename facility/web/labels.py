"""Words for the codes the pages show (enum values), marked for translation in one place.

Templates call `label(value)`: the value's words in the page's language; a value without
words here shows as written, so a new enum member never breaks a page.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message


LABELS: dict[str, str] = {
    # offer kinds
    "FUNDING": N_("Funding"),
    "EXPERT_DEPLOYMENT": N_("Expert deployment"),
    "TRAINING_PROGRAMME": N_("Training programme"),
    "PEER_EXCHANGE": N_("Peer exchange"),
    # kinds of support a request asks for
    "EXPERT_MISSION": N_("Expert mission"),
    "TRAINING": N_("Training"),
    "LEGISLATIVE_DRAFTING": N_("Legislative drafting"),
    "INSTITUTION_BUILDING": N_("Institution building"),
    "REPORTING_AND_FOLLOW_UP": N_("Reporting and follow-up"),
    # roles
    "STATE": N_("State mission"),
    "PARTNER": N_("Partner"),
    "EXPERT": N_("Expert"),
    "COMMITTEE": N_("Committee member"),
    "SECRETARIAT": N_("Secretariat"),
}
LABELS.update({
    # published decisions
    "ELIGIBLE": N_("Request found eligible"),
    "INELIGIBLE": N_("Request found ineligible"),
    "APPROVED": N_("Match approved"),
    "REJECTED": N_("Match rejected"),
})
LABELS.update({
    # UN regional groups, as the UN names them in each language
    "AFRICAN": N_("African Group"),
    "APG": N_("Asia-Pacific Group"),
    "EEG": N_("Eastern European Group"),
    "GRULAC": N_("Latin American and Caribbean Group"),
    "WEOG": N_("Western European and Others Group"),
})
