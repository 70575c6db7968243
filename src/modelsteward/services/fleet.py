"""Vetting at fleet scale: many models, each vetted as one task in a local process pool or on
a Ray cluster, recorded through the same service as ``vet --record``.

A task is a plain function of plain data (:func:`vet_task`), so the same code runs in a
process pool and as a Ray task. Recording happens inside the task, against the shared
registry: writers take the audit chain head one at a time, and a passport for the same files
judged with the same versions is never stored twice, so a retried or repeated batch adds
nothing. A failed task is retried a bounded number of times, then reported; it never blocks
the batch.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelsteward.errors import StewardError, UsageError

MAX_LIST_LINES = 1_000_000
_MODEL_FILES = (
    "config.json",
    "adapter_config.json",
    "model_index.json",
    "params.json",
)
_WEIGHT_SUFFIXES = (
    ".safetensors",
    ".gguf",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".onnx",
    ".h5",
    ".keras",
    ".pkl",
    ".joblib",
    ".npz",
    ".msgpack",
)
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".cache"}

Task = Callable[[str, Mapping[str, Any]], dict[str, Any]]
"""``task(target, spec) -> result``: vets one model; must be importable by workers."""


class FleetError(StewardError):
    """A batch cannot start: an unreadable list, no targets, Ray missing or unreachable."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetResult:
    """How one target went."""

    target: str
    state: str
    """``recorded`` (a new passport), ``unchanged`` (the same passport was in force),
    ``vetted`` (a dry run) or ``failed``."""
    decision: str | None = None
    model: str | None = None
    model_id: int | None = None
    passport_version: int | None = None
    request_id: int | None = None
    waits_for: tuple[str, ...] = ()
    error: str | None = None
    attempts: int | None = 1
    """Tries it took; None on Ray, which retries inside the cluster without telling."""
    seconds: float = 0.0

    @classmethod
    def from_task(cls, target: str, data: Mapping[str, Any], attempts: int | None) -> FleetResult:
        """A result from a task's plain-data answer."""
        return cls(
            target=target,
            state=str(data["state"]),
            decision=data.get("decision"),
            model=data.get("model"),
            model_id=data.get("model_id"),
            passport_version=data.get("passport_version"),
            request_id=data.get("request_id"),
            waits_for=tuple(data.get("waits_for") or ()),
            error=data.get("error"),
            attempts=attempts,
            seconds=float(data.get("seconds", 0.0)),
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form (``fleet.results[]``)."""
        return {
            "target": self.target,
            "state": self.state,
            "decision": self.decision,
            "model": self.model,
            "model_id": self.model_id,
            "passport_version": self.passport_version,
            "request_id": self.request_id,
            "waits_for": list(self.waits_for),
            "error": self.error,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetRun:
    """A whole batch."""

    results: tuple[FleetResult, ...]
    executor: str
    seconds: float
    versions: Mapping[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many targets ended in each state and with each decision."""
        out: dict[str, int] = {}
        for r in self.results:
            out[r.state] = out.get(r.state, 0) + 1
            if r.decision:
                out[f"decision:{r.decision}"] = out.get(f"decision:{r.decision}", 0) + 1
        return out

    def to_dict(self) -> dict[str, object]:
        """The JSON ``fleet`` object."""
        per_hour = len(self.results) / self.seconds * 3600 if self.seconds > 0 else None
        return {
            "executor": self.executor,
            "targets": len(self.results),
            "seconds": round(self.seconds, 3),
            "models_per_hour": None if per_hour is None else round(per_hour),
            "counts": self.counts(),
            "versions": dict(self.versions),
            "results": [r.to_dict() for r in self.results],
        }


def is_model_dir(path: Path) -> bool:
    """A directory holding a model: a known config file or a weights file."""
    try:
        names = [e.name for e in os.scandir(path) if e.is_file()]
    except OSError:
        return False
    return any(n in _MODEL_FILES or n.lower().endswith(_WEIGHT_SUFFIXES) for n in names)


def discover(root: Path, *, limit: int = 1_000_000) -> list[Path]:
    """Every model directory under ``root``, outermost first: a model's own sub-folders
    (checkpoints, ONNX exports) belong to it and are not listed again.

    Raises:
        UsageError: when ``root`` is not a directory.
    """
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory", hint="give a folder of model directories")
    found: list[Path] = []
    stack = [root]
    while stack and len(found) < limit:
        folder = stack.pop()
        if is_model_dir(folder):
            found.append(folder)
            continue
        try:
            subdirs = sorted(
                (Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)),
                reverse=True,
            )
        except OSError:
            continue
        stack.extend(d for d in subdirs if d.name not in _SKIP_DIRS)
    return sorted(found)


