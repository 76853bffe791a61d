"""A progress update's lifecycle: a draft is published once, and stays as published."""

from __future__ import annotations

from facility.dialogue.models import UpdateStatus as S
from facility.lifecycle import Lifecycle

UPDATE = Lifecycle("progress update", {S.DRAFT: {S.PUBLISHED}})
