"""SVG charts written by the app (no script, no CDN): horizontal stacked bars and a yearly line chart."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

#: Text colour and font of every chart.
_FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#222"'


@dataclass(frozen=True)
class Series:
    """One stacked part or line: its label, colour and one value per category."""

    label: str
    colour: str
    values: tuple[float, ...]


def stacked_bars(title: str, categories: list[str], series: list[Series], unit: str = "") -> str:
    """Return an SVG of horizontal bars, one per category, stacked by series, with a legend.

    Parameters
    ----------
    title : str
        Shown at the top and as the SVG's accessible name.
    categories : list of str
        Bar labels, top to bottom.
    series : list of Series
        Each with one value per category; parts of zero are not drawn.
    unit : str
        Written after each bar's total.

    Returns
    -------
    str
        A standalone ``<svg>`` document; text is escaped.
    """
    label_w, bar_w, row_h, top = 190, 420, 24, 38
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    scale = bar_w / max(max(totals, default=0), 1e-9)
    legend_rows = -(-len(series) // 3)
    height = top + row_h * len(categories) + 16 + 18 * legend_rows
    width = label_w + bar_w + 90
    out = [_open(width, height, title), _title(title, width)]
    for i, category in enumerate(categories):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {_FONT}>{escape(category)}</text>')
        x = float(label_w)
        for s in series:
            w = s.values[i] * scale
            if w <= 0:
                continue
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{escape(s.colour)}" '
                       f'stroke="#333" stroke-width="0.5"><title>{escape(category)}: {escape(s.label)} '
                       f'{s.values[i]:g}{escape(unit)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 15}" {_FONT}>{totals[i]:g}{escape(unit)}</text>')
    out += _legend(series, top + row_h * len(categories) + 12)
    return "".join(out) + "</svg>"


def year_lines(title: str, years: list[int], series: list[Series], marks: dict[int, list[tuple[str, str]]]) -> str:
    """Return an SVG of one line per series over ``years``, with agreement marks (year → [(label, colour)]).

    Parameters
    ----------
    title : str
        Shown at the top.
    years : list of int
        The x axis, ascending; points are placed by year, so the steps may be uneven.
    series : list of Series
        One value per year each.
    marks : dict
        Year → (text, colour) of events drawn as ticks under the axis, one row each.

    Returns
    -------
    str
        A standalone ``<svg>`` document.
    """
    left, top, plot_w, plot_h = 50, 40, 620, 220
    peak = max((v for s in series for v in s.values), default=0) or 1.0
    span = max(years[-1] - years[0], 1) if years else 1

    def x_of(year: int) -> float:
        return left + (year - years[0]) / span * plot_w

    n_marks = max((len(v) for v in marks.values()), default=0)
    legend_top = top + plot_h + 30 + 10 * n_marks
    height = legend_top + 18 * -(-max(len(series), 1) // 3) + 8
    out = [_open(left + plot_w + 30, height, title), _title(title, left + plot_w + 30),
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
           f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" {_FONT}>{peak:g}</text>',
           f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" {_FONT}>0</text>']
    for i, year in enumerate(years):
        if (year % 5 == 0 and years[-1] - year >= 2) or i == len(years) - 1:
            out.append(f'<text x="{x_of(year):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                       f'{_FONT}>{year}</text>')
    for s in series:
        points = " ".join(f"{x_of(year):.1f},{top + plot_h - v / peak * plot_h:.1f}"
                          for year, v in zip(years, s.values, strict=True))
        out.append(f'<polyline points="{points}" fill="none" stroke="{escape(s.colour)}" stroke-width="2.5">'
                   f'<title>{escape(s.label)}</title></polyline>')
    for year, events in marks.items():
        if not years or not years[0] <= year <= years[-1]:
            continue
        x = x_of(year)
        for j, (text, colour) in enumerate(events):
            y = top + plot_h + 22 + 10 * j
            out.append(f'<rect x="{x - 3:.1f}" y="{y}" width="6" height="8" fill="{escape(colour)}" stroke="#333" '
                       f'stroke-width="0.5"><title>{year}: {escape(text)}</title></rect>')
    out += _legend(series, legend_top)
    return "".join(out) + "</svg>"


def _title(title: str, width: int) -> str:
    # About 7 px a character at 12 px bold: break a long title before its bracket.
    if len(title) * 7 <= width or " (" not in title:
        return f'<text x="0" y="16" {_FONT} font-weight="600">{escape(title)}</text>'
    head, tail = title.split(" (", 1)
    return (f'<text x="0" y="12" {_FONT} font-weight="600">{escape(head)}</text>'
            f'<text x="0" y="27" {_FONT}>({escape(tail)}</text>')


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">')


def _legend(series: list[Series], top: int) -> list[str]:
    out = []
    for i, s in enumerate(series):
        x, y = 10 + (i % 3) * 220, top + (i // 3) * 18
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{escape(s.colour)}" stroke="#333"/>'
                   f'<text x="{x + 18}" y="{y + 11}" {_FONT}>{escape(s.label)}</text>')
    return out
