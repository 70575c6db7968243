"""The cost model, on worked examples whose figures are derived by hand below.

Round prices (conftest): 1,000 hours and 30 days a month, GPU g1 at $2/h, g6 at $6/h, an
engineer hour at $100, 10 h of operations, 2 advisories a month at 1 h each, 5 h of safety
layer work, setup 100 h; an API costs 1 h a month and 10 h to set up. No storage or egress.

Traffic: 1,000,000 requests a month, 1,000 tokens in and 200 out, peak factor 2.
One replica (1 GPU, 1,000 tokens/s, 50 % utilisation) sustains 500 tokens/s at the peak:
    500 * 30 * 86,400 / (200 * 2) = 3,240,000 requests a month.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.selection.prices import load_prices
from modelsteward.selection.scenario import CommercialOption, SelectionError, UseCase
from modelsteward.selection.tco import (
    Plan,
    Traffic,
    break_even,
    commercial_cost,
    replicas_needed,
    self_hosted_cost,
)

USE = UseCase(requests_per_month=1_000_000, input_tokens=1000, output_tokens=200, peak_factor=2)
API = CommercialOption(
    name="api", provider="A", model="m", input_usd_per_mtok=1.0, output_usd_per_mtok=5.0
)


def _plan(gpu: str = "g1", min_replicas: int = 1) -> Plan:
    return Plan(
        gpu=gpu,
        gpus_per_replica=1,
        tokens_per_second_per_gpu=1000,
        utilization=0.5,
        min_replicas=min_replicas,
        model_size_gb=0,
        safety_layer=False,
    )


def test_self_hosted_monthly_cost_by_hand(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    cost = self_hosted_cost(_plan(), Traffic.of(USE, prices), prices, customer_facing=False)
    # 1 replica: GPU 2 $/h * 1,000 h = 2,000; operations 10 h * 100 = 1,000;
    # patching 2 advisories * 1 h * 100 = 200; no safety layer: 3,200 a month.
    assert cost.replicas == 1
    assert cost.parts["gpu"] == pytest.approx(2000)
    assert cost.parts["operations"] == pytest.approx(1000)
    assert cost.parts["patching"] == pytest.approx(200)
    assert cost.parts["safety_layer"] == 0
    assert cost.monthly_usd == pytest.approx(3200)
    # Setup 100 h * 100 = 10,000; over 12 months 10,000 + 12 * 3,200 = 48,400.
    assert cost.over(12) == pytest.approx(48_400)


def test_customer_facing_adds_the_safety_layer(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    traffic = Traffic.of(USE, prices)
    cost = self_hosted_cost(_plan(), traffic, prices, customer_facing=True)
    assert cost.parts["safety_layer"] == pytest.approx(500)  # 5 h * 100
    api = commercial_cost(API, traffic, prices, customer_facing=True)
    assert api.parts["safety_layer"] == pytest.approx(500)


def test_commercial_monthly_cost_by_hand(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    cost = commercial_cost(API, Traffic.of(USE, prices), prices, customer_facing=False)
    # Per request (1,000 * 1.0 + 200 * 5.0) / 1e6 = $0.002; 1e6 requests = 2,000; upkeep
    # 1 h * 100 = 100: 2,100 a month; setup 10 h * 100 = 1,000.
    assert cost.parts["tokens"] == pytest.approx(2000)
    assert cost.monthly_usd == pytest.approx(2100)
    assert cost.over(12) == pytest.approx(1000 + 12 * 2100)


def test_cached_input_and_batch_discounts(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    option = API.model_copy(
        update={
            "cached_input_usd_per_mtok": 0.5,
            "cached_input_share": 0.5,
            "batch_discount": 0.5,
            "batch_share": 0.2,
        }
    )
    cost = commercial_cost(option, Traffic.of(USE, prices), prices, customer_facing=False)
    # Input price 0.5 * 1.0 + 0.5 * 0.5 = 0.75; per request (750 + 1,000) / 1e6 = 0.00175;
    # the batch share saves 0.5 * 0.2 = 10 %: 0.001575 * 1e6 = 1,575.
    assert cost.parts["tokens"] == pytest.approx(1575)


def test_break_even_inside_the_first_segment(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    traffic = Traffic.of(USE, prices)
    even = break_even(_plan(), API, traffic, prices, customer_facing=False)
    # Self-hosting: fixed 1,200 + 2,000 per replica; the API: 100 + 0.002 per request.
    # With one replica (up to 3.24 M): 3,200 <= 100 + 0.002 R  =>  R >= 1,550,000.
    # From 2 replicas on every segment is cheaper whole (1,200 + 2,000 k <= 100 + 0.002 *
    # 3.24e6 (k - 1) holds for k >= 2), so self-hosting stays cheaper above 1.55 M.
    assert even == pytest.approx(1_550_000)
    at = self_hosted_cost(_plan(), traffic.scaled(1.55), prices, customer_facing=False)
    api = commercial_cost(API, traffic.scaled(1.55), prices, customer_facing=False)
    assert at.monthly_usd == pytest.approx(api.monthly_usd)


def test_break_even_is_where_self_hosting_stays_cheaper(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    traffic = Traffic.of(USE, prices)
    even = break_even(_plan("g6"), API, traffic, prices, customer_facing=False)
    # A replica now costs 6,000. Self-hosting is no dearer at R with k replicas when
    # 1,100 + 6,000 k <= 0.002 R. Segment k = 14 (up to 45.36 M) is cheaper from
    # (1,100 + 84,000) / 0.002 = 42.55 M, but the 15th replica at 45.36 M makes it dearer
    # again; segment 15 is cheaper from (1,100 + 90,000) / 0.002 = 45.55 M, and every
    # segment from 16 on is cheaper whole (1,100 + 96,000 <= 0.002 * 48.6 M = 97,200).
    assert even == pytest.approx(45_550_000)
    below = traffic.scaled(45.4)  # just past 14 replicas' reach
    assert replicas_needed(below.requests_per_month, 3_240_000, 1) == 15
    assert (
        self_hosted_cost(_plan("g6"), below, prices, customer_facing=False).monthly_usd
        > commercial_cost(API, below, prices, customer_facing=False).monthly_usd
    )
    cheaper_once = traffic.scaled(43)
    assert (
        self_hosted_cost(_plan("g6"), cheaper_once, prices, customer_facing=False).monthly_usd
        < commercial_cost(API, cheaper_once, prices, customer_facing=False).monthly_usd
    )


def test_no_break_even_when_a_replica_costs_more_than_its_volume_saves(
    round_prices: Path,
) -> None:
    prices = load_prices(round_prices)
    cheap = API.model_copy(update={"input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2})
    # Per request (100 + 40) / 1e6 = 0.00014; a full replica saves 0.00014 * 3.24 M = 453.6
    # in fees and costs 2,000: self-hosting never catches up.
    assert (
        break_even(_plan(), cheap, Traffic.of(USE, prices), prices, customer_facing=False) is None
    )


def test_minimum_replicas_hold_whatever_the_load(round_prices: Path) -> None:
    prices = load_prices(round_prices)
    cost = self_hosted_cost(
        _plan(min_replicas=2), Traffic.of(USE, prices).scaled(0.01), prices, customer_facing=False
    )
    assert cost.replicas == 2
    assert cost.parts["gpu"] == pytest.approx(4000)


def test_user_price_file_replaces_only_what_it_names(tmp_path: Path) -> None:
    override = tmp_path / "mine.yaml"
    override.write_text(
        'version: acme-2026-12\ngpus:\n  l4-24gb: {hourly_usd: 0.55, source: "ACME quote 17",'
        ' date: "2026-12-01"}\n',
        encoding="utf-8",
    )
    prices = load_prices(override)
    assert prices.gpu("l4-24gb").hourly_usd == 0.55
    assert prices.gpu("l4-24gb").source == "ACME quote 17"
    assert prices.gpu("h100-80gb").hourly_usd > 0  # built-in entries stay
    assert prices.version.endswith("acme-2026-12")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gpus:\n  x: {hourly_usd: 1}\n", "needs hourly_usd, source and date"),
        ("costs:\n  egress_gb_usd: 3\n", "must have value, source and date"),
        ("costs:\n  egress_gb_usd: {value: -1, source: s, date: d}\n", "non-negative"),
        ("- a list\n", "must be a mapping"),
        ("gpus: [\n", "not valid YAML"),
    ],
)
def test_bad_price_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SelectionError, match=message) as info:
        load_prices(path)
    assert info.value.hint


def test_unknown_gpu_lists_the_known_ones() -> None:
    with pytest.raises(SelectionError, match="no price for GPU type 'tpu'") as info:
        load_prices().gpu("tpu")
    assert "h100-80gb" in (info.value.hint or "")
