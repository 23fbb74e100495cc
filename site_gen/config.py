"""Site settings: `site.toml` in the content directory.

Every setting is documented in `docs/configuration.md`. Command-line options
(`--base-url`) override the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BuildFailed, ContentError, display_path
from .urls import is_web_address

CONFIG_FILE = "site.toml"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Protokoll"
    """The site's name, shown in every page header and title."""
    description: str = ""
    """One or two sentences on the home page: what the site is."""
    base_url: str = ""
    """Where the site is published, e.g. 'https://example.se/protokoll/'; empty when unknown.
    Only canonical links and absolute URLs in feeds use it: pages link relatively."""
    repository_url: str = ""
    """The source repository's web address, for the footer."""
    edit_url: str = ""
    """Prefix that a source path (e.g. 'meetings/2017-05-29-x.md') is appended to for
    'edit this page' links; empty for none."""
    language: str = "sv"


def load_config(content_dir: Path, base_url: str | None = None) -> SiteConfig:
    path = content_dir / CONFIG_FILE
    config = SiteConfig()
    if path.exists():
        config = _parse(path)
    if base_url is not None:
        if base_url and not is_web_address(base_url):
            raise BuildFailed([ContentError("--base-url", 0, f"'{base_url}' ska vara en webbadress som börjar med https:// eller http://")])
        config = replace(config, base_url=base_url)
    if config.base_url and not config.base_url.endswith("/"):
        config = replace(config, base_url=config.base_url + "/")
    return config


def _parse(path: Path) -> SiteConfig:
    shown = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in the message.
        line = int(str(exc).rsplit("line ", 1)[-1].split(",")[0]) if "line " in str(exc) else 0
        raise BuildFailed([ContentError(shown, line, f"ogiltig TOML: {exc}")]) from exc
    errors = []
    known = {f for f in SiteConfig.__dataclass_fields__}
    for key, value in data.items():
        if key not in known:
            errors.append(ContentError(shown, _line_of(path, key), f"okänd inställning '{key}'"))
        elif not isinstance(value, str):
            errors.append(ContentError(shown, _line_of(path, key), f"'{key}' ska vara en text inom citattecken"))
        elif key.endswith("_url") and value and not is_web_address(value):
            errors.append(ContentError(shown, _line_of(path, key), f"'{key}' ska vara en webbadress som börjar med https:// eller http://"))
    if errors:
        raise BuildFailed(errors)
    return SiteConfig(**data)


def _line_of(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.split("=", 1)[0].strip() == key:
            return number
    return 0
