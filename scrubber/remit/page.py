"""The denials page: one self-contained HTML file (inline CSS, inline SVG charts, no script, a
Content-Security-Policy that forbids every fetch), every value escaped by Jinja2."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from scrubber.report.html import templates_dir
from scrubber.x12.writer import open_private

BAR_WIDTH = 560  # px of the longest bar


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    y: int
    width: int


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int


def bar_chart(
    title: str, rows: list[dict[str, Any]], field: str, fmt: str, limit: int = 12
) -> Chart:
    """Horizontal bars of rows[field], longest first as given, at most `limit`."""
    shown = rows[:limit]
    values = [float(row[field]) for row in shown]
    top = max(values, default=0.0) or 1.0
    bars = [
        Bar(
            label=str(row["key"]),
            value=value,
            text=fmt.format(value),
            y=8 + index * 26,
            width=max(1, int(BAR_WIDTH * value / top)) if value else 0,
        )
        for index, (row, value) in enumerate(zip(shown, values, strict=True))
    ]
    return Chart(title, bars, 16 + 26 * len(bars))


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(report: dict[str, Any]) -> str:
    env = _environment()
    css = env.get_template("denials.css.j2").render()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    charts = [
        bar_chart("Denial rate by payer", report["by_payer"], "rate", "{:.1%}"),
        bar_chart(
            "Denied dollars by reason (group-CARC)",
            sorted(report["by_reason"], key=lambda r: -float(r.get("amount", 0) or 0)),
            "amount",
            "${:,.2f}",
        ),
        bar_chart("Denied claims by procedure", report["by_procedure"], "denied", "{:.0f}"),
        bar_chart("Denied claims by month", report["by_month"], "denied", "{:.0f}", limit=24),
    ]
    return env.get_template("denials.html.j2").render(
        report=report, charts=charts, css=css, style_hash=f"'sha256-{digest}'", bar_width=BAR_WIDTH
    )


def write_page(report: dict[str, Any], path: Path) -> Path:
    with open_private(path) as out:
        out.write(render_page(report))
    return path
