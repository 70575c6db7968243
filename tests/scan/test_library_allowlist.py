"""The library tier trusts classes only the way they are safe to build, and never a callable
that reaches code: each case asserts the exact rule id."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from modelsteward.findings import Severity
from modelsteward.scan import ScanOptions, scan_path
from modelsteward.scan.allowlist import Verdict, judge
from modelsteward.scan.allowlist_libs import groups, reason_for
from tests.scan.factories import PickleWriter, write


def _serious(path: Path) -> set[tuple[str, str]]:
    report = scan_path(path, ScanOptions())
    return {(f.rule_id, f.evidence) for f in report.at_least(Severity.HIGH)}


def test_every_library_entry_has_a_reason() -> None:
    for group in groups():
        assert len(group.reason) > 40
        for name in group.names:
            assert reason_for(name) == group.reason
            assert judge(*name.rsplit(".", 1)).verdict is Verdict.ALLOWED


def test_nothing_dangerous_is_on_the_library_tier() -> None:
    from modelsteward.scan.danger import danger_of

    for group in groups():
        for name in group.names:
            module, _, attr = name.rpartition(".")
            assert not danger_of(name, module, attr), name


def test_state_only_class_rebuilt_by_newobj_passes(tmp_path: Path) -> None:
    w = PickleWriter(2).global_("lightgbm.basic", "Booster").empty_tuple().raw(b"\x81")
    w.empty_dict().raw(b"b")
    assert _serious(write(tmp_path, "b.pkl", w.finish())) == set()


def test_state_only_class_called_with_arguments_is_unverified(tmp_path: Path) -> None:
    # Booster(params, train_set, model_file) reads a file from a path: only its state is trusted.
    w = PickleWriter(2).global_("lightgbm.basic", "Booster").mark().raw(b"N")
    w.raw(b"N").unicode("/etc/passwd").tuple_().reduce()
    found = _serious(write(tmp_path, "b.pkl", w.finish()))
    assert found == {("scan.pickle.unverified-global", "lightgbm.basic.Booster")}


def test_reconstructor_base_init_is_judged(tmp_path: Path) -> None:
    # copyreg._reconstructor(cls, base, state) runs base.__init__(obj, state).
    w = PickleWriter(2).global_("copyreg", "_reconstructor").mark()
    w.global_("xgboost.core", "Booster").global_("xgboost.core", "Booster")
    w.unicode("model.json").tuple_().reduce()
    found = _serious(write(tmp_path, "x.pkl", w.finish()))
    assert found == {("scan.pickle.unverified-global", "xgboost.core.Booster")}


def test_legacy_module_persistent_id_calls_the_class_it_names(tmp_path: Path) -> None:
    # Legacy torch.save of a module: persistent_load(('module', cls, file, source)) -> cls.
    w = PickleWriter(2).mark().unicode("module").global_("posix", "system")
    w.unicode("f.py").unicode("src").tuple_().binpersid()
    w.mark().unicode("id").tuple_().reduce()
    found = _serious(write(tmp_path, "m.pt", w.finish()))
    assert ("scan.pickle.unsafe-global", "posix.system") in found


def test_module_state_holding_a_dangerous_hook_is_caught(tmp_path: Path) -> None:
    w = PickleWriter(2).global_("torch.nn.modules.linear", "Linear").empty_tuple().raw(b"\x81")
    w.empty_dict().unicode("_forward_hooks").global_("posix", "system").setitem().raw(b"b")
    found = _serious(write(tmp_path, "l.pt", w.finish()))
    assert found == {("scan.pickle.unsafe-global", "posix.system")}


def test_object_array_with_a_dangerous_pickle_stays_medium(tmp_path: Path) -> None:
    w = PickleWriter(2).global_("posix", "system").mark().unicode("id").tuple_().reduce()
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - len(header) % 64) + "\n"
    raw = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    path = write(tmp_path, "a.npy", raw + w.finish())
    report = scan_path(path, ScanOptions())
    found = {(f.rule_id, f.severity) for f in report.findings}
    assert found == {
        ("scan.numpy.object-array", Severity.MEDIUM),
        ("scan.pickle.unsafe-global", Severity.CRITICAL),
    }


@pytest.mark.parametrize("values", [["a", None, "b"], [1, 2.5, None, "x", (1, 2)]])
def test_object_array_of_plain_values_is_low(tmp_path: Path, values: list[object]) -> None:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    np.save(tmp_path / "a.npy", arr)
    report = scan_path(tmp_path / "a.npy", ScanOptions())
    assert [(f.rule_id, f.severity) for f in report.findings] == [
        ("scan.numpy.object-array", Severity.LOW)
    ]


def test_library_table_is_valid_json() -> None:
    from importlib.resources import files

    raw = files("modelsteward.scan").joinpath("data/library_allowlist.json").read_text("utf-8")
    doc = json.loads(raw)
    assert {g["construction"] for g in doc["groups"]} == {"state", "call"}
