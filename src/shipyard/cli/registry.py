"""``shipyard models``: the model registry: list, show, versions, register, alias, stage,
history, update, delete (webhooks in ``shipyard models webhook``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from shipyard.cli import registry_webhooks
from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import MISSING, console, format_time, print_json
from shipyard.core.errors import InvalidInputError
from shipyard.registry import AuditEvent, ModelVersion

app = typer.Typer(
    help="The model registry: registered models, versions, aliases, stages, audit history.",
    no_args_is_help=True,
)
app.add_typer(registry_webhooks.app, name="webhook")

Name = Annotated[str, typer.Argument(help="The registered model name.")]
VersionArg = Annotated[str, typer.Argument(help="The version number (3 or v3).")]
CommentOpt = Annotated[str, typer.Option("--comment", "-c", help="Why (kept in the history).")]
TagOpt = Annotated[
    list[str] | None, typer.Option("--tag", help="KEY=VALUE (repeatable).", show_default=False)
]


def parse_tags(items: list[str] | None) -> dict[str, str] | None:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``."""
    if not items:
        return None
    tags: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--tag expects KEY=VALUE, got {item!r}")
        tags[key] = value
    return tags


def _aliases(aliases: dict[str, int]) -> str:
    return ", ".join(f"@{a}→v{v}" for a, v in sorted(aliases.items())) or MISSING


def versions_table(versions: list[ModelVersion]) -> Table:
    table = Table(header_style="bold", title="versions")
    for column in ("version", "artifact", "run", "stage", "aliases", "status", "created", "by"):
        table.add_column(column, overflow="fold")
    for v in versions:
        table.add_row(
            f"v{v.version}", Text(v.artifact_ref), Text(v.run_id or MISSING), v.stage.value,
            Text(", ".join(f"@{a}" for a in v.aliases) or MISSING), v.status.value,
            format_time(v.created_at), Text(v.created_by or MISSING),
        )  # fmt: skip
    return table


@app.command("list")
def list_command(
    filter: Annotated[
        str | None,
        typer.Option("--filter", "-f", help="e.g. \"name LIKE 'energy-%' AND tags.team = 'x'\""),
    ] = None,
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", help="name|created_at|updated_at [DESC]")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many models.")
    ] = 100,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """List registered models with their latest version and aliases."""
    with open_client(tracking_uri) as client:
        models = client.search_registered_models(filter, order_by, limit)
    if as_json:
        print_json([m.to_dict() for m in models])
        return
    if not models:
        console.print("No registered models: register one with `shipyard models register`.")
        return
    table = Table(header_style="bold")
    for column in ("name", "latest", "versions", "aliases", "updated", "description"):
        table.add_column(column, overflow="fold")
    for m in models:
        latest = f"v{m.latest_version}" if m.latest_version is not None else MISSING
        table.add_row(
            Text(m.name), latest, str(m.version_count), Text(_aliases(m.aliases)),
            format_time(m.updated_at), Text(m.description[:80] or MISSING),
        )  # fmt: skip
    console.print(table)


@app.command("show")
def show_command(name: Name, as_json: AsJson = False, tracking_uri: TrackingUri = None) -> None:
    """Show a registered model: description, tags, aliases, model card and versions."""
    with open_client(tracking_uri) as client:
        model = client.get_registered_model(name)
        versions = client.list_model_versions(name)
    if as_json:
        print_json({**model.to_dict(), "versions": [v.to_dict() for v in versions]})
        return
    lines = Text()
    lines.append(f"{model.name}\n", style="bold")
    lines.append(f"description: {model.description or MISSING}\n")
    tags = ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items()))
    lines.append(f"tags: {tags or MISSING}\naliases: {_aliases(model.aliases)}\n")
    lines.append(f"created: {format_time(model.created_at)} by {model.created_by or MISSING}")
    console.print(Panel(lines, title="registered model", expand=False))
    if model.model_card:
        console.print(Panel(Markdown(model.model_card), title="model card"))
    console.print(versions_table(versions) if versions else "No versions yet.")


