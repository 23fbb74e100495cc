"""Privacy: how people who are not public appear, and the checks that nothing names them.

A person's `visibility` is `public` (the default), `initials` or `hidden`. The defence
has three layers, so that one mistake in a template or a stage cannot publish a name:
1. The model (`library`) withholds them: no page, no slug in the output, no place in any
   list; attendee lists and the minutes' text show `withheld_as(...)` instead (`minutes`
   replaces their names while it links everyone else's).
2. After linking, the minutes' tokens are checked (`minutes`): a name left where no
   replacement reaches (code, `[[!…]]`, a link's address) is an error at its line.
3. Before anything is published, every byte of every output file is scanned for their full
   names, aliases and slugs, and each meeting page for the first names that meeting resolves
   to them (`OutputScanner`; a whole build scans each file where it is written, into a tree
   published only if no file leaks: `whole_build`).
Separately, `find_identity_numbers` refuses Swedish personal identity numbers in content.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .model import Library, Meeting, Person, meeting_url


def initials(name: str) -> str:
    """'Bengt Nilsson' → 'B. N.'; 'Ann-Kristin Sörensen' → 'A.-K. S.'."""
    return " ".join("-".join(f"{part[0]}." for part in word.split("-") if part) for word in name.split())


def withheld_as(person: Person, organization_name: str | None = None, attending: bool = True) -> str:
    """What the site shows instead of a non-public person's name (lower case: it may stand mid-sentence).

    `organization_name`: the organisation the person represented at the meeting, if any.
    """
    if person.visibility == "initials":
        return initials(person.name)
    if organization_name:
        return f"en representant för {organization_name}"
    return "en deltagare" if attending else "en person"


def replace_names(text: str, people: Iterable[Person]) -> str:
    """`text` with every full name and alias of `people` (non-public) replaced by what the site shows
    for them outside any meeting: initials, or 'en person'."""
    replacements = {}
    for person in people:
        for name in (person.name, *person.aliases):
            replacements[_nfc(name).casefold()] = withheld_as(person, attending=False)
    pattern = _pattern(replacements, ignore_case=True)
    if pattern is None:
        return text
    return pattern.sub(lambda m: replacements[_strip_genitive(m.group().casefold(), replacements)], _nfc(text))


# --- Personal identity numbers ----------------------------------------------------------

_IDENTITY_NUMBER = re.compile(
    r"(?<![\d-])(?P<century>19|20)?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+])?(?P<serial>\d{4})(?![\d-])"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_identity_number(match: re.Match[str]) -> bool:
    month, day = int(match["mm"]), int(match["dd"])
    if day > 60:  # a samordningsnummer: the day plus 60
        day -= 60
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    if match["sep"]:  # 'YYMMDD-NNNN' is unmistakable even with a wrong check digit
        return True
    return _luhn_ok(match["yy"] + match["mm"] + match["dd"] + match["serial"])


_MAYBE_DIGITS = bytes(ord("0") if byte in b"0123456789" or byte >= 0x80 else ord(" ") for byte in range(256))
"""For `bytes.translate`: '0' for each byte of UTF-8 that is, or may be part of, a digit (an
ASCII digit, or any byte of a character beyond ASCII, where other digits are); ' ' for the rest."""


def _may_hold_six_digits(text: str) -> bool:
    r"""False when `text` certainly has no six digits in a row (`\d{6}`), which every identity
    number holds (the date): most text, which then needs no search with the slower pattern.
    This runs on every content file read: the regex `\d{6}` took 40 µs for a page of minutes,
    looking at every character; this takes 7 µs. Each digit gives one '0' or more (a
    character beyond ASCII takes two to four bytes), so six digits always give six '0's."""
    return b"000000" in text.encode("utf-8", "surrogatepass").translate(_MAYBE_DIGITS)


def find_identity_numbers(text: str) -> Iterator[int]:
    """The 1-based line of each Swedish personal identity or coordination number in `text`
    (YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDD-NNNN, and without a separator when the check digit holds)."""
    if not _may_hold_six_digits(text):
        return
    for match in _IDENTITY_NUMBER.finditer(text):
        if _is_identity_number(match):
            yield text.count("\n", 0, match.start()) + 1


IDENTITY_NUMBER_MESSAGE = (
    "ett personnummer eller samordningsnummer får inte stå i innehållet – ta bort det (sajten är offentlig)"
)


# --- The output scan ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    text: str
    person: Person


def _pattern(terms: Iterable[str], *, ignore_case: bool) -> re.Pattern[str] | None:
    """Whole words (a genitive s allowed), longest first."""
    ordered = sorted({_nfc(t) for t in terms if t}, key=lambda t: (-len(t), t))
    if not ordered:
        return None
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(t) for t in ordered)})(?:s|:s)?(?!\w)", flags)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _readable(path: str, data: bytes) -> str:
    """A file's text as a reader would see it: decompressed, entities decoded, ICS lines unfolded."""
    if data[:2] == b"\x1f\x8b":
        import gzip  # here, 0.8 ms later: this module is imported before a build's first fork

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            pass
    text = data.decode("utf-8", "replace")
    if path.endswith(".ics"):
        text = re.sub(r"\r?\n[ \t]", "", text)
    if path.endswith((".html", ".xml", ".ics", ".svg")):
        import html  # here, as gzip above (1.6 ms, with its table of entities)

        text = html.unescape(text)
    return _nfc(text)


