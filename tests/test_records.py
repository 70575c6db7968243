"""The hand-written value classes behave like the dataclasses they stand for."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from modelsteward.findings import CheckError, Finding, Location, Report, Rule, Severity, Skipped
from modelsteward.scan.pickle_sink import FindingSink, Where
from modelsteward.scan.pickle_values import Obj, Ref
from modelsteward.scan.unpack import Budget


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationDC:
    path: str = ""
    member: str | None = None
    offset: int | None = None
    line: int | None = None
    package: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingDC:
    rule_id: str
    severity: Severity
    message: str
    location: LocationDC = field(default_factory=LocationDC)
    evidence: str = ""
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckErrorDC:
    path: str
    message: str


def _renamed(text: str) -> str:
    return text.replace("LocationDC(", "Location(").replace("FindingDC(", "Finding(")


def test_repr_eq_hash_and_match_args_are_those_of_the_dataclass() -> None:
    loc, loc_dc = (
        Location(path="a", member="m", offset=3),
        LocationDC(path="a", member="m", offset=3),
    )
    ours = Finding(rule_id="r", severity=Severity.HIGH, message="m", location=loc, refs=("x",))
    theirs = FindingDC(
        rule_id="r", severity=Severity.HIGH, message="m", location=loc_dc, refs=("x",)
    )
    assert repr(ours) == _renamed(repr(theirs))
    assert repr(CheckError("p", "m")) == repr(CheckErrorDC("p", "m")).replace("DC(", "(")
    assert hash(loc) == hash(loc_dc)
    assert hash(CheckError("p", "m")) == hash(CheckErrorDC("p", "m"))
    assert Finding(rule_id="r", severity=Severity.LOW, message="m").location == Location()
    assert loc == Location(path="a", member="m", offset=3)
    assert loc != Location(path="a", member="m")
    assert loc != loc_dc  # another class is never equal, as with dataclasses
    assert Location.__match_args__ == LocationDC.__match_args__ == ()
    assert CheckError.__match_args__ == CheckErrorDC.__match_args__
    assert Report.__match_args__ == ("findings", "errors", "skipped")


def test_frozen_like_a_dataclass() -> None:
    for value in (Location(path="a"), Rule(id="x", summary="s"), Skipped("p", "r"), Report()):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
            value.path = "b"  # type: ignore[misc, union-attr]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field"):
            del value.path  # type: ignore[misc, union-attr]
    with pytest.raises(TypeError):
        Location("a")  # type: ignore[misc]


def test_pickle_and_copy_round_trip() -> None:
    report = Report(
        (Finding(rule_id="r", severity=Severity.LOW, message="m", location=Location(path="a")),),
        (CheckError("p", "m"),),
        (Skipped("q", "big"),),
    )
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(report, protocol=proto)) == report
    assert copy.deepcopy(report) == report
    assert copy.copy(Ref("os", "system", 3)) == Ref("os", "system", 3)
    assert {Ref("os", "system", 3), Ref("os", "system", 3)} == {Ref("os", "system", 3)}


def test_mutable_records_are_unhashable_and_identity_values_compare_by_identity() -> None:
    budget = Budget(10, 2.0)
    assert budget == Budget(10, 2.0)
    budget.unpacked_left -= 1
    assert budget != Budget(10, 2.0)
    with pytest.raises(TypeError):
        hash(budget)
    obj = Obj("f", (), 0)
    assert obj != Obj("f", (), 0)
    assert obj == obj
    assert {obj: 1}[obj] == 1
    obj.state = obj
    assert repr(obj) == "Obj(func='f', args=(), offset=0, state=...)"


def test_generated_init_gives_each_instance_its_own_factory_default() -> None:
    first, second = FindingSink(Where("a"), frozenset()), FindingSink(Where("a"), frozenset())
    first.findings.append(Finding(rule_id="r", severity=Severity.LOW, message="m"))
    assert second.findings == []
    assert Finding(rule_id="r", severity=Severity.LOW, message="m").location == Location()
    moved = Location(path="a", offset=3)._replace(member="m")
    assert moved == Location(path="a", member="m", offset=3)
    with pytest.raises(TypeError):
        Ref("os", "system")  # type: ignore[call-arg]
