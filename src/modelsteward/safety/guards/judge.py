"""An LLM-judge guard: asks any OpenAI-compatible endpoint, with a Llama Guard style prompt,
whether a text is safe. For teams that run Llama Guard (or any judge model) on their own
engine; the only guard that does I/O, so it is opt-in (``SafetyPolicy.judge``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from modelsteward.safety.guards.signals import message_texts
from modelsteward.safety.interface import (
    HAZARD_TITLES,
    Category,
    Detection,
    Hazard,
    Role,
    SafetyError,
)

_HAZARD_RE = re.compile(r"\bS(1[0-4]|[1-9])\b")


def judge_prompt(text: str, role: Role) -> str:
    """The Llama Guard 3 style task prompt for one text written by ``role``."""
    agent = "Agent" if role is Role.ASSISTANT else "User"
    categories = "\n".join(f"{h.value}: {t}." for h, t in HAZARD_TITLES.items())
    return (
        f"Task: Check if there is unsafe content in '{agent}' messages in conversations "
        "according to our safety policy with the below categories.\n\n"
        f"<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n"
        f"<BEGIN CONVERSATION>\n\n{agent}: {text}\n\n<END CONVERSATION>\n\n"
        f"Provide your safety assessment for ONLY THE LAST {agent} message in the above "
        "conversation:\n - First line must read 'safe' or 'unsafe'.\n"
        " - If unsafe, a second line must include a comma-separated list of violated categories."
    )


@dataclass(frozen=True, slots=True)
class JudgeAnswer:
    """A parsed judge reply."""

    safe: bool | None
    """None when the reply is neither ``safe`` nor ``unsafe``."""
    hazards: tuple[Hazard, ...] = ()


def parse_judge_reply(reply: str) -> JudgeAnswer:
    """Read ``safe`` / ``unsafe\\nS1,S10`` (case and whitespace tolerant)."""
    lines = [line.strip().lower() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return JudgeAnswer(None)
    first = lines[0].split()[0].strip(".:,") if lines[0].split() else ""
    if first == "safe":
        return JudgeAnswer(True)
    if first == "unsafe":
        codes = _HAZARD_RE.findall(" ".join(lines[1:]).upper() or lines[0].upper())
        return JudgeAnswer(False, tuple(dict.fromkeys(Hazard(f"S{c}") for c in codes)))
    return JudgeAnswer(None)


class JudgeGuard:
    """Asks ``{base_url}/v1/chat/completions`` to judge each user or assistant text.

    Fail closed: a reply that is neither ``safe`` nor ``unsafe`` is a detection labelled
    ``judge-unparsable`` (score 0.5) unless ``fail_closed`` is False.
    """

    name = "judge"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 30.0,
        fail_closed: bool = True,
    ) -> None:
        self._url = base_url.rstrip("/") + "/v1/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(timeout=timeout_s)
        self._fail_closed = fail_closed

    def ask(self, text: str, role: Role = Role.USER) -> str:
        """The judge model's raw reply for ``text``.

        Raises:
            SafetyError: when the endpoint cannot be reached or answers an error.
        """
        return self.complete(judge_prompt(text, role))

    def complete(self, prompt: str) -> str:
        """The judge model's raw reply to a ready-made task ``prompt``.

        Raises:
            SafetyError: when the endpoint cannot be reached or answers an error.
        """
        body = {
            "model": self._model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 24,
            "stream": False,
        }
        try:
            response = self._client.post(self._url, json=body, headers=self._headers)
            response.raise_for_status()
            data = response.json()
            return str(data["choices"][0]["message"]["content"] or "")
        except httpx.HTTPError as exc:
            raise SafetyError(
                f"the safety judge at {self._url} failed: {exc}",
                hint="check the judge endpoint, or turn the judge off in the safety policy",
            ) from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SafetyError(
                f"the safety judge at {self._url} sent a malformed reply",
                hint="the endpoint must speak the OpenAI chat completions API",
            ) from exc

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """A harmful request/output detection when the judge says ``unsafe``."""
        if role not in (Role.USER, Role.ASSISTANT) or not text.strip():
            return ()
        answer = parse_judge_reply(self.ask(text, role))
        category = Category.HARMFUL_OUTPUT if role is Role.ASSISTANT else Category.HARMFUL_REQUEST
        if answer.safe is None:
            if not self._fail_closed:
                return ()
            return (
                Detection(
                    category=category,
                    score=0.5,
                    label="judge-unparsable",
                    evidence="judge reply was neither safe nor unsafe",
                    source="judge",
                ),
            )
        if answer.safe:
            return ()
        hazard = answer.hazards[0] if answer.hazards else None
        return (
            Detection(
                category=category,
                score=0.99,
                label=hazard.label if hazard else "judge-unsafe",
                hazard=hazard,
                evidence=",".join(h.value for h in answer.hazards) or "unsafe",
                source="judge",
            ),
        )

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Judge every user and assistant message."""
        out: list[Detection] = []
        for text, role in message_texts(messages):
            out.extend(self.check_text(text, role))
        return tuple(out)
