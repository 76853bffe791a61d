"""A success story's lifecycle: proposed by the secretariat; consented to or declined by the
State; published only once consented; the consent may be withdrawn, which unpublishes it.
(The row version is bumped where the story is saved, with its audit entry.)"""

from __future__ import annotations

from facility.lifecycle import Lifecycle
from facility.stories.models import StoryStatus as S

STORY = Lifecycle("story", {S.PROPOSED: {S.CONSENTED, S.DECLINED},
                            S.CONSENTED: {S.PUBLISHED, S.WITHDRAWN}, S.PUBLISHED: {S.WITHDRAWN}},
                  version=None, touched=None)
