"""highlight_element escapes the text around the mark whole (escaping goes character by
character) and says exactly what the element-by-element version did (kept here)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from scrubber.report.formatting import _parse_element_ref, _text, highlight_element


def _mark(text: str, css: str = "") -> Markup:
    cls = f' class="{css}"' if css else ""
    return Markup("<mark{}>{}</mark>").format(Markup(cls), text)


def _by_element(
    text: str, element_ref: object, element_sep: str = "*", component_sep: str = ":"
) -> tuple[Markup, str]:
    ref = _parse_element_ref(element_ref)
    if ref is None or not text:
        return Markup(escape(text)), ""
    element, component = ref
    parts = text.split(element_sep)
    sep = escape(element_sep)
    if element < 1 or element >= len(parts):
        return Markup(escape(text)), f"{_text(element_ref).strip()} is not present in the segment"
    target = parts[element]
    note = ""
    if component is not None:
        comps = target.split(component_sep)
        if 1 <= component <= len(comps):
            piece = comps[component - 1]
            comps_html = [escape(c) for c in comps]
            comps_html[component - 1] = _mark(piece, "" if piece else "empty")
            marked = Markup(escape(component_sep)).join(comps_html)
        else:
            marked = _mark(target, "" if target else "empty")
            note = f"{_text(element_ref).strip()} is not present in the segment"
    else:
        marked = _mark(target, "" if target else "empty")
    pieces = [escape(p) for p in parts]
    pieces[element] = marked
    return Markup(sep).join(pieces), note


def test_a_component_in_the_middle() -> None:
    markup, note = highlight_element("HI*ABK:M6283*A<B:M5450", "HI02-2")
    assert str(markup) == "HI*ABK:M6283*A&lt;B:<mark>M5450</mark>"
    assert note == ""


@settings(max_examples=1500, deadline=None)
@given(
    text=st.text(alphabet="HISV1*:^<>&'\"~ab", max_size=30),
    ref=st.sampled_from(["HI01", "HI02-2", "SV107", "NM109", "3", "1-1", "HI01-9", "x", "", None]),
    seps=st.sampled_from([("*", ":"), ("^", ">"), ("&", "'")]),
)
def test_same_as_element_by_element(text: str, ref: object, seps: tuple[str, str]) -> None:
    assert highlight_element(text, ref, *seps) == _by_element(text, ref, *seps)
