"""Properties of the chain: any single edit, deletion or swap is found at its position."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.registry import AuditFault
from modelsteward.registry.audit import GENESIS, AuditRowTuple, chain_entry, verify_chain

_TEXT = st.text(min_size=0, max_size=12)


def _chain(payloads: list[str]) -> list[AuditRowTuple]:
    rows = []
    prev = GENESIS
    for seq, text in enumerate(payloads, start=1):
        entry = chain_entry(
            prev_hash=prev, seq=seq, ts=f"t{seq}", actor="a", action="x", payload={"v": text}
        )
        rows.append(entry.row)
        prev = entry.hash
    return rows


@settings(max_examples=60, deadline=None)
@given(payloads=st.lists(_TEXT, min_size=2, max_size=12), data=st.data())
def test_any_single_tampering_is_named(payloads: list[str], data: st.DataObject) -> None:
    rows = _chain(payloads)
    head = (rows[-1][0], rows[-1][6])
    assert verify_chain(rows, head=head).ok
    k = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    kind = data.draw(st.sampled_from(["edit", "delete", "swap"]))
    tampered = list(rows)
    if kind == "edit":
        field = data.draw(st.sampled_from([1, 2, 3]))
        row = list(tampered[k])
        row[field] = str(row[field]) + "!"
        tampered[k] = tuple(row)  # type: ignore[assignment]
        expected = (k + 1, AuditFault.EDITED)
    elif kind == "delete":
        del tampered[k]
        expected = (k + 1, AuditFault.DELETED)
    else:
        if k == len(rows) - 1:
            k -= 1
        a, b = tampered[k], tampered[k + 1]
        # The stored seq stays where it was: the contents moved.
        tampered[k] = (a[0], *b[1:])
        tampered[k + 1] = (b[0], *a[1:])
        if a[1:6] == b[1:6]:
            return
        expected = (k + 1, AuditFault.REORDERED)
    result = verify_chain(tampered, head=head, rescan=tampered)
    assert not result.ok
    assert (result.first_bad_seq, result.reason) == expected
