"""``db update`` against hostile and damaged sources: inflation bounds, a shrinking index,
corrupt archives, and what killed builds left behind."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from modelsteward.cli.main import run
from modelsteward.vulns import AdvisoryDatabase, VulnError, build_index, update_database
from modelsteward.vulns.db import remove_stale
from modelsteward.vulns.loader import iter_advisories
from tests.vulns.conftest import make_record, write_zip


def _records(n: int, prefix: str = "PYSEC") -> list[dict[str, object]]:
    return [make_record(f"{prefix}-{i}", package=f"pkg{i % 7}") for i in range(n)]


def _bomb(path: Path, inflated_mib: int) -> Path:
    """A zip whose one record inflates to ``inflated_mib`` MiB of spaces (about 1/1000 of
    that on disk), after one ordinary record."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PYSEC-1.json", json.dumps(make_record("PYSEC-1")))
        with archive.open("PYSEC-2.json", "w", force_zip64=True) as member:
            member.write(b'{"id": "PYSEC-2", "summary": "')
            block = b" " * (1 << 20)
            for _ in range(inflated_mib):
                member.write(block)
            member.write(b'"}')
    return path


_PEAK_RSS = """
import sys
from modelsteward.cli.main import run
code = run(sys.argv[1:])
# VmHWM is this process's own high-water mark; ru_maxrss would carry over the parent's
# resident size from before exec, which in a long pytest run is over 1 GiB.
with open("/proc/self/status") as status:
    hwm = next(line for line in status if line.startswith("VmHWM:"))
print("peak_kib=%d" % int(hwm.split()[1]))
sys.exit(code)
"""


def test_an_inflating_member_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    # A 1 GiB member: inflated in memory it would take over 1 GiB; streamed, the process stays
    # at its start-up size plus one bounded record.
    bomb = _bomb(tmp_path / "all.zip", 1024)
    assert bomb.stat().st_size < 2 << 20
    env = {**os.environ, "MODELSTEWARD_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, "db", "update", "--from", str(bomb),
         "--db", str(tmp_path / "db")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    peak_mib = int(done.stdout.rpartition("peak_kib=")[2]) / 1024
    assert done.returncode == 2, done.stderr
    assert "\nerror: " in done.stderr and "\nhint: " in done.stderr
    assert "PYSEC-2.json inflates to more than 32 MiB" in done.stderr
    assert "Traceback" not in done.stderr
    assert peak_mib < 512, f"peak RSS {peak_mib:.0f} MiB"
    assert not (tmp_path / "db" / "index.sqlite").exists()


def test_the_total_inflated_size_is_bounded_too(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "all.zip", _records(50))
    with pytest.raises(VulnError, match="inflates to more than 0 MiB in all"):
        list(iter_advisories(source, max_total_bytes=4000))
    tar = tmp_path / "records.tar.gz"
    with tarfile.open(tar, "w:gz") as archive:
        data = b" " * (40 << 20)
        info = tarfile.TarInfo("big.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(VulnError, match=r"big\.json inflates to more than 32 MiB"):
        list(iter_advisories(tar))


def test_an_index_that_shrinks_by_more_than_10_percent_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "db"
    build_index(write_zip(tmp_path / "full" / "all.zip", _records(50)), dest)
    one = write_zip(tmp_path / "one" / "all.zip", _records(1))
    with pytest.raises(VulnError) as info:
        update_database(dest, from_path=one)
    assert "1 records against 50 now (98% fewer)" in info.value.message
    assert "--allow-shrink" in info.value.hint
    with AdvisoryDatabase.open(dest) as db:
        assert db.stats().records == 50

    nine_percent = write_zip(tmp_path / "most" / "all.zip", _records(46))
    assert update_database(dest, from_path=nine_percent).previous_records == 50

    code = run(["db", "update", "--from", str(one), "--db", str(dest)])
    err = capsys.readouterr().err
    assert code == 2 and "46 now" in err and "hint: " in err
    code = run(["db", "update", "--from", str(one), "--db", str(dest), "--allow-shrink",
                "--format", "json"])  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (shown["database"]["records"], shown["database"]["previous_records"]) == (1, 46)


def _corrupt_copy(source: Path, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.infolist()[3]
    # Damage the compressed bytes of one member; the directory stays valid.
    start = info.header_offset + 30 + len(info.filename) + 8
    for i in range(start, start + 16):
        data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_corrupt_archive_is_a_clean_error_and_keeps_the_index(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "db"
    good = write_zip(tmp_path / "good" / "all.zip", _records(20))
    build_index(good, dest)
    bad = tmp_path / "all.zip"
    if damage == "flipped":
        _corrupt_copy(good, bad)
    else:
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    code = run(["db", "update", "--from", str(bad), "--db", str(dest)])
    err = capsys.readouterr().err
    assert code == 2
    assert "\nerror: " in err and "\nhint: " in err and "Traceback" not in err
    with AdvisoryDatabase.open(dest) as db:
        assert db.stats().records == 20


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_what_a_killed_build_left_is_removed_by_the_next(tmp_path: Path) -> None:
    dest = tmp_path / "db"
    dest.mkdir()
    dead = _dead_pid()
    stale_file = dest / f".index.sqlite.{dead}.tmp"
    stale_file.write_bytes(b"half an index")
    stale_dir = dest / f".download-{dead}-x1y2"
    stale_dir.mkdir()
    (stale_dir / "PyPI.zip").write_bytes(b"partial")
    running = dest / f".index.sqlite.{os.getppid()}.tmp"  # a build still running elsewhere
    running.write_bytes(b"in progress")
    build_index(write_zip(tmp_path / "all.zip", _records(3)), dest)
    assert sorted(p.name for p in dest.iterdir()) == [running.name, "index.sqlite"]
    assert remove_stale(dest) == []
