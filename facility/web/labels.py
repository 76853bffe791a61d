"""Words for the codes the pages show (enum values), marked for translation in one place.

Templates call `label(value)` (or `label(value, "criteria")` where a code means two things),
GraphQL's `enumLabels` calls `label_in`: the value's words in the page's language; a value
without words here shows as written, so a new enum member never breaks a page. `CLAUSES` words
the clauses of the criteria as the criteria page does.
"""

from __future__ import annotations

from facility.web.i18n import translations


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
    # readiness checks of the ready roster ("TRAINING" is above)
    "REFERENCES": N_("References"),
    "SECURITY_CLEARANCE": N_("Security clearance"),
    "MEDICAL": N_("Medical check"),
})
LABELS.update({
    # the duty-of-care checklist of an engagement (CareItem, prefixed: its names are shared)
    "CARE_BRIEFING": N_("Briefing of the team"),
    "CARE_SECURITY_CLEARANCE": N_("Security clearance"),
    "CARE_INSURANCE": N_("Insurance"),
    "CARE_VISAS": N_("Visas"),
    "CARE_MEDICAL": N_("Medical clearance"),
})
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
LABELS.update({
    # statuses of requests, offers, proposals, engagements and follow-up reports
    "DRAFT": N_("Draft"),
    "SUBMITTED": N_("Submitted"),
    "PROPOSED": N_("Proposed"),
    "ACTIVE": N_("Under way"),
    "COMPLETED": N_("Completed"),
    "CLOSED": N_("Closed"),
    "WITHDRAWN": N_("Withdrawn"),
    "PUBLISHED": N_("Published"),
    "CONFIRMED": N_("Confirmed"),
    "DECLINED": N_("Declined"),
    "APPROVED_PROPOSAL": N_("Approved, awaiting confirmation"),  # a support not yet an engagement
    "SCHEDULED": N_("Scheduled"),
    "IN_PROGRESS": N_("In progress"),
    "DUE": N_("Due"),
    "OVERDUE": N_("Overdue"),
    # follow-up reports
    "TWELVE_MONTHS": N_("12-month report"),
    "TWENTY_FOUR_MONTHS": N_("24-month report"),
    "NOT_STARTED": N_("Not started"),
    "PARTIALLY_IMPLEMENTED": N_("Partially implemented"),
    "FULLY_IMPLEMENTED": N_("Fully implemented"),
    "STRUCTURAL": N_("Structural"),
    "PROCESS": N_("Process"),
    "OUTCOME": N_("Outcome"),
    # success stories: their status and the parts of the report they show
    "CONSENTED": N_("Consented to by the State"),
    "RECOMMENDATIONS": N_("Recommendations and their implementation"),
    "INDICATORS": N_("Indicators"),
    "NARRATIVE": N_("The State's narrative"),
    # the State's response to a recommendation
    "SUPPORTED": N_("Supported"),
    "NOTED": N_("Noted"),
    # the mechanisms that make recommendations
    "UPR": N_("Universal Periodic Review"),
    "TREATY_BODY": N_("Treaty body"),
    "SPECIAL_PROCEDURE": N_("Special procedure"),
    # experts' seniority
    "JUNIOR": N_("Junior"),
    "MID": N_("Mid-career"),
    "SENIOR": N_("Senior"),
    "PRINCIPAL": N_("Principal"),
})
LABELS.update({
    # where a recommendation comes from
    "upr-info": N_("UPR Info database"),
    "uhri": N_("Universal Human Rights Index"),
    # referrals: who refers a situation, and the State's answer
    "HRC_PRESIDENT": N_("President of the Human Rights Council"),
    "OHCHR": N_("OHCHR"),
    "PENDING": N_("Awaiting the State's answer"),
    "ACCEPTED": N_("Accepted"),
})
LABELS.update({
    # optimiser runs (and the jobs behind them)
    "QUEUED": N_("Waiting to start"),
    "RUNNING": N_("Running"),
    "DONE": N_("Finished"),
    "CANCELLED": N_("Cancelled"),
    "FAILED": N_("Failed"),
    # criteria versions
    "IN_FORCE": N_("In force"),
    "SUPERSEDED": N_("Superseded"),
    # motions and votes
    "OPEN": N_("Voting open"),
    "PASSED": N_("Passed"),
    "APPROVE": N_("Approve"),
    "REJECT": N_("Reject"),
    "ABSTAIN": N_("Abstain"),
})

# Where one code means different things by what it qualifies, the words of that use: a
# criteria draft the committee rejected is not a rejected match, nor a failed run a failed vote.
LABELS_OF: dict[str, dict[str, str]] = {
    "criteria": {"REJECTED": N_("Rejected by the committee"), "DRAFT": N_("Draft")},
    "motion": {"FAILED": N_("Not passed")},
}

# The GraphQL enums whose codes take the words of one use above.
ENUM_USE = {"CriteriaStatus": "criteria", "MotionStatus": "motion"}


def label_in(value: object, language: str, of: str | None = None) -> str:
    """The words for a code in a page language (one of i18n.LANGUAGES); a code without words
    shows as written."""
    words = LABELS_OF.get(of or "", {}).get(str(value)) or LABELS.get(str(value))
    return translations(language).gettext(words) if words else str(value)


# The clauses of the eligibility criteria, in the words the criteria page uses for them.
CLAUSES: dict[str, str] = {
    "eligibility.require_supported": N_("Every linked recommendation must be one the State supported."),
    "eligibility.budget_ceiling": N_("Budget ceiling"),
    "eligibility.duration": N_("Mission duration"),
    "eligibility.max_experts": N_("Experts per request"),
    "eligibility.accepted_kinds": N_("Kinds of support accepted"),
}


LABELS.update({
    # documents an application procedure may ask a request to carry (governance.criteria)
    "OFFICIAL_REQUEST": N_("Official request of the Government (note verbale or letter)"),
    "NATIONAL_PLAN": N_("National action plan or strategy the support serves"),
    "NHRI_OPINION": N_("Opinion of the national human rights institution"),
    "CONSULTATION_RECORD": N_("Record of the consultation of civil society"),
    "BUDGET_BREAKDOWN": N_("Breakdown of the budget"),
    # fields of a request a procedure may make required
    "BARRIER": N_("What stands in the way"),
    "FOCAL_POINT": N_("Focal point"),
    # the good-practice library: kinds of resource and the review
    "TRAINING_MATERIAL": N_("Training material"),
    "CASE_STUDY": N_("Case study"),
    "GUIDANCE": N_("Guidance"),
    "LESSONS_LEARNED": N_("Lessons learned"),
    "RETURNED": N_("Returned to its contributor"),
})
LABELS.update({
    # the programmes directory: kinds of agency
    "REGIONAL": N_("Regional agency"),
    "MULTILATERAL": N_("Multilateral agency"),
    "BILATERAL": N_("Bilateral donor"),
})
