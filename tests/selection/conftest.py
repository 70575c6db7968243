"""Selection fixtures: a price file with round numbers, so every figure can be derived by
hand in the tests' comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.registry.conftest import pg_schema_dsn

__all__ = ["pg_schema_dsn"]

ROUND_PRICES = """
version: test-1
hours_per_month: 1000
days_per_month: 30
gpus:
  g1: {hourly_usd: 2.0, memory_gb: 80, source: test price, date: "2026-12-01"}
  g6: {hourly_usd: 6.0, memory_gb: 80, source: test price, date: "2026-12-01"}
costs:
  storage_gb_month_usd: {value: 0, source: test, date: "2026-12-01"}
  egress_gb_usd: {value: 0, source: test, date: "2026-12-01"}
  engineer_hour_usd: {value: 100, source: test, date: "2026-12-01"}
effort:
  ops_hours_per_month: {value: 10, source: test, date: "2026-12-01"}
  ops_hours_per_replica_month: {value: 0, source: test, date: "2026-12-01"}
  patch_hours_per_advisory: {value: 1, source: test, date: "2026-12-01"}
  advisories_per_month: {value: 2, source: test, date: "2026-12-01"}
  safety_layer_hours_per_month: {value: 5, source: test, date: "2026-12-01"}
  setup_hours: {value: 100, source: test, date: "2026-12-01"}
  api_ops_hours_per_month: {value: 1, source: test, date: "2026-12-01"}
  api_setup_hours: {value: 10, source: test, date: "2026-12-01"}
traffic:
  bytes_per_output_token: {value: 4, source: test, date: "2026-12-01"}
"""


@pytest.fixture
def round_prices(tmp_path: Path) -> Path:
    """A price file whose numbers make hand derivations short."""
    path = tmp_path / "prices.yaml"
    path.write_text(ROUND_PRICES, encoding="utf-8")
    return path


def scenario_text(
    *,
    open_license: str = "apache-2.0",
    gpu: str = "g1",
    commercial: bool = True,
    customer_facing: bool = False,
    residency: str = "[]",
    region: str = "eu-west",
    api_regions: str = "[eu, us]",
) -> str:
    """A small scenario: 1,000,000 requests a month, 1,000 tokens in, 200 out, peak x2."""
    return f"""
version: 1
name: worked-example
horizon_months: 12
use:
  requests_per_month: 1000000
  input_tokens: 1000
  output_tokens: 200
  peak_factor: 2
  customer_facing: {str(customer_facing).lower()}
  commercial: {str(commercial).lower()}
  residency: {residency}
open:
  - name: open-model
    license: {open_license}
    gpu: {gpu}
    tokens_per_second_per_gpu: 1000
    target_utilization: 0.5
    min_replicas: 1
    model_size_gb: 0
    safety_layer: false
    region: {region}
    quality: 0.7
commercial:
  - name: api
    provider: Provider A
    model: chat
    input_usd_per_mtok: 1.0
    output_usd_per_mtok: 5.0
    regions: {api_regions}
    quality: 0.8
weights: {{cost: 1, quality: 0, latency: 0, independence: 0, fine_tuning: 0}}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A DSN for an empty registry on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_schema_dsn"))
