"""The notice that an expert declined their deployment, for those who replace the expert.

Queued in the transaction that records the decline (facility/engagements/deployments.py), for
every active account of the partner whose offer funds the engagement and of the secretariat
(the two who may read the reason and amend the team). Like the reminders it names no person
and quotes no reason: the e-mail goes through mail servers; the recipients read who declined
and why on the engagement. It is e-mailed by the next `facility reminders run` when SMTP is
configured, and listed under the recipients' notifications at once.
"""

from __future__ import annotations

from sqlmodel import Session

from facility.engagements.models import Engagement
from facility.ids import encode_id
from facility.notifications.models import NotificationKind
from facility.notifications.steps import accounts_where, of_partner, queue, secretariat
from facility.offers.models import Offer
from facility.reference.models import State
from facility.requests.models import CapacityRequest


def queue_decline_notices(session: Session, engagement: Engagement) -> int:
    """Queue the notice for each recipient; returns how many were queued."""
    offer = session.get(Offer, engagement.offer_id)
    request = session.get(CapacityRequest, engagement.request_id)
    assert offer is not None and request is not None
    state = session.get(State, request.state_code)
    state_name = state.name if state else request.state_code
    recipients = accounts_where(session, secretariat() | of_partner(offer.partner_id))
    start = engagement.start.isoformat()
    subject = f"An expert declined a deployment starting on {start} ({state_name})"
    body = (f"An expert of the team of the engagement \"{request.title}\" ({state_name}, "
            f"{start} to {engagement.end.isoformat()}, funded by \"{offer.title}\") declined "
            "their deployment.\n\n"
            f"Engagement id (GraphQL engagement): {encode_id('Engagement', engagement.id)}\n\n"
            "Who declined and why is shown on the engagement to the funding partner and the "
            "secretariat, who can replace the expert there (amendEngagement). This notice is "
            "also listed under your notifications in the Implementation Facility.\n")
    return queue(session, recipients, kind=NotificationKind.EXPERT_DECLINED, subject=subject,
                 body=body, due_date=engagement.start, engagement_id=engagement.id)
