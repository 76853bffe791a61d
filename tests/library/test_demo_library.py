"""The demo's library and programmes: a few resources published (a case study among them), one
awaiting review, a handful of programmes, one a State applied to; all labelled demo data."""

from __future__ import annotations

from sqlmodel import select

from facility.demo.seed import seed_demo
from facility.library.models import LibraryResource, ResourceKind, ResourceStatus
from facility.programmes.models import Programme, ProgrammeApplication


def test_the_demo_fills_the_library_and_the_directory(db_session):
    report = seed_demo(db_session)
    resources = db_session.exec(select(LibraryResource)).all()
    assert all(r.title.startswith("[Demo] ") and "demo" in r.summary for r in resources)
    statuses = sorted(r.status for r in resources)
    assert statuses.count(ResourceStatus.PUBLISHED) >= 3 and ResourceStatus.SUBMITTED in statuses
    assert any(r.kind == ResourceKind.CASE_STUDY and r.status == ResourceStatus.PUBLISHED
               for r in resources), report
    assert all(r.link is None or r.link.startswith("https://example.org/demo/") for r in resources)
    listed = db_session.exec(select(Programme)).all()
    assert len(listed) == 5 and all(p.name.startswith("[Demo] ") for p in listed)
    assert all(p.link.startswith("https://example.org/demo/") for p in listed)
    assert len(db_session.exec(select(ProgrammeApplication)).all()) == 1, report
    assert any(line.startswith("library: ") for line in report), report
