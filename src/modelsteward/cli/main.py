"""Entry point: global options, command dispatch, the one ``except StewardError``."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from modelsteward._version import VERSION
from modelsteward.cli import commands, demo, inventory
from modelsteward.cli.help_text import tidy
from modelsteward.cli.state import CliState
from modelsteward.config import load_settings
from modelsteward.errors import StewardError, UsageError
from modelsteward.findings import Severity
from modelsteward.report import OutputFormat

# Global options may be written before or after the command name; main() moves them first.
_GLOBAL_VALUE = {"--format", "-f", "--output", "-o", "--fail-on"}
_GLOBAL_FLAG = {"--no-progress", "--verbose", "-v"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"modelsteward {VERSION}")
        raise typer.Exit(0)


def _root(
    ctx: typer.Context,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write results to FILE.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="[info|low|medium|high|critical]",
            help="Exit 1 when a finding reaches this severity (default: the fail_on setting, "
            "else high).",
            show_default=False,
        ),
    ] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """modelsteward: license due diligence, model scanning, patching, safety and governance."""
    settings = load_settings()
    if fail_on is None:
        threshold = settings.fail_on_severity
    else:
        try:
            threshold = Severity.parse(fail_on)
        except ValueError as exc:
            raise UsageError(str(exc), hint="use --fail-on info|low|medium|high|critical") from exc
    ctx.obj = CliState(
        settings=settings,
        fmt=fmt,
        output=output,
        fail_on=threshold,
        fail_on_set=fail_on is not None or settings.fail_on_configured,
        progress=not no_progress,
        verbose=verbose,
    )


def build_app(command: str | None = None) -> typer.Typer:
    """The Typer app with the core commands and the areas ``command`` needs."""
    app = typer.Typer(
        name="modelsteward",
        help="Adopt open-source AI models like any vetted supplier.",
        epilog=(
            "Examples: modelsteward demo | modelsteward scan models/foo | modelsteward vet "
            "models/foo --preset commercial-saas | modelsteward vulns requirements.txt "
            "--severity high. Global options go before or after the command; "
            "'modelsteward COMMAND --help' shows each command's options and examples."
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    demo.register(app)
    inventory.register(app)
    for area in commands.areas_for(command):
        area.register(app)
    return app


def _command_name(argv: list[str]) -> str | None:
    """The first word after the global options: the command to run."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--version":
            return arg
        if arg in _GLOBAL_VALUE:
            i += 2
            continue
        if not arg.startswith("-"):
            return arg
        i += 1
    return None


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options written after the command name in front of it."""
    head: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in _GLOBAL_VALUE:
            if "=" in arg:
                head.append(arg)
            else:
                head.extend(argv[i : i + 2])
                i += 1
        elif arg in _GLOBAL_FLAG:
            head.append(arg)
        else:
            rest.append(arg)
        i += 1
    return head + rest


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` (without the program name) and return the exit code."""
    verbose = "--verbose" in argv or "-v" in argv
    try:
        args = hoist_global_options(argv)
        app = build_app(_command_name(args))
        command = tidy(typer.main.get_command(app))
        result = command.main(args, standalone_mode=False, prog_name="modelsteward")
    except StewardError as exc:
        if verbose and not isinstance(exc, UsageError):
            # --verbose shows where an environmental failure came from; a usage problem is
            # the user's input, not the code's, so it stays one line and exits 2 either way.
            traceback.print_exception(exc, file=sys.stderr)
        typer.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            typer.echo(f"hint: {exc.hint}", err=True)
        return exc.exit_code
    except NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        return 0
    except ClickUsageError as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        command = exc.ctx.command_path if exc.ctx else "modelsteward"
        typer.echo(f"hint: run '{command} --help' to see the usage", err=True)
        return 2
    except ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        typer.echo("hint: run 'modelsteward --help' to see the usage", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("error: interrupted", err=True)
        typer.echo("hint: run the command again to start over", err=True)
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))
