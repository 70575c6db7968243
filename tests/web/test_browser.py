"""The dashboard in a real headless Chromium: sign in, read a passport, approve in the right
role, be refused as the requester (for a model and for a selection decision), see an overdue
SLA item in red, see an exception row that drifted from the audit chain marked, revoke an
exception."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelsteward.web import WebOptions, create_app
from tests.web.browser import browser_missing, chromium, serve, sign_in, submit
from tests.web.seed import Seeded, seed_registry

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    work: Path = tmp_path_factory.mktemp("browser")
    seeded = seed_registry(f"sqlite:///{work / 'registry.db'}", work)
    options = WebOptions(registry_dsn=seeded.dsn, secret_key=b"b" * 32, secure_cookies=False)
    with serve(create_app(options)) as base:
        yield base, seeded


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium() as d:
        yield d


def _text(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def _verdict(driver: Any, row: str, comment: str, button: str) -> None:
    from selenium.webdriver.common.by import By

    form = driver.find_element(By.CSS_SELECTOR, f"{row} form.verdict")
    form.find_element(By.NAME, "comment").send_keys(comment)
    submit(driver, form.find_element(By.CSS_SELECTOR, f"button.{button}"))


def test_sign_in_and_open_a_passport(driver: Any, site: tuple[str, Seeded]) -> None:
    from selenium.webdriver.common.by import By

    base, seeded = site
    driver.get(f"{base}/models")
    assert driver.current_url.startswith(f"{base}/login")  # nobody is signed in
    sign_in(driver, base, seeded.tokens["bob:legal"])
    assert _text(driver, "#signed-in") == "bob legal"
    driver.get(f"{base}/models?q=lora")
    submit(driver, driver.find_element(By.LINK_TEXT, "support-bot-lora"))
    assert _text(driver, "#model-name").startswith("support-bot-lora")
    license_section = _text(driver, "#license")
    assert "llama" in license_section and "license.lineage.conflict" in license_section
    hashes = driver.find_elements(By.CSS_SELECTOR, "#files td.hash")
    assert hashes and all(len(h.text) == 64 for h in hashes)


def test_the_requester_is_refused_and_the_right_roles_approve(
    driver: Any, site: tuple[str, Seeded]
) -> None:
    base, seeded = site
    # carol asked for the review; her legal token must not sign it.
    sign_in(driver, base, seeded.tokens["carol:legal"])
    driver.get(f"{base}/approvals")
    row = "#queue tbody tr"
    _verdict(driver, row, "looks fine to me", "approve")
    assert _text(driver, "#flash") == (
        "refused: carol requested approval of support-bot-lora and cannot also sign it"
    )
    sign_in(driver, base, seeded.tokens["bob:legal"])
    driver.get(f"{base}/approvals")
    _verdict(driver, row, "obligations accepted", "approve")
    assert _text(driver, "#flash") == "support-bot-lora waits for safety review"
    sign_in(driver, base, seeded.tokens["sara:safety"])
    driver.get(f"{base}/approvals")
    _verdict(driver, row, "guard policy covers it", "approve")
    assert _text(driver, "#flash") == "support-bot-lora is approved by bob (legal), sara (safety)"
    driver.get(f"{base}/models/support-bot-lora")
    assert _text(driver, "#model-status") == "approved"


def test_an_overdue_sla_item_is_red(driver: Any, site: tuple[str, Seeded]) -> None:
    from selenium.webdriver.common.by import By

    base, seeded = site
    sign_in(driver, base, seeded.tokens["sam:security"])
    driver.get(f"{base}/sla")
    overdue = driver.find_element(By.CSS_SELECTOR, 'tr[data-vuln="GHSA-56xg-wfcc-g829"]')
    assert "overdue" in overdue.get_attribute("class")
    cell = overdue.find_element(By.CSS_SELECTOR, "td.due")
    assert cell.value_of_css_property("color") == "rgba(198, 40, 40, 1)"
    assert cell.value_of_css_property("background-color") == "rgba(253, 236, 234, 1)"
    soon = driver.find_element(By.CSS_SELECTOR, 'tr[data-vuln="PYSEC-2024-47"] td.due')
    assert soon.value_of_css_property("color") != "rgba(198, 40, 40, 1)"


def test_revoke_an_exception(driver: Any, site: tuple[str, Seeded]) -> None:
    from selenium.webdriver.common.by import By

    base, seeded = site
    sign_in(driver, base, seeded.tokens["root:admin"])
    driver.get(f"{base}/exceptions")
    row = driver.find_element(By.ID, f"exc-{seeded.exception_id}")
    assert row.get_attribute("class") == "approved"
    form = row.find_element(By.CSS_SELECTOR, "form.revoke")
    form.find_element(By.NAME, "reason").send_keys("upstream fixed the card")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button.reject"))
    assert _text(driver, "#flash") == f"exception {seeded.exception_id} revoked"
    row = driver.find_element(By.ID, f"exc-{seeded.exception_id}")
    assert row.get_attribute("class") == "revoked"
    assert "revoked" in row.text


def test_a_selection_decision_is_signed_from_the_queue(
    driver: Any, site: tuple[str, Seeded]
) -> None:
    base, seeded = site
    row = f"#dec-{seeded.decision_id}"
    sign_in(driver, base, seeded.tokens["carol:legal"])
    driver.get(f"{base}/approvals")
    assert "you recorded this one" in _text(driver, row)
    _verdict(driver, row, "my own pick is fine", "approve")
    assert _text(driver, "#flash") == (
        "refused: carol requested approval of selection 'support-assistant' and cannot also sign it"
    )
    sign_in(driver, base, seeded.tokens["bob:legal"])
    driver.get(f"{base}/approvals")
    _verdict(driver, row, "license fits the use", "approve")
    assert _text(driver, "#flash") == ("selection support-assistant is pending; waits for security")
    sign_in(driver, base, seeded.tokens["sam:security"])
    driver.get(f"{base}/approvals")
    _verdict(driver, row, "scan is clean", "approve")
    assert _text(driver, "#flash") == "selection support-assistant is approved"
    assert _text(driver, "#decisions tbody") == "No decision waits for review."


def test_an_exception_that_drifted_from_the_chain_is_marked(
    driver: Any, site: tuple[str, Seeded]
) -> None:
    from selenium.webdriver.common.by import By
    from sqlalchemy import create_engine, text

    from modelsteward.registry.store.sql import normalize_dsn

    base, seeded = site
    sign_in(driver, base, seeded.tokens["sam:security"])
    driver.get(f"{base}/exceptions")
    row = driver.find_element(By.ID, f"exc-{seeded.exception_id}")
    assert "drifted" not in str(row.get_attribute("class"))
    engine = create_engine(normalize_dsn(seeded.dsn))
    edit = text("UPDATE policy_exceptions SET owner = :owner WHERE id = :id")
    try:
        with engine.begin() as conn:
            conn.execute(edit, {"owner": "mallory", "id": seeded.exception_id})
        driver.get(f"{base}/exceptions")
        row = driver.find_element(By.ID, f"exc-{seeded.exception_id}")
        assert "drifted" in str(row.get_attribute("class")).split()
        mark = row.find_element(By.CSS_SELECTOR, "div.drift")
        assert mark.text == "disagrees with the audit chain: waives nothing"
        assert mark.value_of_css_property("color") == "rgba(198, 40, 40, 1)"
    finally:
        with engine.begin() as conn:
            conn.execute(edit, {"owner": "carol", "id": seeded.exception_id})
        engine.dispose()
