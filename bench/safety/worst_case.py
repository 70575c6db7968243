"""Worst-case cost of each guard on hostile text: CPU seconds per MB, guard by guard.

Usage: OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python bench/safety/worst_case.py
       [--size 1000000] [--guards pii,secret,...] [--shapes a,b,...] [--json OUT]

Each shape is ``size`` characters of text built to reach the slow paths: one repeated
character, dense candidate lists ("Ann, Bob, Carl, ...", "Paris Paris ..."), runs of
capitalised words, mixed scripts, one long token, dense digits, e-mail addresses and URLs.
Every guard runs on its own (caches cleared before each run) for the user and the assistant
role; ``normalize`` is timed on its own too, since every text guard starts with it. The goal
is at most 1 CPU second per MB for every guard and shape.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

from modelsteward.safety import Role
from modelsteward.safety.guards import HarmfulGuard, InjectionGuard, PiiGuard, SecretGuard, signals
from modelsteward.safety.normalize import normalize

HERE = Path(__file__).resolve().parent

_GIVEN = "Ann Bob Carl Dana Eve Fay Gus Hal Ida Jon Kim Lee Max Ned Ola Pia Ray Sue Tom Una".split()  # noqa: SIM905


def _cycle(words: list[str], sep: str, size: int, rng: random.Random | None = None) -> str:
    parts: list[str] = []
    total = 0
    i = 0
    while total < size:
        word = rng.choice(words) if rng is not None else words[i % len(words)]
        parts.append(word)
        total += len(word) + len(sep)
        i += 1
    return sep.join(parts)[:size]


def shapes(size: int) -> dict[str, str]:
    """The hostile texts, each ``size`` characters long."""
    rng = random.Random(5)
    letters = string.ascii_letters + string.digits + "+/"
    lower = string.ascii_lowercase
    caps = ["".join(rng.choice(lower) for _ in range(rng.randint(3, 9))) for _ in range(500)]
    keys = ["sk-", "AKIA", "ghp_", "eyJ", "xoxb-", "AIza", "secret="]
    streets = ["12 Main Street", "Rue de la Paix 4", "Via Roma 3"]
    pairs = [f"{a} {b}son" for a, b in zip(_GIVEN, reversed(_GIVEN), strict=True)]
    return {
        "one-char": "a" * size,
        "spaces": " " * size,
        "digits": "7" * size,
        "digit-groups": _cycle(["12"], " ", size),
        "phone-like": _cycle(["+1 555 0100", "(212) 555-0100", "030 1234567"], ", ", size, rng),
        "email-glue": "a.b" * (size // 3),
        "emails": _cycle([f"{n.lower()}.lee@example.com" for n in _GIVEN], " ", size),
        "urls": _cycle(["https://example.com/a/b?c=d&e=f", "http://x.io/#q"], " ", size, rng),
        "capitalised-words": _cycle(["Paris"], " ", size),
        "capitalised-runs": _cycle([w.capitalize() for w in caps], " ", size, rng),
        "name-list": _cycle(_GIVEN, ", ", size),
        "name-pairs": _cycle(pairs, ", ", size),
        "firm-list": _cycle(["Jones, Mitchell and Williams said hi to Ann Lee."], " ", size),
        "place-list": _cycle(["Paris", "London", "Berlin", "Rome", "and"], " ", size, rng),
        "street-words": _cycle(streets, " ", size, rng),
        "mixed-scripts": "".join(rng.choice("aаα1 .,@:/=-_xZ\n中Ωé") for _ in range(size)),
        "long-token": "".join(rng.choice(letters) for _ in range(size)),
        "key-prefixes": _cycle(keys, " ", size, rng),
        "hex": _cycle(["de", "ad", "be", "ef", "0x41"], " ", size, rng),
        "lines": _cycle(["A", "Bob:", "10115 Berlin"], "\n", size, rng),
    }


def _clear() -> None:
    normalize.cache_clear()
    signals.views.cache_clear()
    signals.scores.cache_clear()
    signals.document_score.cache_clear()


def guards() -> dict[str, Callable[[str, Role], object]]:
    pii, secret, inj, harm = PiiGuard(), SecretGuard(), InjectionGuard(), HarmfulGuard()
    return {
        "normalize": lambda text, role: normalize(text),
        "pii": pii.check_text,
        "secret": secret.check_text,
        "injection": inj.check_text,
        "harmful": harm.check_text,
    }


def measure(
    size: int, names: list[str] | None, shape_names: list[str] | None
) -> dict[str, dict[str, float]]:
    """CPU seconds per MB, by guard, then by ``shape/role``."""
    texts = shapes(size)
    table = guards()
    table["pii"]("warm up Ann Lee in Paris", Role.USER)  # lexicon load is not the text's cost
    table["harmful"]("warm up", Role.USER)
    out: dict[str, dict[str, float]] = {}
    for guard in names or list(table):
        check = table[guard]
        row: dict[str, float] = {}
        for shape, text in texts.items():
            if shape_names and shape not in shape_names:
                continue
            roles = (Role.USER,)
            if guard in ("injection", "harmful"):  # the role changes what these read
                roles = (Role.USER, Role.ASSISTANT)
            for role in roles:
                _clear()
                started = time.process_time()
                check(text, role)
                spent = time.process_time() - started
                row[f"{shape}/{role.value}"] = round(spent * 1_000_000 / size, 3)
            print(guard, shape, row[f"{shape}/{roles[-1].value}"], file=sys.stderr, flush=True)
        out[guard] = row
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--guards", help="comma-separated guard names")
    parser.add_argument("--shapes", help="comma-separated shape names")
    parser.add_argument("--json", type=Path, default=HERE / "worst_case.json")
    args = parser.parse_args()
    result = measure(
        args.size,
        args.guards.split(",") if args.guards else None,
        args.shapes.split(",") if args.shapes else None,
    )
    summary = {
        guard: {"worst_s_per_mb": max(row.values()), "worst_shape": max(row, key=row.__getitem__)}
        for guard, row in result.items()
    }
    report = {"size": args.size, "summary": summary, "s_per_mb": result}
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
