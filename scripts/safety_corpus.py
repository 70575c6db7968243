"""The labelled corpus behind the safety classifier and its held-out benchmark.

Sources (all under ``shared/data/safety``; each directory's SOURCE.md names its license):
AdvBench (MIT), HarmBench (MIT), StrongREJECT (MIT), JailbreakBench (MIT), Giskard prompt
injections (MIT), BIPIA (MIT), MT-bench/Vicuna prompts (Apache-2.0), GSM8K (MIT), XSTest
(CC-BY-4.0). Tensor Trust states no license: it is read for evaluation only, never trained on.

Every set is split 70/30 with a fixed seed (JailbreakBench by goal, BIPIA by its own
train/test files); ``split="train"`` and ``split="test"`` never share a row.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from safety_texts import (
    BENIGN_TRAIN,
    INJECTION_EVAL,
    INJECTION_TRAIN,
    JAILBREAK_EVAL,
    JAILBREAK_TRAIN,
    LANG_GOALS,
    benign_generated,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "safety"
SEED = 13

HARMBENCH_HAZARD = {
    "chemical_biological": "S9",
    "illegal": "S2",
    "misinformation_disinformation": "S5",
    "harmful": "S1",
    "harassment_bullying": "S10",
    "cybercrime_intrusion": "S2",
    "copyright": "S8",
}
STRONGREJECT_HAZARD = {
    "Disinformation and deception": "S2",
    "Hate, harassment and discrimination": "S10",
    "Illegal goods and services": "S2",
    "Non-violent crimes": "S2",
    "Sexual content": "S12",
    "Violence": "S1",
}
JBB_HAZARD = {
    "Harassment/Discrimination": "S10",
    "Government decision-making": "S2",
    "Sexual/Adult content": "S12",
    "Privacy": "S7",
    "Physical harm": "S1",
    "Malware/Hacking": "S2",
    "Fraud/Deception": "S2",
    "Economic harm": "S2",
    "Disinformation": "S5",
    "Expert advice": "S6",
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled text."""

    text: str
    labels: frozenset[str] = field(default_factory=frozenset)
    """Subset of {"injection", "jailbreak", "harmful"}; empty for benign."""
    source: str = ""
    hazard: str = ""
    role: str = "user"
    group: str = ""
    """The benchmark group: attack, benign, hard_benign, document..."""


def _split(rows: list[Sample], split: str, key: str = "") -> list[Sample]:
    rng = random.Random(f"{SEED}:{key}")
    order = list(range(len(rows)))
    rng.shuffle(order)
    cut = int(len(rows) * 0.7)
    chosen = order[:cut] if split == "train" else order[cut:]
    return [rows[i] for i in sorted(chosen)]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def harmful_sets(split: str) -> Iterator[Sample]:
    """Harmful requests with hazard labels where the source has categories."""
    harm = frozenset({"harmful"})
    rows = [
        Sample(r["goal"], harm, "advbench", group="attack")
        for r in _csv(DATA / "advbench" / "harmful_behaviors.csv")
    ]
    yield from _split(rows, split, "advbench")
    rows = [
        Sample(
            r["Behavior"],
            harm,
            "harmbench",
            HARMBENCH_HAZARD.get(r["SemanticCategory"], ""),
            group="attack",
        )
        for r in _csv(DATA / "harmbench" / "harmbench_behaviors_text_all.csv")
    ]
    yield from _split(rows, split, "harmbench")
    rows = [
        Sample(
            r["forbidden_prompt"],
            harm,
            "strongreject",
            STRONGREJECT_HAZARD.get(r["category"], ""),
            group="attack",
        )
        for r in _csv(DATA / "strongreject" / "strongreject_dataset.csv")
    ]
    yield from _split(rows, split, "strongreject")
    rows = [
        Sample(r["prompt"], harm, "xstest-unsafe", group="attack")
        for r in _csv(DATA / "xstest" / "xstest_prompts.csv")
        if r["label"] == "unsafe"
    ]
    yield from _split(rows, split, "xstest-unsafe")


def jailbreak_sets(split: str) -> Iterator[Sample]:
    """JailbreakBench attack prompts (split by goal) and Giskard jailbreaks/hijacks."""
    prompts = _jsonl(DATA / "jailbreakbench" / "jbb_jailbreak_prompts.jsonl")
    goals = sorted({str(r["goal"]) for r in prompts})
    rng = random.Random(f"{SEED}:jbb")
    rng.shuffle(goals)
    keep = set(
        goals[: int(len(goals) * 0.7)] if split == "train" else goals[int(len(goals) * 0.7) :]
    )
    for r in prompts:
        if r["goal"] in keep and r.get("prompt"):
            labels = {"harmful"}
            if r["method"] in ("JailbreakChat", "PAIR", "adaptive_random_search"):
                labels.add("jailbreak")
            yield Sample(
                str(r["prompt"]),
                frozenset(labels),
                f"jbb-{r['method']}",
                JBB_HAZARD.get(str(r["category"]), ""),
                group="attack",
            )
    rows = []
    for r in _csv(DATA / "giskard_prompt_injections" / "prompt_injections.csv"):
        label = "jailbreak" if r["group"] == "Jailbreak" else "injection"
        rows.append(Sample(r["prompt"], frozenset({label}), "giskard", group="attack"))
    yield from _split(rows, split, "giskard")


def _insert(context: str, attack: str, where: int) -> str:
    if where == 0:
        return f"{attack}\n{context}"
    if where == 1:
        mid = len(context) // 2
        cut = context.rfind(" ", 0, mid)
        cut = mid if cut < 0 else cut
        return f"{context[:cut]}\n{attack}\n{context[cut:]}"
    return f"{context}\n{attack}"


