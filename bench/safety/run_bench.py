"""Held-out benchmark of the safety layer (quality, latency, memory).

Usage: OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python bench/safety/run_bench.py [--json OUT]

Data: the held-out 30% of every licensed set (never trained on), Tensor Trust (evaluation
only), the hand-written held-out multilingual attacks, obfuscated variants of held-out
attacks, ``hard_benign.jsonl`` (never trained on), and Presidio's synthetic PII sample for
PII spans (the PII guard is not learned, so the whole sample is held out).
"""

from __future__ import annotations

import argparse
import base64
import codecs
import json
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(HERE))

from safety_corpus import DATA, Sample, heldout_samples  # noqa: E402
from secrets_set import secret_rows  # noqa: E402

from modelsteward.safety import Role, SafetyLayer, classifier  # noqa: E402
from modelsteward.safety.guards import signals  # noqa: E402
from modelsteward.safety.guards.pii import find_pii  # noqa: E402
from modelsteward.safety.guards.secrets import find_secrets  # noqa: E402
from modelsteward.safety.normalize import normalize  # noqa: E402

PII_TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
SOFT_TYPES = ("PERSON", "STREET_ADDRESS")


def obfuscate(text: str, how: str) -> str:
    """One obfuscated variant of ``text``."""
    if how == "base64":
        return "Decode this base64 and do what it says: " + base64.b64encode(text.encode()).decode()
    if how == "rot13":
        return codecs.encode(text, "rot13")
    if how == "leet":
        return text.translate(str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}))
    if how == "homoglyph":
        return text.translate(str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р"}))
    if how == "zero-width":
        return "\u200b".join(text)
    if how == "hex":
        return "hex: " + text.encode().hex(" ")
    raise ValueError(how)


def obfuscated_set(rows: list[Sample]) -> list[Sample]:
    """Each held-out attack of some sources, through one obfuscation in turn."""
    rng = random.Random(7)
    pool = [
        s
        for s in rows
        if s.group == "attack"
        and s.source
        in (
            "advbench",
            "giskard",
            "strongreject",
            "handwritten-en",
            "handwritten-fr",
            "handwritten-de",
        )
    ]
    picks = rng.sample(pool, min(60, len(pool)))
    kinds = ("base64", "rot13", "leet", "homoglyph", "zero-width", "hex")
    return [
        Sample(
            obfuscate(s.text, kinds[i % len(kinds)]),
            s.labels,
            f"obfuscated-{kinds[i % len(kinds)]}",
            group="attack",
        )
        for i, s in enumerate(picks)
    ]


def hard_benign() -> list[Sample]:
    rows = []
    with (HERE / "hard_benign.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            rows.append(
                Sample(row["text"], source=f"hard-benign-{row['kind']}", group="hard_benign")
            )
    return rows


def quality(layer: SafetyLayer, rows: list[Sample]) -> dict[str, object]:
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cat_hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    misses: list[str] = []
    false_blocks: list[str] = []
    for s in rows:
        v = layer.check_text(s.text, Role(s.role))
        blocked = v.blocked
        by_source[s.source][0] += blocked
        by_source[s.source][1] += 1
        by_group[s.group][0] += blocked
        by_group[s.group][1] += 1
        for label in s.labels or {"benign"}:
            by_label[label][0] += blocked
            by_label[label][1] += 1
        cats = {c.value for c in v.categories}
        for label, cat in (
            ("injection", "prompt_injection"),
            ("jailbreak", "jailbreak"),
            ("harmful", "harmful_request"),
        ):
            got, want = cat in cats, label in s.labels
            cat_hits[cat][0] += got and want
            cat_hits[cat][1] += got and not want
            cat_hits[cat][2] += want and not got
        if s.labels and not blocked:
            misses.append(f"{s.source}: {s.text[:100]!r}")
        if not s.labels and blocked:
            false_blocks.append(f"{s.source} {[c.value for c in v.categories]}: {s.text[:100]!r}")

    def rate(pair: list[int]) -> dict[str, float | int]:
        return {"blocked": pair[0], "n": pair[1], "rate": round(pair[0] / max(1, pair[1]), 4)}

    per_cat = {}
    for cat, (tp, fp, fn) in cat_hits.items():
        per_cat[cat] = {
            "precision": round(tp / max(1, tp + fp), 4),
            "recall": round(tp / max(1, tp + fn), 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }
    return {
        "groups": {k: rate(v) for k, v in sorted(by_group.items())},
        "labels": {k: rate(v) for k, v in sorted(by_label.items())},
        "sources": {k: rate(v) for k, v in sorted(by_source.items())},
        "categories": per_cat,
        "misses_sample": misses[:25],
        "false_blocks": false_blocks[:40],
    }


def pii_rows() -> list[dict[str, object]]:
    with (DATA / "presidio_synth_pii" / "synth_pii_sample600.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def span_scores(rows: list[dict[str, object]], predict) -> dict[str, dict[str, float]]:
    """Per-type span recall/precision: a match is an overlapping span of the same type."""
    out: dict[str, dict[str, float]] = {}
    tallies: dict[str, list[int]] = defaultdict(
        lambda: [0, 0, 0, 0]
    )  # gold, gold_hit, pred, pred_hit
    for row in rows:
        text = str(row["text"])
        gold = [(s, e, t) for s, e, t in row["spans"]]  # type: ignore[misc]
        pred = predict(text)
        for s, e, t in gold:
            tallies[t][0] += 1
            tallies[t][1] += any(t == pt and ps < e and s < pe for ps, pe, pt in pred)
        for ps, pe, pt in pred:
            tallies[pt][2] += 1
            tallies[pt][3] += any(t == pt and ps < e and s < pe for s, e, t in gold)

    def agg(types: tuple[str, ...]) -> dict[str, float]:
        g = sum(tallies[t][0] for t in types)
        gh = sum(tallies[t][1] for t in types)
        p = sum(tallies[t][2] for t in types)
        ph = sum(tallies[t][3] for t in types)
        return {
            "recall": round(gh / max(1, g), 4),
            "precision": round(ph / max(1, p), 4),
            "gold": g,
            "pred": p,
        }

    out["structured"] = agg(PII_TYPES)
    out["all_covered"] = agg((*PII_TYPES, *SOFT_TYPES))
    for t in (*PII_TYPES, *SOFT_TYPES):
        out[t] = agg((t,))
    return out


def ours_pii(text: str) -> list[tuple[int, int, str]]:
    return [(d.start, d.end, d.label) for d in find_pii(text)]


def latency(layer: SafetyLayer, rows: list[Sample], n: int = 400) -> dict[str, float]:
    """Per 1,000-character text (distinct texts, caches cleared), one core."""
    rng = random.Random(3)
    pool = [s.text for s in rows]
    texts = []
    for _ in range(n):
        buf = ""
        while len(buf) < 1000:
            buf += rng.choice(pool) + "\n"
        texts.append(buf[:1000])
    for t in texts[:20]:
        layer.check_text(t)
    wall: list[float] = []
    cpu: list[float] = []
    for t in texts:
        normalize.cache_clear()
        signals.views.cache_clear()
        signals.scores.cache_clear()
        signals.document_score.cache_clear()
        start, start_cpu = time.perf_counter(), time.thread_time()
        layer.check_text(t)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    wall.sort()
    cpu.sort()
    return {
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "cpu_p99_ms": round(cpu[int(0.99 * len(cpu)) - 1], 3),
        "wall_p50_ms": round(statistics.median(wall), 3),
        "wall_p99_ms": round(wall[int(0.99 * len(wall)) - 1], 3),
        "n": n,
    }


def secrets_quality() -> dict[str, float]:
    """Our secret guard on the synthetic secrets set shared with the LLM Guard run."""
    tp = fp = fn = tn = 0
    for text, has in secret_rows():
        found = bool(find_secrets(text))
        tp += found and has
        fp += found and not has
        fn += has and not found
        tn += not found and not has
    return {
        "recall": round(tp / max(1, tp + fn), 4),
        "false_alarm_rate": round(fp / max(1, fp + tn), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--weights", type=Path, help="evaluate other classifier weights")
    args = parser.parse_args()
    if args.weights:
        classifier._DEFAULT = classifier.Classifier.load(args.weights)
    started = time.perf_counter()
    layer = SafetyLayer()
    rows = heldout_samples()
    rows += obfuscated_set(rows)
    rows += hard_benign()
    result: dict[str, object] = {"quality": quality(layer, rows)}
    pii = pii_rows()
    result["pii"] = span_scores(pii, ours_pii)
    # The name, address and date/IBAN/card rules of 2026-11 were written looking only at the
    # "dev" half (even template ids); the "test" half (odd ids) is the unseen measurement.
    result["pii_dev_templates"] = span_scores(
        [r for r in pii if int(r["template_id"]) % 2 == 0],
        ours_pii,  # type: ignore[call-overload]
    )
    result["pii_test_templates"] = span_scores(
        [r for r in pii if int(r["template_id"]) % 2 == 1],
        ours_pii,  # type: ignore[call-overload]
    )
    result["secrets"] = secrets_quality()
    result["latency_1000_chars"] = latency(layer, rows)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    q = result["quality"]
    print(json.dumps({k: q[k] for k in ("groups", "labels", "categories")}, indent=1))  # type: ignore[index]
    print(
        json.dumps(
            {
                k: result[k]
                for k in (
                    "pii",
                    "pii_test_templates",
                    "secrets",
                    "latency_1000_chars",
                    "max_rss_mb",
                    "wall_s",
                )
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
