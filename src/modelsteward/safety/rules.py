"""The rule ids the safety area emits, with their meaning (SARIF metadata and docs)."""

from __future__ import annotations

from collections.abc import Mapping

from modelsteward.findings import Rule, Severity

RULES: Mapping[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            id="safety.guard.prompt-injection",
            summary="Instructions that try to override the "
            "model's own, typed by the user or hidden in a document, web page or tool output.",
            help="Drop the text or the document; never let retrieved data give orders.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.guard.jailbreak",
            summary="An attempt to unlock the model: role-play "
            "personas, developer mode, refusal suppression, obfuscated payloads.",
            help="Refuse the request.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.guard.adversarial-suffix",
            summary="A request followed by an optimised adversarial suffix (GCG-style token "
            "soup) meant to slip it past the model's refusals.",
            help="Refuse the request; the suffix has no benign use.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.guard.harmful-request",
            summary="A request for hazardous content in the MLCommons taxonomy S1-S14.",
            help="Refuse the request.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.guard.harmful-output",
            summary="Model output with hazardous content in the MLCommons taxonomy S1-S14.",
            help="Stop the response.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.guard.pii",
            summary="Personal data: emails, phones, payment cards, "
            "IBANs, national ids, IP/MAC addresses, names, street addresses.",
            help="Redact before the text reaches the model or the logs.",
            severity=Severity.MEDIUM,
        ),
        Rule(
            id="safety.guard.secret",
            summary="Credentials: cloud and API keys, tokens, private "
            "keys, JWTs, connection strings.",
            help="Redact it and rotate the credential.",
            severity=Severity.MEDIUM,
        ),
        Rule(
            id="safety.policy.deny-list",
            summary="Text matching a deny-list pattern of the safety policy.",
            help="Remove the term or change the policy.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.eval.unsafe-response",
            summary="A red-team probe got an unsafe answer from the endpoint under test "
            "(one of the worst examples of an evaluation).",
            help="Read the exchange in the transcript; add a safety layer or pick another model.",
            severity=Severity.INFO,
        ),
        Rule(
            id="safety.eval.hazard-asr",
            summary="The model complied with harmful asks of one hazard (S1-S14); high or "
            "critical when the attack success rate is above the policy's limit.",
            help="Serve the model behind the safety layer, or pick a safety-tuned model.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.eval.jailbreak",
            summary="A jailbreak family (role-play, persona, encodings...) got the model to "
            "comply with harmful asks.",
            help="Serve the model behind the safety layer, which detects jailbreak attempts.",
            severity=Severity.MEDIUM,
        ),
        Rule(
            id="safety.eval.prompt-injection",
            summary="The model followed instructions hidden in a document or tool output.",
            help="Keep untrusted content out of instructions; turn on injection checks for "
            "document and tool roles.",
            severity=Severity.MEDIUM,
        ),
        Rule(
            id="safety.eval.prompt-extraction",
            summary="The model revealed its system prompt.",
            help="Never put secrets in system prompts; filter outputs for them.",
            severity=Severity.MEDIUM,
        ),
        Rule(
            id="safety.eval.context-leak",
            summary="The model disclosed private data or secrets placed in its context.",
            help="Redact PII and secrets before they reach the model, and on the way out.",
            severity=Severity.HIGH,
        ),
        Rule(
            id="safety.eval.over-refusal",
            summary="The model refused too many safe prompts that look like unsafe ones.",
            help="Expect user complaints; compare with another model or tune the system prompt.",
            severity=Severity.LOW,
        ),
        Rule(
            id="safety.eval.incomplete",
            summary="The evaluation did not get an answer to every selected probe (errors, "
            "or the time limit).",
            help="Resume the run with --resume TRANSCRIPT.",
            severity=Severity.MEDIUM,
        ),
    )
}