def document_sets(split: str) -> Iterator[Sample]:
    """BIPIA emails: clean (benign documents) and with an attack inserted (indirect injection)."""
    part = "train" if split == "train" else "test"
    emails = [str(r["context"]) for r in _jsonl(DATA / "bipia" / f"email_{part}.jsonl")]
    attacks: list[str] = []
    for name in (f"text_attack_{part}.json", f"code_attack_{part}.json"):
        data = json.loads((DATA / "bipia" / name).read_text(encoding="utf-8"))
        for values in data.values():
            attacks.extend(values)
    rng = random.Random(f"{SEED}:bipia:{part}")
    for email in emails:
        yield Sample(email, frozenset(), "bipia-clean", role="document", group="document_benign")
    for i, attack in enumerate(attacks):
        email = emails[rng.randrange(len(emails))]
        yield Sample(
            _insert(email, attack, i % 3),
            frozenset({"injection"}),
            "bipia-attack",
            role="document",
            group="document_attack",
        )


def benign_sets(split: str) -> Iterator[Sample]:
    """Everyday prompts (MT-bench/Vicuna, GSM8K) and XSTest's safe look-alikes."""
    rows = [
        Sample(str(r["text"]), source="mtbench", group="benign")
        for r in _jsonl(DATA / "benign_chat" / "mtbench_vicuna_prompts.jsonl")
    ]
    yield from _split(rows, split, "mtbench")
    rows = [
        Sample(str(r["text"]), source="gsm8k", group="benign")
        for r in _jsonl(DATA / "benign_gsm8k" / "gsm8k_test_questions_sample300.jsonl")
    ]
    yield from _split(rows, split, "gsm8k")
    rows = [
        Sample(r["prompt"], source="xstest-safe", group="hard_benign")
        for r in _csv(DATA / "xstest" / "xstest_prompts.csv")
        if r["label"] == "safe"
    ]
    yield from _split(rows, split, "xstest-safe")


def multilingual_sets(split: str) -> Iterator[Sample]:
    """Hand-written injections and jailbreaks in EN/FR/DE/ES/IT/PT (templates differ by split)."""
    injections = INJECTION_TRAIN if split == "train" else INJECTION_EVAL
    jailbreaks = JAILBREAK_TRAIN if split == "train" else JAILBREAK_EVAL
    for lang, phrases in injections.items():
        goals = LANG_GOALS[lang]
        for i, phrase in enumerate(phrases):
            yield Sample(
                phrase.format(goal=goals[i % len(goals)]),
                frozenset({"injection"}),
                f"handwritten-{lang}",
                group="attack",
            )
    for lang, phrases in jailbreaks.items():
        goals = LANG_GOALS[lang]
        for i, phrase in enumerate(phrases):
            yield Sample(
                phrase.format(goal=goals[(i + 1) % len(goals)]),
                frozenset({"jailbreak"}),
                f"handwritten-{lang}",
                group="attack",
            )


def training_samples() -> list[Sample]:
    """Every training row for the request heads (no Tensor Trust, no held-out rows)."""
    rows: list[Sample] = []
    for loader in (harmful_sets, jailbreak_sets, benign_sets, multilingual_sets):
        rows.extend(loader("train"))
    rows.extend(Sample(t, source="handwritten-benign", group="hard_benign") for t in BENIGN_TRAIN)
    rows.extend(Sample(t, source="generated-benign", group="benign") for t in benign_generated())
    rows.extend(bipia_benign_tasks())
    return rows


_BENIGN_TASKS = (
    "Information Retrieval",
    "Content Creation",
    "Learning and Tutoring",
    "Language Translation",
    "Programming Help",
)


def bipia_benign_tasks() -> list[Sample]:
    """BIPIA's everyday task prompts and email questions: benign when a user asks them
    (training split only)."""
    rows: list[Sample] = []
    data = json.loads((DATA / "bipia" / "text_attack_train.json").read_text(encoding="utf-8"))
    for name in _BENIGN_TASKS:
        rows.extend(Sample(t, source="bipia-task", group="benign") for t in data.get(name, []))
    for r in _jsonl(DATA / "bipia" / "email_train.jsonl"):
        question = str(r.get("question", "")).removeprefix("Q:").strip()
        if question:
            rows.append(Sample(question, source="bipia-question", group="benign"))
    return rows


def document_segment_samples() -> list[Sample]:
    """Training rows for the document head: instructions (BIPIA attacks, injections) versus
    the sentences of clean emails, each cut as the runtime cuts documents."""
    from modelsteward.safety.classifier import segments

    rows: list[Sample] = []
    for r in _jsonl(DATA / "bipia" / "email_train.jsonl"):
        rows.extend(
            Sample(seg, source="bipia-clean", role="document")
            for seg in segments(str(r["context"]))
        )
    label = frozenset({"doc_injection"})
    for name in ("text_attack_train.json", "code_attack_train.json"):
        data = json.loads((DATA / "bipia" / name).read_text(encoding="utf-8"))
        for values in data.values():
            rows.extend(Sample(v, label, "bipia-attack", role="document") for v in values)
    for sample in (*jailbreak_sets("train"), *multilingual_sets("train")):
        if "injection" in sample.labels:
            rows.append(Sample(sample.text, label, sample.source, role="document"))
    return rows


def heldout_samples() -> list[Sample]:
    """Every held-out row from the licensed sets, plus Tensor Trust (evaluation only)."""
    rows: list[Sample] = []
    for loader in (harmful_sets, jailbreak_sets, document_sets, benign_sets, multilingual_sets):
        rows.extend(loader("test"))
    for r in _jsonl(DATA / "tensor_trust" / "hijacking_attacks_sample400.jsonl"):
        rows.append(
            Sample(str(r["attack"]), frozenset({"injection"}), "tensor-trust", group="attack")
        )
    return rows
