"""Cost assumptions: versioned price data that users override, each value with its source
and date. No price is written into the cost logic; it reads them all from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from modelsteward.selection.scenario import SelectionError


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumption:
    """One number the result depends on, and where it comes from."""

    name: str
    value: str
    source: str
    date: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form: name, value, source, date."""
        return {"name": self.name, "value": self.value, "source": self.source, "date": self.date}


@dataclass(frozen=True, slots=True, kw_only=True)
class Gpu:
    """A GPU type and its hourly price."""

    name: str
    hourly_usd: float
    memory_gb: float
    source: str
    date: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Prices:
    """Every price and effort figure the cost model reads."""

    version: str
    hours_per_month: float
    days_per_month: float
    gpus: Mapping[str, Gpu]
    values: Mapping[str, float]
    sources: Mapping[str, tuple[str, str]]
    """name -> (source, date) for each entry of ``values``."""

    def value(self, name: str) -> float:
        """A cost or effort figure by name.

        Raises:
            SelectionError: when the price data lacks it.
        """
        try:
            return self.values[name]
        except KeyError:
            raise SelectionError(
                f"the price data has no {name!r}",
                hint="add it to your price file (see modelsteward select --example)",
            ) from None

    def gpu(self, name: str) -> Gpu:
        """A GPU type by name.

        Raises:
            SelectionError: when the price data has no such GPU.
        """
        try:
            return self.gpus[name]
        except KeyError:
            known = ", ".join(sorted(self.gpus))
            raise SelectionError(
                f"no price for GPU type {name!r}",
                hint=f"use one of {known}, or add it under `gpus:` in your price file",
            ) from None

    def assumption(self, name: str) -> Assumption:
        """``name`` as a listed assumption."""
        source, when = self.sources[name]
        return Assumption(name=name, value=f"{self.values[name]:g}", source=source, date=when)

    def gpu_assumption(self, name: str) -> Assumption:
        """The hourly price of GPU ``name`` as a listed assumption."""
        gpu = self.gpu(name)
        return Assumption(
            name=f"gpu.{name}.hourly_usd",
            value=f"{gpu.hourly_usd:g}",
            source=gpu.source,
            date=gpu.date,
        )


_SECTIONS = ("costs", "effort", "traffic")


def _read(path: Path | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("modelsteward.selection").joinpath("data/prices.yaml").read_text()
        where = "built-in prices"
    else:
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SelectionError(
                f"cannot read price file {path}: {getattr(exc, 'strerror', None) or exc}",
                hint="give the path of a YAML price file",
            ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise SelectionError(
            f"{where} is not valid YAML", hint="check the file's indentation"
        ) from None
    if not isinstance(data, dict):
        raise SelectionError(f"{where} must be a mapping", hint="see the built-in price file")
    return data


def _entry(where: str, name: str, raw: object) -> tuple[float, str, str]:
    if not isinstance(raw, Mapping):
        raise SelectionError(
            f"{where}: {name} must have value, source and date",
            hint="write it as {value: N, source: TEXT, date: YYYY-MM-DD}",
        )
    try:
        value = float(raw["value"])
        source = str(raw["source"]).strip()
        when = str(raw["date"]).strip()
    except (KeyError, TypeError, ValueError):
        raise SelectionError(
            f"{where}: {name} needs a numeric value, a source and a date",
            hint="every assumption carries its source and date",
        ) from None
    if value < 0 or not source:
        raise SelectionError(
            f"{where}: {name} must be a non-negative number with a source",
            hint="every assumption carries its source and date",
        )
    return value, source, when


def _gpu(where: str, name: str, raw: object) -> Gpu:
    if not isinstance(raw, Mapping):
        raise SelectionError(f"{where}: gpus.{name} must be a mapping", hint="see the example")
    try:
        gpu = Gpu(
            name=name,
            hourly_usd=float(raw["hourly_usd"]),
            memory_gb=float(raw.get("memory_gb", 0)),
            source=str(raw["source"]).strip(),
            date=str(raw["date"]).strip(),
        )
    except (KeyError, TypeError, ValueError):
        raise SelectionError(
            f"{where}: gpus.{name} needs hourly_usd, source and date",
            hint="every price carries its source and date",
        ) from None
    if gpu.hourly_usd <= 0 or not gpu.source:
        raise SelectionError(
            f"{where}: gpus.{name}.hourly_usd must be above zero, with a source",
            hint="every price carries its source and date",
        )
    return gpu


def load_prices(override: Path | None = None) -> Prices:
    """The built-in price data, with the entries of ``override`` replacing those it names.

    Raises:
        SelectionError: when a file is unreadable or an entry lacks a value, source or date.
    """
    layers = [("built-in prices", _read(None))]
    if override is not None:
        layers.append((str(override), _read(override)))
    gpus: dict[str, Gpu] = {}
    values: dict[str, float] = {}
    sources: dict[str, tuple[str, str]] = {}
    version = ""
    hours = days = 0.0
    for where, data in layers:
        version = "+".join(filter(None, (version, str(data.get("version", "user")))))
        hours = float(data.get("hours_per_month", hours))
        days = float(data.get("days_per_month", days))
        for name, raw in (data.get("gpus") or {}).items():
            gpus[str(name)] = _gpu(where, str(name), raw)
        for section in _SECTIONS:
            for name, raw in (data.get(section) or {}).items():
                value, source, when = _entry(where, f"{section}.{name}", raw)
                values[str(name)] = value
                sources[str(name)] = (source, when)
    if hours <= 0 or days <= 0:
        raise SelectionError(
            "hours_per_month and days_per_month must be above zero",
            hint="the built-in values are 730 and 30.4",
        )
    return Prices(
        version=version,
        hours_per_month=hours,
        days_per_month=days,
        gpus=gpus,
        values=values,
        sources=sources,
    )
