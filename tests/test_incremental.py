"""Incremental builds are always correct: after any sequence of changes the served tree
is byte-identical to a clean full build, and a small change rewrites few files."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

import site_gen.write
from site_gen.errors import BuildFailed
from site_gen.pipeline import BuildOptions, Site, build_site

from .conftest import REPO, meeting_file
from .test_errors import tree_digest

PEOPLE = ["Ann Abrahamsson", "Anne Eskilsson", "Leif Redestig", "Eva Ek", "eva-ek", "Eva Berg", "Bengt Nilsson"]
"""Attendees: "Eva Ek" by name breaks when she is renamed without an alias (a step that must
fail); by slug, "eva-ek" survives renames. Bengt Nilsson is shown by his initials only."""
AFFILIATIONS = [None, None, "Ria", "Socialförvaltningen", "Kommunen"]
"""An attendee's affiliation: an organisation (which then lists the person), or plain text."""
GROUPS = ["styrgruppen", "referensgruppen"]
BODIES = [
    "## Fritidsbank\n\nLeif och Ann pratade om Fritidsbanken.\n",
    "## Boende\n\nBostad först växer. Eva Ek nämndes, och Ria var med.\n",
    "## Övrigt\n\nInget nytt. Anne ringde Socialförvaltningen.\n\n## Fritidsbank\n\nFritidsbank igen.\n",
    "## [[bostad-forst|Boendet]]\n\nMer om [[Eva Berg]].\n",
]
MENTIONS = ["Öskar Öhman hörde av sig.", "Ann Abrahamsson och Ria om Bostad först.", "Eva Berg var sjuk.",
            "Bengt Nilsson ringde."]


