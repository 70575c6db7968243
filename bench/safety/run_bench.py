"""Benchmark of the safety layer on unseen data (quality, latency, memory, worst case).

Usage: OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python bench/safety/run_bench.py
       [--json OUT] [--loso] [--dedupe-report] [--policy SAFETY_POLICY]

``--policy`` measures the layer under another safety policy, e.g. the ``safety-policy.yaml``
that ``scripts/build_safety_model.py`` writes beside a local classifier model.

Unseen (the headline): the ``test`` split of every licensed set (split by template and
near-duplicate component, see ``scripts/safety_corpus.py``), BIPIA's test documents, Tensor
Trust (evaluation only), the everyday requests of the test split, and the odd templates of
Presidio's synthetic PII sample.

Seen (reported apart): texts the rule writers wrote or read: the hand-written multilingual
evaluation templates, obfuscated variants (their transforms are the normaliser's),
``hard_benign.jsonl``, and the even PII templates the name and address rules were written on.

``--loso`` adds a leave-one-source-out figure per source: the classifier retrained on every
other source (and without the left-out source's near-copies), the whole layer run on the
left-out one. ``--dedupe-report`` prints the Jaccard table the near-duplicate threshold was
chosen from.
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
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(HERE))

from safety_corpus import (  # noqa: E402
    DATA,
    Sample,
    heldout_samples,
    seen_samples,
)
from secrets_set import secret_rows  # noqa: E402

from modelsteward.safety import Role, SafetyLayer, classifier, load_safety_policy  # noqa: E402
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
    """Each held-out attack of some sources, through one obfuscation in turn ("seen": the
    transforms are the ones the normaliser undoes)."""
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
            group="seen_attack",
        )
        for i, s in enumerate(picks)
    ]


def hard_benign() -> list[Sample]:
    rows = []
    with (HERE / "hard_benign.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            rows.append(
                Sample(row["text"], source=f"hard-benign-{row['kind']}", group="seen_hard_benign")
            )
    return rows


def quality(layer: SafetyLayer, rows: list[Sample]) -> dict[str, object]:
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cat_hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    misses: list[str] = []
    false_blocks: list[str] = []
    redacted_benign: list[str] = []
    redacted_by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    redacted_types: dict[str, Counter[str]] = defaultdict(Counter)
    for s in rows:
        v = layer.check_text(s.text, Role(s.role))
        blocked = v.blocked
        if not s.labels:
            rewritten = v.action.value == "redact"
            redacted_by_group[s.group][0] += rewritten
            redacted_by_group[s.group][1] += 1
            for d in v.redactions:
                redacted_types[s.group][d.label] += 1
            # Texts are shown only for seen groups: reading unseen redactions while writing
            # rules would make them seen.
            if rewritten and s.group.startswith("seen") and len(redacted_benign) < 40:
                redacted_benign.append(f"{s.source} {list(v.rule_ids)}: {v.redacted[:120]!r}")
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
        "redacted_benign": {k: rate(v) for k, v in sorted(redacted_by_group.items())},
        "misses_sample": misses[:25],
        "false_blocks": false_blocks[:40],
        "redacted_types": {k: dict(v.most_common()) for k, v in sorted(redacted_types.items())},
        "redacted_sample_seen": redacted_benign,
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


def worst_case(layer: SafetyLayer, size: int = 1_000_000) -> dict[str, float]:
    """CPU seconds for ``size`` characters of hostile text through the whole layer (user and
    assistant roles), per shape; the goal is under 1 s per MB."""
    rng = random.Random(5)
    shapes = {
        "one-char": "a" * size,
        "digit-groups": "12 " * (size // 3),
        "email-glue": "a.b" * (size // 3),
        "capitalised-words": "Paris " * (size // 6),
        "name-list": "Ann Lee, " * (size // 9),
        "mixed-scripts": "".join(rng.choice("aаα1 .,@:/=-_xZ\n中") for _ in range(size)),
    }
    out: dict[str, float] = {}
    for name, text in shapes.items():
        for role in (Role.USER, Role.ASSISTANT):
            started = time.process_time()
            layer.check_text(text, role)
            out[f"{name}/{role.value}"] = round(time.process_time() - started, 2)
    return out


def headline(result: dict[str, object]) -> dict[str, object]:
    """The unseen figures the goals are stated on."""
    q = result["quality"]
    groups = q["groups"]  # type: ignore[index]
    labels = q["labels"]  # type: ignore[index]
    redacted = q["redacted_benign"]  # type: ignore[index]
    return {
        "attack_recall_unseen": groups.get("attack"),
        "recall_by_label": {k: labels.get(k) for k in ("injection", "jailbreak", "harmful")},
        "document_injection_blocked": groups.get("document_attack"),
        "everyday_blocked": groups.get("everyday"),
        "benign_chat_blocked": groups.get("benign"),
        "hard_benign_blocked": groups.get("hard_benign"),
        "everyday_redacted": redacted.get("everyday"),
        "seen_attacks_blocked": groups.get("seen_attack"),
        "seen_hard_benign_blocked": groups.get("seen_hard_benign"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--weights", type=Path, help="evaluate other classifier weights")
    parser.add_argument(
        "--policy",
        type=Path,
        help="a safety policy file (e.g. the safety-policy.yaml of a local classifier model)",
    )
    parser.add_argument("--loso", action="store_true", help="add leave-one-source-out")
    parser.add_argument("--dedupe-report", action="store_true", help="print the Jaccard table")
    parser.add_argument("--no-worst-case", action="store_true", help="skip the 1 MB timings")
    args = parser.parse_args()
    if args.weights:
        classifier._DEFAULT = classifier.Classifier.load(args.weights)
    started = time.perf_counter()
    layer = SafetyLayer(load_safety_policy(args.policy) if args.policy else None)
    rows = heldout_samples()
    rows += obfuscated_set(rows)
    rows += seen_samples()
    rows += hard_benign()
    result: dict[str, object] = {
        "policy": str(args.policy or "default"),
        "quality": quality(layer, rows),
    }
    pii = pii_rows()
    # The name, address and date/IBAN/card rules were written looking only at the "dev" half
    # (even template ids): it is "seen"; the odd templates are the unseen measurement.
    result["pii_unseen_odd_templates"] = span_scores(
        [r for r in pii if int(r["template_id"]) % 2 == 1],
        ours_pii,  # type: ignore[call-overload]
    )
    result["pii_seen_even_templates"] = span_scores(
        [r for r in pii if int(r["template_id"]) % 2 == 0],
        ours_pii,  # type: ignore[call-overload]
    )
    result["pii_whole_sample"] = span_scores(pii, ours_pii)
    result["secrets"] = secrets_quality()
    result["latency_1000_chars"] = latency(layer, rows)
    if not args.no_worst_case:
        result["worst_case_1mb_cpu_s"] = worst_case(layer)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.dedupe_report:
        from loso import dedupe_report

        result["dedupe"] = dedupe_report()
    if args.loso:
        from loso import leave_one_source_out

        result["leave_one_source_out"] = leave_one_source_out()
    result["headline"] = headline(result)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    keys = (
        "headline",
        "pii_unseen_odd_templates",
        "secrets",
        "latency_1000_chars",
        "worst_case_1mb_cpu_s",
        "max_rss_mb",
        "dedupe",
        "leave_one_source_out",
        "wall_s",
    )
    print(json.dumps({k: result[k] for k in keys if k in result}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
