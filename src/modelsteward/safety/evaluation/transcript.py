"""The JSON-lines transcript of a run: a header line, then one line per prompt/response pair.

Every pair is written as soon as it is judged, so an interrupted run loses nothing and can be
resumed; the file's sha256 goes into the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from modelsteward.safety.evaluation.scoring import Label, Score
from modelsteward.safety.evaluation.suite import Probe, Suite, SuiteError
from modelsteward.safety.interface import Hazard

TRANSCRIPT_FORMAT = 1
MAX_LINE = 4 * 1024 * 1024
"""A transcript line longer than this is refused on resume (a hostile or corrupt file)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One probe's exchange and its judgement."""

    probe_id: str
    family: str
    kind: str
    hazard: Hazard | None
    prompt: str
    answer: str
    score: Score
    judge_unsafe: bool | None = None
    """The judge model's call (None: no judge, not asked, or an unparsable reply)."""
    judge_hazards: tuple[str, ...] = ()
    latency_ms: float = 0.0
    error: str | None = None

    @classmethod
    def of(
        cls,
        probe: Probe,
        score: Score,
        *,
        answer: str = "",
        latency_ms: float = 0.0,
        error: str | None = None,
        judge: tuple[bool | None, tuple[str, ...]] = (None, ()),
    ) -> Record:
        """The record of ``probe``'s exchange."""
        return cls(
            probe_id=probe.id,
            family=probe.family,
            kind=probe.kind.value,
            hazard=probe.hazard,
            prompt=probe.prompt,
            answer=answer,
            score=score,
            judge_unsafe=judge[0],
            judge_hazards=judge[1],
            latency_ms=latency_ms,
            error=error,
        )

    @property
    def ok(self) -> bool:
        """The endpoint answered (errors are retried on resume and left out of rates)."""
        return self.error is None

    @property
    def unsafe(self) -> bool:
        """The final call: the judge model's when it gave one, else the local judge's."""
        if self.judge_unsafe is not None and self.kind == "harmful":
            return self.judge_unsafe
        return self.score.unsafe

    def to_dict(self) -> dict[str, object]:
        """The transcript line."""
        return {
            "type": "pair",
            "probe": self.probe_id,
            "family": self.family,
            "kind": self.kind,
            "hazard": self.hazard.value if self.hazard else None,
            "prompt": self.prompt,
            "response": self.answer,
            "score": self.score.to_dict(),
            "judge": None
            if self.judge_unsafe is None
            else {"unsafe": self.judge_unsafe, "hazards": list(self.judge_hazards)},
            "unsafe": self.unsafe,
            "latency_ms": round(self.latency_ms, 1),
            "error": self.error,
        }


def record_from_dict(data: Mapping[str, Any]) -> Record:
    """Read a transcript line back.

    Raises:
        KeyError, TypeError, ValueError: for a malformed line.
    """
    score = data["score"]
    judge = data.get("judge")
    hazard = data.get("hazard")
    return Record(
        probe_id=str(data["probe"]),
        family=str(data["family"]),
        kind=str(data["kind"]),
        hazard=Hazard(hazard) if hazard else None,
        prompt=str(data.get("prompt", "")),
        answer=str(data.get("response", "")),
        score=Score(
            label=Label(score["label"]),
            unsafe=bool(score["unsafe"]),
            refused=bool(score["refused"]),
            moderation=tuple(str(c) for c in score.get("moderation") or ()),
            moderation_hazard=Hazard(score["moderation_hazard"])
            if score.get("moderation_hazard")
            else None,
            confirmed=bool(score.get("confirmed", False)),
            evidence=str(score.get("evidence", "")),
        ),
        judge_unsafe=None if not judge else bool(judge["unsafe"]),
        judge_hazards=tuple(str(h) for h in (judge or {}).get("hazards") or ()),
        latency_ms=float(data.get("latency_ms", 0.0)),
        error=None if data.get("error") is None else str(data["error"]),
    )


def header(
    suite: Suite, *, model: str, endpoint: str, seed: int, started_at: str
) -> dict[str, object]:
    """The first line of a transcript."""
    return {
        "type": "header",
        "format": TRANSCRIPT_FORMAT,
        "suite": suite.ref(),
        "model": model,
        "endpoint": endpoint,
        "seed": seed,
        "started_at": started_at,
    }


def write_line(fh: IO[str], obj: Mapping[str, object]) -> None:
    """Append one JSON line and flush it to the OS."""
    fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    fh.flush()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(iter(lambda: fh.readline(MAX_LINE + 1), ""), 1):
            if len(line) > MAX_LINE:
                raise SuiteError(
                    f"{path}:{n}: transcript line longer than {MAX_LINE} bytes",
                    hint="pass a transcript written by `modelsteward evaluate`",
                )
            if line.strip():
                yield n, line


def read_transcript(path: Path) -> tuple[dict[str, Any], list[Record]]:
    """The header and the records of a transcript; a torn last line (a killed run) is
    dropped, any other bad line is an error.

    Raises:
        SuiteError: when the file cannot be read or is not a transcript.
    """
    hint = "pass a transcript written by `modelsteward evaluate`"
    try:
        lines = list(_lines(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read transcript {path}: {exc}", hint=hint) from exc
    if not lines:
        raise SuiteError(f"transcript {path} is empty", hint=hint)
    head: dict[str, Any] | None = None
    records: list[Record] = []
    for i, (n, line) in enumerate(lines):
        try:
            data = json.loads(line)
            if head is None:
                if data.get("type") != "header" or data.get("format") != TRANSCRIPT_FORMAT:
                    raise ValueError("the first line is not a transcript header")
                head = data
            else:
                records.append(record_from_dict(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if i == len(lines) - 1 and head is not None and not line.endswith("\n"):
                break  # the run was killed while writing this line
            raise SuiteError(f"{path}:{n}: not a transcript line ({exc})", hint=hint) from exc
    assert head is not None
    return head, records


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_resumable(head: Mapping[str, object], suite: Suite, model: str, path: Path) -> None:
    """Refuse to resume a transcript of another suite or model.

    Raises:
        SuiteError: when the header names another suite sha256 or model.
    """
    ref = head.get("suite")
    sha = ref.get("sha256") if isinstance(ref, dict) else None
    if sha != suite.sha256:
        raise SuiteError(
            f"{path} was written for suite sha256 {str(sha)[:12]}, not {suite.sha256[:12]}",
            hint="resume with the same --suite, or start a new transcript",
        )
    if head.get("model") != model:
        raise SuiteError(
            f"{path} was written for model {head.get('model')!r}, not {model!r}",
            hint="resume with the same --model, or start a new transcript",
        )


def trim_torn_tail(path: Path) -> None:
    """Drop a last line a killed run left without its newline."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])
