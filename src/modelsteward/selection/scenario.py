"""The selection scenario (``version: 1``): a use case, open candidates, commercial options
and the weights of the criteria, parsed once with pydantic into frozen values.

Parsing is strict: unknown keys are errors, so a misspelt field never silently takes its
default and changes a cost.
"""

from __future__ import annotations

import enum
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from modelsteward.errors import StewardError

SCENARIO_FORMAT = 1


class SelectionError(StewardError):
    """A scenario or price file is missing or invalid, or a candidate cannot be resolved."""


class DataClass(enum.StrEnum):
    """How sensitive the data sent to the model is."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        """0 for public up to 3 for restricted."""
        return list(DataClass).index(self)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class UseCase(_Strict):
    """What the model must do, how much, and under which constraints."""

    requests_per_day: Positive | None = None
    requests_per_month: Positive | None = None
    input_tokens: Positive
    """Average prompt tokens per request (system prompt and context included)."""
    output_tokens: Positive
    """Average completion tokens per request."""
    peak_factor: Annotated[float, Field(ge=1)] = 2.0
    """Peak-hour traffic over the monthly average; capacity is sized for the peak."""
    latency_target_ms: Positive | None = None
    """The p95 latency a whole answer must meet; a candidate known to miss it is out."""
    data_classification: DataClass = DataClass.INTERNAL
    residency: tuple[str, ...] = ()
    """Regions where the data may be processed (``eu``, ``us``...); empty means anywhere."""
    customer_facing: bool = False
    fine_tuning: bool = False
    """The use needs a model fine-tuned on the organisation's own data."""
    commercial: bool = True
    monthly_active_users: Annotated[int, Field(ge=0)] = 0
    annual_revenue_usd: Annotated[int, Field(ge=0)] = 0
    eu_entity: bool = False
    multimodal: bool = False
    redistribution: bool = False

    @model_validator(mode="after")
    def _one_volume(self) -> UseCase:
        if (self.requests_per_day is None) == (self.requests_per_month is None):
            raise ValueError("give exactly one of requests_per_day and requests_per_month")
        return self


class Measure(_Strict):
    """Where to measure a candidate's throughput instead of stating it."""

    endpoint: str
    model: str
    api_key: str | None = None
    gpus: Annotated[int, Field(ge=1)] = 1
    """How many GPUs serve the measured endpoint."""


class OpenCandidate(_Strict):
    """A self-hosted open model."""

    name: str
    model: str | None = None
    """A registry model name, a local path or ``hf://ORG/NAME``: its passport supplies the
    license verdict for this use, findings, vulnerabilities and safety evidence."""
    license: str | None = None
    """The license id when no model is given (a stated fact, evaluated for this use)."""
    gpu: str
    """A GPU type from the price data (``prices.gpus``)."""
    gpus_per_replica: Annotated[int, Field(ge=1)] = 1
    tokens_per_second_per_gpu: Positive | None = None
    """Aggregate output tokens per second one GPU sustains at this use's prompt length."""
    measure: Measure | None = None
    target_utilization: Annotated[float, Field(gt=0, le=1)] = 0.6
    min_replicas: Annotated[int, Field(ge=1)] = 2
    """Replicas kept up whatever the load (two for availability)."""
    model_size_gb: NonNegative = 16.0
    region: str | None = None
    safety_layer: bool = True
    """Served behind the enterprise safety layer (its running cost is counted)."""
    separate_license: bool = False
    """The licensor has granted a separate license where the terms require one."""
    quality: NonNegative | None = None
    """A quality score the user supplies (an eval result on the use's own tasks)."""
    latency_p95_ms: Positive | None = None
    independence: Share = 1.0
    """1 for weights the organisation holds and can run anywhere."""

    @model_validator(mode="after")
    def _source(self) -> OpenCandidate:
        if self.model is None and self.license is None:
            raise ValueError(f"open candidate {self.name!r} needs `model` or `license`")
        if self.tokens_per_second_per_gpu is None and self.measure is None:
            raise ValueError(
                f"open candidate {self.name!r} needs `tokens_per_second_per_gpu` or `measure`"
            )
        return self


class CommercialOption(_Strict):
    """A commercial API, with its prices and data terms as the user states them."""

    name: str
    provider: str
    model: str
    input_usd_per_mtok: NonNegative
    output_usd_per_mtok: NonNegative
    cached_input_usd_per_mtok: NonNegative | None = None
    cached_input_share: Share = 0.0
    """Share of input tokens billed at the cached price."""
    batch_discount: Share = 0.0
    """Discount on the share of traffic sent through a batch API."""
    batch_share: Share = 0.0
    regions: tuple[str, ...] = ()
    """Regions where the provider processes the data; empty means unstated."""
    trains_on_inputs: bool = False
    zero_data_retention: bool = False
    fine_tuning: bool = False
    """The provider offers fine-tuning on the customer's data."""
    quality: NonNegative | None = None
    latency_p95_ms: Positive | None = None
    independence: Share = 0.0
    price_source: str = "stated in the scenario"
    price_date: str | None = None


class Weights(_Strict):
    """How much each criterion counts among eligible candidates (normalised to sum 1)."""

    cost: NonNegative = 0.4
    quality: NonNegative = 0.3
    latency: NonNegative = 0.1
    independence: NonNegative = 0.1
    fine_tuning: NonNegative = 0.1

    @model_validator(mode="after")
    def _some(self) -> Weights:
        if self.total <= 0:
            raise ValueError("at least one weight must be above zero")
        return self

    @property
    def total(self) -> float:
        """The sum of the weights."""
        return self.cost + self.quality + self.latency + self.independence + self.fine_tuning


class Scenario(_Strict):
    """A whole scenario file."""

    version: Literal[1]
    name: str
    description: str = ""
    horizon_months: Annotated[int, Field(ge=1, le=120)] = 12
    prices: str | None = None
    """A price file that overrides the built-in assumptions (relative to the scenario)."""
    use: UseCase
    open: tuple[OpenCandidate, ...] = ()
    commercial: tuple[CommercialOption, ...] = ()
    weights: Weights = Weights()

    @model_validator(mode="after")
    def _candidates(self) -> Scenario:
        if not self.open and not self.commercial:
            raise ValueError("name at least one open candidate or commercial option")
        names = [c.name for c in self.open] + [c.name for c in self.commercial]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"candidate names must be unique: {', '.join(dupes)}")
        return self


def scenario_digest(data: object) -> str:
    """The SHA-256 of the scenario's canonical JSON: what a decision record binds to."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_scenario(data: object, where: str = "scenario") -> Scenario:
    """Validate a scenario mapping.

    Raises:
        SelectionError: naming the first invalid field.
    """
    if not isinstance(data, dict):
        raise SelectionError(
            f"{where}: a scenario must be a mapping",
            hint="start from the example: modelsteward select --example",
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "scenario"
        raise SelectionError(
            f"{where}: {field}: {err['msg']}",
            hint="compare with the example scenario: modelsteward select --example",
        ) from None


def load_scenario(path: Path) -> tuple[Scenario, dict[str, Any], str]:
    """Read and validate a scenario file; returns it, its raw mapping and its digest.

    Raises:
        SelectionError: when the file is missing, not YAML, or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SelectionError(
            f"cannot read scenario {path}: {getattr(exc, 'strerror', None) or exc}",
            hint="give the path of a YAML scenario (modelsteward select --example > s.yaml)",
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SelectionError(
            f"scenario {path} is not valid YAML{where}",
            hint="check the indentation and quoting of that line",
        ) from None
    scenario = parse_scenario(raw, str(path))
    return scenario, raw, scenario_digest(raw)
