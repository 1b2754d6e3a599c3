"""Small inline SVG charts: a line chart over labelled points and a horizontal bar chart.

The SVG is written straight into the page, so it prints, needs no JavaScript and keeps to a
strict Content-Security-Policy: presentation attributes only (fill, stroke, font-size…), never a
style attribute. Each chart is an image with an accessible name (aria-label and <title>) and a
<desc> listing every value as text; the values are drawn as text labels too, so nobody has to
read them off an axis.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Colours distinguishable in colour-blind vision and in greyscale print (Okabe–Ito).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
WIDTH = 640
FONT = 11
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 26, 22
BAR_HEIGHT, BAR_GAP, BAR_LABEL = 18, 6, 200


def format_value(value: float | None, *, percent: bool = False) -> str:
    """A value as people read it here: Russian separators, one decimal at most, "—" if none."""
    if value is None:
        return "—"
    if float(value).is_integer():
        text = number_format(int(value), force_grouping=True)
    else:
        text = number_format(round(value, 1), 1, force_grouping=True)
    return f"{text} %" if percent else text


def _attrs(**attrs: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None
    )


def _svg(label: str, description: str, width: int, height: int, body: Iterable[str]) -> SafeString:
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        width="100%",
        preserveAspectRatio="xMinYMin meet",
        role="img",
        aria_label=label,
        class_="chart",
        font_family="sans-serif",
        font_size=FONT,
    )
    parts = [
        f"<svg {head}>",
        f"<title>{escape(label)}</title>",
        f"<desc>{escape(description)}</desc>",
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every piece of text above is escaped


def _el(tag: str, **attrs: object) -> str:
    return f"<{tag} {_attrs(**attrs)}/>"


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    return f"<text {_attrs(x=f'{x:.1f}', y=f'{y:.1f}', **attrs)}>{escape(text)}</text>"


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover — the loop always returns


def line_chart(
    series: dict[str, list[tuple[str, float | None]]],
    *,
    height: int = 160,
    percent: bool = False,
    title: str | None = None,
) -> SafeString:
    """Lines over the same labelled points (e.g. weeks); None leaves a gap in a line.

    The x labels are those of the first series; other series are matched to them by label."""
    names = list(series)
    labels: list[str] = []
    for name in names:
        for label, _value in series[name]:
            if label not in labels:
                labels.append(label)
    values = {name: dict(points) for name, points in series.items()}
    known = [v for points in values.values() for v in points.values() if v is not None]
    top = 100.0 if percent and max(known, default=0) <= 100 else _nice_max(max(known, default=0))
    bottom = min(0.0, min(known, default=0))
    height = max(height, 80)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / len(labels) if labels else 0)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - bottom) / ((top - bottom) or 1))

    body = []
    # Axis: baseline and top line with their values.
    for value in (bottom, top):
        body.append(
            _el(
                "line",
                x1=LEFT,
                x2=WIDTH - RIGHT,
                y1=f"{y(value):.1f}",
                y2=f"{y(value):.1f}",
                stroke="#bbb",
                stroke_width=1,
            )
        )
        body.append(
            _text(
                LEFT - 4,
                y(value) + 4,
                format_value(value, percent=percent),
                text_anchor="end",
                fill="#555",
            )
        )
    step = max(1, -(-len(labels) // 12))  # at most about 12 x labels
    for index, label in enumerate(labels):
        if index % step == 0:
            body.append(_text(x(index), height - 6, label, text_anchor="middle", fill="#555"))
    # Legend along the top.
    legend_x = LEFT
    for number, name in enumerate(names):
        colour = PALETTE[number % len(PALETTE)]
        body.append(_el("rect", x=legend_x, y=6, width=10, height=10, fill=colour))
        body.append(_text(legend_x + 14, 15, name, fill="#222"))
        legend_x += 24 + 7 * len(name)
    described = []
    for number, name in enumerate(names):
        colour = PALETTE[number % len(PALETTE)]
        dash = None if number % 2 == 0 else "6 3"  # told apart in greyscale too
        segments: list[list[tuple[float, float]]] = [[]]
        texts = []
        for index, label in enumerate(labels):
            value = values[name].get(label)
            texts.append(f"{label}: {format_value(value, percent=percent)}")
            if value is None:
                segments.append([])
                continue
            segments[-1].append((x(index), y(value)))
            offset = -6 if number % 2 == 0 else 14
            body.append(
                _text(
                    x(index),
                    y(value) + offset,
                    format_value(value, percent=percent),
                    text_anchor="middle",
                    fill=colour,
                    font_size=FONT - 2,
                )
            )
        for segment in segments:
            if not segment:
                continue
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            if len(segment) > 1:
                body.append(
                    _el(
                        "polyline",
                        points=points,
                        fill="none",
                        stroke=colour,
                        stroke_width=2,
                        stroke_dasharray=dash,
                    )
                )
            for px, py in segment:
                body.append(_el("circle", cx=f"{px:.1f}", cy=f"{py:.1f}", r=3, fill=colour))
        described.append(f"{name} — " + "; ".join(texts))
    label = title or ", ".join(names) or _("Chart")
    description = ". ".join(described) or _("No data")
    return _svg(label, description, WIDTH, height, body)


def bar_chart(
    items: list[tuple[str, float]], *, percent: bool = False, title: str | None = None
) -> SafeString:
    """Horizontal bars, one per labelled value, with the value written beside each bar; `title`
    names the chart for screen readers."""
    values = [float(value) for _label, value in items]
    low, high = min(0.0, *values) if values else 0.0, max(0.0, *values) if values else 0.0
    span = (high - low) or 1.0
    plot_w = WIDTH - BAR_LABEL - 70
    height = TOP // 2 + max(1, len(items)) * (BAR_HEIGHT + BAR_GAP)

    def x(value: float) -> float:
        return BAR_LABEL + plot_w * (value - low) / span

    body = []
    for index, (label, value) in enumerate(items):
        top = TOP // 2 + index * (BAR_HEIGHT + BAR_GAP)
        middle = top + BAR_HEIGHT / 2 + 4
        shown = label if len(label) <= 32 else label[:31] + "…"
        body.append(_text(BAR_LABEL - 6, middle, shown, text_anchor="end", fill="#222"))
        start, end = sorted((x(0), x(float(value))))
        colour = PALETTE[0] if value >= 0 else PALETTE[1]
        body.append(
            _el(
                "rect",
                x=f"{start:.1f}",
                y=top,
                width=f"{max(end - start, 1):.1f}",
                height=BAR_HEIGHT,
                fill=colour,
            )
        )
        body.append(_text(end + 4, middle, format_value(value, percent=percent), fill="#222"))
    if items:
        zero = x(0)
        body.append(
            _el(
                "line",
                x1=f"{zero:.1f}",
                x2=f"{zero:.1f}",
                y1=TOP // 2 - 2,
                y2=height,
                stroke="#888",
                stroke_width=1,
            )
        )
    else:
        body.append(_text(BAR_LABEL, TOP, _("No data"), fill="#555"))
    description = "; ".join(
        f"{name}: {format_value(value, percent=percent)}" for name, value in items
    ) or _("No data")
    return _svg(title or _("Bar chart"), description, WIDTH, height + 4, body)
