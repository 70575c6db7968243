"""What the evaluation harness adds over raw requests at the same concurrency.

Serves a GGUF with the embedded llama.cpp engine, then sends the same probes (same bodies,
same concurrency, same max_tokens and seed) two ways, interleaved over several rounds:

* raw: a thread pool posting the chat requests with one httpx.Client, nothing else;
* harness: ``run_suite`` (judging every answer with the refusal detector and the safety
  layer's output moderation, writing the transcript line by line).

Usage:
    python bench/evaluate/overhead.py [--gguf PATH] [--limit 60] [--concurrency 4]
        [--max-tokens 64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from modelsteward.engines import EmbeddedLlamaServer
from modelsteward.safety import SafetyLayer
from modelsteward.safety.evaluation import (
    Probe,
    RunOptions,
    Target,
    core_suite,
    run_suite,
    score_answer,
    select,
)

DEFAULT_GGUF = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "models"
    / "stories260K"
    / "stories260K.gguf"
)


def raw(url: str, bodies: list[dict[str, object]], concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency * 2 + 2)
    with httpx.Client(limits=limits, timeout=120) as client:
        started = time.perf_counter()

        def post(body: dict[str, object]) -> str:
            response = client.post(url, json=body)
            response.raise_for_status()
            return str(response.json()["choices"][0]["message"]["content"])

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(post, bodies))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", type=Path, default=DEFAULT_GGUF)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    suite = core_suite()
    probes = [p for p in select(suite.probes, args.limit, 0) if p.family != "many-shot"]
    layer = SafetyLayer()
    layer.check_text("warm up")
    results: dict[str, list[float]] = {"raw": [], "harness": []}
    answers: list[tuple[Probe, str]] = []
    with EmbeddedLlamaServer(
        args.gguf, parallel=args.concurrency, n_ctx=2048 * args.concurrency, embeddings=False
    ) as srv:
        target = Target(endpoint=srv.base_url, model="bench")
        bodies: list[dict[str, object]] = [
            {
                "model": "bench",
                "messages": [m.to_dict() for m in p.messages],
                "temperature": 0,
                "max_tokens": args.max_tokens,
                "seed": 0,
            }
            for p in probes
        ]
        ids = {p.id for p in probes}
        sub = type(suite)(
            id=suite.id, version=suite.version, probes=tuple(p for p in suite.probes if p.id in ids)
        )
        raw(target.url, bodies[: args.concurrency], args.concurrency)  # warm the engine
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                order = ("raw", "harness") if r % 2 == 0 else ("harness", "raw")
                for kind in order:
                    if kind == "raw":
                        results["raw"].append(raw(target.url, bodies, args.concurrency))
                    else:
                        started = time.perf_counter()
                        options = RunOptions(
                            concurrency=args.concurrency, max_tokens=args.max_tokens
                        )
                        done = run_suite(
                            sub, target, options, transcript=Path(tmp) / f"t{r}.jsonl", layer=layer
                        )
                        results["harness"].append(time.perf_counter() - started)
                        by_id = {p.id: p for p in sub.probes}
                        answers = [(by_id[rec.probe_id], rec.answer) for rec in done.records]
    # The judging CPU the harness adds, measured alone on the last run's answers: an upper
    # bound on its share of the wall time (it overlaps the requests still in flight).
    judge_started = time.process_time()
    for probe, answer in answers:
        score_answer(probe, answer, layer)
    judge_cpu = time.process_time() - judge_started
    raw_med = statistics.median(results["raw"])
    # Each round ran both, back to back: the ratio within a round cancels most of the load
    # other processes put on the machine.
    ratios = [h / r for h, r in zip(results["harness"], results["raw"], strict=True)]
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    har_med = statistics.median(results["harness"])
    print(
        json.dumps(
            {
                "probes": len(probes),
                "concurrency": args.concurrency,
                "max_tokens": args.max_tokens,
                "rounds": args.rounds,
                "raw_s": [round(x, 3) for x in results["raw"]],
                "harness_s": [round(x, 3) for x in results["harness"]],
                "raw_median_s": round(raw_med, 3),
                "harness_median_s": round(har_med, 3),
                "overhead_pct": round(100 * (har_med - raw_med) / raw_med, 2),
                "paired_overhead_pct_median": round(100 * (statistics.median(ratios) - 1), 2),
                "paired_overhead_pct_quartiles": [round(100 * (q - 1), 2) for q in quartiles],
                "judge_cpu_ms_per_probe": round(1000 * judge_cpu / len(answers), 3),
                "judge_cpu_share_of_raw_pct": round(100 * judge_cpu / raw_med, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
