"""Small SVG charts drawn on the server: no script, no external library, nothing fetched.

Colours come from CSS classes (``static/style.css``), so the charts follow the page's
palette and need no inline style, which the content security policy forbids.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

_W = 560
_H = 200
_PAD_L = 40
_PAD_B = 28
_PAD_T = 26


def _nice_max(value: int) -> int:
    if value <= 5:
        return max(value, 1)
    step = int(10 ** (len(str(value)) - 1))
    return ((value + step - 1) // step) * step


def _axis(top: int) -> str:
    plot_h = _H - _PAD_B - _PAD_T
    steps = min(4, top)
    parts = []
    for i in range(steps + 1):
        value = top * i / steps
        y = _H - _PAD_B - plot_h * i / steps
        parts.append(
            f'<line class="grid" x1="{_PAD_L}" x2="{_W - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{_PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:.0f}</text>"
        )
    return "".join(parts)


def bar_chart(title: str, bars: Sequence[tuple[str, int, str]]) -> Markup:
    """Vertical bars: ``(label, value, css class)`` each."""
    top = _nice_max(max((v for _, v, _ in bars), default=0))
    plot_w = _W - _PAD_L - 8
    plot_h = _H - _PAD_B - _PAD_T
    slot = plot_w / max(len(bars), 1)
    parts = [_svg_open(title), _axis(top)]
    for i, (label, value, css) in enumerate(bars):
        h = plot_h * value / top
        x = _PAD_L + i * slot + slot * 0.15
        y = _H - _PAD_B - h
        parts.append(
            f'<rect class="bar {escape(css)}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{escape(label)}: {value}'
            f"</title></rect>"
            f'<text class="value" x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" '
            f'text-anchor="middle">{value}</text>'
            f'<text class="label" x="{x + slot * 0.35:.1f}" y="{_H - 10}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or numeric)


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]]
) -> Markup:
    """Lines over ``labels``: ``(name, css class, values)`` each, with a legend."""
    top = _nice_max(max((max(v, default=0) for _, _, v in series), default=0))
    plot_w = _W - _PAD_L - 8
    plot_h = _H - _PAD_B - _PAD_T
    step = plot_w / max(len(labels) - 1, 1)
    parts = [_svg_open(title), _axis(top)]
    for name, css, values in series:
        points = " ".join(
            f"{_PAD_L + i * step:.1f},{_H - _PAD_B - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline class="line {escape(css)}" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    for i, anchor in _label_spots(labels):
        parts.append(
            f'<text class="label" x="{_PAD_L + i * step:.1f}" y="{_H - 10}" '
            f'text-anchor="{anchor}">{escape(labels[i])}</text>'
        )
    for j, (name, css, _) in enumerate(series):
        x = _PAD_L + 10 + j * 130
        parts.append(
            f'<rect class="bar {escape(css)}" x="{x}" y="4" width="10" height="10"/>'
            f'<text class="label" x="{x + 14}" y="13">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or numeric)


def paired_bars(
    title: str, labels: Sequence[str], pairs: Sequence[tuple[int, int]], names: tuple[str, str]
) -> Markup:
    """Two bars per label (for example approvals and rejections per day)."""
    top = _nice_max(max((max(p) for p in pairs), default=0))
    plot_w = _W - _PAD_L - 8
    plot_h = _H - _PAD_B - _PAD_T
    slot = plot_w / max(len(labels), 1)
    parts = [_svg_open(title), _axis(top)]
    for i, (a, b) in enumerate(pairs):
        for k, (value, css) in enumerate(((a, "approve"), (b, "reject"))):
            h = plot_h * value / top
            x = _PAD_L + i * slot + slot * (0.1 + 0.4 * k)
            parts.append(
                f'<rect class="bar {css}" x="{x:.1f}" y="{_H - _PAD_B - h:.1f}" '
                f'width="{slot * 0.4:.1f}" height="{h:.1f}"><title>{escape(labels[i])} '
                f"{escape(names[k])}: {value}</title></rect>"
            )
    for i, anchor in _label_spots(labels):
        parts.append(
            f'<text class="label" x="{_PAD_L + (i + 0.5) * slot:.1f}" y="{_H - 10}" '
            f'text-anchor="{anchor}">{escape(labels[i])}</text>'
        )
    for j, css in enumerate(("approve", "reject")):
        x = _PAD_L + 10 + j * 130
        parts.append(
            f'<rect class="bar {css}" x="{x}" y="4" width="10" height="10"/>'
            f'<text class="label" x="{x + 14}" y="13">{escape(names[j])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or numeric)


def _label_spots(labels: Sequence[str]) -> list[tuple[int, str]]:
    """Where to write x labels: first, middle and last, anchored to stay inside."""
    if not labels:
        return []
    last = len(labels) - 1
    spots = {0: "start", last // 2: "middle", last: "end"}
    return sorted(spots.items())


def _svg_open(title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
