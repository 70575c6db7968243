"""Which configured models may be served: the registry's approval of their exact file hashes,
or (``approval: auto``) a vet at start-up that the policy approves without review.

Approval fails closed: without a registry or vet module, or without files to hash, a model
is not served and requests for it get 403 with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from modelsteward.gateway.config import Approval, ModelConfig
from modelsteward.inventory import walk_model


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Whether a model may be served, and why (or why not)."""

    approved: bool
    reason: str
    warnings: tuple[str, ...] = ()


class Approver(Protocol):
    """Decides whether a configured model may be served."""

    def check(self, model: ModelConfig) -> ModelStatus:
        """The model's status; never raises for a model that simply is not approved."""
        ...


def model_files(model: ModelConfig) -> dict[str, str]:
    """``relpath -> sha256`` of the files the model is served from.

    The files under ``path`` are hashed; without a path, the declared ``files`` are used.
    """
    if model.path is not None:
        inventory = walk_model(model.path, hash_files=True)
        return {a.relpath: a.sha256 for a in inventory.artifacts if a.sha256}
    return dict(model.files)


class RegistryApprover:
    """Serves a model only when the registry approved its exact file hashes."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._registry: Any = None
        self._error = ""

    def _open(self) -> Any:
        if self._registry is None and not self._error:
            try:
                from modelsteward.registry import open_registry  # type: ignore[attr-defined,unused-ignore]

                self._registry = open_registry(self.dsn, create=False)
            except ImportError:
                self._error = "the registry module is not available in this installation"
            except Exception as exc:
                self._error = f"cannot open the registry: {exc}"
        return self._registry

    def check(self, model: ModelConfig) -> ModelStatus:
        """See :meth:`Approver.check`."""
        files = model_files(model)
        if not files:
            return ModelStatus(False, "no model files to verify: set path: or files:")
        registry = self._open()
        if registry is None:
            return ModelStatus(False, self._error)
        try:
            status = registry.is_approved(files)
        except Exception as exc:
            return ModelStatus(False, f"registry check failed: {exc}")
        approved = bool(getattr(status, "approved", False))
        reason = str(getattr(status, "reason", "")) or (
            "approved in the registry" if approved else "not approved in the registry"
        )
        return ModelStatus(approved, reason)


class VetApprover:
    """Vets the model's files at start-up and applies the policy.

    In ``auto`` mode only an outright approval serves the model. In ``warn`` mode (the quick
    start) high and critical findings in its files refuse it; other findings become warnings.
    """

    def __init__(self, mode: Approval) -> None:
        self.mode = mode

    def check(self, model: ModelConfig) -> ModelStatus:
        """See :meth:`Approver.check`."""
        if model.path is None:
            return ModelStatus(False, "automatic approval needs a local path: to vet")
        try:
            from modelsteward.gateway import vetting
        except ImportError as exc:  # pragma: no cover - vetting ships with the gateway
            return ModelStatus(False, f"vetting is not available: {exc}")
        from modelsteward.gateway.coverage import coverage_of

        status: ModelStatus = vetting.vet_for_serving(
            model.path, warn_only=self.mode is Approval.WARN, coverage=(coverage_of(model),)
        )
        return status


def make_approver(mode: Approval, registry_dsn: str) -> Approver:
    """The approver for a configuration's ``approval`` mode."""
    if mode is Approval.REGISTRY:
        return RegistryApprover(registry_dsn)
    return VetApprover(mode)


def check_all(approver: Approver, models: Mapping[str, ModelConfig]) -> dict[str, ModelStatus]:
    """Status of every model (a crash in one check refuses that model only)."""
    out: dict[str, ModelStatus] = {}
    for name, model in models.items():
        try:
            out[name] = approver.check(model)
        except Exception as exc:
            out[name] = ModelStatus(False, f"approval check failed: {exc}")
    return out
