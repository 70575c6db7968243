"""Fleet vetting throughput: models per hour with the process pool and with local Ray, the
registry's write rate under concurrent writers, and a projection to N machines.

    .venv/bin/python bench/fleet/bench.py --models 1000 [--pg postgresql://...] [--skip-ray]
        [--hub 200]

With ``--hub N`` it also vets N ``hf://`` repositories served by a local server in the Hub's
API layout (tests/hub_server.py), each with a sparse 2 GiB safetensors shard judged from its
header by range reads, and counts the bytes sent against the repositories' total size.

Writes bench/out/fleet.json and prints a markdown table for BENCHMARKS.md. Every model is a
small generated repository (config.json, a 4x4 safetensors tensor, an Apache-2.0 card).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
_HUB_TMP = tempfile.mkdtemp(prefix="fleet-hub-")
if "--hub" in sys.argv:
    # Workers inherit these before huggingface_hub is imported anywhere.
    from tests.hub_server import HubRepos, serve

    HUB = HubRepos()
    _SERVER, _ENDPOINT = serve(HUB)
    os.environ["HF_ENDPOINT"] = _ENDPOINT
    os.environ["HF_HOME"] = str(Path(_HUB_TMP) / "hf-home")

from tests.fleet.models import clean_model  # noqa: E402

from modelsteward.policy import default_policy  # noqa: E402
from modelsteward.services.fleet import batch  # noqa: E402
from modelsteward.services.versions import current_versions  # noqa: E402


def _spec(dsn: str | None, hashing: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "hash": hashing,
        "versions": current_versions(default_policy(), None),
    }
    if dsn:
        spec.update(registry=dsn, actor="bench")
    return spec


def _models(root: Path, count: int) -> list[str]:
    return [str(clean_model(root / f"org{i // 100}" / f"m{i}", seed=i)) for i in range(count)]


def _hub_repos(root: Path, count: int) -> tuple[list[str], int]:
    """``count`` repositories with a 2 GiB sparse safetensors shard each; their total size."""
    from tests.test_hub import sparse_safetensors

    total = 0
    targets = []
    for i in range(count):
        repo = root / f"hub{i}"
        repo.mkdir(parents=True)
        (repo / "config.json").write_text(json.dumps({"model_type": "llama", "i": i}))
        (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n# hub model\n")
        sparse_safetensors(repo / "model.safetensors", tensors=8, each=256 << 20)
        total += sum(p.stat().st_size for p in repo.iterdir())
        HUB.add(f"org/hub{i}", repo, commit=f"{i:040x}", sha256={"model.safetensors": f"{i:064x}"})
        targets.append(f"hf://org/hub{i}")
    return targets, total


def _rate(run: Any) -> dict[str, Any]:
    out = run.to_dict()
    return {
        "executor": out["executor"],
        "models": out["targets"],
        "seconds": out["seconds"],
        "models_per_hour": out["models_per_hour"],
        "counts": out["counts"],
    }


def _pg_schema(base: str) -> str:
    from urllib.parse import quote

    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def _writer(args: tuple[str, int, int]) -> int:
    """Record ``count`` distinct synthetic passports (one model each) into ``dsn``, as a
    fleet task records one: the model and its passport with their audit entries, in one
    transaction."""
    dsn, start, count = args
    from modelsteward.registry import open_registry
    from modelsteward.registry.recording import Vetted

    service = open_registry(dsn)
    try:
        for i in range(start, start + count):
            vetted = Vetted(
                name=f"bench/m{i}",
                source="bench",
                revision="",
                files={"model.safetensors": f"{i:064x}"},
                passport={"identity": {"name": f"bench/m{i}"}, "versions": {"policy": "p"}},
                decision="approve",
                required_roles=[],
                reasons=[],
            )
            service.record_vetted(vetted, actor="w", request=False)
    finally:
        service.close()
    return count


def registry_write_rate(dsn: str, writers: int, per_writer: int) -> dict[str, Any]:
    """Passports a second that ``writers`` concurrent processes record (model + passport,
    each with its audit entry)."""
    from modelsteward.registry import open_registry

    open_registry(dsn).close()  # migrate once
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=writers) as pool:
        done = sum(pool.map(_writer, [(dsn, w * per_writer, per_writer) for w in range(writers)]))
    seconds = time.perf_counter() - started
    return {
        "writers": writers,
        "passports": done,
        "seconds": round(seconds, 2),
        "passports_per_second": round(done / seconds, 1),
        "passports_per_hour": round(done / seconds * 3600),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=os.environ.get("MODELSTEWARD_TEST_POSTGRES_DSN"))
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--hub", type=int, default=0, help="hf:// repositories to vet")
    args = parser.parse_args()
    results: dict[str, Any] = {"models": args.models, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        targets = _models(root / "repos", args.models)
        results["generate_seconds"] = round(time.perf_counter() - started, 2)
        results["pool_no_hash_dry"] = _rate(
            batch(targets, _spec(None, False), workers=args.workers)
        )
        results["pool_hash_dry"] = _rate(batch(targets, _spec(None, True), workers=args.workers))
        sqlite = f"sqlite:///{root / 'reg.db'}"
        results["pool_record_sqlite"] = _rate(
            batch(targets, _spec(sqlite, True), workers=args.workers)
        )
        results["pool_rerun_sqlite"] = _rate(
            batch(targets, _spec(sqlite, True), workers=args.workers)
        )
        if args.pg:
            pg = _pg_schema(args.pg)
            results["pool_record_pg"] = _rate(batch(targets, _spec(pg, True), workers=args.workers))
            for writers in (1, 2, 4, 8):
                results[f"pg_write_rate_{writers}"] = registry_write_rate(
                    _pg_schema(args.pg), writers, 400 // writers
                )
        if args.hub:
            hub_targets, total = _hub_repos(root / "hub", args.hub)
            sent = HUB.bytes_sent
            run = batch(hub_targets, _spec(None, True), workers=args.workers)
            results["hub_pool"] = {
                **_rate(run),
                "repository_bytes": total,
                "bytes_sent": HUB.bytes_sent - sent,
                "share_downloaded": round((HUB.bytes_sent - sent) / total, 6),
            }
        if not args.skip_ray:
            import ray

            started = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            results["ray_start_seconds"] = round(time.perf_counter() - started, 2)
            try:
                results["ray_no_hash_dry"] = _rate(batch(targets, _spec(None, False), use_ray=True))
                if args.pg:
                    pg = _pg_schema(args.pg)
                    results["ray_record_pg"] = _rate(batch(targets, _spec(pg, True), use_ray=True))
            finally:
                ray.shutdown()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "fleet.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
