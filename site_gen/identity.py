"""Stable identities for feed entries and calendar events.

Atom ids and iCalendar UIDs must never change for the same thing, also not when the
site moves (RFC 4287 §4.2.6), so they are not derived from `base_url`. They are
name-based UUIDs (version 5) of the site's title and a slug: the same input gives
the same id on every build and machine. Renaming the site (`title`) renames them.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("0d3ec81d-4f69-48ab-a5f2-24d350d171a8")
"""site-gen's own namespace, drawn once at random; never change it."""


def stable_uuid(site_title: str, name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{site_title}\n{name}")
