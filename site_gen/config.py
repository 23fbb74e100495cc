"""Site settings: `site.toml` in the content directory.

Every setting is documented in `docs/configuration.md`. Command-line options
(`--base-url`) override the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BuildFailed, ContentError, display_path
from .urls import is_web_address

CONFIG_FILE = "site.toml"

_EMAIL = re.compile(r"^[^@\s/:]+@[^@\s/:]+\.[^@\s/:]+$")


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
    publisher: str = ""
    """The organisation that publishes the site, named in the accessibility statement."""
    accessibility_contact: str = ""
    """An e-mail address or web address for accessibility feedback; the repository when empty."""
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


def deployment_notices(config: SiteConfig, content_dir: Path) -> list[ContentError]:
    """What the published site lacks because a setting is empty. They are the publisher's
    settings, not the editors' content, so `check --strict` does not fail on them."""
    shown = display_path(content_dir / CONFIG_FILE)
    notices = []
    if not config.base_url:
        notices.append(ContentError(shown, 0, "base_url saknas: ingen sitemap.xml, inga kanoniska länkar eller "
                                              "Open Graph-taggar, och 404.html länkar som om webbplatsen låg i "
                                              "värdens rot (/) – ange base_url eller --base-url", warning=True))
    if not config.accessibility_contact and not config.repository_url:
        notices.append(ContentError(shown, 0, "accessibility_contact saknas: tillgänglighetsredogörelsen har ingen "
                                              "kontakt för synpunkter – ange en e-postadress eller webbadress",
                                    warning=True))
    return notices


def _parse(path: Path) -> SiteConfig:
    import tomllib  # here: a site without site.toml has no use for it

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
        elif key == "accessibility_contact" and value and not (_EMAIL.match(value) or is_web_address(value)):
            errors.append(ContentError(shown, _line_of(path, key),
                                       f"'{key}' ska vara en e-postadress eller en webbadress som börjar med https://"))
    if errors:
        raise BuildFailed(errors)
    return SiteConfig(**data)


def _line_of(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.split("=", 1)[0].strip() == key:
            return number
    return 0
