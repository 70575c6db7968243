"""The JSON API on SQLite and PostgreSQL: reads, filters, separation of duties,
exceptions, the audit chain and gateway usage, through the same services as the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.web.conftest import AppFactory, bearer
from tests.web.seed import Seeded


def _names(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return sorted(str(m["name"]) for m in items)


def test_reads_need_a_sign_in_unless_anonymous_reading_is_on(
    make_client: AppFactory, seeded: Seeded
) -> None:
    closed = make_client()
    response = closed.get("/api/v1/models")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "sign in first"
    bad = closed.get("/api/v1/models", headers={"Authorization": "Bearer mst_forged"})
    assert bad.status_code == 401
    assert "unknown or revoked" in bad.json()["error"]["message"]
    open_ = make_client(anonymous_read=True)
    assert open_.get("/api/v1/models").status_code == 200
    # Reading anonymously never extends to writing.
    refused = open_.post("/api/v1/models/tiny-llama/approve", json={"reason": "x"})
    assert refused.status_code == 401
    assert open_.get("/api/v1/audit").status_code == 403


def test_models_filter_by_decision_license_severity_deployment_and_page(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    h = bearer(seeded, "sam:security")
    everything = client.get("/api/v1/models", headers=h).json()
    assert everything["total"] == 3
    assert _names(client.get("/api/v1/models?decision=reject", headers=h).json()) == [
        "helpful-llama-trojan"
    ]
    assert _names(client.get("/api/v1/models?license_family=llama", headers=h).json()) == [
        "support-bot-lora"
    ]
    assert _names(client.get("/api/v1/models?severity=critical", headers=h).json()) == [
        "helpful-llama-trojan"
    ]
    assert _names(client.get("/api/v1/models?severity=high", headers=h).json()) == [
        "helpful-llama-trojan",
        "support-bot-lora",
    ]
    assert _names(client.get("/api/v1/models?deployment=prod-eu-1", headers=h).json()) == [
        "tiny-llama"
    ]
    assert _names(client.get("/api/v1/models?q=LORA", headers=h).json()) == ["support-bot-lora"]
    page = client.get("/api/v1/models?limit=2&offset=2", headers=h).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 2, 1)
    wrong = client.get("/api/v1/models?severity=apocalyptic", headers=h)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"] == "unknown severity 'apocalyptic'"
    assert client.get("/api/v1/models?limit=100000", headers=h).status_code == 400


def test_passport_shows_scan_evidence_license_lineage_and_hashed_files(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    h = bearer(seeded, "bob:legal")
    trojan = client.get("/api/v1/models/helpful-llama-trojan", headers=h).json()
    scan = trojan["passport"]["sections"]["scan"]
    unsafe = [f for f in scan if f["rule_id"] == "scan.pickle.unsafe-global"]
    assert unsafe and unsafe[0]["evidence"] == "posix.system"
    assert unsafe[0]["severity"] == "critical"
    assert trojan["model"]["status"] == "rejected"
    lora = client.get("/api/v1/models/support-bot-lora", headers=h).json()
    lic = lora["passport"]["sections"]["license"]
    assert lic["family"] == "llama"
    assert "license.lineage.conflict" in {f["rule_id"] for f in lic["lineage"]}
    assert any(f["evidence"] for f in lic["clauses"])  # quoted clause text
    files = {f["path"]: f["sha256"] for f in lora["passport"]["sections"]["files"]}
    assert files and set(files.values()) <= set(lora["files"].values())
    assert [v["version"] for v in lora["versions"]] == [1, 2]
    first = client.get("/api/v1/models/support-bot-lora/passports/1", headers=h).json()
    assert first["passport"]["version"] == 1
    missing = client.get("/api/v1/models/support-bot-lora/passports/9", headers=h)
    assert missing.status_code == 404
    assert client.get("/api/v1/models/no-such-model", headers=h).status_code == 404


def test_diff_between_passport_versions_names_the_changed_use(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    body = client.get(
        "/api/v1/models/support-bot-lora/diff?from=1&to=2", headers=bearer(seeded, "bob:legal")
    ).json()
    changed = {c["field"]: (c["old"], c["new"]) for c in body["changed"]}
    assert changed["use.profile"] == ("internal", "startup-saas")
    assert changed["use.customer_facing"] == (False, True)
    assert body["empty"] is False


def test_approval_queue_follows_the_role_and_separation_of_duties_holds(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    legal = client.get("/api/v1/approvals", headers=bearer(seeded, "bob:legal")).json()
    assert [i["model"]["name"] for i in legal["items"]] == ["support-bot-lora"]
    assert legal["items"][0]["asks_viewer"] is True
    security = client.get("/api/v1/approvals", headers=bearer(seeded, "sam:security")).json()
    assert security["total"] == 0
    url = "/api/v1/models/support-bot-lora/approve"
    # carol requested the review: her legal token may not sign it.
    own = client.post(url, headers=bearer(seeded, "carol:legal"), json={"reason": "fine"})
    assert own.status_code == 403
    assert own.json()["error"]["message"] == (
        "carol requested approval of support-bot-lora and cannot also sign it"
    )
    requester = client.post(url, headers=bearer(seeded, "carol:requester"), json={"reason": "x"})
    assert requester.status_code == 403
    assert requester.json()["error"]["message"] == "a requester cannot sign approvals"
    wrong_role = client.post(url, headers=bearer(seeded, "sam:security"), json={"reason": "x"})
    assert wrong_role.status_code == 403
    assert "is not asked to review" in wrong_role.json()["error"]["message"]
    ok = client.post(url, headers=bearer(seeded, "bob:legal"), json={"reason": "obligations ok"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["request"]["state"] == "pending"
    assert ok.json()["explanation"] == "support-bot-lora waits for safety review"
    twice = client.post(url, headers=bearer(seeded, "bob:legal"), json={"reason": "again"})
    assert twice.status_code == 403
    done = client.post(url, headers=bearer(seeded, "sara:safety"), json={"reason": "guarded"})
    assert done.status_code == 200, done.text
    assert done.json()["request"]["state"] == "approved"
    assert done.json()["explanation"] == (
        "support-bot-lora is approved by bob (legal), sara (safety)"
    )
    audit = client.get(
        "/api/v1/audit?action=approval.signed", headers=bearer(seeded, "root:admin")
    ).json()
    assert [e["actor"] for e in audit["items"][:2]] == ["sara", "bob"]
    assert audit["items"][1]["payload"]["reason"] == "obligations ok"
    empty = client.post(url, headers=bearer(seeded, "bob:legal"), json={"reason": ""})
    assert empty.status_code == 400
    assert client.get("/api/v1/approvals", headers=bearer(seeded, "bob:legal")).json()["total"] == 0


def test_exceptions_follow_the_policy_and_separation_of_duties(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    body = {
        "rule_id": "scan-severity",
        "model": "helpful-llama-trojan",
        "finding": "scan.pickle.unsafe-global",
        "path": "pytorch_model.bin",
        "reason": "sandboxed evaluation only",
        "owner": "bob",
        "expires": (date.today() + timedelta(days=10)).isoformat(),
    }
    made = client.post("/api/v1/exceptions", headers=bearer(seeded, "bob:legal"), json=body)
    assert made.status_code == 201, made.text
    exc_id = made.json()["id"]
    assert (made.json()["status"], made.json()["required_roles"]) == ("requested", ["security"])
    unknown = client.post(
        "/api/v1/exceptions",
        headers=bearer(seeded, "bob:legal"),
        json={**body, "rule_id": "no-such-rule"},
    )
    assert unknown.status_code == 400
    assert "has no rule 'no-such-rule'" in unknown.json()["error"]["message"]
    url = f"/api/v1/exceptions/{exc_id}"
    wrong_role = client.post(
        f"{url}/approve", headers=bearer(seeded, "sara:safety"), json={"reason": "fine"}
    )
    assert wrong_role.status_code == 403
    approved = client.post(
        f"{url}/approve", headers=bearer(seeded, "sam:security"), json={"reason": "sandboxed"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    stranger = client.post(
        f"{url}/revoke", headers=bearer(seeded, "sara:safety"), json={"reason": "no"}
    )
    assert stranger.status_code == 403
    revoked = client.post(
        f"{url}/revoke", headers=bearer(seeded, "bob:legal"), json={"reason": "evaluation over"}
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    again = client.post(
        f"{url}/revoke", headers=bearer(seeded, "root:admin"), json={"reason": "again"}
    )
    assert again.status_code == 403
    listed = client.get("/api/v1/exceptions", headers=bearer(seeded, "sam:security")).json()
    statuses = {e["id"]: e["status"] for e in listed["items"]}
    assert statuses[exc_id] == "revoked"
    assert statuses[seeded.exception_id] == "approved"


def test_sla_board_classifies_overdue_due_soon_and_accepted(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    body = client.get("/api/v1/sla", headers=bearer(seeded, "sam:security")).json()
    board = body["deployments"][0]
    assert board["deployment"] == "prod-eu-1"
    statuses = {i["vuln_id"]: i["status"] for i in board["items"]}
    assert statuses == {
        "GHSA-56xg-wfcc-g829": "overdue",
        "PYSEC-2024-47": "due-soon",
        "GHSA-h75v-3vvj-5mfj": "accepted",
    }
    deployments = client.get("/api/v1/deployments", headers=bearer(seeded, "sam:security"))
    assert [d["model"] for d in deployments.json()["items"]] == ["tiny-llama"]


def test_audit_pages_backwards_and_verifies_the_chain(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    h = bearer(seeded, "root:admin")
    first = client.get("/api/v1/audit?limit=5", headers=h).json()
    seqs = [e["seq"] for e in first["items"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 5
    older = client.get(f"/api/v1/audit?limit=5&before={seqs[-1]}", headers=h).json()
    assert older["items"][0]["seq"] == seqs[-1] - 1
    verified = client.get("/api/v1/audit/verify?fresh=true", headers=h).json()
    assert verified["verification"]["ok"] is True
    assert verified["verification"]["count"] == first["total"]
    assert client.get("/api/v1/audit", headers=bearer(seeded, "carol:requester")).status_code == (
        403
    )


def test_usage_sums_gateway_audit_records_by_key_and_model(
    make_client: AppFactory, seeded: Seeded, tmp_path: Path
) -> None:
    log = tmp_path / "gateway-audit.jsonl"
    records = [
        {
            "request_id": "a",
            "key": "team-search",
            "model": "tiny-llama",
            "endpoint": "chat",
            "status": 200,
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "latency_ms": 12.0,
            "decisions": [],
            "ts": 1.0,
        },
        {
            "request_id": "b",
            "key": "team-search",
            "model": "tiny-llama",
            "endpoint": "chat",
            "status": 400,
            "prompt_tokens": 7,
            "completion_tokens": None,
            "latency_ms": 3.0,
            "decisions": [{"stage": "input", "action": "block", "rule_ids": ["x"]}],
            "ts": 2.0,
        },
        {
            "request_id": "c",
            "key": "ops",
            "model": "support-bot-lora",
            "endpoint": "chat",
            "status": 200,
            "prompt_tokens": 1,
            "completion_tokens": 1,
            "latency_ms": 9.0,
            "decisions": [],
            "ts": 3.0,
        },
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n")
    client = make_client(gateway_audit=log)
    body = client.get("/api/v1/usage", headers=bearer(seeded, "sam:security")).json()
    keys = {k["name"]: k for k in body["by_key"]}
    assert keys["team-search"]["requests"] == 2
    assert keys["team-search"]["blocked"] == 1
    assert keys["team-search"]["errors"] == 1
    assert keys["team-search"]["prompt_tokens"] == 17
    assert {m["name"]: m["requests"] for m in body["by_model"]} == {
        "tiny-llama": 2,
        "support-bot-lora": 1,
    }
    assert (body["records"], body["skipped"]) == (3, 1)
    assert client.get("/api/v1/usage", headers=bearer(seeded, "bob:legal")).status_code == 403


def test_openapi_document_describes_the_api(make_client: AppFactory, seeded: Seeded) -> None:
    doc = make_client().get("/api/v1/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/v1/models",
        "/api/v1/models/{ref}",
        "/api/v1/models/{ref}/diff",
        "/api/v1/models/{ref}/approve",
        "/api/v1/approvals",
        "/api/v1/exceptions/{exception_id}/revoke",
        "/api/v1/sla",
        "/api/v1/audit",
        "/api/v1/usage",
    } <= paths
    assert not any(not p.startswith("/api/v1/") for p in paths)  # pages stay out


def test_decision_records_wait_in_the_queue_under_separation_of_duties(
    make_client: AppFactory, seeded: Seeded
) -> None:
    client = make_client()
    legal = client.get("/api/v1/decisions", headers=bearer(seeded, "bob:legal")).json()
    assert [i["decision"]["id"] for i in legal["items"]] == [seeded.decision_id]
    item = legal["items"][0]
    assert item["asks_viewer"] is True and item["own_request"] is False
    assert item["decision"]["missing_roles"] == ["legal", "security"]
    assert item["decision"]["payload"] is None
    safety = client.get("/api/v1/decisions", headers=bearer(seeded, "sara:safety")).json()
    assert safety["total"] == 0
    url = f"/api/v1/decisions/{seeded.decision_id}"
    own = client.post(f"{url}/approve", headers=bearer(seeded, "carol:legal"), json={"reason": "x"})
    assert own.status_code == 403
    assert own.json()["error"]["message"] == (
        "carol requested approval of selection 'support-assistant' and cannot also sign it"
    )
    requester = client.post(
        f"{url}/approve", headers=bearer(seeded, "carol:requester"), json={"reason": "x"}
    )
    assert requester.status_code == 403
    assert requester.json()["error"]["message"] == "a requester cannot sign approvals"
    wrong = client.post(
        f"{url}/approve", headers=bearer(seeded, "sara:safety"), json={"reason": "x"}
    )
    assert wrong.status_code == 403
    assert "is not asked to review" in wrong.json()["error"]["message"]
    half = client.post(
        f"{url}/approve", headers=bearer(seeded, "bob:legal"), json={"reason": "license fits"}
    )
    assert half.status_code == 200, half.text
    assert (half.json()["state"], half.json()["missing_roles"]) == ("pending", ["security"])
    twice = client.post(f"{url}/approve", headers=bearer(seeded, "bob:legal"), json={"reason": "y"})
    assert twice.status_code == 403
    done = client.post(
        f"{url}/approve", headers=bearer(seeded, "sam:security"), json={"reason": "scanned"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "approved"
    assert client.get("/api/v1/decisions", headers=bearer(seeded, "bob:legal")).json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    closed = client.post(
        f"{url}/reject", headers=bearer(seeded, "root:admin"), json={"reason": "late"}
    )
    assert closed.status_code == 403
    audit = client.get(
        "/api/v1/audit?action=selection.signed", headers=bearer(seeded, "root:admin")
    ).json()
    assert [e["actor"] for e in audit["items"][:2]] == ["sam", "bob"]


def test_an_exception_row_that_drifted_from_the_chain_is_marked(
    make_client: AppFactory, seeded: Seeded
) -> None:
    from sqlalchemy import create_engine, text

    from modelsteward.registry.store.sql import normalize_dsn

    client = make_client()
    body = {
        "rule_id": "scan-severity",
        "model": "helpful-llama-trojan",
        "finding": "scan.pickle.unsafe-global",
        "path": "*",
        "reason": "flipped by hand below",
        "owner": "bob",
        "expires": (date.today() + timedelta(days=5)).isoformat(),
    }
    made = client.post("/api/v1/exceptions", headers=bearer(seeded, "bob:legal"), json=body)
    assert made.status_code == 201, made.text
    exc_id = made.json()["id"]
    engine = create_engine(normalize_dsn(seeded.dsn))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(f"UPDATE policy_exceptions SET state = 'approved' WHERE id = {exc_id}")
            )
        listed = client.get("/api/v1/exceptions", headers=bearer(seeded, "sam:security")).json()
        rows = {e["id"]: e for e in listed["items"]}
        assert (rows[exc_id]["status"], rows[exc_id]["drifted"]) == ("approved", True)
        assert rows[seeded.exception_id]["drifted"] is False
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(f"UPDATE policy_exceptions SET state = 'requested' WHERE id = {exc_id}")
            )
        engine.dispose()
    listed = client.get("/api/v1/exceptions", headers=bearer(seeded, "sam:security")).json()
    assert not any(e["drifted"] for e in listed["items"])
