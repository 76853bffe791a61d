"""A referral's lifecycle: the State answers once, accepting or declining."""

from __future__ import annotations

from facility.lifecycle import Lifecycle
from facility.referrals.models import ReferralStatus as S

REFERRAL = Lifecycle("referral", {S.PENDING: {S.ACCEPTED, S.DECLINED}})
