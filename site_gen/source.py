"""Reading one source file: front matter (YAML, with line numbers) and Markdown body.

The YAML dialect is deliberately small. PyYAML implements YAML 1.1, where `12:30`
is the number 750, `no` is false and `012` is 10; editors never mean that. Our loader
keeps dates as text (we parse them ourselves, with a line number when they are
impossible), knows only `true`/`false` as booleans and only plain decimals as
numbers, and turns every other value that YAML 1.1 would coerce into an `Ambiguous`
marker, which validation reports with a hint to quote it. Duplicate keys are errors.
Every mapping and list remembers the file line of each entry.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import ContentError

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: `_Loader` alone, slower
    CParser = None


class Ambiguous(str):
    """A plain YAML scalar that YAML 1.1 would silently turn into a number or boolean."""


class YamlMap(dict):
    """A mapping that knows the file line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class YamlList(list):
    """A list that knows the file line of each item."""

    line: int = 0
    item_lines: list[int]


class _Schema(yaml.resolver.BaseResolver):
    """Resolution of our schema, which has implicit resolvers by first character only and no
    path resolvers: the tags PyYAML's resolver gives, sooner (it runs for every value of every file)."""

    def descend_resolver(self, current_parent: Any, current_index: Any) -> None:
        pass  # only path resolvers need to know where a node is

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG


class _Loader(_Schema, yaml.SafeLoader):
    """SafeLoader with our small schema (see the module docstring)."""

    line_offset = 0


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$"), list("-+0123456789")
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])

# What YAML 1.1 would coerce but we leave as text: yes/no/on/off booleans,
# sexagesimal numbers (12:30), octal/hex/binary ints, numbers with underscores,
# floats like .5 or 1e3, and .inf/.nan.
_YAML11_PITFALL = re.compile(
    r"""^(?:
        y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
      | [-+]?0[0-7_]+ | [-+]?0x[0-9a-fA-F_]+ | [-+]?0b[01_]+
      | [-+]?[0-9][0-9_]*_[0-9_]*
      | [-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)? | [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
    )$""",
    re.VERBOSE,
)
_Loader.add_implicit_resolver("!ambiguous", _YAML11_PITFALL, list("yYnNoO-+0123456789."))


def _file_line(loader: _Loader, node: yaml.Node) -> int:
    return loader.line_offset + node.start_mark.line