class OutputScanner:
    """Finds non-public people's names in output files; built once per build from the library,
    and small enough to send to the processes that write the files."""

    def __init__(self, library: Library, meeting_pages: bool = True):
        """`meeting_pages=False`: without the first-name checks of each meeting's page, for a
        build that scans each meeting's page on its own (`for_meeting`)."""
        self.terms: dict[str, Person] = {}
        """Casefolded full name, alias or slug → whose it is."""
        for person in library.withheld_people.values():
            # The slug (the file name) too, unless it is too short to be anything but a common word.
            slug = (person.slug,) if len(person.slug) >= 4 else ()
            for term in (person.name, *person.aliases, *slug):
                self.terms[_nfc(term).casefold()] = person
        # Full names in any case ('BENGT NILSSON' in a heading is still his name); first names
        # only as written, like the linker finds them ('Bo', never the verb 'bo').
        self.pattern = _pattern(self.terms, ignore_case=True)
        # Nobody withheld (most sites): no pass over every meeting on every build.
        self.first_names = _first_names_by_page(library) if self.pattern is not None and meeting_pages else {}
        """Meeting page path → (first name pattern, public names that contain it, whose it is)."""

    @property
    def active(self) -> bool:
        return self.pattern is not None

    def leaks(self, path: str, data: bytes) -> Iterator[tuple[str, Person]]:
        """(the text found, whose name it is) for every leak in one output file."""
        if not self.active:
            return
        text = _readable(path, data)
        for match in self.pattern.finditer(text):
            yield match.group(), self.terms[_strip_genitive(match.group(), self.terms)]
        for first, containing, person in self.first_names.get(path, ()):
            allowed = [m.span() for m in containing.finditer(text)] if containing else []
            for match in first.finditer(text):
                if not any(s <= match.start() < e for s, e in allowed):
                    yield match.group(), person


    def for_meeting(self, meeting: Meeting, withheld_attendees: tuple[str, ...], library: Library) -> OutputScanner:
        """This scanner for the meeting's page alone, which `library` (an outline, say) may not
        know the withheld attendees of: a whole build scans each meeting's page where it is
        written, right after linking its minutes (`whole_build.MeetingPageWriter`)."""
        scanner = copy.copy(self)
        checks = _first_name_checks(meeting, withheld_attendees, library) if self.active else []
        scanner.first_names = {_page_path(meeting): checks} if checks else {}
        return scanner


FirstNameCheck = tuple[re.Pattern[str], re.Pattern[str] | None, Person]
"""(a first name's pattern, the public names that contain it, whose first name it is)."""


def _first_names_by_page(library: Library) -> dict[str, list[FirstNameCheck]]:
    """Meeting page path → a check for each first name the meeting resolves to a non-public
    attendee (one no other attendee shares)."""
    pages: dict[str, list[FirstNameCheck]] = {}
    for meeting in library.meetings.values():
        if checks := _first_name_checks(meeting, library.withheld_attendees.get(meeting.slug, ()), library):
            pages[_page_path(meeting)] = checks
    return pages


def _first_name_checks(meeting: Meeting, withheld_attendees: tuple[str, ...], library: Library) -> list[FirstNameCheck]:
    checks = []
    for person, first in _withheld_first_names(meeting, withheld_attendees, library):
        containing = [n for p in library.people.values() for n in (p.name, *p.aliases) if first in n.split()]
        checks.append((_pattern([first], ignore_case=False), _pattern(containing, ignore_case=False), person))
    return checks


def _page_path(meeting: Meeting) -> str:
    return meeting_url(meeting.slug).lstrip("/") + "index.html"


def _strip_genitive(found: str, terms: dict[str, object]) -> str:
    """The casefolded term that `found` (a match of the pattern) is, genitive or not."""
    folded = found.casefold()
    for candidate in (folded, folded.removesuffix("s"), folded.removesuffix(":s")):
        if candidate in terms:
            return candidate
    # The pattern ignores case letter by letter, where casefold() may not ('İ' → 'i̇'): ask it.
    return next(t for t in terms if re.fullmatch(rf"{re.escape(t)}(?:s|:s)?", found, re.IGNORECASE))


