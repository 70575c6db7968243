"""The compact local advisory index: one SQLite file keyed by ecosystem and PEP 503 name.

A query reads only the records of the packages asked about, so matching never reparses the
thousands of files of an OSV export. The index is built into a temporary file beside the
destination and swapped in with ``os.replace``, so readers see the old or the new index,
never half of one. A new index that holds more than 10% fewer records than the one it
would replace is refused unless the caller allows the shrink (a truncated or wrong source
must not silently empty the database). Temporary files of a build that was killed are
removed by the next build.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.loader import iter_advisories
from modelsteward.vulns.osv import Advisory, advisory_from_json
from modelsteward.vulns.severity import rate

INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = "3"
MAX_SHRINK = 0.10
"""The largest drop in record count a rebuild may bring without ``allow_shrink``."""
_CHUNK = 500
_MISSING_HINT = (
    "run 'modelsteward db update' to download the OSV export, or "
    "'modelsteward db update --from PATH' with an all.zip or a directory of OSV records"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexStats:
    """What an index holds."""

    path: Path
    source: str
    built_at: str
    """RFC 3339 UTC time of the build."""
    records: int
    withdrawn: int
    packages: int
    ecosystems: tuple[str, ...]
    previous_records: int | None = None
    """Records of the index this one replaced (None when there was none, or for status)."""

    def age_days(self, now: datetime | None = None) -> float:
        """Days since the index was built."""
        built = datetime.fromisoformat(self.built_at)
        return ((now or datetime.now(UTC)) - built).total_seconds() / 86400.0


def index_file(path: Path) -> Path:
    """The index file for ``path``: the file itself, or ``INDEX_NAME`` inside a directory."""
    return path if path.suffix == ".sqlite" else path / INDEX_NAME


def build_index(
    source: Path | Sequence[Path], dest: Path, *, label: str = "", allow_shrink: bool = False
) -> IndexStats:
    """Parse every OSV record in ``source`` and atomically write the index at ``dest``.

    ``source`` is one advisory source or several (see :func:`loader.iter_advisories`);
    ``dest`` is the database directory (or an ``.sqlite`` file). A record id seen twice keeps
    its newest ``modified`` version.

    Raises:
        VulnError: when a source cannot be read, holds no records, would shrink the existing
            index by more than :data:`MAX_SHRINK` (unless ``allow_shrink``), or ``dest`` is
            not writable. The existing index is left as it was.
    """
    sources = [source] if isinstance(source, Path) else list(source)
    target = index_file(dest)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VulnError(f"cannot create {target.parent}: {exc}", hint="choose --db") from exc
    remove_stale(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    previous = _record_count(target)
    try:
        count = _write(tmp, sources, label or ", ".join(str(s) for s in sources))
        if count == 0:
            raise VulnError(
                f"no OSV records found in {', '.join(str(s) for s in sources)}",
                hint="give an OSV all.zip export or a directory of OSV JSON/YAML records",
            )
        if previous and count < previous * (1 - MAX_SHRINK) and not allow_shrink:
            drop = 100 * (previous - count) / previous
            raise VulnError(
                f"the new index would hold {count} records against {previous} now "
                f"({drop:.0f}% fewer); the installed index is kept",
                hint="check that the source is the whole export; pass --allow-shrink to "
                "install it anyway",
            )
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise VulnError(f"cannot write {target}: {exc}", hint="check disk space") from exc
    finally:
        tmp.unlink(missing_ok=True)
    with AdvisoryDatabase.open(target) as db:
        return replace(db.stats(), previous_records=previous)


def _record_count(target: Path) -> int | None:
    """Records of the index at ``target`` now (None when there is no readable one)."""
    if not target.is_file():
        return None
    try:
        with AdvisoryDatabase.open(target) as db:
            return db.stats().records
    except (VulnError, sqlite3.Error):
        return None


def remove_stale(folder: Path) -> list[Path]:
    """Delete what killed builds left in ``folder``: ``.<name>.<pid>.tmp`` index files and
    ``.download-<pid>-*`` folders whose process is gone. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        pid = _owner_pid(path.name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _owner_pid(name: str) -> int | None:
    if name.startswith(".download-"):
        digits = name[len(".download-") :].partition("-")[0]
    elif name.startswith(".") and name.endswith(".tmp"):
        digits = name[:-4].rpartition(".")[2]
    else:
        return None
    return int(digits) if digits.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write(tmp: Path, sources: list[Path], label: str) -> int:
    newest: dict[str, Advisory] = {}
    for src in sources:
        for advisory in iter_advisories(src):
            seen = newest.get(advisory.id)
            if seen is None or advisory.modified >= seen.modified:
                newest[advisory.id] = advisory
    with contextlib.closing(sqlite3.connect(tmp)) as conn:
        conn.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE advisory(id TEXT PRIMARY KEY, withdrawn INTEGER, body TEXT) "
            "WITHOUT ROWID;"
            "CREATE TABLE affects(ecosystem TEXT, name TEXT, id TEXT, "
            "PRIMARY KEY(ecosystem, name, id)) WITHOUT ROWID;"
        )
        conn.executemany(
            "INSERT INTO advisory VALUES (?, ?, ?)",
            ((a.id, int(bool(a.withdrawn)), _scored(a).to_json()) for a in newest.values()),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO affects VALUES (?, ?, ?)",
            (
                (_ecosystem(entry.ecosystem), entry.name, a.id)
                for a in newest.values()
                for entry in a.affected
            ),
        )
        meta = {
            "schema": SCHEMA_VERSION,
            "source": label,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.commit()
    return len(newest)


def _scored(advisory: Advisory) -> Advisory:
    rating = rate(advisory)
    scored = (int(rating.severity), rating.score, rating.method, rating.vector)
    return replace(advisory, scored=scored)


def _ecosystem(name: str) -> str:
    """``PyPI`` for ``PyPI`` and ``PyPI:something``; OSV allows a suffix after a colon."""
    return name.split(":", 1)[0]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of acyclic records are built: its
    generation-0 sweeps would otherwise run every few hundred allocations."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class AdvisoryDatabase:
    """A read-only view of a built index. Open it with :meth:`open`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._cache: dict[tuple[str, str], tuple[Advisory, ...]] = {}

    @classmethod
    def open(cls, path: Path | str) -> AdvisoryDatabase:
        """Open the index at ``path`` (the database directory or the ``.sqlite`` file).

        Raises:
            VulnError: when there is no index at ``path`` or it is not a modelsteward index.
        """
        target = index_file(Path(path))
        if not target.is_file():
            raise VulnError(f"no advisory database at {Path(path)}", hint=_MISSING_HINT)
        try:
            conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.Error as exc:
            raise VulnError(
                f"{target} is not an advisory index: {exc}", hint=_MISSING_HINT
            ) from exc
        if row is None or row[0] != SCHEMA_VERSION:
            conn.close()
            raise VulnError(f"{target} has an unknown index layout", hint=_MISSING_HINT)
        return cls(target, conn)

    def close(self) -> None:
        """Release the file."""
        self._conn.close()

    def __enter__(self) -> AdvisoryDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(
        self, names: Iterable[str], *, ecosystem: str = "PyPI"
    ) -> dict[str, tuple[Advisory, ...]]:
        """The advisories (withdrawn ones included) naming each normalised package name."""
        wanted = {n for n in names if (ecosystem, n) not in self._cache}
        found: dict[str, list[Advisory]] = {n: [] for n in wanted}
        pending = sorted(wanted)
        with gc_paused():
            for start in range(0, len(pending), _CHUNK):
                chunk = pending[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT f.name, a.body FROM affects f JOIN advisory a ON a.id = f.id "  # noqa: S608
                    f"WHERE f.ecosystem = ? AND f.name IN ({marks})",
                    (ecosystem, *chunk),
                )
                for name, body in rows:
                    found[name].append(advisory_from_json(body))
        for name, items in found.items():
            self._cache[(ecosystem, name)] = tuple(sorted(items, key=lambda a: a.id))
        return {n: self._cache[(ecosystem, n)] for n in names}

    def get(self, advisory_id: str) -> Advisory | None:
        """One record by id, or None."""
        row = self._conn.execute(
            "SELECT body FROM advisory WHERE id = ?", (advisory_id,)
        ).fetchone()
        return advisory_from_json(row[0]) if row else None

    def stats(self) -> IndexStats:
        """Source, build time and counts."""
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        records, withdrawn = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(withdrawn), 0) FROM advisory"
        ).fetchone()
        packages = self._conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT ecosystem, name FROM affects)"
        ).fetchone()[0]
        ecosystems = tuple(
            r[0] for r in self._conn.execute("SELECT DISTINCT ecosystem FROM affects ORDER BY 1")
        )
        return IndexStats(
            path=self.path,
            source=meta.get("source", ""),
            built_at=meta.get("built_at", ""),
            records=int(records),
            withdrawn=int(withdrawn),
            packages=int(packages),
            ecosystems=ecosystems,
        )
