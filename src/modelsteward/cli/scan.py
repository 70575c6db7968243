"""``modelsteward scan``: prove that loading a model cannot run code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelsteward.cli.demo_context import DemoContext, Section
from modelsteward.cli.output import scan_document
from modelsteward.cli.state import CliState, get_state
from modelsteward.findings import Severity
from modelsteward.inventory import Artifact
from modelsteward.scan import RULES, ScanOptions, scan_path, scan_paths


def scan_options(
    state: CliState,
    *,
    hash_files: bool,
    allow: list[str],
    strict: bool = False,
    download: bool = False,
) -> ScanOptions:
    """The scanner options: ``[scan]`` settings merged with command-line flags."""
    s = state.settings.scan
    return ScanOptions(
        max_file_bytes=s.max_file_bytes,
        max_pickle_bytes=s.max_pickle_bytes,
        max_pickle_ops=s.max_pickle_ops,
        max_archive_members=s.max_archive_members,
        max_archive_ratio=s.max_archive_ratio,
        max_unpacked_bytes=s.max_unpacked_bytes,
        timeout_s=s.timeout_s,
        max_reader_bytes=s.max_reader_bytes,
        allow_globals=frozenset(s.allow_globals) | frozenset(allow),
        hash_files=hash_files,
        strict=strict or s.strict,
        download=download,
    )


def register(app: typer.Typer) -> None:
    """Add the ``scan`` command."""

    @app.command("scan")
    def scan(
        ctx: typer.Context,
        paths: Annotated[list[Path], typer.Argument(help="Model directories or files.")],
        hash_files: Annotated[
            bool, typer.Option("--hash/--no-hash", help="Also compute SHA-256 of every file.")
        ] = False,
        allow_global: Annotated[
            list[str] | None,
            typer.Option(
                "--allow-global",
                metavar="MODULE.NAME",
                help="Trust one more pickle global (tier-2 allowlist); repeatable.",
            ),
        ] = None,
        strict: Annotated[
            bool,
            typer.Option(
                "--strict", help="Fail on binaries of a format no scanner reads (else: info)."
            ),
        ] = False,
        download: Annotated[
            bool,
            typer.Option(
                "--download",
                help="For hf://ORG/NAME: fetch every file in full (default: weights are "
                "judged from their headers by HTTP range requests).",
            ),
        ] = False,
    ) -> int:
        """Scan model files for code that would run on load (pickle, torch, joblib, npy,
        archives, safetensors, GGUF, ONNX, Keras...).

        Examples:

          modelsteward scan models/foo

          modelsteward scan models/*.bin --hash --format sarif --output scan.sarif
        """
        state = get_state(ctx)
        options = scan_options(
            state, hash_files=hash_files, allow=allow_global or [], strict=strict, download=download
        )
        files: list[Artifact] = []
        with state.progress_bar(len(paths), "scan") as advance:
            report = scan_paths(
                paths, options, advance=advance, listing=files if hash_files else None
            )
        document = scan_document(report, files, hashed=hash_files, sarif=True)
        return state.emit(
            "scan",
            report,
            sections=document.sections,
            summary=document.summary,
            rules=RULES,
        )


def _demo_scan(ctx: DemoContext) -> None:
    ws = ctx.workspace
    options = scan_options(ctx.state, hash_files=False, allow=[])
    trojan = scan_path(ws.trojan, options).sorted()
    ctx.console.print(f"[bold]modelsteward scan[/bold] {ws.trojan.name}")
    for f in trojan.at_least(Severity.HIGH):
        ctx.console.print(f"  [red]{f.severity.label}[/red] {f.rule_id} at {f.location.describe()}")
        ctx.console.print(f"    {f.message}")
    clean = scan_path(ws.clean, options)
    verdict = (
        "no finding at medium or above"
        if not clean.at_least(Severity.MEDIUM)
        else (f"{len(clean.at_least(Severity.MEDIUM))} finding(s)")
    )
    ctx.console.print(f"[bold]modelsteward scan[/bold] {ws.clean.name}: [green]{verdict}[/green]")


DEMO_SECTIONS: tuple[tuple[str, Section], ...] = (("Model-file security scan", _demo_scan),)
"""Sections this area adds to ``modelsteward demo``, in order."""
