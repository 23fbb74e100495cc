"""Agenda-item excerpts: the fast path takes words only until the cut; it must give what
collapsing the whole text and cutting it gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from site_gen.minutes import EXCERPT_LENGTH, _excerpt, _is_collapsed


def whole_text_excerpt(texts: list[str]) -> str:
    """The definition: all the text, whitespace collapsed, cut at the last space before the limit."""
    text = " ".join(" ".join(texts).split())
    if len(text) <= EXCERPT_LENGTH:
        return text
    cut = text.rfind(" ", 0, EXCERPT_LENGTH)
    return text[: cut if cut > 0 else EXCERPT_LENGTH].rstrip(",;:–-") + " …"


_WORDS = st.text(alphabet=st.sampled_from("ab,;:–- \n\tö\xa0\u2028\u3000\x1f\xad"), max_size=90)


@given(st.lists(_WORDS, max_size=12), st.integers(min_value=0, max_value=400))
def test_excerpt_equals_cutting_the_whole_text(texts, padding):
    texts = [*texts, "x" * padding]  # one long word: the cut falls inside or after it
    assert _excerpt(texts) == whole_text_excerpt(texts)


@given(st.text(max_size=40))
def test_a_text_is_taken_as_collapsed_only_when_it_is(text):
    assert _is_collapsed(text) <= (text == " ".join(text.split()))


def test_excerpt_of_a_long_item_is_cut_at_a_space():
    texts = ["Ordet " * 50, "inte med"]
    excerpt = _excerpt(texts)
    assert excerpt.endswith(" …") and len(excerpt) <= EXCERPT_LENGTH + 2
    assert "inte" not in excerpt