class Mutator:
    """Random but reproducible changes to a content directory."""

    def __init__(self, content: Path, seed: int):
        self.content, self.random = content, random.Random(seed)
        self.meeting_number = 0
        group = content / "groups" / "referensgruppen.md"
        if not group.exists():
            group.write_text("---\nname: Referensgruppen\n---\n", encoding="utf-8")
        withheld = content / "people" / "bengt-nilsson.md"
        if not withheld.exists():
            withheld.write_text("---\nname: Bengt Nilsson\nvisibility: initials\n---\n", encoding="utf-8")

    def meetings(self) -> list[Path]:
        return sorted((self.content / "meetings").glob("*.md"))

    def new_meeting(self) -> list[Path]:
        self.meeting_number += 1
        month, day = 1 + self.meeting_number % 12, 1 + self.meeting_number % 27
        date = f"20{10 + self.meeting_number % 12}-{month:02d}-{day:02d}"
        path = self.content / "meetings" / f"{date}-{self.random.choice(GROUPS)}.md"
        path.parent.mkdir(exist_ok=True)
        if path.exists():
            return []
        path.write_text(self.meeting_text(path), encoding="utf-8")
        return [path]

    def meeting_text(self, path: Path, body: str | None = None, attendees: list[str] | None = None) -> str:
        """A meeting file for `path` (date and group from its name): random attendees with random
        affiliations, sometimes a title, a note taker or a draft flag."""
        date, group = path.stem[:10], path.stem[11:].rstrip("-0123456789")
        if attendees is None:
            attendees = self.random.sample(PEOPLE, self.random.randint(1, 4))
            if "Eva Ek" in attendees and "eva-ek" in attendees:
                attendees.remove("Eva Ek")
        lines = ["---", f"date: {date}", f"group: {group}", "attendees:"]
        for name in attendees:
            affiliation = self.random.choice(AFFILIATIONS)
            lines += [f"  - name: {name}", f"    affiliation: {affiliation}"] if affiliation else [f"  - {name}"]
        if self.random.random() < 0.3:
            lines.append(f"title: Möte nummer {self.random.randint(1, 3)}")
        if self.random.random() < 0.3:
            lines.append(f"note_taker: {self.random.choice(attendees)}")
        if self.random.random() < 0.15:
            lines.append("draft: true")
        body = self.random.choice(BODIES) if body is None else body
        return "\n".join(lines) + "\n---\n" + body

    def step(self) -> tuple[str, list[Path]]:
        meetings = self.meetings()
        action = self.random.choice(
            ["edit", "text", "text", "attendees", "add", "delete", "rename", "redate", "mention", "person", "project",
             "announce"])
        if action == "add" or len(meetings) < 2:
            return "add", self.new_meeting()
        target = self.random.choice(meetings)
        if action == "text":  # only words change: no name, heading or attendee (the typing case)
            text = target.read_text(encoding="utf-8")
            word = self.random.choice(["mycket", "lite", "bra", "sent"])
            if self.random.random() < 0.5:
                text = text.rstrip("\n") + f" Det gick {word}.\n"
            else:
                text = text.replace("växer", f"växer {word}", 1).replace("Inget nytt.", f"Inget {word} nytt.", 1)
            target.write_text(text, encoding="utf-8")
        elif action == "edit":  # new minutes, attendees, title, note taker, draft flag
            target.write_text(self.meeting_text(target, attendees=["Leif Redestig"]), encoding="utf-8")
        elif action == "attendees":  # the same minutes; attendees and their affiliations change
            body = target.read_text(encoding="utf-8").split("\n---\n", 1)[1]
            target.write_text(self.meeting_text(target, body=body), encoding="utf-8")
        elif action == "mention":  # a name mentioned (or no longer) in the minutes
            head, body = target.read_text(encoding="utf-8").split("\n---\n", 1)
            sentence = self.random.choice(MENTIONS)
            if sentence in body:
                body = body.replace(f"{sentence}\n\n", "").replace(f" {sentence}", "")
            elif self.random.random() < 0.5:  # before the first heading: in no agenda item
                body = f"{sentence}\n\n{body}"
            else:
                body = body.rstrip("\n") + f" {sentence}\n"
            target.write_text(f"{head}\n---\n{body}", encoding="utf-8")
        elif action == "announce":  # a next meeting: one with minutes (one calendar event) or upcoming
            date = target.name[:10]
            later = [m.name[:10] for m in meetings if m.name[:10] > date]
            announced = self.random.choice(later) if later and self.random.random() < 0.7 else f"2030-{date[5:]}"
            text = re.sub(r"next_meeting:\n(  .*\n)+", "", target.read_text(encoding="utf-8"))
            time = self.random.choice(["", '  time: "13:30"\n', '  time: "09:00"\n  place: Bredgatan\n'])
            front_matter_end = text.index("\n---\n", 4) + 1
            text = text[:front_matter_end] + f"next_meeting:\n  date: {announced}\n{time}" + text[front_matter_end:]
            target.write_text(text, encoding="utf-8")
        elif action == "delete":
            target.unlink()
        elif action == "rename":
            new = target.with_name(f"{target.stem[:10]}-{target.stem[11:].rstrip('-0123456789')}-{self.random.randint(2, 9)}.md")
            if new.exists() or new == target:
                return "rename (skipped)", []
            target.rename(new)
            return "rename", [target, new]
        elif action == "redate":  # another date or group: the file is renamed and the meeting moves
            new = target.with_name(f"20{self.random.randint(10, 21)}-0{self.random.randint(1, 9)}-1{self.random.randint(0, 9)}-"
                                   f"{self.random.choice(GROUPS)}.md")
            if new.exists():
                return "redate (skipped)", []
            body = target.read_text(encoding="utf-8").split("\n---\n", 1)[1]
            new.write_text(self.meeting_text(new, body=body), encoding="utf-8")
            target.unlink()
            return "redate", [target, new]
        elif action == "person":
            person = self.content / "people" / "eva-ek.md"
            name = self.random.choice(["Eva Ek", "Eva Eksson", "Evelina Ek"])
            alias = "aliases: [Eva Ek]\n" if name != "Eva Ek" and self.random.random() < 0.8 else ""
            person.write_text(f"---\nname: {name}\n{alias}role: Roll {self.random.randint(1, 3)}\n---\n",
                              encoding="utf-8")
            return "person", [person]
        elif action == "project":
            project = self.content / "projects" / "fritidsbanken.md"
            status = self.random.choice(["active", "paused"])
            project.write_text(f"---\nname: Fritidsbanken\naliases: [Fritidsbank]\nstatus: {status}\n---\nText.\n",
                               encoding="utf-8")
            return "project", [project]
        return action, [target]


@pytest.mark.parametrize(("seed", "trust_watcher", "drafts"), [(20261122, False, True), (1, True, True), (6, True, False)])
def test_random_changes_keep_the_served_tree_identical_to_a_full_build(site, tmp_path, seed, trust_watcher, drafts):
    content = site()
    mutator = Mutator(content, seed=seed)
    for _ in range(4):
        mutator.new_meeting()
    served = tmp_path / "served"
    incremental = Site(BuildOptions(content_dir=content, output_dir=served, include_drafts=drafts),
                       trust_watcher=trust_watcher)
    incremental.build(in_place=True)
    outcomes = []
    for step in range(100):
        action, changed = mutator.step()
        before = tree_digest(served)
        incremental.forget(changed)
        clean = tmp_path / f"clean-{step}"
        try:
            # Without the search index, which serve writes on demand (tests/browser/test_serve_browser.py).
            build_site(BuildOptions(content_dir=content, output_dir=clean, include_drafts=drafts, search_index=False))
        except BuildFailed as expected:
            # Bad content (e.g. an attendee named by a name that was just changed): both fail alike.
            try:
                incremental.build(in_place=True)
            except BuildFailed as failure:
                assert failure.errors == expected.errors
            else:
                raise AssertionError(f"step {step}: {action}: incremental build passed, full build failed")
            assert tree_digest(served) == before, f"step {step}: a failed build changed the served tree"
            outcomes.append("failed")
            continue
        incremental.build(in_place=True)
        assert tree_digest(served) == tree_digest(clean), f"step {step}: {action} {changed}"
        shutil.rmtree(clean)
        outcomes.append(action)
    # The sequence exercised every kind of change, and most steps built.
    kinds = {"edit", "text", "attendees", "add", "delete", "rename", "redate", "mention", "person", "project", "announce"}
    assert kinds <= set(outcomes), outcomes
    assert outcomes.count("failed") < len(outcomes) // 3, outcomes


