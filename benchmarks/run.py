#!/usr/bin/env python3
"""site-gen's build benchmark, side by side with Hugo, Eleventy, Pelican and MkDocs.

    .venv/bin/python benchmarks/run.py setup                      # once: install the peers (pip, npm)
    .venv/bin/python benchmarks/run.py --sizes 100,1000,10000      # measure; prints Markdown tables
    .venv/bin/python benchmarks/run.py report RESULT.json          # print the tables of a saved run

For each size N it generates the corpus (`gen_corpus.py`, reused while intact), lays out
each peer's site directory from it (untimed, `convert.py`), and measures:
- every tool's cold full build: the whole process, from an empty output directory and no
  cache, after one warm-up build, round-robin over the tools so that a noisy machine
  slows them alike; wall seconds, CPU seconds and peak memory of the process tree;
- for site-gen also: the CLI rebuilding with nothing changed and after one meeting file
  changed (whole process, previous output in place), the serve path in one process
  (`rebuild.py`: a warm build, nothing changed / one meeting changed), and edit → page on
  disk in the real `site-gen serve` (`edit_latency.py`);
- how each time grows with N: the least-squares exponent of log(time) over log(N).
The interpreter that runs this script runs site-gen and, through the peers' environment
`setup` makes from it, Pelican and MkDocs: on Debian, make `.venv` from the system's python3,
as the README's setup does there (`benchmarks/RESULTS.md` says why it matters).
Everything lives in the work directory (default: tmpfs, /dev/shm/site-gen-bench); `--disk
DIR` repeats the cold builds with corpus and output in DIR. Results are also written as
JSON in WORK/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks import convert, edit_latency, gen_corpus  # noqa: E402
from benchmarks.measure import Sample, growth_exponent, median, run_measured  # noqa: E402
from benchmarks.tools import TOOLS, Peers, Tool, install  # noqa: E402

DEFAULT_WORK = Path("/dev/shm/site-gen-bench") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir()) / "site-gen-bench"
DEFAULT_SIZES = (100, 1000, 10000)
MIB = 2**20


# ---- the corpus ---------------------------------------------------------------------------

def _tree_digest(root: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ensure_corpus(root: Path, n: int, seed: int) -> Path:
    """root/corpus-N/content: generated, unless an unmodified one from the same generator is there."""
    out = root / f"corpus-{n}"
    content, stamp = out / "content", out / "corpus.json"
    generator = hashlib.blake2b(Path(gen_corpus.__file__).read_bytes(), digest_size=16).hexdigest()
    wanted = {"n": n, "seed": seed, "generator": generator}
    if stamp.exists() and content.is_dir():
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded.get("spec") == wanted and recorded.get("digest") == _tree_digest(content):
            return content
    print(f"N={n}: generating the corpus in {out}", flush=True)
    gen_corpus.generate(n, out, seed)
    stamp.write_text(json.dumps({"spec": wanted, "digest": _tree_digest(content)}), encoding="utf-8")
    return content


# ---- cold builds ----------------------------------------------------------------------------

def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _environment(site: Path) -> dict[str, str]:
    """The caller's environment with a cache home of the site's own, emptied for cold builds,
    and Python's bytecode cache allowed: the warm-up round writes it, as a user's first run
    does. Where PYTHONDONTWRITEBYTECODE is set (this project's machines set it), site-gen's
    code, never installed with its bytecode as the peers' packages are, would otherwise be
    compiled again by every build (about 0.1 s at any N)."""
    environment = {**os.environ, "XDG_CACHE_HOME": str(site / ".xdg-cache")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def cold_build(tool: Tool, site: Path, content: Path, peers: Peers, log: Path, timeout: float) -> Sample:
    for name in (tool.output, *tool.scratch, ".xdg-cache"):
        _remove(site / name)
    return run_measured(tool.command(peers, site, content), cwd=site, env=_environment(site), log=log,
                        timeout=timeout)


def _describe(sample: Sample) -> str:
    if sample.timed_out:
        return f"timed out after {sample.wall:.0f} s"
    if sample.exit_code:
        return f"FAILED (exit {sample.exit_code})"
    return f"{sample.wall:.2f} s, cpu {sample.cpu:.2f} s, {sample.peak_rss / MIB:.0f} MiB"


def cold_builds(tools: list[Tool], sites: dict[str, Path], content: Path, peers: Peers,
                settings: argparse.Namespace, logs: Path, label: str) -> dict[str, dict]:
    """Round-robin over the tools: a warm-up round, then `runs` timed rounds. A tool whose
    warm-up took longer than `slow` seconds is not run again: that one build is its sample."""
    results = {tool.name: {"samples": [], "failures": [], "single": False} for tool in tools}
    for round_number in range(settings.runs + 1):
        for tool in tools:
            entry = results[tool.name]
            if round_number and (entry["single"] or entry["failures"]):
                continue
            sample = cold_build(tool, sites[tool.name], content, peers, logs / f"{tool.name}.log", settings.timeout)
            what = "warm-up" if round_number == 0 else f"run {round_number}/{settings.runs}"
            print(f"  {label} {tool.name:17} {what:9} {_describe(sample)}", flush=True)
            if not sample.ok:
                entry["failures"].append(asdict(sample))
            elif round_number == 0 and sample.wall > settings.slow:
                entry["single"] = True
                entry["samples"].append(asdict(sample))
            elif round_number:
                entry["samples"].append(asdict(sample))
    for tool in tools:
        output = sites[tool.name] / tool.output
        results[tool.name]["pages"] = sum(1 for _ in output.rglob("*.html")) if output.is_dir() else 0
        results[tool.name]["files"] = sum(1 for p in output.rglob("*") if p.is_file()) if output.is_dir() else 0
    return results


def prepare_sites(tools: list[Tool], root: Path, content: Path) -> dict[str, Path]:
    """A site directory per tool under root; the peers' laid out from the corpus (untimed)."""
    corpus = convert.read_corpus(content) if any(tool.is_peer for tool in tools) else None
    sites = {}
    for tool in tools:
        site = root / tool.name
        if tool.is_peer:
            tool.lay_out(corpus, site)
        else:
            _remove(site)
            site.mkdir(parents=True)
        sites[tool.name] = site
    return sites


# ---- site-gen's rebuilds --------------------------------------------------------------------

def cli_rebuilds(tool: Tool, site: Path, content: Path, peers: Peers, settings: argparse.Namespace,
                 logs: Path, count: int) -> dict[str, list[dict]]:
    """The CLI again over its previous output: with nothing changed, and after one meeting
    file changed (a different meeting each time, restored afterwards)."""
    command = tool.command(peers, site, content)
    log = logs / f"{tool.name}-rebuild.log"
    result: dict[str, list[dict]] = {"no_change": [], "one_meeting": [], "failures": []}

    def keep(kind: str, sample: Sample) -> None:
        print(f"  site-gen CLI rebuild, {kind.replace('_', ' ')}: {_describe(sample)}", flush=True)
        result[kind if sample.ok else "failures"].append(asdict(sample))

    for _ in range(count):
        keep("no_change", run_measured(command, cwd=site, env=_environment(site), log=log, timeout=settings.timeout))
    for number, path in enumerate(edit_latency.spread(sorted((content / "meetings").glob("*.md")), count)):
        original = path.read_bytes()
        try:
            path.write_text(edit_latency.edited(original.decode("utf-8"), f"Ändring {number} i CLI."), encoding="utf-8")
            sample = run_measured(command, cwd=site, env=_environment(site), log=log, timeout=settings.timeout)
        finally:
            path.write_bytes(original)
        keep("one_meeting", sample)
    return result


def serve_path(content: Path, root: Path, settings: argparse.Namespace, logs: Path) -> dict:
    """`rebuild.py` in a process of its own (so its peak memory is the serve path's)."""
    output, result_file = root / "serve-path" / "site", root / "serve-path" / "result.json"
    _remove(output.parent)
    output.parent.mkdir(parents=True)
    command = [sys.executable, str(REPO / "benchmarks" / "rebuild.py"), str(content), str(output),
               "--json", str(result_file), "--edits", str(settings.rebuild_edits), "--repeats", "5"]
    sample = run_measured(command, cwd=root, log=logs / "serve-path.log", timeout=settings.timeout * 3)
    if not sample.ok:
        print(f"  site-gen serve path: {_describe(sample)}, see {logs / 'serve-path.log'}", flush=True)
        return {"process": asdict(sample)}
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result["process"] = asdict(sample)
    print(f"  site-gen serve path: first build {result['first_build']:.2f} s, nothing changed "
          f"{median(result['no_change']) * 1000:.0f} ms, one meeting {median(result['one_meeting']) * 1000:.0f} ms, "
          f"peak {sample.peak_rss / MIB:.0f} MiB", flush=True)
    return result


def serve_latency(content: Path, root: Path, edits: int) -> list[dict]:
    output = root / "serve" / "site"
    _remove(output.parent)
    results = edit_latency.measure(content, edits, output, log=lambda line: print(f"  serve: {line}", flush=True))
    print(f"  site-gen edit → page on disk in serve: median {median([edit.ms for edit in results]):.0f} ms", flush=True)
    return [asdict(edit) for edit in results]


# ---- one size ----------------------------------------------------------------------------

def measure_size(n: int, tools: list[Tool], peers: Peers, settings: argparse.Namespace) -> dict:
    places = [("tmpfs" if settings.work.resolve().is_relative_to("/dev/shm") else "work", settings.work)]
    if settings.disk:
        places.append(("disk", settings.disk))
    result = {}
    for place, root in places:
        root = root.resolve()
        content = ensure_corpus(root, n, settings.seed)
        sites = prepare_sites(tools, root / f"sites-{n}", content)
        logs = root / "logs" / str(n) / place
        _remove(logs)
        print(f"N={n}, {place} ({root}): cold builds", flush=True)
        entry = {"root": str(root), "cold": cold_builds(tools, sites, content, peers, settings, logs, f"N={n}")}
        if place == places[0][0] and "site-gen" in sites:
            cold = entry["cold"]["site-gen"]
            count = 1 if cold["single"] else settings.runs
            if not cold["failures"]:
                entry["cli"] = cli_rebuilds(TOOLS["site-gen"], sites["site-gen"], content, peers, settings, logs, count)
                entry["serve_path"] = serve_path(content, root / f"sites-{n}", settings, logs)
                if settings.edits:
                    entry["edits"] = serve_latency(content, root / f"sites-{n}", settings.edits)
        result[place] = entry
    return result


# ---- the report ----------------------------------------------------------------------------

def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def _walls(samples: list[dict]) -> list[float]:
    return [sample["wall"] for sample in samples]


def _spread(samples: list[dict]) -> str:
    """'1.51 s (1.40 s–1.62 s, 3 runs; cpu 1.20 s)': wall median, range, runs, CPU median."""
    if not samples:
        return "—"
    walls = _walls(samples)
    cpu = f"cpu {_seconds(median([sample['cpu'] for sample in samples]))}"
    if len(walls) == 1:
        return f"{_seconds(walls[0])} (1 run; {cpu})"
    return f"{_seconds(median(walls))} ({_seconds(min(walls))}–{_seconds(max(walls))}, {len(walls)} runs; {cpu})"


def _peak(samples: list[dict]) -> float | None:
    return median([sample["peak_rss"] for sample in samples]) / MIB if samples else None


def _cold_cell(entry: dict) -> str:
    """'2.10 s (cpu 3.6 s) · 223 MiB', with '(1 run)' when there was only one."""
    samples = entry["samples"]
    if entry["failures"] and not samples:
        failure = entry["failures"][0]
        return "timed out" if failure["timed_out"] else f"failed (exit {failure['exit_code']})"
    cpu = median([sample["cpu"] for sample in samples])
    runs = " (1 run)" if len(samples) == 1 else ""
    return f"{_seconds(median(_walls(samples)))} (cpu {_seconds(cpu)}) · {_peak(samples):.0f} MiB{runs}"


def _exponent(points: Iterable[tuple[int, float]]) -> str:
    """The fit over all sizes and, with three or more, between the two largest: fixed costs
    (starting Python or Node) weigh on the smallest size and flatten the fit over all."""
    points = sorted(points)
    value = growth_exponent(points)
    if value is None:
        return "—"
    if len(points) < 3:
        return f"{value:.2f}"
    return f"{value:.2f} ({points[-2][0]:,}→{points[-1][0]:,}: {growth_exponent(points[-2:]):.2f})"


def report(result: dict) -> str:
    """The Markdown tables of one run."""
    sizes = sorted(int(n) for n in result["sizes"])
    at = {n: result["sizes"][str(n)] for n in sizes}
    main_place = next(iter(at[sizes[0]]))
    machine = result["machine"]
    lines = [
        f"Run of {result['started']} to {result['finished']}: `{result['command']}`",
        f"Machine: {machine['cores']} cores, {machine['platform']}, "
        f"{machine.get('interpreter') or 'Python ' + machine['python']}; load average "
        f"{machine['load_before']} before, {machine['load_after']} after. Work directory {result['work']} ({main_place}).",
        "",
    ]
    if any("site-gen" in at[n][main_place]["cold"] for n in sizes):
        lines += _site_gen_table(sizes, at, main_place)
    lines += _side_by_side(sizes, at, main_place, result["tools"])
    if "disk" in at[sizes[0]] and main_place != "disk":
        lines += ["", f"Output on disk ({at[sizes[0]]['disk']['root']}):", ""]
        lines += _side_by_side(sizes, at, "disk", result["tools"], pages=False)
    if result.get("versions"):
        lines += ["", "Versions: " + "; ".join(f"{name}: {text}" for name, text in result["versions"].items())]
    return "\n".join(lines)


def _site_gen_table(sizes: list[int], at: dict, place: str) -> list[str]:
    rows = {n: at[n][place] for n in sizes if "site-gen" in at[n][place]["cold"]}
    lines = ["| N | pages | cold build (CLI) | pages/s | peak memory | cold build without search index | "
             "CLI rebuild, nothing changed | CLI rebuild, one meeting changed | serve path, nothing changed | "
             "serve path, one meeting changed | serve: edit → page on disk |",
             "|---" * 11 + "|"]
    series: dict[str, list[tuple[int, float]]] = {}

    def add(name: str, n: int, value: float | None) -> None:
        if value is not None:
            series.setdefault(name, []).append((n, value))

    for n, entry in rows.items():
        cold = entry["cold"]["site-gen"]
        samples = cold["samples"]
        cold_median = median(_walls(samples)) if samples else None
        cli = entry.get("cli", {})
        path = entry.get("serve_path", {})
        edits = entry.get("edits", [])
        latency = [edit["ms"] for edit in edits]
        bare = entry["cold"].get("site-gen_nosearch", {}).get("samples", [])
        add("cold build", n, cold_median)
        add("cold build without search index", n, median(_walls(bare)) if bare else None)
        add("peak memory", n, _peak(samples))
        for key, name in (("no_change", "CLI rebuild, nothing changed"), ("one_meeting", "CLI rebuild, one meeting")):
            add(name, n, median(_walls(cli[key])) if cli.get(key) else None)
        for key, name in (("no_change", "serve path, nothing changed"), ("one_meeting", "serve path, one meeting")):
            add(name, n, median(path[key]) if path.get(key) else None)
        add("edit → page", n, median(latency) / 1000 if latency else None)
        serve_cells = [_serve_path_cell(path, key) for key in ("no_change", "one_meeting")]
        lines.append("| " + " | ".join([
            f"{n:,}", f"{cold['pages']:,} ({cold['files']:,} files)", _spread(samples),
            f"{cold['pages'] / cold_median:.0f}" if cold_median else "—",
            f"{_peak(samples):.0f} MiB" if samples else "—", _without_search_cell(bare, samples),
            _spread(cli.get("no_change", [])), _spread(cli.get("one_meeting", [])), *serve_cells,
            _latency_cell(edits),
        ]) + " |")
    if len(rows) > 1:
        lines += ["", "Growth with N (least-squares exponent of log(value) over log(N); 1.0 is linear): "
                  + "; ".join(f"{name} {_exponent(points)}" for name, points in series.items()) + "."]
    return lines + [""]


def _serve_path_cell(path: dict, key: str) -> str:
    """'34 ms (cpu 30 ms, median of 10)'."""
    if not path.get(key):
        return "—"
    cpu = f"cpu {_seconds(median(path[key + '_cpu']))}, " if path.get(key + "_cpu") else ""
    return f"{_seconds(median(path[key]))} ({cpu}median of {len(path[key])})"


def _without_search_cell(bare: list[dict], cold: list[dict]) -> str:
    """'3.60 s (…); the index adds ≈ 1.97 s (cpu 2.5 s)': differences of the medians."""
    if not bare:
        return "—"
    cell = _spread(bare)
    if cold:
        wall = median(_walls(cold)) - median(_walls(bare))
        cpu = median([s["cpu"] for s in cold]) - median([s["cpu"] for s in bare])
        shown = _seconds(wall) if wall > 0 else "nothing measurable in wall time"
        cell += f"; the index adds ≈ {shown} (cpu {_seconds(max(cpu, 0.0))})"
    return cell


def _latency_cell(edits: list[dict]) -> str:
    """'58 ms (median of 20)', and how many edits a build started mid-save made wait for another."""
    if not edits:
        return "—"
    cell = f"{median([edit['ms'] for edit in edits]):.0f} ms (median of {len(edits)})"
    again = sum(edit["builds"] > 1 for edit in edits)
    return cell + (f"; {again} took 2+ builds" if again else "")


def _side_by_side(sizes: list[int], at: dict, place: str, tools: dict[str, dict], pages: bool = True) -> list[str]:
    names = [name for name in tools if all(name in at[n][place]["cold"] for n in sizes)]
    header = "| tool | " + " | ".join(f"N={n:,}" for n in sizes) + " | exponent |"
    lines = ["Cold full build: median wall time (median CPU time, user + system) · peak memory of the process tree:",
             "", header,
             "|---" * (len(sizes) + 2) + "|"]
    for name in names:
        cells = [_cold_cell(at[n][place]["cold"][name]) for n in sizes]
        points = [(n, median(_walls(at[n][place]["cold"][name]["samples"])))
                  for n in sizes if at[n][place]["cold"][name]["samples"]]
        lines.append(f"| {tools[name]['label']} | " + " | ".join(cells) + f" | {_exponent(points)} |")
    if pages:
        lines += ["", "Pages (HTML files) and all files written:", "", header.replace(" exponent |", ""),
                  "|---" * (len(sizes) + 1) + "|"]
        for name in names:
            cells = [f"{at[n][place]['cold'][name]['pages']:,} / {at[n][place]['cold'][name]['files']:,}" for n in sizes]
            lines.append(f"| {tools[name]['label']} | " + " | ".join(cells) + " |")
    ours_name = next((name for name in ("site-gen_nosearch", "site-gen") if name in names), None)
    peers = [name for name in names if not name.startswith("site-gen")]
    if ours_name and peers:
        lines += ["", f"Ratio of the cold build time of {tools[ours_name]['label']} to each tool's "
                  "(below 1: site-gen is faster):", "", header.replace(" exponent |", ""),
                  "|---" * (len(sizes) + 1) + "|"]
        for name in peers:
            cells = []
            for n in sizes:
                ours, theirs = at[n][place]["cold"][ours_name]["samples"], at[n][place]["cold"][name]["samples"]
                cells.append(f"{median(_walls(ours)) / median(_walls(theirs)):.2f}" if ours and theirs else "—")
            lines.append(f"| {tools[name]['label']} | " + " | ".join(cells) + " |")
    if "site-gen" in names and "hugo" in names and "serve_path" in at[sizes[0]][place]:
        lines += _rebuild_ratios(sizes, at, place)
    return lines


def _rebuild_ratios(sizes: list[int], at: dict, place: str) -> list[str]:
    """site-gen's rebuilds against Hugo's full build (the issue's target: at least 5× faster)."""
    title = ("Ratio of site-gen's rebuilds to Hugo's cold full build with its defaults (target: ≤ 0.2; "
             "the issue's rebuild after one meeting changed is serve's incremental path, while the CLI "
             "builds the whole site and its search index again):")
    lines = ["", title, "",
             "| rebuild | " + " | ".join(f"N={n:,}" for n in sizes) + " |", "|---" * (len(sizes) + 1) + "|"]
    rows = (("CLI, nothing changed", lambda e: _walls(e.get("cli", {}).get("no_change", []))),
            ("CLI, one meeting changed", lambda e: _walls(e.get("cli", {}).get("one_meeting", []))),
            ("serve path, nothing changed", lambda e: e.get("serve_path", {}).get("no_change", [])),
            ("serve path, one meeting changed", lambda e: e.get("serve_path", {}).get("one_meeting", [])))
    for label, values in rows:
        cells = []
        for n in sizes:
            ours, hugo = values(at[n][place]), at[n][place]["cold"]["hugo"]["samples"]
            cells.append(f"{median(ours) / median(_walls(hugo)):.2f}" if ours and hugo else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# ---- the command ---------------------------------------------------------------------------

def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of sizes such as 100,1000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _tool_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in TOOLS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown tool {', '.join(unknown) or '(none)'}; choose from {', '.join(TOOLS)}")
    return [name for name in TOOLS if name in names]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    setup = commands.add_parser("setup", help="install the peers (pinned) from PyPI and npm")
    setup.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"work directory ({DEFAULT_WORK})")
    setup.add_argument("--peers", type=Path, default=None, help="where the peers go (WORK/peers)")
    bench = commands.add_parser("bench", help="measure (the default command)")
    bench.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="meetings per corpus (100,1000,10000)")
    bench.add_argument("--tools", type=_tool_names, default=list(TOOLS), help=f"({','.join(TOOLS)})")
    bench.add_argument("--work", type=Path, default=DEFAULT_WORK,
                       help=f"corpora, site directories, outputs and logs ({DEFAULT_WORK}); keep it on tmpfs")
    bench.add_argument("--peers", type=Path, default=None, help="where `setup` installed the peers (WORK/peers)")
    bench.add_argument("--disk", type=Path, default=None,
                       help="also run the cold builds with corpus and output in this directory (on disk)")
    bench.add_argument("--runs", type=int, default=3, help="timed cold builds per tool, after one warm-up (3)")
    bench.add_argument("--slow", type=float, default=60,
                       help="a tool whose warm-up build took longer than this many seconds is not run again (60)")
    bench.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one build (1800)")
    bench.add_argument("--edits", type=int, default=20, help="edits timed in the real serve (20; 0 skips)")
    bench.add_argument("--rebuild-edits", type=int, default=10, help="one-meeting rebuilds timed in process (10)")
    bench.add_argument("--seed", type=int, default=1, help="corpus seed (1)")
    bench.add_argument("--json", type=Path, default=None, help="also write the results here")
    show = commands.add_parser("report", help="print the tables of a saved run")
    show.add_argument("result", type=Path)
    return parser