def read_list(path: Path) -> list[str]:
    """Targets from a file, one per line: paths, ``hf://`` ids or registered model names;
    blank lines and ``#`` comments are skipped, duplicates kept once.

    Raises:
        UsageError: when the file cannot be read.
    """
    try:
        with path.open(encoding="utf-8") as fh:
            lines = [line.strip() for _, line in zip(range(MAX_LIST_LINES), fh, strict=False)]
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the list {path}: {getattr(exc, 'strerror', None) or exc}",
            hint="give a UTF-8 text file with one model path, hf:// id or name per line",
        ) from None
    return list(dict.fromkeys(x for x in lines if x and not x.startswith("#")))


def vet_task(target: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Vet one model and, when ``spec["registry"]`` is set, record it. Plain data in and out.

    ``spec`` holds: ``policy`` (a path or None), ``use`` (a preset name or profile path),
    ``inventory``, ``db``, ``registry`` (a DSN), ``actor``, ``hash`` and ``versions``.
    Errors in the checks are part of the passport; an error that stops the task raises.
    """
    from modelsteward.licenses import PRESETS, load_use_profile
    from modelsteward.services import vetting, worker_cache
    from modelsteward.vet import VetOptions, vet_paths

    started = time.perf_counter()
    overrides = (spec.get("per_target") or {}).get(target) or {}
    spec = {**spec, **overrides}
    policy = worker_cache.policy(spec.get("policy"))
    use = spec.get("use")
    profile = None
    if use:
        profile = PRESETS[use] if use in PRESETS else load_use_profile(Path(use))
    inventory = Path(spec["inventory"]) if spec.get("inventory") else None
    options = VetOptions(
        use=profile,
        use_label=use,
        inventory=inventory,
        advisory_db=Path(spec["db"]) if spec.get("db") and inventory else None,
        hash_files=bool(spec.get("hash", True)),
        workers=1,
    )
    run = vet_paths([target], options)
    passport = run.passports[0]
    dsn = spec.get("registry")
    if not dsn:
        decision = vetting.decide(policy, [passport], None)[0]
        return {
            "state": "vetted",
            "decision": decision.outcome.value,
            "model": passport.identity.name,
            "seconds": time.perf_counter() - started,
        }
    service = worker_cache.registry(str(dsn))
    try:
        decision = vetting.decide(policy, [passport], service)[0]
        item = vetting.record(
            service, [passport], [decision], str(spec["actor"]), versions=spec.get("versions")
        )[0]
    except BaseException:
        worker_cache.drop(str(dsn))
        raise
    req = item.request
    return {
        "state": "recorded" if item.created else "unchanged",
        "decision": item.decision.value,
        "model": item.model,
        "model_id": item.model_id,
        "passport_version": item.passport_version,
        "request_id": None if req is None else req.id,
        "waits_for": [] if req is None else [r.value for r in req.missing_roles],
        "seconds": time.perf_counter() - started,
    }


def _failure(target: str, exc: BaseException, attempts: int | None) -> FleetResult:
    message = getattr(exc, "message", None) or f"{exc.__class__.__name__}: {exc}"
    return FleetResult(target=target, state="failed", error=str(message), attempts=attempts)


def run_local(
    targets: Sequence[str],
    spec: Mapping[str, Any],
    *,
    workers: int = 2,
    retries: int = 2,
    task: Task = vet_task,
    progress: Callable[[int], None] | None = None,
) -> list[FleetResult]:
    """Vet ``targets`` in a process pool. A task that raises, or whose worker dies, is
    retried up to ``retries`` times; a dead worker costs a new pool, never the batch."""
    advance = progress or (lambda n: None)
    attempts = dict.fromkeys(targets, 0)
    results: dict[str, FleetResult] = {}

    def settle(target: str, exc: BaseException, todo: deque[str]) -> None:
        if attempts[target] <= retries:
            todo.append(target)
        else:
            results[target] = _failure(target, exc, attempts[target])
            advance(1)

    todo: deque[str] = deque(targets)
    while todo:
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            running: dict[Future[dict[str, Any]], str] = {}
            try:
                while todo or running:
                    while todo and len(running) < workers * 2:
                        target = todo.popleft()
                        try:
                            running[pool.submit(task, target, dict(spec))] = target
                        except BrokenProcessPool:
                            todo.appendleft(target)
                            raise
                        attempts[target] += 1
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        target = running.pop(fut)
                        try:
                            data = fut.result()
                        except BrokenProcessPool:
                            running[fut] = target
                            raise
                        except Exception as exc:
                            settle(target, exc, todo)
                            continue
                        results[target] = FleetResult.from_task(target, data, attempts[target])
                        advance(1)
            except BrokenProcessPool as exc:
                # A worker died: every task the pool held goes round again, within budget.
                for target in running.values():
                    settle(target, exc, todo)
    return [results[t] for t in targets]


def run_ray(
    targets: Sequence[str],
    spec: Mapping[str, Any],
    *,
    address: str | None = None,
    retries: int = 2,
    task: Task = vet_task,
    progress: Callable[[int], None] | None = None,
    num_cpus: int | None = None,
) -> list[FleetResult]:
    """Vet ``targets`` as Ray tasks, one per model, on the cluster at ``address`` (or a
    local one started for the batch). Ray retries a task whose worker dies, and one that
    raises, up to ``retries`` times.

    Raises:
        FleetError: when Ray is not installed or the cluster cannot be reached.
    """
    try:
        import ray
    except ImportError:
        raise FleetError(
            "Ray is not installed",
            hint="install the fleet extra: pip install 'modelsteward[fleet]'",
        ) from None
    advance = progress or (lambda n: None)
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(
                address=address,
                num_cpus=num_cpus if address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise FleetError(
                f"cannot reach the Ray cluster at {address or 'a new local instance'}: {exc}",
                hint="check --ray ADDRESS (or RAY_ADDRESS) and that the cluster is up",
            ) from None
    try:
        remote = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=True)(_attempt)
        refs = {remote.remote(task, t, dict(spec)): t for t in targets}
        results: dict[str, FleetResult] = {}
        waiting = list(refs)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                target = refs[ref]
                try:
                    data = ray.get(ref)
                    results[target] = FleetResult.from_task(target, data, None)
                except Exception as exc:
                    cause = getattr(exc, "cause", None) or exc
                    results[target] = _failure(target, cause, retries + 1)
                advance(1)
        return [results[t] for t in targets]
    finally:
        if started_here:
            ray.shutdown()


def _attempt(task: Task, target: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """One Ray attempt of ``task``."""
    return dict(task(target, spec))


def batch(
    targets: Iterable[str],
    spec: Mapping[str, Any],
    *,
    ray_address: str | None = None,
    use_ray: bool = False,
    workers: int = 2,
    retries: int = 2,
    progress: Callable[[int], None] | None = None,
    task: Task = vet_task,
) -> FleetRun:
    """Vet every target locally or on Ray and time the batch.

    Raises:
        FleetError: when there is nothing to vet, or Ray cannot be used.
    """
    items = list(dict.fromkeys(targets))
    if not items:
        raise FleetError("no model to vet", hint="give paths, --recursive DIR or --from-list FILE")
    started = time.perf_counter()
    if use_ray:
        results = run_ray(
            items, spec, address=ray_address, retries=retries, task=task, progress=progress
        )
        executor = f"ray:{ray_address or 'local'}"
    else:
        results = run_local(
            items, spec, workers=workers, retries=retries, task=task, progress=progress
        )
        executor = f"processes:{workers}"
    return FleetRun(
        results=tuple(results),
        executor=executor,
        seconds=time.perf_counter() - started,
        versions=dict(spec.get("versions") or {}),
    )