def _withheld_first_names(meeting: Meeting, withheld_attendees: tuple[str, ...], library: Library) -> Iterator[tuple[Person, str]]:
    """Non-public attendees whose first name is theirs alone in the meeting (so the minutes resolve it)."""
    withheld = library.withheld_people
    attendees = [library.people[a.person.slug] for a in meeting.attendees if a.person.slug]
    attendees += [withheld[slug] for slug in withheld_attendees]
    counts: dict[str, int] = {}
    for person in attendees:
        counts[person.first_name] = counts.get(person.first_name, 0) + 1
    for person in attendees:
        if person.slug in withheld and counts[person.first_name] == 1:
            yield person, person.first_name


def sources_of(library: Library) -> dict[str, tuple[str, Path]]:
    """Output path → (shown path, path) of the content file behind it, for every page with one."""
    from .model import group_url, organization_url, person_url, project_url
    from .write import url_to_path

    kinds = ((library.meetings, meeting_url), (library.people, person_url), (library.projects, project_url),
             (library.groups, group_url), (library.organizations, organization_url))
    return {
        url_to_path(url_of(slug)): (record.origin.shown_path, record.origin.path)
        for records, url_of in kinds
        for slug, record in records.items()
    }


Leak = tuple[str, str, Person]
"""A non-public name in an output file: (the file's path, the text found, whose name it is)."""


def leaks_in(files: Iterable[tuple[str, bytes]], scanner: OutputScanner) -> list[Leak]:
    """Every leak in `files` ((path, bytes) pairs)."""
    return [(path, found, person) for path, data in files for found, person in scanner.leaks(path, data)]


def leak_errors(leaks: Iterable[Leak], sources: dict[str, tuple[str, Path]]) -> list[ContentError]:
    """An error for each leak, placed at the content line that put it there when one can be found.
    `sources`: output path → the content file behind it (shown path, path); the other content
    files are searched after it."""
    errors = []
    for path, found, person in leaks:
        own = sources.get(path)
        candidates = [own] if own else []
        candidates += sorted(set(sources.values()) - set(candidates) - {(person.origin.shown_path, person.origin.path)})
        errors.append(_leak_error(path, found, person, candidates))
    return errors


def check_output(
    files: Iterable[tuple[str, bytes]], scanner: OutputScanner, sources: dict[str, tuple[str, Path]]
) -> list[ContentError]:
    """An error for each non-public name found in `files` (`leaks_in`, `leak_errors`)."""
    return leak_errors(leaks_in(files, scanner), sources)


def _leak_error(output_path: str, found: str, person: Person, candidates: list[tuple[str, Path]]) -> ContentError:
    what = f"'{person.name}' har visibility: {person.visibility}, men '{found}' står i {output_path}"
    for shown, source in candidates:
        line = _line_of(source, found)
        if line:
            return ContentError(
                shown, line,
                f"{what} – skriv om texten (till exempel med initialer) eller ändra visibility i {person.origin.shown_path}",
            )
    return ContentError(
        person.origin.shown_path, person.origin.line("visibility"),
        f"{what} – ta bort namnet där det kommer ifrån (en annan innehållsfil eller en mall)",
    )


def _line_of(source: Path, found: str) -> int:
    """The line of `source` that most likely put `found` in the output, or 0.

    Names in the body are replaced before rendering, so a name that reached the output most
    likely came from a front matter text (a title, a role): those lines are searched first,
    skipping lines that merely refer to the person (an attendee entry, `people: [...]`)."""
    try:
        lines = _nfc(source.read_text(encoding="utf-8")).splitlines()
    except OSError:
        return 0
    found = _nfc(found)
    closing = next((i for i, line in enumerate(lines) if i > 0 and line.strip() == "---"), -1)
    front = [i for i in range(closing + 1) if found in lines[i] and not _is_reference(lines[i], found)]
    body = [i for i in range(closing + 1, len(lines)) if found in lines[i]]
    return (front + body + [-1])[0] + 1


_REFERENCE_KEYS = re.compile(r"^\s*(?:-\s*)?(?:(?:name|note_taker|approved_by|people|attendees)\s*:\s*)?(?P<value>.*)$")


def _is_reference(line: str, name: str) -> bool:
    """'  - Bengt Nilsson', 'name: Bengt Nilsson', 'people: [Bengt Nilsson, X]': a reference, not a text."""
    match = _REFERENCE_KEYS.match(line)
    value = match["value"] if match else line
    items = [item.strip(" \t\"'") for item in value.strip().strip("[]{}").split(",")]
    return name in items
