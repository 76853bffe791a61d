"""Security headers on every response: no framing (clickjacking), no content sniffing, a
Content-Security-Policy that lets the pages load their stylesheet and nothing else, a
Referrer-Policy; GraphiQL (development only) brings a policy of its own that still lets it run."""

from __future__ import annotations

import base64
import hashlib
import re
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from facility.app import create_app
from facility.config import Settings
from facility.web.headers import PAGE_POLICY

RESPONSES = [
    ("GET", "/"), ("GET", "/offers"), ("GET", "/account/sign-in"), ("GET", "/no-such-page"),
    ("GET", "/static/facility.css"), ("GET", "/exports/offers.csv"), ("GET", "/exports/offers.json"),
    ("GET", "/healthz"), ("POST", "/graphql"), ("GET", "/state/requests"),
]


def _policy(header: str) -> dict[str, str]:
    return {part.split()[0]: part.partition(" ")[2] for part in
            (p.strip() for p in header.split(";")) if part}


def _assert_common(response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = _policy(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"


@pytest.mark.parametrize("method, path", RESPONSES)
def test_every_response_carries_the_headers(app, method, path):
    with TestClient(app, follow_redirects=False) as http:
        response = http.request(method, path, json={"query": "{ __typename }"}
                                if method == "POST" else None)
    _assert_common(response)
    assert response.headers["content-security-policy"] == PAGE_POLICY


def test_the_page_policy_runs_no_script_and_posts_forms_only_here():
    policy = _policy(PAGE_POLICY)
    assert "script-src" not in policy  # default-src 'none': no script, inline or not
    assert policy["style-src"] == "'self'" and policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'none'"


def test_pages_hold_no_script_and_no_inline_style_element(app):
    """What the policy refuses must not be what the pages need."""
    with TestClient(app) as http:
        for path in ("/", "/offers", "/decisions", "/account/sign-in", "/stories"):
            html = http.get(path).text
            assert "<script" not in html and "<style" not in html, path
            for linked in re.findall(r'<link[^>]+href="([^"]+)"', html):
                assert linked.startswith(("/", "http://testserver/")), (path, linked)  # this site


def test_graphiql_in_development_gets_a_policy_that_lets_it_run(app):
    with TestClient(app) as http:
        response = http.get("/graphql")
    assert response.status_code == 200 and "graphiql" in response.text.lower()
    _assert_common(response)
    policy = _policy(response.headers["content-security-policy"])
    assert policy["connect-src"] == "'self'"
    sources = policy["script-src"].split()
    # Every external script comes from the allowed origin, every inline one matches a hash.
    for src in re.findall(r'<script[^>]*src="([^"]+)"', response.text):
        assert src.startswith("https://unpkg.com/"), src
    for body in re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in sources
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


def test_in_production_graphql_get_is_refused_with_the_page_policy(db_session):
    @contextmanager
    def open_session():
        yield db_session

    app = create_app(Settings(database_url="sqlite://", env="production", secret_key="x" * 40),
                     engine=db_session.get_bind(), open_session=open_session)
    with TestClient(app) as http:
        response = http.get("/graphql")
    assert response.status_code == 405
    _assert_common(response)
    assert response.headers["content-security-policy"] == PAGE_POLICY


def test_the_development_api_docs_get_their_own_policy(app):
    from facility.web.headers import DOCS_POLICY

    with TestClient(app) as http:
        response = http.get("/docs")
    assert response.status_code == 200
    _assert_common(response)
    assert response.headers["content-security-policy"] == DOCS_POLICY
    for src in re.findall(r'<script[^>]*src="([^"]+)"', response.text):
        assert src.startswith("https://cdn.jsdelivr.net/"), src
