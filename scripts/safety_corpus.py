"""The labelled corpus behind the safety classifier and its held-out benchmark.

Sources (all under ``shared/data/safety``; each directory's SOURCE.md names its license):
AdvBench (MIT), HarmBench (MIT), StrongREJECT (MIT), JailbreakBench (MIT), Giskard prompt
injections (MIT), BIPIA (MIT), MT-bench/Vicuna prompts (Apache-2.0), GSM8K (MIT), XSTest
(CC-BY-4.0). Tensor Trust states no license: it is read for evaluation only, never trained on.

Everyday requests (``shared/data/safety/everyday``: self-instruct, Apache-2.0; Code Alpaca,
CC BY-NC 4.0, read for training and evaluation here, never shipped) join the benign sets.

Splits: every request row gets a *unit* (its template: a JailbreakBench method whose prompts
share one template across goals, else the row itself); units that share a near-duplicate
(``safety_dedupe``: MinHash over normalised character 5-grams, Jaccard >= 0.5) or an exact
duplicate are joined, and each joined component goes whole to ``train`` (60%), ``val``
(20%) or ``test`` (20%) by a hash of its first text. So no split shares a row, a near-copy or
a template with another. BIPIA documents keep BIPIA's own train/test files. Hand-written
training rows that are near-copies of a validation or test row are dropped.

``seen_samples`` are the evaluation texts written by the people who wrote the rules and the
normaliser (the multilingual templates, ``bench/safety/hard_benign.jsonl``): reported apart,
never as a headline.
"""

from __future__ import annotations

import csv
import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from safety_dedupe import THRESHOLD, UnionFind, near_duplicate_pairs
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
    unit: str = ""
    """The template the row belongs to (rows of one unit always share a split)."""


SPLITS = ("train", "val", "test")
_SHARES = (("train", 60), ("val", 20), ("test", 20))
_TEMPLATE_METHODS = frozenset({"JailbreakChat", "adaptive_random_search", "DSN"})
"""JailbreakBench methods whose prompts wrap every goal in one shared template."""


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _harmful_rows() -> Iterator[Sample]:
    """Harmful requests with hazard labels where the source has categories."""
    harm = frozenset({"harmful"})
    for r in _csv(DATA / "advbench" / "harmful_behaviors.csv"):
        yield Sample(r["goal"], harm, "advbench", group="attack")
    for r in _csv(DATA / "harmbench" / "harmbench_behaviors_text_all.csv"):
        hazard = HARMBENCH_HAZARD.get(r["SemanticCategory"], "")
        yield Sample(r["Behavior"], harm, "harmbench", hazard, group="attack")
    for r in _csv(DATA / "strongreject" / "strongreject_dataset.csv"):
        hazard = STRONGREJECT_HAZARD.get(r["category"], "")
        yield Sample(r["forbidden_prompt"], harm, "strongreject", hazard, group="attack")
    for r in _csv(DATA / "xstest" / "xstest_prompts.csv"):
        if r["label"] == "unsafe":
            yield Sample(r["prompt"], harm, "xstest-unsafe", group="attack")


def _jailbreak_rows() -> Iterator[Sample]:
    """JailbreakBench attack prompts and Giskard jailbreaks/hijacks."""
    for r in _jsonl(DATA / "jailbreakbench" / "jbb_jailbreak_prompts.jsonl"):
        if not r.get("prompt"):
            continue
        method = str(r["method"])
        labels = {"harmful"}
        if method in ("JailbreakChat", "PAIR", "adaptive_random_search"):
            labels.add("jailbreak")
        unit = f"jbb-template:{method}" if method in _TEMPLATE_METHODS else ""
        yield Sample(
            str(r["prompt"]),
            frozenset(labels),
            f"jbb-{method}",
            JBB_HAZARD.get(str(r["category"]), ""),
            group="attack",
            unit=unit,
        )
    for r in _csv(DATA / "giskard_prompt_injections" / "prompt_injections.csv"):
        label = "jailbreak" if r["group"] == "Jailbreak" else "injection"
        yield Sample(r["prompt"], frozenset({label}), "giskard", group="attack")


