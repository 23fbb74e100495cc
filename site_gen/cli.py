"""The command line: `site-gen build` (the default command), `serve`, `check` and `new`."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from . import uptodate
from .errors import BuildFailed, ContentError, display_path
from .options import DEFAULT_STATIC, DEFAULT_TEMPLATES, BuildOptions
from .swedish import format_seconds

COMMANDS = ("build", "serve", "check", "new")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-gen", description="Bygger protokollwebbplatsen från content/.")
    commands = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    build = commands.add_parser("build", help="bygg webbplatsen (standard)")
    _add_site_options(build)
    build.add_argument("--output", type=Path, default=Path("public"), help="utdatakatalog (public/)")
    build.add_argument("--drafts", action="store_true", help="ta med utkast (draft: true)")
    build.add_argument("--force", action="store_true",
                       help="bygg allt även om inget har ändrats sedan förra bygget")
    serve = commands.add_parser("serve", help="förhandsvisa på http://127.0.0.1:8000 och bygg om vid ändringar")
    _add_site_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="adress att lyssna på (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument("--output", type=Path, default=None,
                       help="katalog att bygga i (standard: en tillfällig katalog, aldrig public/)")
    check = commands.add_parser("check", help="kontrollera allt innehåll utan att skriva något")
    check.add_argument("--content", type=Path, default=Path("content"), help="innehållskatalog (content/)")
    check.add_argument("--strict", action="store_true", help="misslyckas även på varningar")
    new = commands.add_parser("new", help="skapa ett nytt protokoll: new meeting --group SLUG [--date ÅÅÅÅ-MM-DD]")
    new.add_argument("kind", choices=["meeting"], help="vad som skapas")
    new.add_argument("--group", required=True, help="gruppens slug eller namn")
    new.add_argument("--date", type=_iso_date, default=None, help="mötesdatum (standard: gruppens nästa ordinarie möte, annars i dag)")
    new.add_argument("--content", type=Path, default=Path("content"), help="innehållskatalog (content/)")
    return parser


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget datum som ÅÅÅÅ-MM-DD") from None


def _add_site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="innehållskatalog (content/)")
    parser.add_argument("--base-url", default=None, help="webbplatsens adress, t.ex. https://example.se/protokoll/")
    parser.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES, help=argparse.SUPPRESS)
    parser.add_argument("--static", type=Path, default=DEFAULT_STATIC, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=0,
                        help="processer för ett helt bygge (standard: en per processorkärna)")


def _build_options(args: argparse.Namespace, **overrides) -> BuildOptions:
    return BuildOptions(
        content_dir=args.content, templates_dir=args.templates, static_dir=args.static, base_url=args.base_url,
        jobs=args.jobs, **overrides,
    )


def run() -> NoReturn:
    """The program's entry point (`build.py`, the `site-gen` command): `main`, then the
    process ends at once.

    A whole build leaves millions of objects behind (the library, every meeting's minutes),
    and a normal exit frees them one by one: about 0.15 s after a build of 10,000 meetings
    (benchmarks/RESULTS.md). The operating system takes a process's memory back at once,
    so once the command has returned (its files written and closed), only the output
    streams are flushed, and the process exits without that teardown, as mypy does. The
    last build's report, which holds them, is kept until then (`_last_report`). An
    exception still ends the program the usual way, with its traceback.
    """
    exit_now(main())


def exit_now(code: int) -> NoReturn:
    """End the process with `code` once the output streams are flushed (see `run`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def import_pipeline() -> ModuleType:
    """`site_gen.pipeline`, imported with the cycle collector off, and what the imports made
    then frozen (`gc.freeze`: left out of later scans). The imports make tens of thousands of
    objects (modules, classes, functions, compiled patterns) that live as long as the process:
    the collector would scan them again and again and find nothing to free. A few ms of a
    build's 0.1 s of imports (benchmarks/RESULTS.md, session 13). The build unfreezes
    everything at its end (`oneshot.fewer_collections`). Once imported (a second build in
    one process, as in the tests), the module is given as it is: nothing is frozen."""
    if (imported := sys.modules.get(f"{__package__}.pipeline")) is not None:
        return imported
    enabled = gc.isenabled()
    gc.disable()
    try:
        from . import pipeline
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return pipeline


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "check":
        return run_check(args)
    if args.command == "new":
        return run_new(args)
    return run_build(args)


_last_report: object = None
"""The last build's report, with the library: freed by the exit, not one object at a time before it (`run`)."""


def run_build(args: argparse.Namespace) -> int:
    global _last_report
    started = time.perf_counter()
    options = _build_options(args, output_dir=args.output, include_drafts=args.drafts)
    # A build with nothing changed would write the same bytes again (see `uptodate`).
    record, inputs = uptodate.record_path(options), uptodate.inputs_digest(options)
    last = None if args.force else uptodate.unchanged_since_last(record, inputs, options.output_dir)
    if last is not None:
        seconds = format_seconds(time.perf_counter() - started)
        print(f"Inget har ändrats sedan förra bygget: {display_path(args.output)}/ har redan alla {last.pages} sidor "
              f"({last.files} filer) – kollat på {seconds} s (--force bygger ändå)")
        for notice in last.notices:
            print(notice, file=sys.stderr)
        return 0
    # Only now: a build with nothing to do starts in a third of the time.
    from .oneshot import build_site

    try:
        report = build_site(options)
    except BuildFailed as failure:
        print_problems(failure)
        return 1
    _last_report = report
    uptodate.remember_build(record, inputs, options.output_dir, report.pages, report.written, report.notices)
    print(f"Byggde {report.pages} sidor ({report.written} filer) till {display_path(args.output)}/ på "
          f"{format_seconds(report.seconds)} s")
    for notice in report.notices:
        print(notice, file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from .check import check_content

    problems = check_content(args.content)
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    failed = errors > 0 or (args.strict and warnings > 0)
    print(f"{display_path(args.content)}: {errors} fel, {warnings} varningar", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def run_new(args: argparse.Namespace) -> int:
    from .library import build_library
    from .load import load_records
    from .new import create_meeting_file

    try:
        # Everyone by name: the new file is content for editors, never output.
        library = build_library(load_records(args.content), include_drafts=True, withhold=False)
    except BuildFailed as failure:
        print_problems(failure)
        return 1
    result = create_meeting_file(args.content, library, args.group, args.date, dt.date.today())
    if isinstance(result, ContentError):
        print(result, file=sys.stderr)
        return 1
    print(f"Skapade {display_path(result)} – öppna filen, ta bort den som inte var där och skriv protokollet")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .serve import main_serve  # watchdog is only needed here

    options = _build_options(args, include_drafts=True)
    return main_serve(options, args.host, args.port, args.output)


def print_problems(failure: BuildFailed) -> None:
    for error in failure.errors:
        print(error, file=sys.stderr)
    count = len(failure.errors)
    print(f"Bygget avbröts: {count} problem att rätta. Inget skrevs.", file=sys.stderr)
