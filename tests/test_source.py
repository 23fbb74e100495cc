"""Front matter: the libyaml-based loader reads exactly what the pure-Python loader reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen import source
from site_gen.source import YamlList, YamlMap, parse_source

from .conftest import REPO, generate_corpus

TRICKY = [
    "date: 2020-01-13\ntid: 12:30\ntitle: no\ncount: 012\nratio: .5\nbig: 1e3\nok: true\nnothing:\n",
    "attendees:\n  - Leif Redestig\n  - name: Eva Ek\n    affiliation: Ria\n  -   Anne\n",
    "a: &x {b: 1, c: [d, e]}\nf:\n  <<: *x\n  g: 'h: i'\n",
    "text: |\n  rad ett\n  rad två\nfolded: >\n  ett\n  två\n# kommentar\nq: \"citat \\u00e5\"\n",
    "list: [a, 'b', \"c\", {d: e}]\nempty_list: []\nempty_map: {}\n",
    "a: 1\na: 2\n",
    "a: [1,\n",
    "a: b: c\n",
    "a:\tb\n",
    "a: b\t\n",
    "x: !!python/object/apply:os.system [ls]\n",
    "1: numeric key\n",
    "- a list\n- not a map\n",
    "",
    "title: Å Ä Ö é – ”citat”\n",
    "a:\n  - x\n  -\n  - [y, z]\n",
    "a: &v text\nb: *v\nc: [*v, *v]\n",
    "a: !!str 3\nb: !!int \"4\"\nc: !!float 1\nd: !!bool true\ne: !!null ''\n",
    "a: !!set {x, y}\n",
    "a: !!binary aGVq\n",
    "a: !!str {b: c}\n",
    "yes: 1\n2020-01-01: datum\n",
    "? [a, b]\n: x\n",
    "a:\n  b: 1\n  b: 2\n",
    "a: !!omap [b: 1]\n",
    "!!merge <<: {a: 1}\n",
    "a: 2020-01-13 12:30:00\nb: ~\nc: Null\nd: -0\ne: +1.5\nf: TRUE\n",
]


def outcome(loader: type, text: str, offset: int = 2) -> object:
    """What a loader makes of `text` (PyYAML's constructor): the data with every line it records, or the error."""
    instance = loader(text)
    instance.line_offset = offset
    try:
        return described(instance.get_single_data())
    except yaml.MarkedYAMLError as exc:
        return ("error", type(exc).__name__, exc.problem, exc.problem_mark and exc.problem_mark.line)
    finally:
        instance.dispose()


def loaded(loader: type, text: str, offset: int = 2) -> object:
    """What the front matter handler makes of `text` with `loader` (`source._constructed` where it can)."""
    try:
        return described(source._FrontMatterHandler._load(loader, text, offset))
    except yaml.MarkedYAMLError as exc:
        return ("error", type(exc).__name__, exc.problem, exc.problem_mark and exc.problem_mark.line)


class PyYAMLResolver(yaml.SafeLoader):
    """Our schema, resolved by PyYAML's own `Resolver.resolve` (`source._Schema` is a faster one)."""

    line_offset = 0


PyYAMLResolver.yaml_implicit_resolvers = source._Loader.yaml_implicit_resolvers
PyYAMLResolver.yaml_constructors = source._Loader.yaml_constructors


def described(value: object) -> object:
    if isinstance(value, YamlMap):
        return ("map", value.line, value.key_lines, {k: described(v) for k, v in value.items()})
    if isinstance(value, YamlList):
        return ("list", value.line, value.item_lines, [described(v) for v in value])
    return (type(value).__name__, value)


def front_matters(corpus: Path | None = None) -> list[str]:
    """TRICKY and the real content's front matter; with `corpus`, also that of a synthetic
    corpus of 40 meetings generated there."""
    paths = sorted((REPO / "content").rglob("*.md"))
    if corpus is not None:
        generate_corpus(40, corpus)
        paths += sorted((corpus / "content").rglob("*.md"))
    return [*TRICKY, *(path.read_text(encoding="utf-8").split("---\n")[1] for path in paths)]


@pytest.mark.skipif(source._FastLoader is None, reason="PyYAML without libyaml has no fast loader to compare")
def test_libyaml_loader_reads_what_the_python_loader_reads(tmp_path):
    texts = front_matters(tmp_path)
    compared = 0
    for text in texts:
        python = outcome(source._Loader, text)
        if python[0] == "error" or re.search(r"[\t\r]", text):
            continue  # such front matter is always read by the Python loader
        assert outcome(source._FastLoader, text) == python, text
        compared += 1
    assert compared > 100


def test_front_matter_is_made_as_pyyaml_makes_it(tmp_path):
    # Our resolver and constructor (`source._Schema`, `source._constructed`) against PyYAML's
    # own, with both parsers: the same values, lines and errors.
    texts = front_matters(tmp_path)
    unusual = 0
    for text in texts:
        expected = outcome(PyYAMLResolver, text)
        assert loaded(source._Loader, text) == expected, text
        if source._FastLoader is not None and not re.search(r"[\t\r]", text) and expected[0] != "error":
            assert loaded(source._FastLoader, text) == expected, text
        unusual += "&" in text or "!!" in text
    assert len(texts) > 100 and unusual >= 8


def parsed(text: str) -> object:
    result = parse_source(Path("x.md"), "x.md", f"---\n{text}---\nText.\n")
    return described(result.meta) if isinstance(result, source.SourceFile) else str(result)


@pytest.mark.parametrize("text", TRICKY)
def test_parse_source_gives_what_the_python_loader_alone_gives(text, monkeypatch):
    # Valid front matter, errors and their messages: the same with and without libyaml.
    fast = parsed(text)
    monkeypatch.setattr(source, "_FastLoader", None)
    assert fast == parsed(text)


PLAIN_LINES = [
    "title: Möte, del 2", "date: 2016-02-08", "group: styrgruppen", "note_taker: Eva Ek", "tid: kl. 13:00",
    "name: Anna\u00a0Berg", "x-y: z", "organizations: [ria, bryggan]", "tags: []", "attendees:", "# kommentar", "",
    "  - Anna Berg", "  - name: Eva Ek", "    affiliation: Ria", "- Bo Ek", "- name: Bo", "  affiliation: Ria",
]
"""Lines of front matter as `source._plain_front_matter` takes it."""

NEAR_MISSES = [
    "draft: true", "count: 12", "ratio: 1.5", "time: 12:30", "note: yes", "nothing:", "nothing: ~", "title: a: b",
    "title: a #b", "title:  två", "title: 'citat'", 'title: "citat"', "title: Text:", "title: Text ", "tags: [a,b]",
    "tags: [a, [b]]", "tags: [a, 'b']", "tags: [ a ]", "  # kommentar", "title", "ti tle: x", "title: -x",
    "title: |", "title: >", "title: &a x", "title: *a", "title: !!str x", "title: {a: b}", "    affiliation:",
    "      deeper: x", "  -", "  -Anna", "   - Anna", "  - [a]", "  - Anna:", "  - 12", "    name: Eva Ek",
    "  continued", "title: a\tb", "? a", ": b", "...", "title: x", "title: y", "- a", "  - ", "- ", "    ", "  ",
    "  - name: ", "    affiliation: ",
]
"""Lines that make it leave front matter to the YAML parser: other YAML, values our schema
makes something else of, keys twice, items further in or out."""


def test_plain_front_matter_is_made_as_pyyaml_makes_it(tmp_path):
    texts = front_matters(tmp_path)
    plain = 0
    for text in texts:
        made = source._plain_front_matter(text, 2)
        if made is not None:
            assert described(made) == outcome(PyYAMLResolver, text), text
            plain += 1
    assert plain > 100


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PLAIN_LINES + NEAR_MISSES), min_size=1, max_size=10).map("\n".join),
       st.sampled_from(["", "\n"]))
