"""An engagement is versioned like every editable object: a stale amendment is a Conflict."""

from __future__ import annotations

from facility.timeutil import today_is
from tests.follow_up.conftest import START, Loop


def _amend(loop: Loop, client, **input) -> dict:
    return loop.result(client, "AmendEngagement", id=loop.engagement_id, input=input)


def test_an_amendment_on_a_stale_copy_is_refused_and_loses_nothing(loop):
    first = _amend(loop, loop.norad, end="2027-05-14", reason="Mission extended", expectedVersion=1)
    assert first["__typename"] == "EngagementPayload", first
    assert first["engagement"]["version"] == 2
    # Someone who read version 1 tries to move the end date back: refused, the first stays.
    stale = _amend(loop, loop.secretariat, end="2027-05-07", reason="Shorter mission",
                   expectedVersion=1)
    assert stale["__typename"] == "Conflict"
    assert "expectedVersion 1, now 2" in stale["message"]
    now = loop.op(loop.norad, "Engagement", id=loop.engagement_id)["engagement"]
    assert now["end"] == "2027-05-14"
    # Progress counts as a change too.
    with today_is(START):
        started = loop.result(loop.norad, "RecordEngagementProgress", id=loop.engagement_id,
                              status="IN_PROGRESS")
    assert started["engagement"]["version"] == 3