def _benign_rows() -> Iterator[Sample]:
    """Everyday prompts (MT-bench/Vicuna, GSM8K, self-instruct, Code Alpaca) and XSTest's
    safe look-alikes."""
    for r in _jsonl(DATA / "benign_chat" / "mtbench_vicuna_prompts.jsonl"):
        yield Sample(str(r["text"]), source="mtbench", group="benign")
    for r in _jsonl(DATA / "benign_gsm8k" / "gsm8k_test_questions_sample300.jsonl"):
        yield Sample(str(r["text"]), source="gsm8k", group="benign")
    everyday = DATA / "everyday" / "everyday_requests.jsonl"
    if everyday.exists():
        for r in _jsonl(everyday):
            source = str(r["source"]).split("/")[0]
            yield Sample(str(r["text"]), source=source, group="everyday")
    for r in _csv(DATA / "xstest" / "xstest_prompts.csv"):
        if r["label"] == "safe":
            yield Sample(r["prompt"], source="xstest-safe", group="hard_benign")


def _share(key: str) -> str:
    bucket = zlib.crc32(f"{SEED}:{key}".encode()) % 100
    for name, share in _SHARES:
        if bucket < share:
            return name
        bucket -= share
    return "test"


@lru_cache(maxsize=1)
def split_request_rows() -> tuple[tuple[Sample, str], ...]:
    """Every request row with its split (see the module docstring)."""
    rows = [*_harmful_rows(), *_jailbreak_rows(), *_benign_rows()]
    uf = _components(rows)
    return tuple((row, _share(rows[uf.find(i)].text)) for i, row in enumerate(rows))


def _components(rows: list[Sample]) -> UnionFind:
    """Rows joined by template unit and by (near-)duplicate text."""
    uf = UnionFind(len(rows))
    first_of_unit: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.unit:
            uf.union(first_of_unit.setdefault(row.unit, i), i)
    near_duplicate_pairs([r.text for r in rows], THRESHOLD, joined=uf)
    return uf


def request_rows(split: str) -> list[Sample]:
    """The request rows of one split (``train``, ``val`` or ``test``)."""
    return [row for row, where in split_request_rows() if where == split]


def component_of_rows() -> list[int]:
    """For ``split_request_rows()``, the near-duplicate component of each row (its first
    row's index), for leave-one-source-out: a left-out source takes its near-copies along."""
    uf = _components([r for r, _ in split_request_rows()])
    return [uf.find(i) for i in range(len(split_request_rows()))]


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


def multilingual_sets(split: str) -> Iterator[Sample]:
    """Hand-written injections and jailbreaks in EN/FR/DE/ES/IT/PT (templates differ by split;
    the evaluation templates are "seen": written by the rule writers)."""
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


def _handwritten_training() -> list[Sample]:
    rows = list(multilingual_sets("train"))
    rows.extend(Sample(t, source="handwritten-benign", group="hard_benign") for t in BENIGN_TRAIN)
    rows.extend(Sample(t, source="generated-benign", group="benign") for t in benign_generated())
    rows.extend(bipia_benign_tasks())
    return rows


def drop_near_copies_of_evaluation(rows: list[Sample]) -> list[Sample]:
    """``rows`` without those that are near-copies of a validation or test request row."""
    held = [r.text for r in (*request_rows("val"), *request_rows("test"))]
    texts = held + [r.text for r in rows]
    bad = {b - len(held) for a, b, _ in near_duplicate_pairs(texts) if a < len(held) <= b}
    return [r for i, r in enumerate(rows) if i not in bad]


def training_samples() -> list[Sample]:
    """Every training row for the request heads: the ``train`` split and the hand-written
    training rows (no Tensor Trust, no validation or test row, no near-copy of one)."""
    return request_rows("train") + drop_near_copies_of_evaluation(_handwritten_training())


def validation_samples() -> list[Sample]:
    """The ``val`` split: where thresholds are chosen."""
    return request_rows("val")


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
    for sample in (*request_rows("train"), *multilingual_sets("train")):
        if "injection" in sample.labels:
            rows.append(Sample(sample.text, label, sample.source, role="document"))
    return rows


def heldout_samples() -> list[Sample]:
    """The unseen evaluation rows: the ``test`` split, BIPIA's test documents, and Tensor
    Trust (evaluation only; no license to train on)."""
    rows: list[Sample] = [*request_rows("test"), *document_sets("test")]
    for r in _jsonl(DATA / "tensor_trust" / "hijacking_attacks_sample400.jsonl"):
        rows.append(
            Sample(str(r["attack"]), frozenset({"injection"}), "tensor-trust", group="attack")
        )
    return rows


def seen_samples() -> list[Sample]:
    """Evaluation texts written by the rule writers: the multilingual evaluation templates.
    Figures on them are "seen", never a headline."""
    return [replace(s, group=f"seen_{s.group}") for s in multilingual_sets("test")]
