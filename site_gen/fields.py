"""Typed reading of front matter fields, reporting problems with file and line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import Problems
from .source import Ambiguous, SourceFile, YamlList, YamlMap

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_OF_DAY = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


class FieldReader:
    """Reads the front matter of one file; every problem goes to `problems`."""

    def __init__(self, source: SourceFile, problems: Problems, meta: YamlMap | None = None, prefix: str = ""):
        self.source = source
        self.meta: YamlMap = source.meta if meta is None else meta
        self.problems = problems
        self.prefix = prefix
        """Put before a key in messages: 'next_meeting.' for the fields of a nested mapping."""

    def nested(self, key: str) -> FieldReader | None:
        """A reader of the mapping under `key` (None, after reporting it, when it is something else)."""
        value = self.meta.get(key)
        if not isinstance(value, YamlMap):
            self.error(key, f"'{self.label(key)}' ska ha sina fält indragna på egna rader under '{key}:'")
            return None
        return FieldReader(self.source, self.problems, value, prefix=f"{self.label(key)}.")

    def label(self, key: str) -> str:
        """The key as messages name it."""
        return self.prefix + key

    def line(self, key: str) -> int:
        return self.meta.key_lines.get(key, self.meta.line)

    def error(self, key_or_line: str | int, message: str) -> None:
        line = key_or_line if isinstance(key_or_line, int) else self.line(key_or_line)
        self.problems.error(self.source.shown_path, line, message)

    def check_known(self, allowed: set[str]) -> None:
        """Unknown keys are errors: a typo like `atendees:` must not vanish silently."""
        for key in self.meta:
            if key not in allowed:
                import difflib  # here: only a file with an unknown key needs it

                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" – menade du '{close[0]}'?" if close else f" – tillåtna fält: {', '.join(sorted(allowed))}"
                self.error(key, f"okänt fält '{self.label(key)}'{hint}")

    def _value_problem(self, key: str, value: Any, expected: str) -> None:
        if isinstance(value, Ambiguous) and expected == "true eller false":
            self.error(key, f"'{self.label(key)}' ska vara true eller false, inte {value}")
        elif isinstance(value, Ambiguous):
            self.error(key, f"värdet {value} i '{self.label(key)}' kan läsas som tal eller ja/nej: skriv det inom citattecken, {key}: \"{value}\"")
        else:
            self.error(key, f"'{self.label(key)}' ska vara {expected}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.meta.get(key)
        if value is None:
            if required:
                where = f" under '{self.prefix.rstrip('.')}:'" if self.prefix else " i front matter"
                self.error(key, f"fältet '{self.label(key)}' saknas – lägg till '{key}: …'{where}")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or isinstance(value, Ambiguous) or not value.strip():
            self._value_problem(key, value, "en text")
            return None
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self.meta.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._value_problem(key, value, "true eller false")
            return default
        return value

    def choice(self, key: str, allowed: tuple[str, ...] | dict[str, str], default: str) -> str:
        """One of `allowed` (default when the key is absent); an error names the allowed values."""
        value = self.text(key)
        if value is None:
            return default
        if value not in allowed:
            self.error(key, f"'{key}' kan inte vara '{value}' – använd en av: {', '.join(allowed)}")
            return default
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        if not required and self.meta.get(key) is None:
            return None
        value = self.text(key, required=True)
        if value is None:
            return None
        match = _ISO_DATE.match(value)
        if not match:
            self.error(key, f"'{self.label(key)}' ska vara ett datum som ÅÅÅÅ-MM-DD, inte '{value}'")
            return None
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            self.error(key, f"datumet {value} finns inte – kontrollera månad och dag")
            return None

    def time_of_day(self, key: str) -> dt.time | None:
        """A clock time written 'TT:MM'. Unquoted 13:30 is accepted here: our YAML loader keeps
        it as the text the editor wrote (see `source`), and in this field it can only mean a time."""
        value = self.meta.get(key)
        if value is None:
            return None
        match = _TIME_OF_DAY.match(value.strip()) if isinstance(value, str) else None
        if not match:
            shown = f"'{value}'" if isinstance(value, str) else str(value)
            self.error(key, f"'{self.label(key)}' ska vara ett klockslag som TT:MM, till exempel {key}: \"13:30\", inte {shown}")
            return None
        return dt.time(int(match.group(1)), int(match.group(2)))

    def text_list(self, key: str) -> list[tuple[str, int]]:
        """A list of texts, each with its line; a single text is accepted as a one-item list."""
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, str) and not isinstance(value, Ambiguous):
            return [(value.strip(), self.line(key))]
        if not isinstance(value, YamlList):
            self._value_problem(key, value, "en lista, till exempel [a, b]")
            return []
        items = []
        for item, line in zip(value, value.item_lines):
            if isinstance(item, str) and not isinstance(item, Ambiguous) and item.strip():
                items.append((item.strip(), line))
            else:
                self.error(line, f"varje post i '{key}' ska vara en text" + (
                    f" – skriv \"{item}\" inom citattecken" if isinstance(item, Ambiguous) else ""))
        return items

    def raw(self, key: str) -> Any:
        return self.meta.get(key)
