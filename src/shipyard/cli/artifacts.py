"""``shipyard artifacts``: list, show, get, put, alias, lineage, diff and delete versions;
``shipyard gc`` removes blobs no version references."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from shipyard.artifacts import FileEntry, LineageGraph, LineageNode
from shipyard.artifacts.lineage import MAX_GENERATIONS, MAX_NODES
from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import console, format_time, format_value, print_json
from shipyard.client.artifacts import ArtifactVersion
from shipyard.core.errors import InvalidInputError

app = typer.Typer(
    help="Versioned artifacts: datasets, models, files. Upload, download, alias, lineage.",
    no_args_is_help=True,
)

Ref = Annotated[str, typer.Argument(help="A version: NAME:vN, NAME:latest or NAME:ALIAS.")]


@contextmanager
def _progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich transfer bar; yields the ``progress(done, total)`` callback."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _version_dict(version: ArtifactVersion) -> dict[str, Any]:
    return version.record.to_dict()


@app.command("list")
def list_command(
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="Only artifacts of this type.")
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """List artifacts with their latest version."""
    with open_client(tracking_uri) as client:
        records = client.list_artifacts(type_)
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    if not records:
        console.print("No artifacts yet: log one with `shipyard artifacts put PATH --name N`.")
        return
    table = Table(header_style="bold")
    for column in ("name", "type", "latest", "versions", "created"):
        table.add_column(column, overflow="fold")
    for r in records:
        latest = f"v{r.latest_version}" if r.latest_version is not None else "—"
        table.add_row(
            Text(r.name), Text(r.type), latest, str(r.version_count), format_time(r.created_at)
        )
    console.print(table)


def _files_table(files: list[FileEntry]) -> Table:
    table = Table(header_style="bold", title="files")
    table.add_column("path", style="cyan", overflow="fold")
    table.add_column("size", justify="right")
    table.add_column("digest / reference", overflow="fold")
    for entry in files:
        where = entry.ref_uri if entry.is_reference else str(entry.digest)[:16]
        table.add_row(Text(entry.path), _format_size(entry.size), Text(str(where)))
    return table


@app.command("show")
def show_command(ref: Ref, as_json: AsJson = False, tracking_uri: TrackingUri = None) -> None:
    """Show a version: files, metadata, aliases, producer run and consumers."""
    with open_client(tracking_uri) as client:
        version = client.get_artifact(ref)
        files = version.files()
        graph = client.lineage(version.ref, direction="downstream", depth=1)
    consumers = sorted(e.target for e in graph.edges if e.kind == "input")
    if as_json:
        data = _version_dict(version)
        data["files"] = [f.to_dict() for f in files]
        data["consumers"] = consumers
        print_json(data)
        return
    r = version.record
    console.print(f"[bold]{version.ref}[/bold]  type={escape(r.type)}  state={r.state.value}")
    console.print(f"digest: {r.digest}", markup=False)
    console.print(f"created: {format_time(r.created_at)} by {r.created_by or '—'}", markup=False)
    console.print(f"files: {r.file_count}  size: {_format_size(r.total_bytes)}", markup=False)
    console.print(f"aliases: {', '.join(r.aliases) or '—'}", markup=False)
    console.print(f"producer run: {r.producer_run_id or '—'}", markup=False)
    console.print(f"consumers: {', '.join(consumers) or '—'}", markup=False)
    if r.description:
        console.print(f"description: {r.description}", markup=False)
    if r.metadata:
        meta = Table(header_style="bold", title="metadata")
        meta.add_column("key", style="cyan")
        meta.add_column("value", overflow="fold")
        for key, value in sorted(r.metadata.items()):
            meta.add_row(Text(key), Text(format_value(value)))
        console.print(meta)
    console.print(_files_table(files))


@app.command("get")
def get_command(
    ref: Ref,
    dest: Annotated[
        Path | None,
        typer.Option(
            "--dest", "-d", help="Folder to write to. Default: $SHIPYARD_HOME/artifacts/NAME/vN."
        ),
    ] = None,
    references: Annotated[
        bool,
        typer.Option(
            "--references/--no-references",
            help="Also fetch reference entries from their own URIs (checked against "
            "the recorded size and checksum).",
        ),
    ] = True,
    tracking_uri: TrackingUri = None,
) -> None:
    """Download a version's files (verified, through the local cache)."""
    with open_client(tracking_uri) as client:
        version = client.get_artifact(ref)
        with _progress_bar(f"Downloading {version.ref}") as progress:
            folder = version.download(dest, progress=progress, references=references)
    console.print(f"Downloaded {version.ref} to {folder}", markup=False)


