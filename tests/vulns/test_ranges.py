"""OSV range semantics under PEP 440, one table row per rule of the schema."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.vulns.osv import parse_advisory
from modelsteward.vulns.ranges import evaluate
from tests.vulns.conftest import make_record


def _entry(events=None, *, versions=None, ranges=None):  # type: ignore[no-untyped-def]
    record = make_record(
        "X-1", events=events if events is not None else (), versions=versions, ranges=ranges
    )
    return parse_advisory(record).affected[0]


INTRO_FIXED = ({"introduced": "1.0"}, {"fixed": "2.0"})
LAST = ({"introduced": "0"}, {"last_affected": "1.5"})
TWO_WINDOWS = (
    {"introduced": "1.0"},
    {"fixed": "1.2"},
    {"introduced": "2.0"},
    {"fixed": "2.1"},
)


@pytest.mark.parametrize(
    ("events", "version", "affected"),
    [
        (INTRO_FIXED, "0.9", False),
        (INTRO_FIXED, "1.0", True),  # introduced is inclusive
        (INTRO_FIXED, "1.9.9", True),
        (INTRO_FIXED, "2.0", False),  # fixed is exclusive
        (INTRO_FIXED, "2.0rc1", True),  # a pre-release of the fix is still before it
        (INTRO_FIXED, "1.0.dev1", False),  # a dev release sorts before 1.0
        (INTRO_FIXED, "1.0.post1", True),
        (INTRO_FIXED, "2.0.post1", False),
        (LAST, "1.5", True),  # last_affected is inclusive
        (LAST, "1.5.1", False),
        (LAST, "0.0.1", True),
        (TWO_WINDOWS, "1.1", True),
        (TWO_WINDOWS, "1.5", False),
        (TWO_WINDOWS, "2.0.5", True),
        (TWO_WINDOWS, "2.1", False),
        # events out of order in the record are sorted first
        (({"fixed": "2.0"}, {"introduced": "1.0"}), "1.5", True),
        # local versions compare by their public part
        (INTRO_FIXED, "1.5+cu121", True),
        (INTRO_FIXED, "2.0+cu121", False),
        (LAST, "1.5+cpu", True),
        # ``0`` means every version, even a pre-release of the first one
        (({"introduced": "0"},), "0.0.1a1", True),
        # transformers PYSEC-2025-217: "5.0.0-rc0" is valid PEP 440 (5.0.0rc0)
        (({"introduced": "0"}, {"last_affected": "5.0.0-rc0"}), "5.0.0rc0", True),
        (({"introduced": "0"}, {"last_affected": "5.0.0-rc0"}), "5.0.0", False),
    ],
)
def test_ecosystem_range(events: tuple[dict[str, str], ...], version: str, affected: bool) -> None:
    verdict = evaluate(_entry(events), version)
    assert verdict.affected is affected
    assert verdict.ambiguous == ""


def test_limit_caps_the_range() -> None:
    entry = _entry(({"introduced": "0"}, {"limit": "3.0"}))
    assert evaluate(entry, "2.9").affected
    assert not evaluate(entry, "3.0").affected
    star = _entry(({"introduced": "0"}, {"limit": "*"}))
    assert evaluate(star, "99").affected


def test_fixed_in_is_the_fix_closing_the_window() -> None:
    verdict = evaluate(_entry(TWO_WINDOWS), "2.0.5")
    assert verdict.fixed_in == ("2.1",)


def test_explicit_versions_list_matches_exactly() -> None:
    # pytorch-lightning PYSEC-2026-508 has a versions list only
    entry = _entry((), versions=["1.0", "1.1", "2.0.1"])
    assert evaluate(entry, "1.1").affected
    assert evaluate(entry, "2.0.1+cu118").affected
    assert not evaluate(entry, "1.2").affected


def test_invalid_pep440_event_is_ambiguous_not_silently_dropped() -> None:
    # torch PYSEC-2025-189: last_affected "2.6.0-cu124" is not PEP 440
    entry = _entry(({"introduced": "0"}, {"last_affected": "2.6.0-cu124"}))
    verdict = evaluate(entry, "2.3.0+cu121")
    assert not verdict.affected
    assert "2.6.0-cu124" in verdict.ambiguous


def test_versions_list_decides_even_when_a_range_is_invalid() -> None:
    entry = _entry(({"introduced": "0"}, {"last_affected": "2.6.0-NA"}), versions=["2.3.0"])
    verdict = evaluate(entry, "2.3.0")
    assert verdict.affected
    assert verdict.ambiguous == ""


def test_entry_without_ranges_or_versions_is_ambiguous() -> None:
    # keras PYSEC-2025-75/76
    verdict = evaluate(_entry(()), "3.0.0")
    assert not verdict.affected
    assert "no affected ranges" in verdict.ambiguous


def test_git_ranges_are_not_evaluated_against_versions() -> None:
    entry = _entry(ranges=[{"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}])
    verdict = evaluate(entry, "1.0")
    assert not verdict.affected
    assert verdict.ambiguous == ""


def test_installed_version_that_is_not_pep440_is_ambiguous() -> None:
    verdict = evaluate(_entry(INTRO_FIXED), "not-a-version!")
    assert verdict.ambiguous


def test_range_closing_twice_is_ambiguous_where_readings_differ() -> None:
    # avif PYSEC-2021-892: introduced 0, last_affected 0.8.0, last_affected 0.8.1
    entry = _entry(({"introduced": "0"}, {"last_affected": "0.8.0"}, {"last_affected": "0.8.1"}))
    assert evaluate(entry, "0.7").affected
    doubtful = evaluate(entry, "0.8.1")
    assert not doubtful.affected
    assert "closes twice" in doubtful.ambiguous
    clean = evaluate(entry, "0.9")
    assert (clean.affected, clean.ambiguous) == (False, "")


_VERSIONS = [
    f"{major}.{minor}.{patch}" for major in range(3) for minor in range(3) for patch in range(3)
]


@settings(max_examples=200, deadline=None)
@given(
    bounds=st.lists(st.sampled_from(range(len(_VERSIONS))), min_size=2, max_size=8, unique=True),
    installed=st.sampled_from(_VERSIONS),
    last_open=st.booleans(),
)
def test_well_formed_windows_match_interval_semantics(
    bounds: list[int], installed: str, last_open: bool
) -> None:
    """Disjoint [introduced, fixed) windows, shuffled in the record, match plain interval
    membership; an unclosed last window extends to infinity."""
    cuts = sorted(bounds)
    pairs = [(cuts[i], cuts[i + 1] if i + 1 < len(cuts) else None) for i in range(0, len(cuts), 2)]
    if not last_open and pairs[-1][1] is None:
        pairs = pairs[:-1] or [(cuts[0], cuts[1])]
    events: list[dict[str, str]] = []
    for low, high in reversed(pairs):
        events.append({"introduced": _VERSIONS[low]})
        if high is not None:
            events.append({"fixed": _VERSIONS[high]})
    index = _VERSIONS.index(installed)
    expected = any(low <= index and (high is None or index < high) for low, high in pairs)
    assert evaluate(_entry(tuple(events)), installed).affected is expected
