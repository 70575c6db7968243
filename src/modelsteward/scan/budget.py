"""The time and memory bound of one reader on one file.

Every reader (one scanner on one artifact) runs under two bounds:

- **time**: ``ScanOptions.timeout_s`` (default 120 s) of wall time. Readers with their own
  deadline (the pickle VM) stop themselves at it; one second later an interval timer on
  the main thread interrupts any reader still running; in worker processes the pool also
  kills a batch that outlives its budget.
- **memory**: ``ScanOptions.max_reader_bytes`` (default 2 GiB) of new private data (heap and
  anonymous mappings; read-only file mappings do not count) over what the process held
  when the reader started, enforced with ``RLIMIT_DATA`` while the reader runs, so an
  allocation past it fails inside the reader instead of exhausting the machine.

Readers that spend their time in native code, where neither a timer nor Python can stop
them (HDF5 through ``h5py``: a mutated ``.h5`` file can send the library into an endless
loop), run in a forked child process under the same bounds; the child is killed when it
passes the time bound.

Either way the file gets one ``scan.limit.exceeded`` finding saying which bound stopped the
reader, and the scan goes on with the next file. The bounds are enforced only where that is
safe: on the main thread (the timer's signal is delivered there) and, for memory, while no
other thread runs (the limit is per process). The fuzz test in CI measures what readers
actually need on mutated real files (seconds and a few hundred MB at most).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
import time

try:
    import resource
except ImportError:  # pragma: no cover - not on POSIX
    resource = None  # type: ignore[assignment]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import TypeVar

    T = TypeVar("T")


class ReaderLimit(BaseException):
    """A reader passed its bound. A ``BaseException``, so that a reader's own
    ``except Exception`` cannot swallow it."""

    def __init__(self, bound: str) -> None:
        super().__init__(bound)
        self.bound = bound


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _data_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as handle:
            fields = handle.read().split()
    except OSError:
        return None
    return int(fields[5]) * _PAGE


class reader_budget:
    """Run a block under the time and memory bound (see the module docs).

    The block raises :class:`ReaderLimit` (``bound == "time"``) when it runs past
    ``seconds``, and ``MemoryError`` from the allocation that passes ``data_bytes``.
    """

    __slots__ = ("armed", "data_bytes", "previous", "restore", "seconds", "timer")

    def __init__(self, seconds: float, data_bytes: int) -> None:
        self.seconds = seconds
        self.data_bytes = data_bytes
        self.armed = False
        self.previous: object = None
        self.timer: tuple[float, float] = (0.0, 0.0)
        self.restore: tuple[int, int] | None = None

    def _alarm(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            self.armed = False
            raise ReaderLimit("time")

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self.previous = signal.signal(signal.SIGALRM, self._alarm)
        self.armed = True
        self.timer = signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 0.001))
        self.restore = _limit_memory(self.data_bytes)

    def __exit__(self, *exc: object) -> None:
        if self.previous is None:
            return
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)  # type: ignore[arg-type]
        if self.timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *self.timer)
        if self.restore is not None:
            resource.setrlimit(resource.RLIMIT_DATA, self.restore)


def _limit_memory(data_bytes: int) -> tuple[int, int] | None:
    if resource is None or threading.active_count() > 1:
        return None
    current = _data_bytes()
    if current is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = current + data_bytes
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        return None  # already tighter
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    except (ValueError, OSError):
        return None
    return soft, hard


def run_isolated(work: Callable[[], T], seconds: float, data_bytes: int) -> T:
    """``work()`` in a forked child under both bounds; its result comes back pickled.

    Falls back to :class:`reader_budget` in this process only where there is no ``fork``. A
    child forked while other threads run may block on a lock one of them held; it is killed
    at the bound like any other, so the worst case is a reader reported as over its bound,
    never a scan that does not return (a native reader stuck in C cannot be interrupted in
    this process).

    Raises:
        ReaderLimit: when the child passes the time bound (it is killed).
        MemoryError: when it passes the memory bound.
        Exception: whatever ``work`` raised, re-raised here.
    """
    if not hasattr(os, "fork"):
        with reader_budget(seconds, data_bytes):
            return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_end)
        _child(work, write_end, data_bytes)
    os.close(write_end)
    try:
        payload = _collect(read_end, pid, seconds)
    finally:
        os.close(read_end)
    outcome, value = pickle.loads(payload)  # noqa: S301 - our own child's answer
    if outcome == "ok":
        return value  # type: ignore[no-any-return]
    raise value


def _child(work: Callable[[], object], write_end: int, data_bytes: int) -> None:  # pragma: no cover
    code = 0
    try:
        _limit_memory(data_bytes)
        try:
            payload = pickle.dumps(("ok", work()))
        except MemoryError:
            payload = pickle.dumps(("error", MemoryError()))
        except Exception as exc:
            try:
                payload = pickle.dumps(("error", exc))
            except Exception:
                payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        view = memoryview(payload)
        while view:
            view = view[os.write(write_end, view) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _collect(read_end: int, pid: int, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    parts: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([read_end], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise ReaderLimit("time")
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        parts.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not parts:
        raise RuntimeError(f"the isolated reader died (wait status {status})")
    return b"".join(parts)
