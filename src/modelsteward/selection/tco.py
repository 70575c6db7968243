"""Total cost of ownership: self-hosted capacity sized for the peak against per-token fees.

Self-hosting costs a step function of volume: replicas are added whole. Each replica carries
its GPUs, storage and upkeep; the service carries fixed upkeep (operations, patching under the
advisory rate, the safety layer); egress grows with the answers. A commercial API costs its
token fees plus a little upkeep. Every price comes from :class:`Prices`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from modelsteward.selection.prices import Prices
from modelsteward.selection.scenario import CommercialOption, UseCase

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """Monthly volume and the shape of one request."""

    requests_per_month: float
    input_tokens: float
    output_tokens: float
    peak_factor: float

    @classmethod
    def of(cls, use: UseCase, prices: Prices) -> Traffic:
        """The traffic a use case describes (per-day volumes times days per month)."""
        monthly = use.requests_per_month
        if monthly is None:
            assert use.requests_per_day is not None
            monthly = use.requests_per_day * prices.days_per_month
        return cls(
            requests_per_month=monthly,
            input_tokens=use.input_tokens,
            output_tokens=use.output_tokens,
            peak_factor=use.peak_factor,
        )

    def scaled(self, factor: float) -> Traffic:
        """The same traffic at ``factor`` times the volume."""
        return Traffic(
            requests_per_month=self.requests_per_month * factor,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            peak_factor=self.peak_factor,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """How one open model would be served."""

    gpu: str
    gpus_per_replica: int
    tokens_per_second_per_gpu: float
    utilization: float
    min_replicas: int
    model_size_gb: float
    safety_layer: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost:
    """A monthly cost with its parts, and the one-time cost of starting."""

    monthly_usd: float
    setup_usd: float
    parts: dict[str, float] = field(default_factory=dict)
    replicas: int | None = None
    gpus: int | None = None

    def over(self, months: int) -> float:
        """The total over ``months``: setup plus every month."""
        return self.setup_usd + self.monthly_usd * months

    def to_dict(self, months: int) -> dict[str, object]:
        """The JSON form of the cost."""
        return {
            "monthly_usd": round(self.monthly_usd, 2),
            "setup_usd": round(self.setup_usd, 2),
            "horizon_usd": round(self.over(months), 2),
            "parts": {k: round(v, 2) for k, v in self.parts.items()},
            "replicas": self.replicas,
            "gpus": self.gpus,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Linear:
    """A monthly cost as ``fixed + per_replica * replicas + per_request * requests``."""

    fixed: float
    per_replica: float
    per_request: float
    requests_per_replica: float
    min_replicas: int


def _self_terms(
    plan: Plan,
    traffic: Traffic,
    prices: Prices,
    *,
    customer_facing: bool,
    gpu_factor: float = 1.0,
    advisories_per_month: float | None = None,
) -> tuple[_Linear, dict[str, float]]:
    rate = prices.value("engineer_hour_usd")
    gpu = prices.gpu(plan.gpu)
    advisories = (
        prices.value("advisories_per_month")
        if advisories_per_month is None
        else advisories_per_month
    )
    safety = plan.safety_layer or customer_facing
    fixed = {
        "operations": prices.value("ops_hours_per_month") * rate,
        "patching": advisories * prices.value("patch_hours_per_advisory") * rate,
        "safety_layer": prices.value("safety_layer_hours_per_month") * rate if safety else 0.0,
    }
    gpu_month = plan.gpus_per_replica * gpu.hourly_usd * gpu_factor * prices.hours_per_month
    per_replica = {
        "gpu": gpu_month,
        "storage": plan.model_size_gb * prices.value("storage_gb_month_usd"),
        "replica_upkeep": prices.value("ops_hours_per_replica_month") * rate,
    }
    egress = (traffic.output_tokens * prices.value("bytes_per_output_token") / 1e9) * prices.value(
        "egress_gb_usd"
    )
    tokens_per_second = plan.tokens_per_second_per_gpu * plan.gpus_per_replica * plan.utilization
    # One replica sustains this many requests a month when sized for the peak hour.
    capacity = (
        tokens_per_second
        * prices.days_per_month
        * _SECONDS_PER_DAY
        / (traffic.output_tokens * traffic.peak_factor)
    )
    linear = _Linear(
        fixed=sum(fixed.values()),
        per_replica=sum(per_replica.values()),
        per_request=egress,
        requests_per_replica=capacity,
        min_replicas=plan.min_replicas,
    )
    return linear, {**fixed, **per_replica, "egress": egress}


def replicas_needed(requests_per_month: float, requests_per_replica: float, minimum: int) -> int:
    """Whole replicas to carry the volume at its peak, never fewer than ``minimum``."""
    return max(minimum, math.ceil(requests_per_month / requests_per_replica - 1e-9))


def self_hosted_cost(
    plan: Plan,
    traffic: Traffic,
    prices: Prices,
    *,
    customer_facing: bool,
    gpu_factor: float = 1.0,
    advisories_per_month: float | None = None,
) -> Cost:
    """The monthly cost of serving ``traffic`` on ``plan``, and its setup."""
    linear, unit = _self_terms(
        plan,
        traffic,
        prices,
        customer_facing=customer_facing,
        gpu_factor=gpu_factor,
        advisories_per_month=advisories_per_month,
    )
    replicas = replicas_needed(
        traffic.requests_per_month, linear.requests_per_replica, linear.min_replicas
    )
    parts = {
        "gpu": unit["gpu"] * replicas,
        "storage": unit["storage"] * replicas,
        "operations": unit["operations"] + unit["replica_upkeep"] * replicas,
        "patching": unit["patching"],
        "safety_layer": unit["safety_layer"],
        "egress": unit["egress"] * traffic.requests_per_month,
    }
    return Cost(
        monthly_usd=sum(parts.values()),
        setup_usd=prices.value("setup_hours") * prices.value("engineer_hour_usd"),
        parts=parts,
        replicas=replicas,
        gpus=replicas * plan.gpus_per_replica,
    )


def _api_terms(
    option: CommercialOption, traffic: Traffic, prices: Prices, *, customer_facing: bool
) -> tuple[float, dict[str, float]]:
    """Fee per request, and the fixed monthly upkeep parts."""
    cached_price = (
        option.input_usd_per_mtok
        if option.cached_input_usd_per_mtok is None
        else option.cached_input_usd_per_mtok
    )
    input_price = (
        1 - option.cached_input_share
    ) * option.input_usd_per_mtok + option.cached_input_share * cached_price
    fee = (
        traffic.input_tokens * input_price + traffic.output_tokens * option.output_usd_per_mtok
    ) / (1e6)
    fee *= 1 - option.batch_discount * option.batch_share
    rate = prices.value("engineer_hour_usd")
    fixed = {
        "operations": prices.value("api_ops_hours_per_month") * rate,
        # The enterprise safety layer fronts every customer-facing model, open or not.
        "safety_layer": prices.value("safety_layer_hours_per_month") * rate
        if customer_facing
        else 0.0,
    }
    return fee, fixed


def commercial_cost(
    option: CommercialOption, traffic: Traffic, prices: Prices, *, customer_facing: bool
) -> Cost:
    """The monthly cost of sending ``traffic`` to a commercial API, and its setup."""
    fee, fixed = _api_terms(option, traffic, prices, customer_facing=customer_facing)
    parts = {"tokens": fee * traffic.requests_per_month, **fixed}
    return Cost(
        monthly_usd=sum(parts.values()),
        setup_usd=prices.value("api_setup_hours") * prices.value("engineer_hour_usd"),
        parts=parts,
    )


def break_even(
    plan: Plan,
    option: CommercialOption,
    traffic: Traffic,
    prices: Prices,
    *,
    customer_facing: bool,
    advisories_per_month: float | None = None,
) -> float | None:
    """The monthly request volume from which self-hosting costs no more than ``option`` at
    every higher volume; None when that never happens.

    Self-hosting costs ``F_s + k(R)·r + v·R`` with ``k(R)`` whole replicas, the API
    ``F_c + c·R``. With ``F = F_s − F_c`` and ``m = c − v``, self-hosting is no dearer at
    ``R`` when ``F + k·r ≤ m·R``. Replica count ``k`` serves volumes in ``(R_{k−1}, R_k]``
    (``R_k = k·cap``, the minimum count serving everything from zero); from the ``k`` where
    ``F + k·r ≤ m·R_{k−1}`` on, every segment is cheaper whole, and the one below it holds the
    break-even: ``(F + k·r)/m`` when that falls inside it, else its upper end.
    """
    linear, _ = _self_terms(
        plan,
        traffic,
        prices,
        customer_facing=customer_facing,
        advisories_per_month=advisories_per_month,
    )
    fee, fixed = _api_terms(option, traffic, prices, customer_facing=customer_facing)
    fixed_gap = linear.fixed - sum(fixed.values())
    margin = fee - linear.per_request
    cap = linear.requests_per_replica
    if margin <= 0 or margin * cap <= linear.per_replica:
        return None  # each added replica costs more than the fees its volume would save
    # The condition F + k·r <= m·(k−1)·cap is linear in k with a positive slope, so it holds
    # from one k on and fails below it: the segment just below that k decides.
    first_whole = math.ceil((fixed_gap + margin * cap) / (margin * cap - linear.per_replica))
    k = max(linear.min_replicas + 1, first_whole) - 1
    start = 0.0 if k == linear.min_replicas else (k - 1) * cap
    first = (fixed_gap + k * linear.per_replica) / margin
    return min(max(first, start), k * cap)
