"""Identification of every corpus text: exact, reformatted, each kind of edit, truncation."""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pytest

from modelsteward.licenses import DiffKind, TextStatus, identify_text
from modelsteward.licenses.detect import MIN_SIMILARITY
from modelsteward.licenses.normalize import words
from tests.licenses.corpus import DOC_IDS, DOCUMENTS, needs_corpus, text_of

pytestmark = needs_corpus


def _one(text: str, sha: str | None = None) -> tuple[str, str, TextStatus]:
    ident = identify_text(text, sha256=sha)
    assert len(ident.matches) == 1, [(m.license, m.role) for m in ident.matches]
    match = ident.matches[0]
    return match.license, match.role, match.status


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _rewrap(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(
        textwrap.fill(" ".join(p.split()), width=58, break_long_words=False, break_on_hyphens=False)
        for p in paragraphs
    )


def _markdown(text: str) -> str:
    lines = text.splitlines()
    out = [
        f"## **{line.strip()}**" if line.strip()[:2].rstrip(".").isdigit() else line
        for line in lines
    ]
    return "# License\n\n" + "\n".join(out)


def _quotes(text: str) -> str:
    table = str.maketrans({"“": '"', "”": '"', "’": "'", '"': "“", "'": "’"})
    return text.translate(table)


REFORMATS = {"crlf": _crlf, "rewrap": _rewrap, "markdown": _markdown, "quotes": _quotes}


@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_exact_copy_is_exact(license_id: str, role: str, path: Path) -> None:
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    assert _one(raw.decode("utf-8"), sha) == (license_id, role, TextStatus.EXACT)


@pytest.mark.parametrize("reformat", sorted(REFORMATS))
@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_reformatted_copy_is_reformatted(
    license_id: str, role: str, path: Path, reformat: str
) -> None:
    text = REFORMATS[reformat](path.read_text(encoding="utf-8"))
    assert _one(text) == (license_id, role, TextStatus.REFORMATTED)


def _middle_word(text: str) -> re.Match[str]:
    candidates = [m for m in re.finditer(r"\b[a-z]{6,}\b", text)]
    return candidates[len(candidates) // 2]


@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_changed_word_is_modified_and_quoted(license_id: str, role: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    word = _middle_word(text)
    edited = text[: word.start()] + "zanzibar" + text[word.end() :]
    match = identify_text(edited).matches[0]
    assert (match.license, match.status) == (license_id, TextStatus.MODIFIED)
    assert [d.kind for d in match.differences] == [DiffKind.CHANGED]
    assert "zanzibar" in match.differences[0].found


@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_deleted_sentence_is_modified(license_id: str, role: str, path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    victim = next(i for i in range(middle, len(lines)) if len(lines[i].split()) >= 4)
    edited = "".join(lines[:victim] + lines[victim + 1 :])
    match = identify_text(edited).matches[0]
    assert (match.license, match.status) == (license_id, TextStatus.MODIFIED)
    assert any(d.kind is DiffKind.DELETED for d in match.differences)


@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_inserted_clause_is_modified(license_id: str, role: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cut = text.find("\n", len(text) // 2)
    clause = "\n\nNothing in this agreement permits use by any government agency.\n\n"
    match = identify_text(text[:cut] + clause + text[cut:]).matches[0]
    assert (match.license, match.status) == (license_id, TextStatus.MODIFIED)
    assert any("government agency" in d.found for d in match.differences)


@pytest.mark.parametrize(("license_id", "role", "path"), DOCUMENTS, ids=DOC_IDS)
def test_truncated_text_is_truncated(license_id: str, role: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cut = text.rfind(" ", 0, int(len(text) * 0.6))
    match = identify_text(text[:cut]).matches[0]
    assert (match.license, match.status) == (license_id, TextStatus.TRUNCATED)
    assert match.alignment.missing_tail > 0


def test_changed_threshold_is_modified_with_section_and_users_words() -> None:
    text = text_of("llama3").replace("700 million", "7 billion")
    match = identify_text(text).matches[0]
    assert (match.license, match.status) == ("llama3", TextStatus.MODIFIED)
    [diff] = match.differences
    assert (diff.kind, diff.section, diff.found) == (DiffKind.CHANGED, "2", "7 billion")


def test_deleted_non_commercial_clause_is_modified() -> None:
    text = text_of("cc-by-nc-4.0").replace(", for NonCommercial purposes only", "", 1)
    match = identify_text(text).matches[0]
    assert match.status is TextStatus.MODIFIED
    assert match.differences[0].kind is DiffKind.DELETED


def test_copyright_holder_is_not_an_edit() -> None:
    text = re.sub(
        r"Copyright \(c\) \d{4} \w+", "Copyright (c) 2025 Example Labs Inc", text_of("mit")
    )
    assert _one(text) == ("mit", "license", TextStatus.REFORMATTED)


@pytest.mark.parametrize(
    ("first", "second"),
    [("llama3.1", "gemma"), ("apache-2.0", "mit"), ("qwen", "tongyi-qianwen-research")],
)
def test_two_licenses_in_one_file_are_both_found(first: str, second: str) -> None:
    ident = identify_text(text_of(first) + "\n\n-----\n\n" + text_of(second))
    assert [(m.license, m.status) for m in ident.matches] == [
        (first, TextStatus.REFORMATTED),
        (second, TextStatus.REFORMATTED),
    ]


def test_license_with_policy_appended_is_one_license() -> None:
    ident = identify_text(text_of("llama3.2") + "\n\n" + text_of("llama3.2", "policy"))
    assert [(m.license, m.role) for m in ident.matches] == [
        ("llama3.2", "license"),
        ("llama3.2", "policy"),
    ]


def test_prepended_title_is_a_header_not_an_edit() -> None:
    ident = identify_text("Model License\n=============\n\n" + text_of("openmdw-1.1"))
    assert ident.matches[0].status is TextStatus.REFORMATTED
    assert "Model License" in ident.header


def test_prepended_restriction_is_an_insertion() -> None:
    ident = identify_text("You may not use this model commercially.\n\n" + text_of("mit"))
    assert ident.matches[0].status is TextStatus.MODIFIED


def test_unrelated_text_is_not_identified() -> None:
    ident = identify_text("All rights reserved. Contact sales for licensing terms. " * 5)
    assert ident.matches == ()


@pytest.mark.parametrize(
    ("source", "target"),
    [("openmdw-1.1", "openmdw-1.0"), ("llama3.1", "llama3"), ("tongyi-qianwen", "qwen")],
)
def test_version_neighbours_are_told_apart(source: str, target: str) -> None:
    assert _one(text_of(source) + " ")[0] == source
    assert _one(text_of(target) + " ")[0] == target
    assert set(words(text_of(source))) != set(words(text_of(target)))


def _numbered(text: str) -> str:
    """Number every paragraph with a Roman numeral, as some copies do."""
    numerals = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
    paragraphs = re.split(r"\n\s*\n", text)
    out = [f"{numerals[i]}. {p}" if i < len(numerals) else p for i, p in enumerate(paragraphs)]
    return "\n\n".join(out)


@pytest.mark.parametrize("license_id", ["stabilityai-community", "llama3.1", "gemma"])
def test_section_numerals_inserted_are_reformatting(license_id: str) -> None:
    ident = identify_text(_numbered(text_of(license_id)))
    assert [(m.license, m.status) for m in ident.matches] == [(license_id, TextStatus.REFORMATTED)]


def test_dropped_web_address_is_reformatting() -> None:
    text = text_of("llama3.1", "policy")
    stripped = re.sub(r"https?://[^\s<]+", "", text)
    assert stripped != text
    assert _one(stripped)[2] is TextStatus.REFORMATTED


def test_renumbered_threshold_is_still_a_change_of_words() -> None:
    text = text_of("llama3.1").replace("700 million", "7 billion", 1)
    match = identify_text(_numbered(text)).matches[0]
    assert match.status is TextStatus.MODIFIED
    assert [d.found for d in match.differences] == ["7 billion"]


def test_distant_text_is_unknown_with_closest_and_similarity() -> None:
    # A third of one license's paragraphs among custom terms: shares passages,
    # but is not that license.
    paragraphs = re.split(r"\n\s*\n", text_of("tongyi-qianwen-research"))
    custom = "The licensee shall pay the licensor {n} per cent of net revenue each quarter."
    mixed = "\n\n".join(
        p if i % 3 == 1 else " ".join(custom.format(n=i * 10 + k) for k in range(8))
        for i, p in enumerate(paragraphs)
    )
    ident = identify_text(mixed)
    assert ident.matches == ()
    assert ident.closest == "tongyi-qianwen-research"
    assert ident.closest_similarity is not None and ident.closest_similarity < MIN_SIMILARITY
