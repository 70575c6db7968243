"""Follow ``base_model`` to the license a derivative inherits.

Resolution order for each base: a local directory, a pluggable resolver (the registry), the
built-in table of well-known base model families, and the Hugging Face Hub when online.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from modelsteward.licenses.errors import LicenseError
from modelsteward.licenses.kb import KnowledgeBase, load_kb
from modelsteward.licenses.metadata import card_metadata, declared_license


class LineageVia(enum.StrEnum):
    """How a base model's license was learnt."""

    LOCAL = "local"
    REGISTRY = "registry"
    BUILTIN = "builtin"
    HUB = "hub"


@dataclass(frozen=True, slots=True, kw_only=True)
class LineageHit:
    """One ancestor of a model and its license (None when unknown)."""

    model: str
    license: str | None
    via: LineageVia
    base_models: tuple[str, ...] = ()
    """The ancestor's own bases, to follow further."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the license contract's ``lineage`` entries."""
        return {"model": self.model, "license": self.license, "via": self.via.value}


class LineageResolver(Protocol):
    """Anything that knows the license of a model by its id (the registry, the Hub)."""

    def resolve(self, model_id: str) -> LineageHit | None:
        """The model's license, or None when this resolver does not know the model.

        Must not raise for an unknown model; environmental failures may raise StewardError.
        """


@dataclass(frozen=True, slots=True)
class BaseFamily:
    """A family of well-known base models: a repo-id pattern and its license."""

    pattern: str
    """A regular expression matched (case-insensitively) against ``org/name``."""
    license: str
    family: str


BUILTIN_FAMILIES: tuple[BaseFamily, ...] = (
    BaseFamily(r"^meta-llama/llama-4-", "llama4", "Meta Llama 4"),
    BaseFamily(r"^meta-llama/(meta-)?llama-3\.3-", "llama3.3", "Meta Llama 3.3"),
    BaseFamily(r"^meta-llama/(meta-)?llama-3\.2-", "llama3.2", "Meta Llama 3.2"),
    BaseFamily(r"^meta-llama/(meta-)?llama-3\.1-", "llama3.1", "Meta Llama 3.1"),
    BaseFamily(
        r"^meta-llama/(meta-llama-3-|llama-3-|llamaguard-?3|llama-guard-3)",
        "llama3",
        "Meta Llama 3",
    ),
    BaseFamily(r"^meta-llama/(llama-2-|codellama-)|^codellama/", "llama2", "Meta Llama 2"),
    BaseFamily(
        r"^google/(gemma|codegemma|recurrentgemma|paligemma|shieldgemma)", "gemma", "Google Gemma"
    ),
    BaseFamily(r"^qwen/qwen-1_8b", "tongyi-qianwen-research", "Qwen 1 (1.8B)"),
    BaseFamily(r"^qwen/qwen-(7b|14b|72b)", "tongyi-qianwen", "Qwen 1"),
    BaseFamily(r"^qwen/qwen1\.5-", "tongyi-qianwen", "Qwen 1.5"),
    BaseFamily(r"^qwen/qwen2-72b", "tongyi-qianwen", "Qwen 2 (72B)"),
    BaseFamily(r"^qwen/qwen2\.5-(vl-)?3b", "qwen-research", "Qwen 2.5 (3B)"),
    BaseFamily(r"^qwen/qwen2\.5-(vl-)?72b", "qwen", "Qwen 2.5 (72B)"),
    BaseFamily(r"^qwen/(qwen2|qwen2\.5|qwen3|qwq|qwen3\.\d)", "apache-2.0", "Qwen 2/2.5/3"),
    BaseFamily(
        r"^mistralai/(mistral-large|ministral-8b|pixtral-large)",
        "mrl",
        "Mistral (research license)",
    ),
    BaseFamily(r"^mistralai/codestral-22b", "mnpl", "Mistral Codestral 22B"),
    BaseFamily(r"^mistralai/", "apache-2.0", "Mistral / Mixtral"),
    BaseFamily(
        r"^deepseek-ai/deepseek-(r1|v3-0324|v3\.1|v3\.2|prover-v2)", "mit", "DeepSeek R1 / V3.1"
    ),
    BaseFamily(
        r"^deepseek-ai/deepseek-(llm|coder|moe|math|v2|v3|vl)",
        "deepseek",
        "DeepSeek (model license)",
    ),
    BaseFamily(r"^tiiuae/falcon-(7b|40b|rw|mamba|11b)", "apache-2.0", "Falcon"),
    BaseFamily(r"^microsoft/(phi-|phi3|phi4)", "mit", "Microsoft Phi"),
    BaseFamily(r"^bigscience/bloom", "bigscience-bloom-rail-1.0", "BigScience BLOOM"),
    BaseFamily(
        r"^bigcode/(starcoder|starcoderbase|starcoder2)", "bigcode-openrail-m", "BigCode StarCoder"
    ),
    BaseFamily(
        r"^(compvis/stable-diffusion-v1|runwayml/stable-diffusion-v1|"
        r"stable-diffusion-v1-5/)",
        "creativeml-openrail-m",
        "Stable Diffusion 1.x",
    ),
    BaseFamily(
        r"^stabilityai/(stable-diffusion-2|stable-diffusion-xl)",
        "openrail++",
        "Stable Diffusion 2 / XL",
    ),
    BaseFamily(
        r"^stabilityai/stable-diffusion-3\.5", "stabilityai-community", "Stable Diffusion 3.5"
    ),
    BaseFamily(
        r"^nvidia/(nemotron|llama-3\.1-nemotron-nano|cosmos)",
        "nvidia-open-model-license",
        "NVIDIA Nemotron / Cosmos",
    ),
    BaseFamily(r"^(openai-community/)?gpt2", "mit", "GPT-2"),
    BaseFamily(r"^openai/(gpt-oss|whisper)", "apache-2.0", "OpenAI open weights"),
    BaseFamily(
        r"^(eleutherai|mosaicml|allenai|ibm-granite|huggingfacetb|tinyllama|01-ai)/",
        "apache-2.0",
        "Apache-licensed open models",
    ),
    BaseFamily(
        r"^(google/(flan-)?t5|google-bert/|bert-base|google/bert)", "apache-2.0", "BERT / T5"
    ),
)
"""Well-known base model families and their licenses, most specific first."""

