#!/usr/bin/env python3
"""A deterministic synthetic corpus in site-gen's own content format.

    python benchmarks/gen_corpus.py N OUTDIR [--seed S]

Writes OUTDIR/content/ with N meetings spread over 4 groups, a pool of about N/10
people with Swedish names (at least 40), N/50 projects (at least 15) and 25
organisations. Each meeting has 6–15 attendees (mostly the group's own members,
some with an affiliation), 4–8 agenda items of Swedish-like prose (2–4 KB a file),
project names in the text and first-name mentions of attendees. The same N and
seed give byte-identical files (stdlib only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from site_gen.swedish import format_date, slugify  # noqa: E402

GIVEN = ("Åsa Björn Göran Märta Håkan Sören Gösta Ingrid Kjell Åke Örjan Hélène Anna Karin Lena Maria Eva Kerstin "
         "Birgitta Sofia Linnéa Agnes Astrid Lars Anders Johan Per Mikael Erik Magnus Nils Mats Jonas Fredrik Ulf "
         "Stefan Torbjörn Ragnar Bengt Gunnel Ylva Ellinor Frida Saga Ebba Måns Sixten Östen Malin Tove Signe").split()
FAMILY = ("Öberg Åkesson Lövgren Ström Sjöberg Ekström Jönsson Håkansson Bäckström Lindqvist Nyström Björk "
          "Söderlund Hägg Åström Dahlén Rosén Engström Forsén Holmström Källström Lundén Löfgren Andersson "
          "Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson "
          "Lindberg Axelsson Berglund Sundberg Fransson Forsberg Sandberg Mårtensson Göransson Strömberg Wallén "
          "Törnqvist Åberg Högberg Blomqvist Sjögren").split()
GROUPS = ("Trafik- och stadsmiljögruppen", "Grönområdesgruppen", "Arbetsgruppen för digital service",
          "Samverkansgruppen för socialt arbete")
ORGANIZATIONS = ("Stadsbyggnadskontoret|Miljöförvaltningen|Trafikkontoret|Kulturförvaltningen|Fastighetskontoret|"
                 "Länsstyrelsen|Hyresgästföreningen|Företagarna|Socialförvaltningen|Räddningstjänsten|"
                 "Idrottsförvaltningen|Arbetsförmedlingen|Skolförvaltningen|Vård- och omsorgsförvaltningen|"
                 "Fritidsförvaltningen|Kommunledningskontoret|Polisen|Regionen|Frivilligcentralen|Stadsmissionen|"
                 "Röda korset|Pensionärsrådet|Ungdomsrådet|Funktionsrättsrådet|Näringslivskontoret").split("|")
TOPICS = ("Cykelstråk Trygghetsvandring Dagvattenhantering Belysningsprogram Skolvägsprojektet Parkeringsstrategi "
          "Torgupprustning Stadsodling Bullerkartläggning E-tjänsteplattformen Lekplatsplan Trädplan Ängsmark "
          "Snöröjningsplan Gångfartsområde Medborgardialog Tillgänglighetsanpassning Laddinfrastruktur "
          "Återbrukscentralen Vägvisning Kartportalen Bokningssystemet Klimatanpassning Pollinatörsstråk "
          "Skyltprogram Hastighetsöversyn Fritidsbanken Läxhjälpen Mötesplatsen Nattvandringen").split()
HEADINGS = ("Mötets öppnande|Föregående protokoll|Budgetuppföljning|Lägesrapport|Remissvar|Inkomna skrivelser|"
            "Medborgarförslag|Tidplan och resurser|Upphandling|Kommunikationsplan|Risker och åtgärder|"
            "Uppföljning av beslut|Information från förvaltningen|Ekonomisk rapport|Arbetsmiljö").split("|")
WORDS = ("och att det som på för med är av till inte har de om ska kan vi den ett i var men så från efter även när "
         "under nu här där vid också kommunen förvaltningen detaljplanen budgeten samrådet trafiksäkerheten "
         "gångvägen arbetsgruppen ordföranden protokollet beslutet uppdraget förslaget remissen underlaget "
         "kostnaden investeringen tidplanen upphandlingen genomförandet utredningen tillgängligheten belysningen "
         "dagvattnet grönytorna parken lekplatsen skolgården korsningen invånarna föreningarna nämnden "
         "styrgruppen referensgruppen projektledaren diskuterades föreslogs beslutades redovisades "
         "behöver fortsätta utreda återkomma tydligare långsiktig gemensam särskild").split()


def sentence(rng: random.Random, extra: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    for word in extra:
        words.insert(rng.randint(1, len(words)), word)
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def generate(n: int, out: Path, seed: int) -> None:
    rng = random.Random(seed)
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in ("meetings", "people", "projects", "groups", "organizations"):
        (content / folder).mkdir(parents=True)
    (content / "site.toml").write_text('title = "Syntetiska protokoll"\ndescription = "Benchmark."\n', encoding="utf-8")

    people: list[str] = []
    seen: set[str] = set()
    while len(people) < max(40, n // 10):
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        if len(people) >= len(GIVEN) * len(FAMILY) // 2:
            name += f"-{rng.choice(FAMILY)}"
        if slugify(name) not in seen:
            seen.add(slugify(name))
            people.append(name)
    for org in ORGANIZATIONS:
        (content / "organizations" / f"{slugify(org)}.md").write_text(f"---\nname: {org}\n---\n", encoding="utf-8")
    for name in people:
        orgs = f"organizations: [{slugify(rng.choice(ORGANIZATIONS))}]\n" if rng.random() < 0.5 else ""
        (content / "people" / f"{slugify(name)}.md").write_text(f"---\nname: {name}\n{orgs}---\n", encoding="utf-8")
    projects = [f"{topic} {place}" for topic in TOPICS for place in ("norr", "söder", "öster", "väster", "centrum")]
    projects = sorted(set(projects), key=projects.index)[: max(15, n // 50)]
    for project in projects:
        (content / "projects" / f"{slugify(project)}.md").write_text(
            f"---\nname: {project}\nstatus: active\n---\nEtt projekt om {project.lower()}.\n", encoding="utf-8")
    members = {}
    for group in GROUPS:
        (content / "groups" / f"{slugify(group)}.md").write_text(
            f"---\nname: {group}\nmeeting_times: Första måndagen i månaden\n---\n", encoding="utf-8")
        members[group] = rng.sample(people, min(len(people), 20))

    used: set[str] = set()
    start = dt.date(2000, 1, 1)
    for number in range(n):
        group = GROUPS[number % len(GROUPS)]
        date = start + dt.timedelta(days=rng.randrange(26 * 365))
        slug = f"{date.isoformat()}-{slugify(group)}"
        suffix = 2
        while slug in used:
            slug = f"{date.isoformat()}-{slugify(group)}-{suffix}"
            suffix += 1
        used.add(slug)
        pool = members[group] + rng.sample(people, 5)
        attendees = list(dict.fromkeys(rng.sample(pool, rng.randint(6, 15))))
        lines = ["---", f"title: {group} {format_date(date)}", f"date: {date.isoformat()}", f"group: {slugify(group)}",
                 f"note_taker: {attendees[0]}", "attendees:"]
        for person in attendees:
            if rng.random() < 0.2:
                lines += [f"  - name: {person}", f"    affiliation: {rng.choice(ORGANIZATIONS)}"]
            else:
                lines.append(f"  - {person}")
        lines += ["---", ""]
        discussed = rng.sample(projects, rng.randint(1, 4))
        for item, heading in enumerate(rng.sample(HEADINGS, rng.randint(4, 8))):
            lines += [f"## {heading}", ""]
            for _ in range(rng.randint(1, 2)):
                extra = [rng.choice(discussed)] if rng.random() < 0.5 else []
                if rng.random() < 0.4:
                    extra.append(rng.choice(attendees).split()[0])
                if rng.random() < 0.1:
                    extra.append(rng.choice(people))
                lines += [" ".join(sentence(rng, extra if i == 0 else []) for i in range(rng.randint(2, 4))), ""]
            if rng.random() < 0.35:
                lines += [f"- {sentence(rng, [])}" for _ in range(rng.randint(2, 4))] + [""]
        (content / "meetings" / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.n, args.out, args.seed)


if __name__ == "__main__":
    main()