def _parse_metadata(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"--metadata is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInputError("--metadata must be a JSON object")
    return value


def _parse_refs(items: list[str]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for item in items:
        path, sep, uri = item.partition("=")
        if not sep or not path or not uri:
            raise InvalidInputError(f"--ref {item!r} is not PATH=URI")
        refs[path] = uri
    return refs


@app.command("put")
def put_command(
    path: Annotated[
        Path | None,
        typer.Argument(help="A file or folder to upload (optional with --base or --ref)."),
    ] = None,
    *,
    name: Annotated[str, typer.Option("--name", "-n", help="The artifact name.")],
    type_: Annotated[
        str, typer.Option("--type", "-t", help="dataset, model, code, config, …")
    ] = "dataset",
    alias: Annotated[
        list[str] | None, typer.Option("--alias", "-a", help="An alias to set (repeatable).")
    ] = None,
    metadata: Annotated[
        str | None, typer.Option("--metadata", "-m", help="A JSON object, e.g. '{\"rows\": 3}'.")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="What this version holds.")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", help="Start from this version (NAME:vN): PATH adds or replaces."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="With --base: drop this file or folder (repeatable)."),
    ] = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(
            "--ref",
            help="PATH=URI: record an s3://, gs://, file:// or https:// object at PATH "
            "instead of copying it (repeatable).",
        ),
    ] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Upload a file or folder as a new version (unchanged files are not uploaded), or
    build one from --base with --remove / --ref changes."""
    meta = _parse_metadata(metadata)
    references = _parse_refs(ref or [])
    with open_client(tracking_uri) as client, _progress_bar(f"Uploading {name}") as progress:
        version = client.log_artifact(
            path, name, type_, meta, alias or (), description=description, progress=progress,
            base=base, remove=remove or (), references=references,
        )  # fmt: skip
    aliases = f" ({', '.join(version.aliases)})" if version.aliases else ""
    console.print(f"Logged {version.ref}{aliases} digest {version.digest[:16]}", markup=False)


@app.command("alias")
def alias_command(
    name: Annotated[str, typer.Argument(help="The artifact name.")],
    alias: Annotated[str, typer.Argument(help="The alias to set or move, e.g. production.")],
    ref: Annotated[str, typer.Argument(help="The version: vN, N or NAME:vN.")],
    tracking_uri: TrackingUri = None,
) -> None:
    """Point an alias at a version (moving it from wherever it was; the move is recorded)."""
    with open_client(tracking_uri) as client:
        version = client.set_artifact_alias(name, alias, ref)
    console.print(f"{name}:{alias} → {version.ref}", markup=False)


def _label(node: LineageNode) -> str:
    if node.kind == "run":
        project = f" in {node.project}" if node.project else ""
        text = f"{node.id[:12]} {node.name}{project} ({node.state})"
        return f"[magenta]run[/magenta] {escape(text)}"
    deleted = " [red]DELETED[/red]" if node.state == "DELETED" else ""
    return f"[cyan]{escape(node.id)}[/cyan] ({escape(str(node.type))}){deleted}"


def _grow(tree: Tree, graph: LineageGraph, node_id: str, step: dict[str, list[str]]) -> None:
    seen: set[str] = {node_id}
    frontier = [(tree, node_id)]
    while frontier:
        branch, current = frontier.pop(0)
        for child in sorted(step.get(current, ())):
            if child in seen:
                continue
            seen.add(child)
            frontier.append((branch.add(_label(graph.node(child))), child))


def lineage_tree(graph: LineageGraph, direction: str) -> Tree:
    """The graph as a Rich tree: upstream (what it came from), downstream (what used it)."""
    tree = Tree(_label(graph.node(graph.root)))
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    for edge in graph.edges:
        forward.setdefault(edge.source, []).append(edge.target)
        backward.setdefault(edge.target, []).append(edge.source)
    if direction in ("both", "upstream"):
        _grow(tree.add("[bold]upstream[/bold]"), graph, graph.root, backward)
    if direction in ("both", "downstream"):
        _grow(tree.add("[bold]downstream[/bold]"), graph, graph.root, forward)
    return tree


def truncation_note(graph: LineageGraph) -> str:
    """Why a lineage graph stops short of the roots (or leaves)."""
    why = {
        "depth": "at the --depth asked",
        "max_generations": f"at the hard cap of {MAX_GENERATIONS} generations",
        "max_nodes": f"at the hard cap of {MAX_NODES} nodes",
    }.get(str(graph.stopped_by), "early")
    return f"Lineage goes on beyond this graph: the walk stopped {why}."


@app.command("lineage")
def lineage_command(
    ref: Ref,
    direction: Annotated[
        str, typer.Option("--direction", help="upstream, downstream or both.")
    ] = "both",
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            help="Generations to follow (default: all of them, to the raw data and the "
            f"last consumers; at most {MAX_GENERATIONS}).",
            min=0,
            max=MAX_GENERATIONS,
        ),
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Show the runs and versions a version came from and went into."""
    with open_client(tracking_uri) as client:
        graph = client.lineage(ref, direction=direction, depth=depth)
    if as_json:
        print_json(graph.to_dict())
        return
    console.print(lineage_tree(graph, direction))
    if graph.truncated:
        console.print(f"[yellow]{truncation_note(graph)}[/yellow]")


@app.command("diff")
def diff_command(
    ref_a: Annotated[str, typer.Argument(help="The old version.")],
    ref_b: Annotated[str, typer.Argument(help="The new version.")],
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Files added, removed and changed from REF_A to REF_B."""
    with open_client(tracking_uri) as client:
        result = client.diff_artifacts(ref_a, ref_b)
    if as_json:
        print_json(result.to_dict())
        return
    if result.is_empty:
        console.print(f"No differences ({result.unchanged_count} identical file(s)).")
        return
    for entry in result.added:
        console.print(f"[green]+ {entry.path}[/green] ({_format_size(entry.size)})")
    for entry in result.removed:
        console.print(f"[red]- {entry.path}[/red] ({_format_size(entry.size)})")
    for change in result.changed:
        sizes = f"{_format_size(change.before.size)} → {_format_size(change.after.size)}"
        console.print(f"[yellow]~ {change.path}[/yellow] ({sizes})")
    console.print(
        f"{len(result.added)} added, {len(result.removed)} removed, "
        f"{len(result.changed)} changed, {result.unchanged_count} unchanged"
    )


@app.command("delete")
def delete_command(
    ref: Ref,
    force: Annotated[
        bool, typer.Option("--force", help="Delete even if other runs consumed it.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Delete a version (its lineage record stays; blobs go at the next `shipyard gc`)."""
    if not yes:
        typer.confirm(f"Delete {ref}?", abort=True)
    with open_client(tracking_uri) as client:
        version = client.delete_artifact_version(ref, force=force)
    console.print(f"Deleted {version.ref}.", markup=False)


def gc_command(
    grace_seconds: Annotated[
        float,
        typer.Option(
            "--grace-seconds",
            help="Keep blobs written or leased by an upload less than this long ago.",
        ),
    ] = 3600.0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be deleted; delete nothing.")
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Remove stored blobs that no artifact version references."""
    with open_client(tracking_uri) as client:
        report = client.collect_garbage(grace_seconds, dry_run=dry_run)
    if as_json:
        print_json(report.to_dict())
        return
    verb = "Would delete" if dry_run else "Deleted"
    console.print(
        f"{verb} {len(report.deleted)} blob(s), {_format_size(report.bytes_freed)}; "
        f"scanned {report.scanned}, kept {report.kept_referenced} referenced and "
        f"{report.kept_recent} recent."
    )
    for failure in report.failed:
        console.print(f"[red]failed:[/red] {failure}")