def _construct_ambiguous(loader: _Loader, node: yaml.ScalarNode) -> Ambiguous:
    return Ambiguous(loader.construct_scalar(node))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    result = YamlMap()
    result.line = _file_line(loader, node)
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"nyckeln {key!r} måste vara text", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"nyckeln '{key}' finns två gånger (första gången på rad {result.key_lines[key]}); ta bort den ena",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _file_line(loader, key_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = _file_line(loader, node)
    result.item_lines = [_file_line(loader, child) for child in node.value]
    return result


_SURROGATE = re.compile("[\ud800-\udfff]")


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    if _SURROGATE.search(value) is None:
        return value
    # YAML reads the escapes "\ud83d\ude00" as two halves of one character (JSON joins them):
    # join pairs; a half without its other half can be neither written as UTF-8 nor shown.
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        half = _SURROGATE.search(value).group()
        raise yaml.constructor.ConstructorError(
            None, None, f"\\u{ord(half):04x} är ett halvt tecken – skriv tecknet som det är, inte som \\u-kod",
            node.start_mark,
        ) from None


_Loader.add_constructor("!ambiguous", _construct_ambiguous)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
# Values that look like timestamps stay text: validation parses dates itself.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


if CParser is not None:

    class _FastLoader(_Schema, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """The same loader over libyaml's parser, several times faster (our schema and
        constructors are shared with `_Loader`). libyaml accepts tabs where PyYAML refuses
        them, so front matter with tabs or unusual line breaks goes to `_Loader`, and so does
        any front matter libyaml finds a problem in, for PyYAML's error message."""

        line_offset = 0

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader.yaml_constructors = _Loader.yaml_constructors
else:
    _FastLoader = None

assert not _Loader.yaml_path_resolvers and None not in _Loader.yaml_implicit_resolvers, "see _Schema"

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_PLAIN_SCALARS = frozenset({_STR, "!ambiguous", "tag:yaml.org,2002:timestamp", *(
    f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null"))})
"""The scalars of our schema: each made by a plain function of its node."""


class _Unusual(Exception):
    """Front matter that `_constructed` leaves to PyYAML's constructor."""


def _constructed(loader: Any, node: yaml.Node, seen: set[int]) -> Any:
    """What `loader.construct_document(node)` makes of front matter as editors write it.

    PyYAML's constructor makes each value through a generator and a memo of every node: half
    of the time front matter takes to load. Here each is made in one call, by the same
    functions (our constructors' and PyYAML's for scalars). `_Unusual` for what only PyYAML's
    constructor makes, or reports in its words: a node met twice (an alias), a tag outside our
    schema, a key that is not text or is there twice."""
    if id(node) in seen:
        raise _Unusual
    seen.add(id(node))
    tag, kind = node.tag, type(node)
    if kind is yaml.ScalarNode and tag in _PLAIN_SCALARS:
        return loader.yaml_constructors[tag](loader, node)
    if kind is yaml.MappingNode and tag == _MAP:
        result = YamlMap()
        result.line = _file_line(loader, node)
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _constructed(loader, key_node, seen)
            if not isinstance(key, str) or key in result:
                raise _Unusual
            result[key] = _constructed(loader, value_node, seen)
            result.key_lines[key] = _file_line(loader, key_node)
        return result
    if kind is yaml.SequenceNode and tag == _SEQ:
        result = YamlList(_constructed(loader, child, seen) for child in node.value)
        result.line = _file_line(loader, node)
        result.item_lines = [_file_line(loader, child) for child in node.value]
        return result
    raise _Unusual


_NOT_FOR_LIBYAML = re.compile("[\\t\\r\\x85\\u2028\\u2029]")


def _plain_front_matter(fm: str, line_offset: int) -> YamlMap | None:
    """What our loader makes of front matter as most files have it, made without a YAML parser;
    None for any other.

    That front matter: keys (letters, digits, '_' and '-') at the start of a line, each with
    a plain value on its line, a list of plain values in brackets (`[a, b]`), or a list below
    it, one `- ` item a line, each a plain value or keys with plain values (`- name: Anna`,
    then `  affiliation: Ria`); comment lines ('#' first) and empty lines between them. A
    plain value here starts with a letter or digit, has no ': ', ' #', tab or character that
    is not printable, does not end in ':' or a space, and is text in our schema (no implicit
    resolver matches it). Any other front matter, and any with a key twice, goes to the YAML
    parser, which reports what is wrong. The front matter of the synthetic N=1,000's 1,149 files
    took 104 ms to load with libyaml's parser and our constructors, 47 ms so. Tests compare the
    two on every real and test file and on generated front matter (`tests/test_source.py`)."""
    lines = fm.split("\n")
    result = YamlMap()
    result.key_lines = {}
    number, count = 0, len(lines)
    while number < count:
        line = lines[number]
        if not line or line[0] == "#":
            number += 1
            continue
        key, value = _plain_entry(line)
        if key is None or key in result:
            return None
        if not result.key_lines:
            result.line = line_offset + number
        result.key_lines[key] = line_offset + number
        if value:
            result[key] = _plain_value(value, line_offset + number)
            number += 1
        else:
            result[key], number = _plain_list(lines, number + 1, line_offset)
        if result[key] is None:
            return None
    return result if result.key_lines else None


_PLAIN_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?")


def _plain_entry(line: str) -> tuple[str | None, str | None]:
    """A line's key and its value (None: nothing after the colon), if it is `key: value`."""
    match = _PLAIN_KEY.fullmatch(line)
    if match is None or _plain_text(match[1]) is None:
        return None, None
    return match[1], match[2]


def _plain_text(value: str) -> str | None:
    """`value` as a plain scalar of our schema that is text, or None if it may be anything else."""
    if (not value or not value[0].isalnum() or value[-1] in ": " or ": " in value or " #" in value or "\t" in value
            or not value.isprintable()):
        return None
    for _, pattern in _Loader.yaml_implicit_resolvers.get(value[0], ()):
        if pattern.match(value):
            return None
    return value


def _plain_value(value: str, line: int) -> str | YamlList | None:
    """A key's value on its line: a plain scalar, or a list of them in brackets."""
    if value[0] != "[":
        return _plain_text(value)
    if value[-1] != "]":
        return None
    items = value[1:-1].split(", ") if value != "[]" else []
    result = YamlList()
    result.line, result.item_lines = line, [line] * len(items)
    for item in items:
        if not item or any(mark in item for mark in ",[]{}") or _plain_text(item) is None:
            return None
        result.append(item)
    return result


def _plain_list(lines: list[str], number: int, line_offset: int) -> tuple[YamlList | None, int]:
    """The list of `- ` items starting at line `number` (after any comment or empty lines), and
    the line after it. Its items must all be as far in, and nothing may be further in but an
    item's second and later keys, two columns further in than its dash."""
    result = YamlList()
    result.item_lines = []
    count = len(lines)
    while number < count and (not lines[number] or lines[number][0] == "#"):
        number += 1
    if number == count:
        return None, number
    indent = len(lines[number]) - len(lines[number].lstrip(" "))
    dash = " " * indent + "- "
    result.line = line_offset + number
    while number < count:
        line = lines[number]
        if not line or line[0] == "#":
            number += 1
            continue
        if not line.startswith(dash):
            if line[0] == " ":  # further in than the keys, but not an item: not ours
                return None, number
            break
        item = line[len(dash):]
        result.item_lines.append(line_offset + number)
        key, value = _plain_entry(item)
        if key is None:
            result.append(_plain_text(item))
            number += 1
        elif not value:
            return None, number
        else:
            entry = YamlMap({key: _plain_text(value)})
            entry.line, entry.key_lines = line_offset + number, {key: line_offset + number}
            number += 1
            inside = " " * (indent + 2)
            while number < count and lines[number].startswith(inside) and lines[number][len(inside):][:1] not in " ":
                key, value = _plain_entry(lines[number][len(inside):])
                if key is None or not value or key in entry:
                    return None, number
                entry[key] = _plain_text(value)
                entry.key_lines[key] = line_offset + number
                number += 1
            if None in entry.values():
                return None, number
            result.append(entry)
        if result[-1] is None:
            return None, number
    return (result if result else None), number  # no item: the key's value is null


class _FrontMatterHandler(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler with our loader."""

    def load(self, fm: str, line_offset: int = 1, **kwargs: object) -> Any:  # type: ignore[override]
        plain = _plain_front_matter(fm, line_offset)
        if plain is not None:
            return plain
        if _FastLoader is not None and _NOT_FOR_LIBYAML.search(fm) is None:
            try:
                return self._load(_FastLoader, fm, line_offset)
            except yaml.YAMLError:
                pass  # PyYAML reports it, in its words
        return self._load(_Loader, fm, line_offset)

    @staticmethod
    def _load(loader_class: Any, fm: str, line_offset: int) -> Any:
        loader = loader_class(fm)
        loader.line_offset = line_offset
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _constructed(loader, node, set())
            except _Unusual:
                return loader.construct_document(node)
        finally:
            loader.dispose()


_HANDLER = _FrontMatterHandler()


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file split into its parts, before any validation."""

    path: Path
    """Where the file is on disk."""
    shown_path: str
    """The path as messages show it."""
    meta: YamlMap
    """The front matter; every mapping and list in it knows its file lines."""
    body: str
    """The Markdown after the closing `---`."""
    body_line: int
    """File line (1-based) of the body's first line, to offset Markdown token lines."""


def parse_source(path: Path, shown_path: str, text: str) -> SourceFile | ContentError:
    """Split and parse one file; return the problem instead when it cannot be read."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if not _HANDLER.detect(text):
        return ContentError(shown_path, 1, "filen måste börja med en rad '---' följd av front matter (YAML) och en rad '---'")
    # The opening and closing lines alone: the body is not searched for more.
    opening, *rest = itertools.islice(_HANDLER.FM_BOUNDARY.finditer(text), 2)
    if not rest:
        return ContentError(shown_path, 1, "front matter avslutas aldrig: lägg till en rad med bara '---' efter den")
    closing = rest[0]
    fm_text = text[opening.end():closing.start()]
    fm_line = text.count("\n", 0, opening.end()) + 1
    try:
        meta = _HANDLER.load(fm_text, line_offset=fm_line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = fm_line + mark.line if mark else fm_line
        return ContentError(shown_path, line, f"ogiltig YAML: {_yaml_problem(exc)}")
    except yaml.YAMLError as exc:
        return ContentError(shown_path, fm_line, f"ogiltig YAML: {exc}")
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        return ContentError(shown_path, fm_line + 1, "ogiltig YAML: listor eller nycklar i för många nivåer – skriv front matter utan så djup nästling")
    if meta is None:
        meta = YamlMap()
        meta.line, meta.key_lines = fm_line, {}
    if not isinstance(meta, YamlMap):
        return ContentError(shown_path, fm_line, "front matter måste vara nycklar med värden (nyckel: värde)")
    body_start = closing.end()
    return SourceFile(
        path=path,
        shown_path=shown_path,
        meta=meta,
        body=text[body_start:],
        body_line=text.count("\n", 0, body_start) + 1,
    )


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or str(exc)
    if "could not determine a constructor" in problem:
        return f"{problem} (taggar som !!python stöds inte)"
    if "mapping values are not allowed" in problem:
        return "ett värde innehåller ': ' – skriv värdet inom citattecken"
    if "found character '\\t'" in problem:
        return "tabbtecken är inte tillåtna i YAML – använd mellanslag"
    return problem
