"""The HTML pages: sign-in, sessions, CSRF, security headers and what each role sees."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from modelsteward.registry import Actor, Role, open_registry
from modelsteward.web.security import CSP
from tests.web.conftest import AppFactory
from tests.web.seed import Seeded

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: TestClient, token: str, next_: str = "/") -> str:
    """Sign in through the form; return the session's CSRF secret."""
    login = client.get("/login")
    nonce = _CSRF.search(login.text)
    assert nonce
    done = client.post(
        "/login",
        data={"csrf": nonce.group(1), "token": token, "next": next_},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get(next_)
    found = _CSRF.search(page.text)
    assert found
    return found.group(1)


def test_every_page_sends_the_security_headers(make_client: AppFactory, seeded: Seeded) -> None:
    client = make_client()
    for path in ("/login", "/static/style.css", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP
        assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_pages_send_anonymous_visitors_to_sign_in(make_client: AppFactory, seeded: Seeded) -> None:
    client = make_client()
    for path in ("/", "/models", "/models/1", "/approvals", "/sla", "/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    reading = make_client(anonymous_read=True)
    page = reading.get("/models")
    assert page.status_code == 200 and "tiny-llama" in page.text
    assert "Approve" not in reading.get("/approvals").text


def test_sign_in_sets_a_hardened_session_cookie(make_client: AppFactory, seeded: Seeded) -> None:
    client = make_client()
    login = client.get("/login")
    nonce = _CSRF.search(login.text)
    assert nonce
    done = client.post(
        "/login",
        data={"csrf": nonce.group(1), "token": seeded.tokens["bob:legal"], "next": "/models"},
        follow_redirects=False,
    )
    cookie = next(v for k, v in done.headers.multi_items() if v.startswith("ms_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert done.headers["location"] == "/models"
    assert 'id="signed-in"' in client.get("/models").text
    wrong = make_client()
    page = wrong.get("/login")
    nonce = _CSRF.search(page.text)
    assert nonce
    bad = wrong.post("/login", data={"csrf": nonce.group(1), "token": "mst_nope", "next": "/"})
    assert bad.status_code == 401
    assert "the token is unknown or revoked" in bad.text
    forged = make_client()
    forged.cookies.set("ms_session", "eyJuIjoicm9vdCJ9.AAAA")
    assert forged.get("/models", follow_redirects=False).status_code == 303


def test_sign_in_form_without_its_csrf_nonce_is_refused(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    response = client.post("/login", data={"csrf": "guess", "token": seeded.tokens["root:admin"]})
    assert response.status_code == 403


def test_forms_need_the_session_csrf_secret_and_the_same_origin(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    csrf = sign_in(client, seeded.tokens["root:admin"], "/exceptions")
    url = f"/exceptions/{seeded.exception_id}/revoke"
    missing = client.post(url, data={"reason": "x"})
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    foreign = client.post(
        url, data={"reason": "x", "csrf": csrf}, headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    listed = client.get("/exceptions").text
    assert f'id="exc-{seeded.exception_id}" class="approved"' in listed


def test_a_revoked_token_ends_its_session(make_client: AppFactory, seeded: Seeded) -> None:
    client = make_client()
    sign_in(client, seeded.tokens["sam:security"], "/models")
    assert client.get("/models", follow_redirects=False).status_code == 200
    service = open_registry(seeded.dsn)
    try:
        root = service.actors.authenticate(seeded.tokens["root:admin"])
        service.actors.revoke(Actor("sam", Role.SECURITY), by=root)
    finally:
        service.close()
    assert client.get("/models", follow_redirects=False).status_code == 303


def test_roles_decide_what_is_shown(make_client: AppFactory, seeded: Seeded) -> None:
    requester = make_client()
    sign_in(requester, seeded.tokens["carol:requester"], "/models")
    assert requester.get("/audit").status_code == 403
    assert requester.get("/usage").status_code == 403
    nav = requester.get("/models").text
    assert 'href="/audit"' not in nav
    admin = make_client()
    sign_in(admin, seeded.tokens["root:admin"], "/audit")
    audit = admin.get("/audit").text
    assert "audit log" in audit.lower() and 'id="chain"' in audit


def test_pages_render_the_passport_diff_sla_and_charts(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    sign_in(client, seeded.tokens["root:admin"], "/")
    home = client.get("/").text
    assert home.count('<svg class="chart"') == 3
    trojan = client.get("/models/helpful-llama-trojan").text
    assert "scan.pickle.unsafe-global" in trojan and "posix.system" in trojan
    diff = client.get("/models/support-bot-lora/diff?old=1&new=2").text
    assert "use.profile" in diff and "startup-saas" in diff
    sla = client.get("/sla").text
    assert 'class="sla overdue" data-vuln="GHSA-56xg-wfcc-g829"' in sla
    filtered = client.get("/models?license_family=llama").text
    assert "support-bot-lora" in filtered and "tiny-llama" not in filtered


def test_a_sparse_passport_still_renders(make_client: AppFactory, seeded: Seeded) -> None:
    service = open_registry(seeded.dsn)
    try:
        model = service.add_model(
            "sparse", source="/m/sparse", revision="", files={"w.bin": "a" * 64}, actor="ci"
        )
        service.record_passport(model.id, {"identity": {"name": "sparse"}}, "approve", [], [], "ci")
    finally:
        service.close()
    client = make_client()
    sign_in(client, seeded.tokens["root:admin"], "/")
    page = client.get("/models/sparse")
    assert page.status_code == 200
    assert "No safety evaluation recorded." in page.text
    assert client.get("/api/v1/models/sparse").json()["passport"]["sections"]["scan"] == []