_COMPILED = tuple((re.compile(f.pattern, re.IGNORECASE), f) for f in BUILTIN_FAMILIES)


def builtin_family(model_id: str) -> BaseFamily | None:
    """The built-in family of ``model_id`` (``org/name``), or None."""
    name = model_id.strip().removeprefix("https://huggingface.co/").strip("/")
    for pattern, family in _COMPILED:
        if pattern.search(name):
            return family
    return None


class BuiltinResolver:
    """The built-in table as a resolver."""

    def resolve(self, model_id: str) -> LineageHit | None:
        """The family license of ``model_id``, or None."""
        family = builtin_family(model_id)
        if family is None:
            return None
        return LineageHit(model=model_id, license=family.license, via=LineageVia.BUILTIN)


HUB_TIMEOUT_S = 3.0
"""How long the Hub may take to answer before ``--online`` gives up (one try, no retries)."""


def hub_endpoint(endpoint: str | None = None) -> str:
    """``endpoint``, or huggingface_hub's own (``HF_ENDPOINT``, else huggingface.co)."""
    if endpoint:
        return endpoint.rstrip("/")
    from huggingface_hub import constants

    return str(constants.ENDPOINT).rstrip("/")


def probe_hub(endpoint: str | None = None, *, timeout_s: float = HUB_TIMEOUT_S) -> str:
    """Check once, within ``timeout_s``, that the Hub answers at all; return its URL.

    Any HTTP answer counts (a 401 or 404 still proves the Hub is there); only a connection
    that fails or a timeout does not.

    Raises:
        LicenseError: when the Hub cannot be reached.
    """
    import httpx

    url = hub_endpoint(endpoint)
    try:
        httpx.head(f"{url}/api/models", timeout=timeout_s, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise _unreachable(url, f"no answer within {timeout_s:g} s") from exc
    except (httpx.HTTPError, OSError, ValueError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise _unreachable(url, reason) from exc
    return url


def _unreachable(url: str, reason: str) -> LicenseError:
    return LicenseError(
        f"cannot reach the Hugging Face Hub at {url}: {reason}",
        hint="check the network or proxy (HTTPS_PROXY), set hub_endpoint to a mirror, or drop "
        "--online: local directories and the built-in table still resolve base models",
    )


class HubResolver:
    """Read a base model's card from the Hugging Face Hub (or its local cache).

    ``endpoint`` and ``cache_dir`` default to huggingface_hub's own; ``local_files_only``
    reads the cache without any network access.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        cache_dir: str | Path | None = None,
        token: str | bool | None = None,
        local_files_only: bool = False,
        kb: KnowledgeBase | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.cache_dir = cache_dir
        self.token = token
        self.local_files_only = local_files_only
        self.kb = kb

    def resolve(self, model_id: str) -> LineageHit | None:
        """The license the model's card declares, or None when the card is unavailable."""
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

        try:
            path = hf_hub_download(
                repo_id=model_id,
                filename="README.md",
                endpoint=self.endpoint,
                cache_dir=self.cache_dir,
                token=self.token,
                local_files_only=self.local_files_only,
                etag_timeout=HUB_TIMEOUT_S,
            )
        except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError):
            return None
        if not isinstance(path, str):
            return None
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        meta = card_metadata(text)
        declared = declared_license(meta, self.kb or load_kb())
        license_id = None if declared is None else (declared.license_id or declared.raw)
        return LineageHit(
            model=model_id, license=license_id, via=LineageVia.HUB, base_models=meta.base_models
        )
