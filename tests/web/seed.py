"""A registry filled the way people fill one: the demo models vetted and recorded with
``modelsteward vet --record``, enrolled actors with tokens, a deployment, SLA clocks and an
exception. Used by the API tests, the browser tests and the screenshot script."""

from __future__ import annotations

import hashlib
import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelsteward.cli.main import run
from modelsteward.demo.models import build_workspace
from modelsteward.findings import Severity
from modelsteward.policy import default_policy
from modelsteward.registry import Actor, RegistryService, Role, open_registry
from modelsteward.registry.decisions import record_decision
from modelsteward.services.exceptions import ExceptionAsk, request_exception
from modelsteward.vulns import RiskException, SlaEntry


@dataclass(frozen=True, slots=True)
class Seeded:
    """Where the seeded registry lives and the tokens of its actors."""

    dsn: str
    tokens: dict[str, str]
    """``name:role`` -> token."""
    exception_id: int
    decision_id: int
    """carol's selection of tiny-llama for the support assistant, waiting for legal and
    security."""


def _cli(*args: str) -> int:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(list(args))
    if code not in (0, 1):
        raise AssertionError(f"modelsteward {' '.join(args)} -> {code}: {err.getvalue()}")
    return code


def seed_registry(dsn: str, work: Path) -> Seeded:
    """Fill the empty registry at ``dsn``.

    - ``helpful-llama-trojan`` is rejected by the policy (a pickle that runs a shell);
    - ``support-bot-lora`` waits for legal and safety review, requested by carol (two
      passport versions: vetted for internal use, then for a customer-facing SaaS);
    - ``tiny-llama`` is approved and deployed on ``prod-eu-1`` with three SLA clocks: one
      overdue, one due soon, one whose risk is accepted;
    - carol's exception to ``review-legal`` for the LoRA's license conflict, approved by bob;
    - carol's selection of ``tiny-llama`` for a support assistant, waiting for legal and
      security.
    """
    ws = build_workspace(work / "ws")
    service = open_registry(dsn)
    try:
        tokens = _enroll(service)
    finally:
        service.close()
    carol = tokens["carol:requester"]
    for model in (ws.trojan, ws.clean, ws.finetune):
        _cli(
            "vet",
            str(model),
            "--record",
            "--registry",
            dsn,
            "--token",
            carol,
            "--preset",
            "internal",
            "--no-progress",
        )
    # The SaaS assistant is served by a gateway that runs the full safety layer in front of
    # customers: the passport states it from that configuration.
    gateway = work / "gateway.yaml"
    gateway.write_text(
        "models:\n  - name: support\n    engine: openai\n    urls: [http://127.0.0.1:9/v1]\n"
        f"    path: {ws.finetune.resolve()}\n    exposure: customer_facing\n"
        "    safety: default\n",
        encoding="utf-8",
    )
    _cli(
        "vet",
        str(ws.finetune),
        "--record",
        "--registry",
        dsn,
        "--token",
        carol,
        "--preset",
        "startup-saas",
        "--gateway-config",
        str(gateway),
        "--no-progress",
    )
    service = open_registry(dsn)
    try:
        service.deploy(
            "tiny-llama",
            "prod-eu-1",
            "llama.cpp",
            [{"name": "llama-cpp-python", "version": "0.2.20"}],
            "root",
        )
        today = datetime.now(UTC).date()
        service.sla_state().upsert(
            [
                SlaEntry(
                    deployment="prod-eu-1",
                    vuln_id="GHSA-56xg-wfcc-g829",
                    package="llama-cpp-python",
                    version="0.2.20",
                    severity=Severity.CRITICAL,
                    first_seen=today - timedelta(days=20),
                    due=today - timedelta(days=6),
                ),
                SlaEntry(
                    deployment="prod-eu-1",
                    vuln_id="PYSEC-2024-47",
                    package="jinja2",
                    version="3.1.2",
                    severity=Severity.MEDIUM,
                    first_seen=today - timedelta(days=25),
                    due=today + timedelta(days=3),
                ),
                SlaEntry(
                    deployment="prod-eu-1",
                    vuln_id="GHSA-h75v-3vvj-5mfj",
                    package="jinja2",
                    version="3.1.2",
                    severity=Severity.HIGH,
                    first_seen=today - timedelta(days=40),
                    due=today - timedelta(days=10),
                    exception=RiskException(
                        owner="sam",
                        expires=today + timedelta(days=30),
                        reason="templates come from the operator only",
                    ),
                ),
            ]
        )
        ask = ExceptionAsk(
            rule_id="review-legal",
            model="support-bot-lora",
            finding="license.conflict",
            path="*",
            reason="the card is fixed upstream in the next release",
            owner="carol",
            expires=today + timedelta(days=20),
        )
        exc = request_exception(service, default_policy(), ask, "carol")
        service.approve_exception(exc.id, Role.LEGAL, "bob", "attribution in place")
        decision = record_decision(
            service.store,
            kind="selection",
            name="support-assistant",
            digest=hashlib.sha256(b"support-assistant shortlist").hexdigest(),
            subject="tiny-llama",
            payload={"chosen": "tiny-llama", "candidates": ["tiny-llama", "support-bot-lora"]},
            requester="carol",
            required_roles=(Role.LEGAL, Role.SECURITY),
            models=("tiny-llama",),
        )
    finally:
        service.close()
    return Seeded(dsn=dsn, tokens=tokens, exception_id=exc.id, decision_id=decision.id)


def _enroll(service: RegistryService) -> dict[str, str]:
    root = Actor("root", Role.ADMIN)
    tokens = {str(root): service.actors.enroll(root, by=None)}
    for actor in (
        Actor("carol", Role.REQUESTER),
        Actor("carol", Role.LEGAL),
        Actor("bob", Role.LEGAL),
        Actor("sam", Role.SECURITY),
        Actor("sara", Role.SAFETY),
    ):
        tokens[str(actor)] = service.actors.enroll(actor, by=root)
    return tokens
