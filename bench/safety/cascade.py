"""The judge cascade against a real engine: how many unseen texts fall in the uncertain band,
what the judge answers there, how long it takes, and how often it agrees with the labels and
with the offline verdict.

The engine is llama.cpp (xllamacpp) serving ``--model`` on loopback through its
OpenAI-compatible API, the same embedded server the gateway and the tests use. The default
model, stories260K, is a 260K-parameter toy that writes children's stories: it has never
seen a safety prompt, so its agreement figures measure the plumbing (band selection, prompt,
parsing, fail-closed handling, latency of one round trip), not a judge's quality. Point
``--model`` at a Llama Guard GGUF to measure a real judge the same way.

Usage: .venv/bin/python bench/safety/cascade.py [--model GGUF] [--band 0.2 0.5]
       [--policy SAFETY_POLICY] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import httpx  # noqa: E402
from safety_corpus import heldout_samples  # noqa: E402

from modelsteward.engines.llamacpp import EmbeddedLlamaServer  # noqa: E402
from modelsteward.safety import Role, SafetyLayer, load_safety_policy  # noqa: E402
from modelsteward.safety.guards.judge import JudgeGuard, parse_judge_reply  # noqa: E402
from modelsteward.safety.layer import _JUDGED  # noqa: E402

STORIES = ROOT.parent / "shared" / "models" / "stories260K" / "stories260K.gguf"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=STORIES)
    parser.add_argument("--band", type=float, nargs=2, default=(0.2, 0.5))
    parser.add_argument("--policy", type=Path, help="the offline layer's policy (default)")
    parser.add_argument("--json", type=Path, default=HERE / "cascade_results.json")
    args = parser.parse_args()
    if not args.model.is_file():
        print(f"error: no model at {args.model}\nhint: pass --model PATH.gguf")
        return 2
    low, high = args.band
    policy = load_safety_policy(args.policy) if args.policy else None
    offline = SafetyLayer(policy)
    rows = [
        s for s in heldout_samples() if s.group in ("attack", "everyday", "benign", "hard_benign")
    ]
    band_rows = []
    offline_blocked = Counter[str]()
    for s in rows:
        verdict = offline.check_text(s.text, Role(s.role))
        strongest = max((d.score for d in verdict.detections if d.category in _JUDGED), default=0)
        offline_blocked[s.group] += verdict.blocked
        if low <= strongest < high:
            band_rows.append((s, verdict.blocked))
    latencies: list[float] = []
    answers = Counter[str]()
    agree_label = agree_offline = 0
    cascade_blocked = Counter[str](offline_blocked)
    with (
        EmbeddedLlamaServer(args.model, n_ctx=2048, threads=1, parallel=1) as server,
        httpx.Client(timeout=60) as client,
    ):
        judge = JudgeGuard(base_url=server.base_url, model=args.model.stem, client=client)
        judge.ask("warm-up")
        for s, was_blocked in band_rows:
            started = time.perf_counter()
            reply = judge.ask(s.text, Role(s.role))
            latencies.append((time.perf_counter() - started) * 1000)
            answer = parse_judge_reply(reply)
            kind = {True: "safe", False: "unsafe", None: "unparsable"}[answer.safe]
            answers[kind] += 1
            unsafe = answer.safe is not True  # fail closed: unparsable blocks
            agree_label += unsafe == bool(s.labels)
            agree_offline += unsafe == was_blocked
            cascade_blocked[s.group] += unsafe and not was_blocked
    totals = Counter(s.group for s in rows)
    in_band = Counter(s.group for s, _ in band_rows)
    lat = sorted(latencies)
    result = {
        "model": args.model.name,
        "band": [low, high],
        "rows": dict(totals),
        "in_band": dict(in_band),
        "judge_answers": dict(answers),
        "agreement_with_labels": round(agree_label / max(1, len(band_rows)), 4),
        "agreement_with_offline": round(agree_offline / max(1, len(band_rows)), 4),
        "judge_latency_ms": {
            "p50": round(statistics.median(lat), 1) if lat else None,
            "p99": round(lat[max(0, int(0.99 * len(lat)) - 1)], 1) if lat else None,
            "calls": len(lat),
        },
        "blocked_offline": {g: round(offline_blocked[g] / totals[g], 4) for g in totals},
        "blocked_cascade": {g: round(cascade_blocked[g] / totals[g], 4) for g in totals},
        "judge_calls_per_1000_texts": round(1000 * len(band_rows) / max(1, len(rows)), 1),
    }
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
