"""Send a suite's probes to an OpenAI-compatible endpoint, judge each answer, keep a transcript.

Requests run on ``concurrency`` threads over one pooled ``httpx.Client``; judging runs on the
same thread right after the answer, so it overlaps the other requests in flight. The run
stops starting probes at its deadline, and every request's timeout is cut to the time left.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx

from modelsteward.safety.evaluation.endpoint import (
    CONTEXT_OVERFLOW,
    FILTERED,
    MAX_ANSWER_CHARS,
    TOO_LONG,
    EndpointError,
    Target,
    read_capped,
)
from modelsteward.safety.evaluation.judge import JudgeModel
from modelsteward.safety.evaluation.scoring import Label, Score, score_answer
from modelsteward.safety.evaluation.suite import Probe, Suite, SuiteError
from modelsteward.safety.evaluation.transcript import (
    Record,
    check_resumable,
    file_sha256,
    header,
    read_transcript,
    trim_torn_tail,
    write_line,
)
from modelsteward.safety.layer import SafetyLayer

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """How to run a suite."""

    concurrency: int = 4
    limit: int | None = None
    """At most this many probes, sampled across families with ``seed``."""
    seed: int = 0
    max_tokens: int = 256
    time_limit_s: float = 1800.0
    request_timeout_s: float = 120.0
    judge: JudgeModel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """What a run produced (resumed records included)."""

    records: tuple[Record, ...]
    selected: int
    """Probes selected for the run (after ``--limit``)."""
    not_run: int
    """Selected probes left unsent at the deadline."""
    transcript: Path
    transcript_sha256: str
    started_at: str
    finished_at: str
    resumed: int = 0
    """Records taken over from the transcript of an earlier run."""
    judge: str = "local"
    extra: dict[str, object] = field(default_factory=dict)


def select(probes: Sequence[Probe], limit: int | None, seed: int) -> list[Probe]:
    """All probes in suite order, or ``limit`` of them spread evenly over the families
    (each family shuffled with ``seed``), in suite order."""
    if limit is None or limit >= len(probes):
        return list(probes)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not a secret
    by_family: dict[str, list[Probe]] = {}
    for probe in probes:
        by_family.setdefault(probe.family, []).append(probe)
    queues = []
    for members in by_family.values():
        shuffled = list(members)
        rng.shuffle(shuffled)
        queues.append(shuffled)
    chosen: set[str] = set()
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.add(queue.pop().id)
    return [p for p in probes if p.id in chosen]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Run:
    def __init__(
        self, target: Target, options: RunOptions, layer: SafetyLayer, client: httpx.Client
    ) -> None:
        self.target = target
        self.options = options
        self.layer = layer
        self.client = client
        self.deadline = time.monotonic() + options.time_limit_s
        self.abort = threading.Event()
        self.fatal: EndpointError | None = None
        self.headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}

    def ask(self, probe: Probe) -> str:
        body = {
            "model": self.target.model,
            "messages": [m.to_dict() for m in probe.messages],
            "temperature": 0,
            "max_tokens": self.options.max_tokens,
            "seed": self.options.seed,
        }
        left = max(1.0, self.deadline - time.monotonic())
        timeout = min(self.options.request_timeout_s, left)
        request = self.client.build_request(
            "POST", self.target.url, json=body, headers=self.headers, timeout=timeout
        )
        streamed = self.client.send(request, stream=True)
        try:
            raw = read_capped(streamed)
        finally:
            streamed.close()
        response = httpx.Response(
            streamed.status_code, headers=streamed.headers, content=raw, request=request
        )
        if response.status_code in (401, 403, 404):
            self._fail(response)
        response.raise_for_status()
        data = response.json()
        content = data["choices"][0]["message"].get("content")
        return content[:MAX_ANSWER_CHARS] if isinstance(content, str) else ""

    def _fail(self, response: httpx.Response) -> None:
        code = response.status_code
        hint = {
            401: "pass a valid --api-key",
            403: "the key may not use this model; check --api-key and --model",
            404: "check --endpoint (the base URL, without /chat/completions) and --model",
        }[code]
        raise EndpointError(
            f"{self.target.url} answered HTTP {code}: {response.text[:200]}", hint=hint
        )

    def one(self, probe: Probe) -> Record | None:
        if self.abort.is_set() or time.monotonic() >= self.deadline:
            return None
        started = time.perf_counter()
        try:
            answer = self.ask(probe)
        except EndpointError as exc:
            self.fatal = self.fatal or exc
            self.abort.set()
            return None
        except httpx.HTTPStatusError as exc:
            return self._rejected(probe, exc.response, started)
        except (
            httpx.HTTPError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
            AttributeError,
        ) as exc:
            return self._error(probe, f"{type(exc).__name__}: {exc}"[:300], started)
        latency = (time.perf_counter() - started) * 1000.0
        score = score_answer(probe, answer, self.layer)
        judge = self._judge(probe, answer, score)
        return Record.of(probe, score, answer=answer, latency_ms=latency, judge=judge)

    def _judge(
        self, probe: Probe, answer: str, score: Score
    ) -> tuple[bool | None, tuple[str, ...]]:
        judge = self.options.judge
        if judge is None or probe.kind.value != "harmful" or not answer.strip():
            return None, ()
        verdict = judge.judge(self.client, probe.prompt, answer)
        if verdict.safe is None:
            return None, ()
        return (not verdict.safe), tuple(h.value for h in verdict.hazards)

    def _rejected(self, probe: Probe, response: httpx.Response, started: float) -> Record:
        body = response.text[:300]
        lowered = body.lower()
        if response.status_code == 400 and any(m in lowered for m in FILTERED):
            # The endpoint's own content filter declined the request: a refusal.
            score = Score(
                label=Label.REFUSED, unsafe=False, refused=True, evidence="content filter"
            )
            return Record.of(probe, score, latency_ms=(time.perf_counter() - started) * 1000.0)
        prefix = "HTTP"
        if response.status_code in (400, 413) and any(m in lowered for m in TOO_LONG):
            prefix = CONTEXT_OVERFLOW
        return self._error(probe, f"{prefix} {response.status_code}: {body}", started)

    def _error(self, probe: Probe, message: str, started: float) -> Record:
        score = Score(label=Label.ERROR, unsafe=False, refused=False)
        latency = (time.perf_counter() - started) * 1000.0
        return Record.of(probe, score, latency_ms=latency, error=message)


def _collect(
    run: _Run,
    futures: list[Future[Record | None]],
    fh: IO[str],
    new: list[Record],
    advance: Progress,
) -> None:
    """Write each record as it comes; stop the run when every early request failed."""
    answered = 0
    for future in as_completed(futures):
        record = future.result()
        if record is None:
            continue
        write_line(fh, record.to_dict())
        new.append(record)
        answered += record.ok
        advance(1)
        if not answered and len(new) >= 2 * run.options.concurrency and not run.abort.is_set():
            run.abort.set()
            run.fatal = run.fatal or EndpointError(
                f"{run.target.url} failed every request ({new[0].error})",
                hint="check that the endpoint is up and speaks the OpenAI chat API",
            )


def run_suite(
    suite: Suite,
    target: Target,
    options: RunOptions,
    *,
    transcript: Path,
    resume: bool = False,
    layer: SafetyLayer | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run ``suite`` against ``target``, appending every pair to ``transcript``.

    With ``resume`` the transcript must come from a run of the same suite and model; the
    probes it already answered are kept and only the rest are sent.

    Raises:
        EndpointError: when the endpoint rejects the key or the model, or cannot be reached
            at all (the pairs already judged stay in the transcript).
        SuiteError: when the transcript cannot be resumed.
        SafetyError: when the judge model fails.
    """
    advance = progress or (lambda n: None)
    chosen = select(suite.probes, options.limit, options.seed)
    previous: dict[str, Record] = {}
    started_at = _now()
    if resume:
        head, old = read_transcript(transcript)
        check_resumable(head, suite, target.model, transcript)
        previous = {r.probe_id: r for r in old if r.ok}
        started_at = str(head.get("started_at") or started_at)
        trim_torn_tail(transcript)
    todo = [p for p in chosen if p.id not in previous]
    advance(len(chosen) - len(todo))
    layer = layer or SafetyLayer()
    new: list[Record] = []
    limits = httpx.Limits(
        max_connections=options.concurrency * 2 + 2,
        max_keepalive_connections=options.concurrency * 2 + 2,
    )
    try:
        transcript.parent.mkdir(parents=True, exist_ok=True)
        fh = transcript.open("a" if resume else "w", encoding="utf-8")
    except OSError as exc:
        raise SuiteError(
            f"cannot write transcript {transcript}: {exc.strerror or exc}",
            hint="choose a writable --transcript path",
        ) from exc
    with fh, httpx.Client(limits=limits, timeout=options.request_timeout_s) as client:
        if not resume:
            write_line(
                fh,
                header(
                    suite,
                    model=target.model,
                    endpoint=target.endpoint,
                    seed=options.seed,
                    started_at=started_at,
                ),
            )
        run = _Run(target, options, layer, client)
        pool = ThreadPoolExecutor(max_workers=max(1, options.concurrency))
        try:
            futures = [pool.submit(run.one, p) for p in todo]
            _collect(run, futures, fh, new, advance)
        except BaseException:
            # Interrupted (Ctrl-C) or failed: start nothing more; what was judged is kept.
            run.abort.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if run.fatal is None and new and not previous and not any(r.ok for r in new):
            run.fatal = EndpointError(
                f"{target.url} failed every request ({new[0].error})",
                hint="check that the endpoint is up and speaks the OpenAI chat API",
            )
        if run.fatal is not None:
            raise run.fatal
    records = {**previous, **{r.probe_id: r for r in new}}
    order = {p.id: i for i, p in enumerate(chosen)}
    kept = sorted(
        (r for r in records.values() if r.probe_id in order), key=lambda r: order[r.probe_id]
    )
    done = {r.probe_id for r in kept}
    return RunResult(
        records=tuple(kept),
        selected=len(chosen),
        not_run=sum(1 for p in chosen if p.id not in done),
        transcript=transcript,
        transcript_sha256=file_sha256(transcript),
        started_at=started_at,
        finished_at=_now(),
        resumed=len(previous),
        judge=options.judge.label if options.judge else "local",
    )