def test_trusted_watcher_sees_a_whole_folder_appear_and_go(site, tmp_path):
    content = site()
    incremental = Site(BuildOptions(content_dir=content, output_dir=tmp_path / "served"), trust_watcher=True)
    incremental.build(in_place=True)
    meetings = content / "meetings"
    meetings.mkdir()
    (meetings / "2020-01-13-styrgruppen.md").write_text(meeting_file("Text.\n"), encoding="utf-8")
    incremental.forget([meetings])  # what the watcher reports for a folder moved in at once
    assert "moten/2020-01-13-styrgruppen/index.html" in incremental.build(in_place=True).written_paths
    shutil.rmtree(meetings)
    incremental.forget([meetings])
    incremental.build(in_place=True)
    assert not (tmp_path / "served" / "moten" / "2020-01-13-styrgruppen").exists()


def test_a_failed_build_changes_nothing_and_the_next_one_catches_up(site, tmp_path):
    content = site()
    mutator = Mutator(content, seed=7)
    paths = [p for _ in range(3) for p in mutator.new_meeting()]
    served = tmp_path / "served"
    incremental = Site(BuildOptions(content_dir=content, output_dir=served))
    incremental.build(in_place=True)
    before = tree_digest(served)
    paths[0].write_text("---\ndate: 2020-02-30\n---\n", encoding="utf-8")  # broken
    paths[1].write_text(mutator.meeting_text(paths[1], body="Ändrad.\n"), encoding="utf-8")  # fine
    incremental.forget(paths[:2])
    try:
        incremental.build(in_place=True)
        raise AssertionError("the build should have failed")
    except BuildFailed:
        pass
    assert tree_digest(served) == before
    paths[0].unlink()
    incremental.forget(paths[:1])
    incremental.build(in_place=True)
    clean = tmp_path / "clean"
    build_site(BuildOptions(content_dir=content, output_dir=clean, search_index=False))
    assert tree_digest(served) == tree_digest(clean)


def test_the_first_build_in_place_writes_a_fresh_tree_without_the_search_index(site, tmp_path, monkeypatch):
    """Serve's first build (in place, nothing of this `Site`'s on disk yet) is written page by
    page into a tree swapped in, never held whole: a page from an earlier site is gone with it,
    and serve makes the search index on demand. The builds after it work in place."""
    content = site()
    mutator = Mutator(content, seed=3)
    meetings = [path for _ in range(3) for path in mutator.new_meeting()]
    served = tmp_path / "served"
    build_site(BuildOptions(content_dir=content, output_dir=served, search_index=False))
    left = served / "moten" / "ett-borttaget-mote" / "index.html"  # an earlier site's page
    left.parent.mkdir(parents=True)
    left.write_text("gammal", encoding="utf-8")
    incremental = Site(BuildOptions(content_dir=content, output_dir=served))  # search_index=True
    written_while_building = []
    write = site_gen.write.TreeWriter.write
    monkeypatch.setattr(site_gen.write.TreeWriter, "write",
                        lambda self, file: written_while_building.append(file.path) or write(self, file))
    first = incremental.build(in_place=True)
    assert not left.exists() and not (served / "pagefind").exists()
    assert sorted(written_while_building) == first.written_paths and len(first.written_paths) > 10
    clean = tmp_path / "clean"
    build_site(BuildOptions(content_dir=content, output_dir=clean, search_index=False))
    assert tree_digest(served) == tree_digest(clean)
    meeting = meetings[0]
    meeting.write_text(meeting.read_text(encoding="utf-8") + "\nEn mening till.\n", encoding="utf-8")
    incremental.forget([meeting])
    written_while_building.clear()
    again = incremental.build(in_place=True)
    assert written_while_building == [] and 0 < len(again.written_paths) < len(first.written_paths)


