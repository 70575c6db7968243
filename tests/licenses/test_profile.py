"""Use profiles from files and presets; bad input is a LicenseError with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.licenses import PRESETS, LicenseError, UseProfile, load_use_profile, preset


def test_yaml_profile(tmp_path: Path) -> None:
    path = tmp_path / "use.yaml"
    path.write_text("commercial: true\nmonthly_active_users: 5000\neu_entity: yes\n")
    assert load_use_profile(path) == UseProfile(
        commercial=True, monthly_active_users=5000, eu_entity=True
    )


def test_json_profile(tmp_path: Path) -> None:
    path = tmp_path / "use.json"
    path.write_text('{"distillation": true, "annual_revenue_usd": 2000000}')
    assert load_use_profile(path) == UseProfile(distillation=True, annual_revenue_usd=2_000_000)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("commercial: true\nusers: 3\n", "users"),
        ("monthly_active_users: many\n", "monthly_active_users"),
        ("monthly_active_users: -1\n", "monthly_active_users"),
        ("- a list\n", "not a mapping"),
        ("commercial: [true\n", "not valid YAML"),
    ],
)
def test_bad_profile_is_a_license_error_with_hint(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "use.yaml"
    path.write_text(text)
    with pytest.raises(LicenseError) as info:
        load_use_profile(path)
    assert needle in info.value.message
    assert info.value.hint


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(LicenseError, match="cannot read use profile"):
        load_use_profile(tmp_path / "nope.yaml")


def test_presets() -> None:
    assert {"research", "internal", "commercial-saas"} <= set(PRESETS)
    assert PRESETS["research"].commercial is False
    assert PRESETS["commercial-saas"].customer_facing is True
    assert preset("internal") is PRESETS["internal"]
    with pytest.raises(LicenseError, match="unknown use preset"):
        preset("everything")
