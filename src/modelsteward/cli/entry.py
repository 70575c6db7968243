"""Console-script entry point.

``modelsteward scan`` is the command people put in loops, hooks and CI over thousands of
files, so it has a lean path: when the arguments use only the options below and no
settings file exists (no ``modelsteward.toml``, no ``[tool.modelsteward]`` in
``pyproject.toml``), it runs without importing Typer, Rich or pydantic, with the same
scanner, output, errors and exit codes. ``MODELSTEWARD_*`` variables, which CI jobs set, stay
on it: the ones ``scan`` reads (``FAIL_ON``, ``SCAN__*``) are parsed here when plainly valid,
the ones for other commands are skipped. Anything else (help, other commands, an unknown or
malformed option or variable, a settings file to validate, a progress bar, or ``--verbose``)
goes through the full Typer application, which also owns every error message.
"""

from __future__ import annotations

import sys
from pathlib import Path

from modelsteward._records import Record, field
from modelsteward.findings import Severity
from modelsteward.report import OutputFormat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from modelsteward.inventory import Artifact

_FORMATS = frozenset({OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.SARIF})
"""The formats ``scan`` writes."""
_VALUED = frozenset({"--format", "-f", "--output", "-o", "--fail-on", "--allow-global"})


class ScanArgs(Record):
    """The arguments of one ``scan`` run on the lean path."""

    paths: list[Path] = field(default_factory=list)
    fmt: OutputFormat = OutputFormat.TABLE
    output: Path | None = None
    fail_on: Severity | None = None
    """``--fail-on`` when given; else the ``fail_on`` setting decides."""
    hash_files: bool = False
    allow: list[str] = field(default_factory=list)
    progress: bool = True
    settings: dict[str, object] = field(default_factory=dict)
    """What ``MODELSTEWARD_*`` variables set for ``scan`` (see ``scan_environment``)."""


def parse_scan(argv: list[str]) -> ScanArgs | None:
    """``argv`` as lean ``scan`` arguments, or None when the full CLI must handle it."""
    args = ScanArgs()
    command: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            if command is None:
                return None
            args.paths.extend(Path(p) for p in argv[i:] if p)
            if len(args.paths) != len(argv) - i:
                return None
            break
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name in _VALUED:
                if not eq:
                    if i >= len(argv):
                        return None
                    value = argv[i]
                    i += 1
                if not _take_value(args, name, value):
                    return None
            elif eq:
                return None
            elif arg == "--hash":
                args.hash_files = True
            elif arg == "--no-hash":
                args.hash_files = False
            elif arg == "--no-progress":
                args.progress = False
            else:
                return None  # --help, --verbose, --version, a typo: the full CLI decides
        elif command is None:
            if arg != "scan":
                return None
            command = arg
        elif arg:
            args.paths.append(Path(arg))
        else:
            return None
    if command is None or not args.paths:
        return None
    return args


def _take_value(args: ScanArgs, name: str, value: str) -> bool:
    if name in ("--format", "-f"):
        if value not in _FORMATS:
            return False
        args.fmt = OutputFormat(value)
    elif name in ("--output", "-o"):
        if not value:
            return False
        args.output = Path(value)
    elif name == "--fail-on":
        try:
            args.fail_on = Severity.parse(value)
        except ValueError:
            return False
    else:
        args.allow.append(value)
    return True


def run_scan(args: ScanArgs) -> int:
    """Scan, write the output, and return the exit code (errors as one line plus a hint)."""
    from modelsteward.errors import StewardError

    try:
        return _scan(args)
    except StewardError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        print("hint: run the command again to start over", file=sys.stderr)
        return 130


def _scan(args: ScanArgs) -> int:
    from modelsteward.cli.output import exit_code, scan_document, write_document
    from modelsteward.scan import ScanOptions, scan_paths

    given = args.settings.get("scan")
    limits: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    allow = frozenset(limits.pop("allow_globals", ())) | frozenset(args.allow)
    options = ScanOptions(**limits, allow_globals=allow, hash_files=args.hash_files)
    files: list[Artifact] = []
    report = scan_paths(args.paths, options, listing=files if args.hash_files else None)
    sarif = args.fmt is OutputFormat.SARIF
    document = scan_document(report, files, hashed=args.hash_files, sarif=sarif)
    write_document(document, args.fmt, args.output)
    fail_on = args.fail_on or Severity.parse(str(args.settings.get("fail_on", "high")))
    return exit_code(report, fail_on)


def lean_scan(argv: list[str]) -> int | None:
    """Run ``argv`` on the lean path when it qualifies; None when it does not."""
    args = parse_scan(argv)
    if args is None:
        return None
    from modelsteward.config_sources import file_source_present, scan_environment

    settings = scan_environment()
    if settings is None or file_source_present():
        return None
    args.settings = settings
    if args.progress and len(args.paths) > 1 and sys.stderr.isatty():
        return None  # the progress bar lives in the full CLI
    return run_scan(args)


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    code = lean_scan(argv)
    if code is None:
        from modelsteward.cli.main import run

        code = run(argv)
    sys.exit(code)