def test_generated_front_matter_is_made_as_pyyaml_makes_it_or_left_to_it(text, end):
    text += end
    made = source._plain_front_matter(text, 2)
    if made is not None:
        assert described(made) == outcome(PyYAMLResolver, text)


@pytest.mark.parametrize("near_miss", NEAR_MISSES)
@pytest.mark.parametrize("where", ["{}\n", "title: Möte\n{}\n", "attendees:\n  - Anna\n{}\n",
                                   "attendees:\n- name: Bo\n{}\n", "{}\ngroup: styrgruppen\n"])
def test_front_matter_with_any_other_line_is_left_to_the_yaml_parser(near_miss, where, monkeypatch):
    text = where.format(near_miss)
    if near_miss not in ("title: x", "title: y", "- a") or text.count("title:") > 1:
        assert source._plain_front_matter(text, 2) is None
    plain = parsed(text)
    monkeypatch.setattr(source, "_plain_front_matter", lambda fm, line_offset: None)
    assert plain == parsed(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab1 -:#[],'\"\n\t"), max_size=40))
def test_any_text_is_made_as_pyyaml_makes_it_or_left_to_it(text):
    made = source._plain_front_matter(text, 2)
    if made is not None:
        assert described(made) == outcome(PyYAMLResolver, text)
