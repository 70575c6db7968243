"""The options every ``registry`` command shares: where the registry is and who acts."""

from __future__ import annotations

from typing import Annotated

import typer

RegistryOpt = Annotated[
    str | None,
    typer.Option(
        "--registry", help="Registry DSN (sqlite:///PATH or postgresql://...).", show_default=False
    ),
]
ActorOpt = Annotated[
    str | None, typer.Option("--as", help="Who acts, as NAME:ROLE.", show_default=False)
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", help="Registry token (else MODELSTEWARD_TOKEN).", show_default=False),
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]