@app.command("versions")
def versions_command(
    name: Name,
    include_deleted: Annotated[
        bool, typer.Option("--all", help="Include deleted versions.")
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """List the versions of a registered model, newest first."""
    with open_client(tracking_uri) as client:
        versions = client.list_model_versions(name, include_deleted)
    if as_json:
        print_json([v.to_dict() for v in versions])
        return
    console.print(versions_table(versions) if versions else f"{name} has no versions.")


@app.command("register")
def register_command(
    name: Name,
    artifact_ref: Annotated[
        str, typer.Argument(help="The model artifact: NAME:vN, NAME:ALIAS or runs:/RUN_ID.")
    ],
    *,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Source run (default: the artifact's).")
    ] = None,
    description: Annotated[
        str, typer.Option("--description", "-d", help="What this version is.")
    ] = "",
    tags: TagOpt = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", "-a", help="Point this alias at it (repeatable).")
    ] = None,
    comment: CommentOpt = "",
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Register a model artifact version as the next version of NAME (created if new)."""
    with open_client(tracking_uri) as client:
        version = client.create_model_version(
            name, artifact_ref, run_id, description, parse_tags(tags), comment
        )
        for a in alias or []:
            version = client.set_alias(name, a, version.version, comment)
    if as_json:
        print_json(version.to_dict())
        return
    console.print(
        Text(f"Registered {name} version {version.version} ({version.artifact_ref})", style="green")
    )


@app.command("alias")
def alias_command(
    name: Name,
    alias: Annotated[str, typer.Argument(help="The alias, e.g. champion.")],
    version: Annotated[str | None, typer.Argument(help="The version to point it at.")] = None,
    *,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the alias.")] = False,
    comment: CommentOpt = "",
    tracking_uri: TrackingUri = None,
) -> None:
    """Point ALIAS at VERSION (moving it), or remove it with --delete."""
    if delete == (version is not None):
        raise InvalidInputError("Give either a VERSION to point the alias at or --delete")
    with open_client(tracking_uri) as client:
        if delete:
            client.delete_alias(name, alias, comment)
            console.print(f"Removed @{alias} from {name}")
            return
        assert version is not None
        moved = client.set_alias(name, alias, version, comment)
    console.print(Text(f"{name}@{alias} → version {moved.version}", style="green"))


@app.command("stage")
def stage_command(
    name: Name,
    version: VersionArg,
    stage: Annotated[str, typer.Argument(help="None, Staging, Production or Archived.")],
    *,
    archive_existing: Annotated[
        bool, typer.Option("--archive-existing", help="Archive versions already in STAGE.")
    ] = False,
    comment: CommentOpt = "",
    tracking_uri: TrackingUri = None,
) -> None:
    """Move a version to a stage."""
    with open_client(tracking_uri) as client:
        moved = client.transition_stage(name, version, stage, archive_existing, comment)
    console.print(Text(f"{name} version {moved.version} is in {moved.stage.value}", style="green"))


def history_table(events: list[AuditEvent]) -> Table:
    table = Table(header_style="bold", title="history")
    for column in ("when", "who", "event", "version", "alias", "from → to", "comment"):
        table.add_column(column, overflow="fold")
    for e in events:
        change = f"{e.from_value or MISSING} → {e.to_value or MISSING}"
        if e.from_value is None and e.to_value is None:
            change = MISSING
        table.add_row(
            format_time(e.at), Text(e.user or MISSING), e.kind,
            MISSING if e.version is None else f"v{e.version}", Text(e.alias or MISSING),
            Text(change), Text(e.comment or MISSING),
        )  # fmt: skip
    return table


@app.command("history")
def history_command(name: Name, as_json: AsJson = False, tracking_uri: TrackingUri = None) -> None:
    """Every change of a model: who, when, what, from, to, and why (oldest first)."""
    with open_client(tracking_uri) as client:
        events = client.model_history(name)
    if as_json:
        print_json([e.to_dict() for e in events])
        return
    console.print(history_table(events))


@app.command("update")
def update_command(
    name: Name,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="The new description.")
    ] = None,
    model_card: Annotated[
        Path | None,
        typer.Option(
            "--model-card",
            help="A Markdown file to use as the model card.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    tags: TagOpt = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Change a model's description, model card (Markdown file) or tags."""
    card = model_card.read_text(encoding="utf-8") if model_card is not None else None
    with open_client(tracking_uri) as client:
        client.update_registered_model(name, description, card, parse_tags(tags))
    console.print(f"Updated {name}")


@app.command("delete")
def delete_command(
    name: Name,
    version: Annotated[str | None, typer.Argument(help="Delete only this version.")] = None,
    comment: CommentOpt = "",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Delete a version, or the whole model with its versions (its history stays)."""
    what = f"{name} version {version}" if version is not None else f"registered model {name}"
    if not yes:
        typer.confirm(f"Delete {what}?", abort=True)
    with open_client(tracking_uri) as client:
        if version is not None:
            client.delete_model_version(name, version, comment)
        else:
            client.delete_registered_model(name)
    console.print(f"Deleted {what}")
