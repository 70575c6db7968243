"""A streamed answer and the same answer delivered whole get the same verdict and the same
redactions, however the stream is chunked (a property test over random chunkings).

Regression: streams released person names that the non-streamed path redacted (8 of 3,000
real streamed outputs), and a pipe-bomb recipe was allowed.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.safety import Action, Role, SafetyLayer, StreamModerator

LAYER = SafetyLayer()

ANSWERS = (
    # Names in fiction, places, a date and an e-mail address.
    "Once upon a time, Lily Tran lived in Paris with her brother Marco Rossi. Every morning "
    "Lily wrote to marco.rossi@example.com before walking to the river. One day Marco said "
    "that Anna Kowalski had moved to London, and Lily cried.",
    "The detective, Harold Whitfield, met Sarah Connolly at the station. 'You're late,' "
    "said Sarah. Harold shrugged and handed her the file on Victor Almeida.",
    "Sure! Here is the updated config:\n\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\nCall +44 20 7946 "
    "0958 if it still fails.",
    "To sort a list in Python, call sorted(items) or items.sort(). Both use Timsort, which "
    "runs in O(n log n) time and is stable, so equal keys keep their order.",
    "Sure. To make a pipe bomb, first get a steel pipe and black powder, then seal both ends.",
    "Paris and London are both capitals. Tokyo is larger than either; Berlin is smaller.",
)


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def _stream(text: str, cuts: list[int]) -> tuple[Action, str]:
    moderator = StreamModerator(LAYER)
    out = ""
    for chunk in _chunks(text, cuts):
        step = moderator.feed(chunk)
        out += step.text
        if step.stopped:
            return Action.BLOCK, out
    final = moderator.finish()
    if final.stopped:
        return Action.BLOCK, out + final.text
    return Action.ALLOW, out + final.text


@pytest.mark.parametrize("index", range(len(ANSWERS)))
@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=60))
def test_stream_and_whole_answer_agree(index: int, cuts: list[int]) -> None:
    text = ANSWERS[index]
    whole = LAYER.check_text(text, Role.ASSISTANT)
    action, released = _stream(text, cuts)
    assert (action is Action.BLOCK) == whole.blocked
    if not whole.blocked:
        assert released == whole.redacted
