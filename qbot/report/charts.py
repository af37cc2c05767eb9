"""Pictures of a result, as plain inline SVG (no script, no font or file to load): for a ranking,
the top people's contacts per day and their hour-of-day profile; for a question about one person,
their timeline. The figures come from the same selection the result counted (`groups` by local
day or hour), so a person's line sums to their row's figure. Each point carries a `<title>` with
its date (or hour), series and count: a tooltip in a browser, and the data in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any

from qbot.engine.answer import Answer, Scope

TOP = 5  # people drawn for a ranking
MAX_DAYS = 731  # a longer span draws its last two years
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
WIDTH, HEIGHT, LEFT, RIGHT, TOP_PAD, BOTTOM = 760, 230, 44, 26, 14, 34
EPOCH_DAY = date(1970, 1, 1)


@dataclass
class Series:
    label: str
    points: dict[int, int]  # x (local day since 1970-01-01, or hour 0..23) -> records


@dataclass
class Chart:
    kind: str  # daily | hourly
    title: str
    series: list[Series]
    first: int  # the x range drawn
    last: int


async def charts_of(scope: Scope, answer: Answer, result: dict[str, Any]) -> list[Chart]:
    """The charts a result deserves (none for most shapes)."""
    people = (result.get("query") or {}).get("people") or []
    if answer.shape == "ranking" and answer.basis:
        top = list(zip(answer.rows[:TOP], answer.basis))
        owner = {cp: i for i, (_, basis) in enumerate(top) for cp in basis.keys}  # counterpart -> person
        daily, hourly = ([Series(str(row[1]), {}) for row, _ in top] for _ in range(2))
        for series, by in ((daily, "day"), (hourly, "hour")):
            for cp, x, n in await scope.store.counts(top[0][1].selection, "counterpart", by, list(owner)):
                points = series[owner[cp]].points
                points[x] = points.get(x, 0) + n
        first, last = _days(scope, daily)
        return [Chart("daily", f"前 {len(top)} 位联系人每天的联系次数", daily, first, last),
                Chart("hourly", f"前 {len(top)} 位联系人一天中各小时的联系次数（案件时区）", hourly, 0, 23)]
    if len(people) == 1 and answer.shape != "lookup":
        found = await scope.store.groups(scope.selection, "day")
        series = [Series(f"{people[0]} · 通话", {g.key: g.calls for g in found if g.calls}),
                  Series(f"{people[0]} · 消息", {g.key: g.messages for g in found if g.messages})]
        series = [s for s in series if s.points]
        if series:
            first, last = _days(scope, series)
            return [Chart("daily", f"{people[0]} 的往来时间线（每天）", series, first, last)]
    return []


def _days(scope: Scope, series: list[Series]) -> tuple[int, int]:
    """The days to draw: the result's window when it has one, else the days with records."""
    w = scope.window
    days = [d for s in series for d in s.points]
    first = _local_day(scope, w.start) if w.start else min(days, default=0)
    last = _local_day(scope, w.end - timedelta(milliseconds=1)) if w.end else max(days, default=0)
    return max(first, last - MAX_DAYS + 1), last


def _local_day(scope: Scope, moment: Any) -> int:
    return (moment.astimezone(scope.tz).date() - EPOCH_DAY).days


def _x_label(chart: Chart, x: int) -> str:
    return f"{EPOCH_DAY + timedelta(days=x):%Y-%m-%d}" if chart.kind == "daily" else f"{x:02d}:00"


def svg(chart: Chart) -> str:
    """One chart: lines for days, stacked bars for hours; axes, a few ticks, a legend."""
    span = max(chart.last - chart.first, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP_PAD - BOTTOM
    if chart.kind == "hourly":
        peak = max((sum(s.points.get(h, 0) for s in chart.series) for h in range(24)), default=0)
    else:
        peak = max((v for s in chart.series for v in s.points.values()), default=0)
    peak = max(peak, 1)

    def x_of(x: float) -> float:
        return LEFT + (x - chart.first) / (span + (1 if chart.kind == "hourly" else 0)) * plot_w

    def y_of(v: float) -> float:
        return TOP_PAD + plot_h - v / peak * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-size="10" font-family="sans-serif">'
             f"<title>{escape(chart.title)}</title>",
             f'<line x1="{LEFT}" y1="{y_of(0)}" x2="{WIDTH - RIGHT}" y2="{y_of(0)}" stroke="#333"/>'
             f'<line x1="{LEFT}" y1="{TOP_PAD}" x2="{LEFT}" y2="{y_of(0)}" stroke="#333"/>']
    for v in sorted({0, peak // 2, peak}):
        parts.append(f'<text x="{LEFT - 4}" y="{y_of(v) + 3:.1f}" text-anchor="end">{v}</text>')
    ticks = range(0, 24, 3) if chart.kind == "hourly" else \
        sorted({chart.first + round(i * span / 5) for i in range(6)})
    for x in ticks:
        centre = x_of(x + 0.5) if chart.kind == "hourly" else x_of(x)
        parts.append(f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 13}" text-anchor="middle">'
                     f"{escape(_x_label(chart, x)[5:] if chart.kind == 'daily' else _x_label(chart, x))}</text>")
    if chart.kind == "hourly":
        parts += _bars(chart, x_of, y_of)
    else:
        parts += _lines(chart, x_of, y_of)
    for i, s in enumerate(chart.series):  # the legend: each series with its sum
        x = LEFT + 8 + i * (plot_w // max(len(chart.series), 1))
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="8" fill="{COLORS[i % len(COLORS)]}"/>'
                     f'<text x="{x + 14}" y="{HEIGHT - 7}">{escape(s.label)}（{sum(s.points.values())}）</text>')
    parts.append("</svg>")
    return "".join(parts)


def _lines(chart: Chart, x_of: Any, y_of: Any) -> Iterator[str]:
    for i, s in enumerate(chart.series):
        color = COLORS[i % len(COLORS)]
        days = range(chart.first, chart.last + 1)
        path = " ".join(f"{x_of(d):.1f},{y_of(s.points.get(d, 0)):.1f}" for d in days)
        yield f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>'
        for d in days:
            if s.points.get(d):
                yield (f'<circle cx="{x_of(d):.1f}" cy="{y_of(s.points[d]):.1f}" r="2" fill="{color}">'
                       f"<title>{_x_label(chart, d)} {escape(s.label)} {s.points[d]}</title></circle>")


def _bars(chart: Chart, x_of: Any, y_of: Any) -> Iterator[str]:
    width = x_of(1) - x_of(0) - 2
    for hour in range(24):
        below = 0
        for i, s in enumerate(chart.series):
            v = s.points.get(hour, 0)
            if v:
                yield (f'<rect x="{x_of(hour) + 1:.1f}" y="{y_of(below + v):.1f}" width="{width:.1f}" '
                       f'height="{y_of(below) - y_of(below + v):.1f}" fill="{COLORS[i % len(COLORS)]}">'
                       f"<title>{_x_label(chart, hour)} {escape(s.label)} {v}</title></rect>")
                below += v
