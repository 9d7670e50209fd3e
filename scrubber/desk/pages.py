"""Page rendering for the desk: Jinja2 with autoescape, inline CSS/JS allowed by hash in the CSP.

The same approach as the HTML report: the page's own style and script are inline, and the
Content-Security-Policy allows exactly them (by sha256) and nothing else, so a value that slipped
through unescaped could still not run. The claim page imports the report's own macros.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from scrubber.report.formatting import format_money
from scrubber.report.html import templates_dir


@lru_cache(maxsize=1)
def environment() -> Environment:
    root = templates_dir()
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(root / "desk")), FileSystemLoader(str(root))]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    return env


def _hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


@lru_cache(maxsize=1)
def assets() -> tuple[Markup, Markup, str]:
    """The desk's inline style (the report's plus its own), its script, and the CSP."""
    env = environment()
    css = env.get_template("report.css.j2").render() + "\n" + env.get_template("desk.css").render()
    js = env.get_template("desk.js").render()
    csp = (
        "default-src 'none'; "
        f"style-src {_hash(css)}; "
        f"script-src {_hash(js)}; "
        "img-src data:; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    # our own static files, not data from a claim file
    return Markup(css), Markup(js), csp


def render(name: str, **context: Any) -> str:
    css, js, _csp = assets()
    return environment().get_template(name).render(css=css, js=js, **context)