def test_editing_one_meeting_rewrites_only_its_dependent_pages(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    incremental = Site(BuildOptions(content_dir=content, output_dir=tmp_path / "served"))
    first = incremental.build(in_place=True)
    meeting = content / "meetings" / "2017-09-07-ledningsgrupp-for-utveckling.md"
    assert first.written > 70  # every file: 75 pages, the data file and two assets

    def edit(old: str, new: str) -> list[str]:
        meeting.write_text(meeting.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        incremental.forget([meeting])
        return incremental.build(in_place=True).written_paths

    # An item that mentions no project: only the meeting's own page shows its text (and the
    # feed, which carries the minutes of the newest meetings).
    assert edit("vill komma på studiebesök", "vill gärna komma på studiebesök") == [
        "feed.xml", "moten/2017-09-07-ledningsgrupp-for-utveckling/index.html"]
    # An item the Fritidsbanken timeline quotes: that page too.
    assert edit("Projektet har bromsat in.", "Projektet har bromsat in rejält.") == [
        "feed.xml", "moten/2017-09-07-ledningsgrupp-for-utveckling/index.html", "projekt/fritidsbanken/index.html"]
    # A new mention of a person: the meeting, the person, the data file and the pages listing mentions.
    written = edit("Linköpings kommun vill", "Linköpings kommun och Palle Lundberg vill")
    assert "personer/palle-lundberg/index.html" in written and "data/site.json" in written
    assert "personer/leif-redestig/index.html" not in written and len(written) < 10, written
    assert incremental.build(in_place=True).written_paths == []


def test_a_template_change_rerenders_the_pages_that_use_it(tmp_path):
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    incremental = Site(BuildOptions(content_dir=content, output_dir=tmp_path / "served", templates_dir=templates))
    incremental.build(in_place=True)
    person = templates / "person.html"
    person.write_text(person.read_text(encoding="utf-8").replace("Deltog i", "Har deltagit i"), encoding="utf-8")
    report = incremental.build(in_place=True)
    public_people = [p for p in (content / "people").glob("*.md") if "visibility:" not in p.read_text("utf-8")]
    assert report.written == len(public_people)
    html = (tmp_path / "served" / "personer" / "leif-redestig" / "index.html").read_text(encoding="utf-8")
    assert "Har deltagit i" in html
    macros = templates / "macros.html"
    macros.write_text(macros.read_text(encoding="utf-8").replace('class="meeting-list"', 'class="meetings"'),
                      encoding="utf-8")
    assert incremental.build(in_place=True).written > 40  # every page that imports the macros


def test_a_structural_and_a_text_change_in_one_build(site, tmp_path):
    # One build seeing both kinds at once (a save while another file changes): the data
    # file must follow the structural change even when a text-only change comes second.
    content = site()
    mutator = Mutator(content, seed=3)
    for _ in range(3):
        mutator.new_meeting()
    first, second = mutator.meetings()[:2]
    incremental = Site(BuildOptions(content_dir=content, output_dir=tmp_path / "served"), trust_watcher=True)
    incremental.build(in_place=True)
    first.write_text(mutator.meeting_text(first, "Ny text.\n", ["Leif Redestig", "Eva Berg"]), encoding="utf-8")
    second.write_text(second.read_text(encoding="utf-8").rstrip("\n") + " Bara text.\n", encoding="utf-8")
    incremental.forget([first, second])
    incremental.build(in_place=True)
    build_site(BuildOptions(content_dir=content, output_dir=tmp_path / "clean", search_index=False))
    assert tree_digest(tmp_path / "served") == tree_digest(tmp_path / "clean")


def test_static_files_added_changed_and_removed_after_a_meeting_edit(site, tmp_path):
    # Static assets are compared on every build, also when the pages are rebuilt selectively.
    content, static = site(), tmp_path / "static"
    shutil.copytree(REPO / "static", static)
    mutator = Mutator(content, seed=5)
    meeting = [p for _ in range(3) for p in mutator.new_meeting()][0]
    options = BuildOptions(content_dir=content, output_dir=tmp_path / "served", static_dir=static)
    incremental = Site(options, trust_watcher=True)
    incremental.build(in_place=True)
    for change in ("add", "change", "remove"):
        extra = static / "extra.txt"
        if change == "remove":
            extra.unlink()
        else:
            extra.write_text(change, encoding="utf-8")
        meeting.write_text(meeting.read_text(encoding="utf-8") + f"\n{change}\n", encoding="utf-8")
        incremental.forget([meeting, extra])
        incremental.build(in_place=True)
        build_site(BuildOptions(content_dir=content, output_dir=tmp_path / change, static_dir=static, search_index=False))
        assert tree_digest(tmp_path / "served") == tree_digest(tmp_path / change), change