def run_bench(settings: argparse.Namespace) -> int:
    tools = [TOOLS[name] for name in settings.tools]
    peers = Peers((settings.peers or settings.work / "peers").resolve())
    wanted_peers = {name.split("_")[0] for name in settings.tools if TOOLS[name].is_peer}
    missing = sorted(wanted_peers & set(peers.missing()))
    if missing:
        print(f"{', '.join(missing)} not installed in {peers.root}: run `benchmarks/run.py setup"
              f"{' --work ' + str(settings.work) if settings.peers is None else ' --peers ' + str(settings.peers)}` "
              f"first, or leave them out with --tools", file=sys.stderr)
        return 1
    settings.work.mkdir(parents=True, exist_ok=True)
    result = {
        "started": dt.datetime.now().isoformat(timespec="seconds"), "command": " ".join(sys.argv),
        "work": str(settings.work.resolve()), "disk": str(settings.disk) if settings.disk else None,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "interpreter": interpreter(), "load_before": _load()},
        "tools": {tool.name: {"label": tool.label, "pages": tool.pages} for tool in tools},
        "versions": {**_project_versions(), **(peers.versions() if wanted_peers else {})},
        "sizes": {},
    }
    for n in settings.sizes:
        result["sizes"][str(n)] = measure_size(n, tools, peers, settings)
    result["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    result["machine"]["load_after"] = _load()
    saved = settings.work / "results" / f"{result['started'].replace(':', '')}.json"
    for path in filter(None, (saved, settings.json)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\n" + report(result) + f"\n\nResults: {saved}")
    return 0


def _project_versions() -> dict[str, str]:
    """site-gen's commit and the versions of the libraries it builds with."""
    from importlib import metadata

    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    versions = {"site-gen": commit or "unknown commit"}
    for package in ("jinja2", "markdown-it-py", "mdit-py-plugins", "python-frontmatter", "PyYAML"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def interpreter() -> str:
    """The interpreter that runs site-gen and the Python peers (the peers' environment is made
    from it), and whether libpython is a shared library in it. How Python was built matters.
    In a libpython built as a shared library (`--enable-shared`, as this machine's pyenv
    Python is), the interpreter calls its own functions through the library's tables. Built
    that way and without profile-guided and link-time optimisation, a build of site-gen took
    6–8 % longer than on Debian's python3.11, which has both and links libpython in
    (`benchmarks/RESULTS.md`, session 11)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            shared = "shared libpython" if any("/libpython" in line for line in maps) else "libpython linked in"
    except OSError:  # not Linux
        shared = "libpython: unknown"
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    return f"{platform.python_implementation()} {platform.python_version()} ({base}, {shared})"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("setup", "bench", "report", "-h", "--help"):
        argv.insert(0, "bench")
    settings = _parser().parse_args(argv)
    if settings.command == "setup":
        peers = Peers((settings.peers or settings.work / "peers").resolve())
        install(peers)
        for name, version in peers.versions().items():
            print(f"{name}: {version}")
        return 0
    if settings.command == "report":
        print(report(json.loads(settings.result.read_text(encoding="utf-8"))))
        return 0
    return run_bench(settings)


if __name__ == "__main__":
    raise SystemExit(main())
