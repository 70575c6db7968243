"""Page and API latency of the reviewer dashboard on a large PostgreSQL registry.

Builds, in a schema of its own, a registry with 10,000 models (two files each), 50,000
passports (five versions per model, a realistic passport document each), 2,000 pending
approval requests, 1,000 deployments, 3,000 SLA clocks and 100,000 audit entries with
valid hash links; then times every page and every API list through the ASGI app in process
(the server's own work: routing, queries, rendering, middleware; no network), 60 requests
each after a warm-up, and prints p50/p95/max in milliseconds.

For comparison it times the same license-family and severity filter the way a registry
without the catalog columns must answer it: by reading the newest passport's JSON of every
model.

    PYTHONPATH=src .venv/bin/python bench/web/bench.py \
        --dsn postgresql://postgres@127.0.0.1:5432/test [--json bench/web/results.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

MODELS = 10_000
VERSIONS = 5
AUDIT = 100_000
PENDING = 2_000
DEPLOYMENTS = 1_000
SLA = 3_000
FAMILIES = ("apache", "mit", "llama", "gemma", "qwen", "mistral", "cc-by-nc", "openrail")
SEVERITIES = ("info", "low", "medium", "high", "critical")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _passport(i: int, version: int, rng: random.Random) -> dict[str, Any]:
    family = FAMILIES[i % len(FAMILIES)]
    findings = [
        {
            "rule_id": rng.choice(
                (
                    "license.obligations",
                    "scan.pickle.unsafe-global",
                    "license.lineage.conflict",
                    "scan.gguf.tensor-bounds",
                    "license.use.conditional",
                )
            ),
            "severity": rng.choice(SEVERITIES),
            "message": "A finding the checks reported, in one human sentence.",
            "location": {"path": f"models/m{i}/model-{k}.safetensors"},
            "evidence": "You must include a copy of this Agreement with any distribution.",
            "refs": [],
        }
        for k in range(rng.randint(0, 6))
    ]
    return {
        "version": 1,
        "vetted_at": "2026-12-01T10:00:00Z",
        "identity": {
            "name": f"org{i % 97}/model-{i}",
            "source": f"hf://org{i % 97}/model-{i}",
            "revision": _sha(f"{i}-{version}")[:40],
            "files": [
                {
                    "path": f"model-{k}.safetensors",
                    "size": 4_000_000_000,
                    "kind": "safetensors",
                    "sha256": _sha(f"{i}-{k}"),
                }
                for k in range(2)
            ],
        },
        "use": {"profile": "internal", "customer_facing": version % 2 == 0, "commercial": True},
        "license": {
            "id": f"{family}-license",
            "status": "exact",
            "family": family,
            "decision": "conditional",
            "flags": [],
            "obligations": ["attribution"],
            "files": ["LICENSE"],
        },
        "code": {"custom_code": [], "trust_remote_code": False},
        "vulns": None,
        "safety": {"required": False, "configured": False},
        "checks": {"scan": {"state": "ok", "detail": ""}, "license": {"state": "ok", "detail": ""}},
        "report": {"findings": findings, "errors": [], "skipped": []},
    }


def populate(dsn: str, seed: int = 7) -> dict[str, Any]:
    """Fill an empty registry at ``dsn``; return the tokens and a sample model id."""
    from sqlalchemy import insert, text

    from modelsteward.registry import Actor, Role, open_registry
    from modelsteward.registry.audit import canonical_json, chain_entry
    from modelsteward.registry.facts import passport_summary
    from modelsteward.registry.records import manifest_digest
    from modelsteward.registry.store import tables as t

    rng = random.Random(seed)
    service = open_registry(dsn)
    root = Actor("root", Role.ADMIN)
    tokens = {"admin": service.actors.enroll(root, by=None)}
    tokens["legal"] = service.actors.enroll(Actor("lee", Role.LEGAL), by=root)
    engine = service.store.engine  # type: ignore[attr-defined]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        models, files, passports = [], [], []
        for i in range(1, MODELS + 1):
            manifest = {f"model-{k}.safetensors": _sha(f"{i}-{k}") for k in range(2)}
            docs = [_passport(i, v, rng) for v in range(1, VERSIONS + 1)]
            decision = rng.choice(("approve", "needs_review", "reject"))
            family, worst = passport_summary(docs[-1])
            status = {"approve": "approved", "needs_review": "needs_review", "reject": "rejected"}[
                decision
            ]
            ts = (now - timedelta(minutes=MODELS - i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            models.append(
                dict(
                    id=i,
                    name=f"org{i % 97}/model-{i}",
                    source=f"hf://x/{i}",
                    revision="main",
                    manifest_digest=manifest_digest(manifest),
                    file_count=2,
                    status=status,
                    created_at=ts,
                    updated_at=ts,
                    decision=decision,
                    license_family=family,
                    max_severity=worst,
                )
            )
            files += [dict(model_id=i, relpath=k, sha256=v) for k, v in manifest.items()]
            for v, doc in enumerate(docs, 1):
                passports.append(
                    dict(
                        model_id=i,
                        version=v,
                        manifest_digest=manifest_digest(manifest),
                        decision=decision if v == VERSIONS else "needs_review",
                        required_roles='["legal"]',
                        reasons='["review-legal: obligations"]',
                        passport=canonical_json(doc),
                        actor="ci",
                        created_at=ts,
                    )
                )
        conn.execute(insert(t.ModelRow), models)
        conn.execute(insert(t.ModelFileRow), files)
        for k in range(0, len(passports), 5000):
            conn.execute(insert(t.PassportRow), passports[k : k + 5000])
        pending = [m for m in models if m["status"] == "needs_review"][:PENDING]
        conn.execute(
            insert(t.RequestRow),
            [
                dict(
                    model_id=m["id"],
                    passport_version=VERSIONS,
                    manifest_digest=m["manifest_digest"],
                    requester="carol",
                    required_roles='["legal","security"]',
                    state="pending",
                    created_at=m["created_at"],
                )
                for m in pending
            ],
        )
        approved = [m for m in models if m["status"] == "approved"][:DEPLOYMENTS]
        conn.execute(
            insert(t.DeploymentRow),
            [
                dict(
                    model_id=m["id"],
                    manifest_digest=m["manifest_digest"],
                    target=f"cluster-{j % 20}",
                    engine="vllm",
                    runtime_inventory='[{"name":"vllm","version":"0.8.5"}]',
                    actor="ops",
                    created_at=m["created_at"],
                )
                for j, m in enumerate(approved)
            ],
        )
        today = date(2026, 12, 1)
        conn.execute(
            insert(t.SlaRow),
            [
                dict(
                    deployment=f"cluster-{j % 20}",
                    vuln_id=f"GHSA-{j:04d}",
                    package=f"pkg{j % 50}",
                    version="1.0",
                    severity=rng.choice(SEVERITIES),
                    first_seen=today - timedelta(days=rng.randint(1, 60)),
                    due=today + timedelta(days=rng.randint(-20, 30)),
                    fixed_on=None,
                )
                for j in range(SLA)
            ],
        )
        head = conn.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
        seq, prev = int(head[0]), str(head[1])
        batch = []
        for _ in range(AUDIT - seq):
            seq += 1
            entry = chain_entry(
                prev_hash=prev,
                seq=seq,
                ts=f"2026-11-30T00:00:{seq % 60:02d}.000000Z",
                actor=rng.choice(("ci", "lee", "sam", "vulns")),
                action=rng.choice(
                    ("passport.recorded", "approval.signed", "model.added", "sla.opened")
                ),
                payload={"model_id": rng.randint(1, MODELS), "n": seq},
            )
            prev = entry.hash
            batch.append(
                dict(
                    seq=entry.seq,
                    ts=entry.ts,
                    actor=entry.actor,
                    action=entry.action,
                    payload=entry.payload,
                    prev_hash=entry.prev_hash,
                    hash=entry.hash,
                )
            )
            if len(batch) == 10_000:
                conn.execute(insert(t.AuditRow), batch)
                batch = []
        if batch:
            conn.execute(insert(t.AuditRow), batch)
        conn.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": seq, "h": prev}
        )
        for table in (
            "models",
            "passports",
            "audit_log",
            "approval_requests",
            "deployments",
            "sla_items",
            "signatures",
        ):
            conn.execute(text(f"ANALYZE {table}"))
    service.close()
    return {"tokens": tokens, "pending": pending[0]["id"], "model": MODELS // 2}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def measure(dsn: str, facts: dict[str, Any], rounds: int) -> list[dict[str, Any]]:
    """Time every page and API list."""
    from fastapi.testclient import TestClient

    from modelsteward.web import WebOptions, create_app

    app = create_app(WebOptions(registry_dsn=dsn, secret_key=b"b" * 32, secure_cookies=False))
    m, pending = facts["model"], facts["pending"]
    pages = [
        "/",
        "/models",
        "/models?page=150",
        "/models?q=model-42",
        "/models?license_family=llama&severity=high",
        "/models?decision=needs_review&deployment=cluster-3",
        f"/models/{m}",
        f"/models/{m}?version=2",
        f"/models/{m}/diff?old=4&new=5",
        "/approvals",
        "/approvals?page=20",
        "/exceptions",
        "/sla",
        "/deployments",
        "/deployments?page=10",
        "/audit",
        "/audit?before=50000",
        "/audit?action=approval.",
    ]
    api = [
        "/api/v1/models",
        "/api/v1/models?offset=9000",
        "/api/v1/models?license_family=llama&severity=high",
        f"/api/v1/models/{pending}",
        f"/api/v1/models/{m}/diff?from=1&to=5",
        "/api/v1/approvals",
        "/api/v1/approvals?offset=1500",
        "/api/v1/exceptions",
        "/api/v1/deployments",
        "/api/v1/sla",
        "/api/v1/audit",
        "/api/v1/audit?before=20000",
        "/api/v1/audit?action=sla.opened",
        "/api/v1/dashboard",
    ]
    out = []
    with TestClient(app, base_url="http://127.0.0.1") as client:
        app.state.chain.verify_now()  # the background verification, out of the timed loop
        headers = {"Authorization": f"Bearer {facts['tokens']['admin']}"}
        login = client.get("/login")
        nonce = login.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"csrf": nonce, "token": facts["tokens"]["admin"]})
        for kind, paths, hdrs in (("page", pages, {}), ("api", api, headers)):
            for path in paths:
                for _ in range(5):
                    assert client.get(path, headers=hdrs).status_code == 200, path
                samples = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    response = client.get(path, headers=hdrs)
                    samples.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, path
                out.append({"kind": kind, "path": path, **_percentiles(samples)})
                row = out[-1]
                print(
                    f"{kind:4} {path:55} p50 {row['p50']:6.1f}  p95 {row['p95']:6.1f}  "
                    f"max {row['max']:6.1f} ms",
                    flush=True,
                )
    return out


def baseline(dsn: str, rounds: int) -> dict[str, float]:
    """The license-family and severity filter answered from the passports' JSON."""
    from sqlalchemy import create_engine, text

    from modelsteward.registry.store.sql import normalize_dsn

    engine = create_engine(normalize_dsn(dsn))
    query = text(
        "SELECT m.id FROM models m JOIN passports p ON p.model_id = m.id AND p.version = "
        "(SELECT max(version) FROM passports q WHERE q.model_id = m.id) "
        "WHERE p.passport::jsonb #>> '{license,family}' = 'llama' AND EXISTS ("
        "SELECT 1 FROM jsonb_array_elements(p.passport::jsonb #> '{report,findings}') f "
        "WHERE f->>'severity' IN ('high', 'critical')) ORDER BY m.id DESC LIMIT 50"
    )
    samples = []
    with engine.connect() as conn:
        conn.execute(query).all()
        for _ in range(rounds):
            start = time.perf_counter()
            conn.execute(query).all()
            samples.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return _percentiles(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="a PostgreSQL DSN (a schema is made there)")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument(
        "--reuse", metavar="SCHEMA", default=None, help="time a schema a --keep run seeded"
    )
    args = parser.parse_args()
    import psycopg

    schema = args.reuse or f"bench_web_{uuid.uuid4().hex[:8]}"
    if not args.reuse:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in args.dsn else "?"
    dsn = f"{args.dsn}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        start = time.perf_counter()
        if args.reuse:
            with psycopg.connect(dsn, autocommit=True) as conn:
                facts = json.loads(conn.execute("SELECT facts FROM bench_facts").fetchone()[0])
            from modelsteward.registry import open_registry

            open_registry(dsn).close()  # brings the schema up to the current migration
        else:
            facts = populate(dsn)
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE TABLE bench_facts (facts text)")
                conn.execute("INSERT INTO bench_facts VALUES (%s)", (json.dumps(facts),))
        print(
            f"{'reused' if args.reuse else 'populated'} {MODELS} models, {MODELS * VERSIONS} "
            f"passports, {AUDIT} audit entries in {time.perf_counter() - start:.0f} s "
            f"(schema {schema})",
            flush=True,
        )
        rows = measure(dsn, facts, args.rounds)
        base = baseline(dsn, 20)
        print(
            f"baseline JSON filter (license family + severity) p50 {base['p50']:.1f} "
            f"p95 {base['p95']:.1f} ms",
            flush=True,
        )
        worst = max(rows, key=lambda r: r["p95"])
        print(f"worst p95: {worst['p95']:.1f} ms ({worst['kind']} {worst['path']})")
        if args.json:
            args.json.write_text(
                json.dumps({"rows": rows, "baseline_json_filter": base}, indent=1) + "\n"
            )
    finally:
        if not (args.keep or args.reuse):
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
