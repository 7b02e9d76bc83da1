"""``shipyard models webhook``: add, list and delete a model's webhooks; their deliveries."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import MISSING, console, format_time, print_json

app = typer.Typer(
    help="Webhooks: signed HTTP calls on registry events (URLs checked against SSRF).",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The registered model name.")]


@app.command("add")
def add_command(
    name: Name,
    url: Annotated[str, typer.Argument(help="http(s) URL to POST events to.")],
    *,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", "-e", help="An event kind (repeatable); default all (*)."),
    ] = None,
    secret: Annotated[
        str | None, typer.Option("--secret", help="Signing secret (default: generated).")
    ] = None,
    description: Annotated[
        str, typer.Option("--description", "-d", help="What the webhook is for.")
    ] = "",
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Allow loopback/private/link-local targets (embedded store, or a server "
            "started with --webhook-allow-private).",
        ),
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Add a webhook; prints its id and signing secret (shown only now)."""
    with open_client(tracking_uri) as client:
        hook = client.add_webhook(name, url, event or ["*"], secret, description, allow_private)
    if as_json:
        print_json(hook.to_dict())
        return
    console.print(Text(f"Added webhook {hook.id} → {hook.url}", style="green"))
    console.print(Text(f"secret (store it now, it is not shown again): {hook.secret}"))


@app.command("list")
def list_command(name: Name, as_json: AsJson = False, tracking_uri: TrackingUri = None) -> None:
    """List a model's webhooks with their latest delivery."""
    with open_client(tracking_uri) as client:
        hooks = client.list_webhooks(name)
        deliveries = client.webhook_deliveries(name, limit=1000) if hooks else []
    if as_json:
        print_json([h.to_dict() for h in hooks])
        return
    if not hooks:
        console.print(f"{name} has no webhooks.")
        return
    last = {d.webhook_id: d for d in reversed(deliveries)}
    table = Table(header_style="bold")
    for column in ("id", "url", "events", "private ok", "last delivery", "created"):
        table.add_column(column, overflow="fold")
    for h in hooks:
        seen = last.get(h.id)
        outcome = MISSING
        if seen is not None:
            status = "ok" if seen.ok else "FAILED"
            outcome = f"{status} {seen.status_code or ''} {seen.error}".strip()
        table.add_row(
            h.id, Text(h.url), Text(", ".join(h.events)), "yes" if h.allow_private else "no",
            Text(outcome), format_time(h.created_at),
        )  # fmt: skip
    console.print(table)


@app.command("delete")
def delete_command(
    name: Name,
    webhook_id: Annotated[str, typer.Argument(help="The webhook id (from `webhook list`).")],
    tracking_uri: TrackingUri = None,
) -> None:
    """Delete a webhook."""
    with open_client(tracking_uri) as client:
        client.delete_webhook(name, webhook_id)
    console.print(f"Deleted webhook {webhook_id}")


@app.command("deliveries")
def deliveries_command(
    name: Name,
    webhook_id: Annotated[str | None, typer.Option("--webhook", help="Only this webhook.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many.")
    ] = 50,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Recent delivery outcomes (after retries), newest first."""
    with open_client(tracking_uri) as client:
        found = client.webhook_deliveries(name, webhook_id, limit)
    if as_json:
        print_json([d.to_dict() for d in found])
        return
    table = Table(header_style="bold")
    for column in ("when", "webhook", "event", "ok", "status", "attempts", "error"):
        table.add_column(column, overflow="fold")
    for d in found:
        table.add_row(
            format_time(d.at), d.webhook_id, d.kind, "yes" if d.ok else "no",
            str(d.status_code or MISSING), str(d.attempts), Text(d.error or MISSING),
        )  # fmt: skip
    console.print(table)
