"""The public criteria page states the score as the optimiser computes it (issue 13): the
supported-recommendation weight is added once, when every linked recommendation is supported;
value, fit and fairness with the weights in force."""

from __future__ import annotations

from governance.criteria import CriteriaBody


def test_the_criteria_page_states_the_score_as_computed(browser):
    m = CriteriaBody().matching  # no criteria adopted yet: the documented defaults are in force
    text = " ".join(browser.get("/criteria").text.split())
    assert "each supported recommendation" not in text
    assert (f"plus {m.weights.supported} points, once, when every linked recommendation is one "
            "the State supported") in text
    assert f"Value of a matched request: {m.request_base_value} points" in text
    assert f"plus {m.weights.priority} points per level of the State's priority" in text
    assert f"plus {m.weights.waiting_month} points for each full 30 days" in text
    assert f"Fit of each expert assigned: {m.weights.theme_fit} points for each theme" in text
    assert f"Fairness: {m.fairness_penalty} points are taken away" in text
