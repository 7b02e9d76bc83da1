"""``shipyard models evaluate / promote / predict``: score a model, gate an alias on a
holdout set, predict from a file. ``register`` adds them to the ``shipyard models`` app
(the registry's, in ``cli/registry.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from shipyard.cli.options import AsJson, TrackingUri
from shipyard.cli.render import console, format_float, print_json
from shipyard.core.errors import InvalidInputError

ModelUri = Annotated[
    str,
    typer.Argument(
        help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/NAME, "
        "artifacts:/NAME:vN or a local model folder."
    ),
]
Data = Annotated[
    str,
    typer.Option(
        "--data", "-d", help="Labelled data: a .csv/.parquet file or a dataset artifact ref."
    ),
]
Target = Annotated[str, typer.Option("--target", "-t", help="The label column of the data.")]
ModelType = Annotated[
    str, typer.Option("--model-type", help="classifier or regressor.", show_default=True)
]
AllowUnsafe = Annotated[
    bool,
    typer.Option(
        "--allow-unsafe",
        help="Load pickle models (they run code when loaded: only from a source you trust).",
    ),
]
BAR_WIDTH = 30


def _bar(value: float) -> str:
    """A bar for metrics in [0, 1] (empty for others)."""
    if not 0.0 <= value <= 1.0:
        return ""
    filled = round(value * BAR_WIDTH)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _metrics_table(title: str, metrics: dict[str, float]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("", style="cyan")
    for key, value in metrics.items():
        table.add_row(key, format_float(value), _bar(value))
    return table


def _slices_table(slices: list[Any]) -> Table:
    keys = sorted({k for s in slices for k in s.metrics})
    table = Table(title="per slice", title_justify="left")
    for column in ("slice", "rows", *keys):
        table.add_column(column, justify="left" if column == "slice" else "right")
    for part in slices:
        cells = [format_float(part.metrics[k]) if k in part.metrics else "-" for k in keys]
        table.add_row(f"{part.column}={part.value}", str(part.rows), *cells)
    return table


def evaluate_command(  # noqa: PLR0917 - Typer options
    uri: ModelUri,
    data: Data,
    target: Target,
    model_type: ModelType = "classifier",
    slices: Annotated[
        list[str] | None,
        typer.Option("--slice", "-s", help="A column to compute per-value metrics for (repeat)."),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project of the evaluation run.")
    ] = None,
    allow_unsafe: AllowUnsafe = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Evaluate a model on labelled data; metrics and plots are logged to a new run."""
    from shipyard.models import evaluate

    with console.status("Evaluating…", spinner="dots"):
        result = evaluate(
            uri, data, target, model_type=model_type, slices=slices or None,
            allow_unsafe=allow_unsafe, tracking_uri=tracking_uri, project=project,
        )  # fmt: skip
    if as_json:
        print_json(result.to_dict())
        return
    console.print(_metrics_table(f"{uri} on {result.data} ({result.rows} rows)", result.metrics))
    for metric, why in result.skipped.items():
        console.print(f"[dim]{metric}: not computed ({why})[/]")
    if result.slices:
        console.print(_slices_table(result.slices))
    console.print(
        f"Logged to run [bold]{result.run_id}[/] as [bold]{result.artifact_ref}[/] "
        f"(plots: {', '.join(result.plots)})"
    )


def promote_command(  # noqa: PLR0917 - Typer options
    name: Annotated[str, typer.Argument(help="The registered model.")],
    candidate: Annotated[str, typer.Option("--candidate", "-c", help="The version to promote.")],
    data: Data,
    target: Target,
    alias: Annotated[str, typer.Option("--alias", "-a", help="The alias to move.")] = "champion",
    metric: Annotated[str, typer.Option("--metric", "-m", help="The metric compared.")] = "f1",
    lower_is_better: Annotated[
        bool, typer.Option("--lower-is-better", help="A smaller metric wins (rmse, log_loss).")
    ] = False,
    min_delta: Annotated[
        float, typer.Option("--min-delta", help="The candidate must win by at least this much.")
    ] = 0.0,
    comment: Annotated[str, typer.Option("--comment", help="Kept in the audit log.")] = "",
    model_type: Annotated[
        str | None, typer.Option("--model-type", help="Default: from the metric.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with status 2 when not promoted (CI gates).")
    ] = False,
    allow_unsafe: AllowUnsafe = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Move ALIAS to the candidate only if it beats the current holder on the same data."""
    from shipyard.models import promote

    with console.status("Evaluating candidate and champion…", spinner="dots"):
        decision = promote(
            name, candidate, alias=alias, metric=metric, data=data, target=target,
            higher_is_better=not lower_is_better, min_delta=min_delta, comment=comment,
            model_type=model_type, tracking_uri=tracking_uri, allow_unsafe=allow_unsafe,
        )  # fmt: skip
    if as_json:
        print_json(decision.to_dict())
    else:
        table = Table(title=f"{name}@{alias} by {metric}", title_justify="left")
        table.add_column("version")
        table.add_column(metric, justify="right")
        table.add_row(f"v{decision.candidate} (candidate)", format_float(decision.candidate_score))
        if decision.champion is not None and decision.champion_score is not None:
            table.add_row(f"v{decision.champion} (champion)", format_float(decision.champion_score))
        console.print(table)
        verdict = "[green]promoted[/]" if decision.promoted else "[yellow]not promoted[/]"
        console.print(f"{verdict}: {decision.reason} (run {decision.run_id})")
    if strict and not decision.promoted:
        raise typer.Exit(2)


def _read_input(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInputError(f"{path} is not a file", path=str(path))
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix in (".json", ".jsonl"):
        text = path.read_text()
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True)
        loaded = json.loads(text)
        return pd.DataFrame([loaded] if isinstance(loaded, dict) else loaded)
    raise InvalidInputError(f"{path}: input must be .csv, .parquet, .json or .jsonl")


def _as_frame(predictions: Any) -> pd.DataFrame:
    if isinstance(predictions, pd.DataFrame):
        return predictions
    array = np.asarray(predictions)
    if array.ndim == 1:
        return pd.DataFrame({"prediction": array})
    flat = array.reshape(len(array), -1)
    return pd.DataFrame(flat, columns=[f"prediction_{i}" for i in range(flat.shape[1])])


def predict_command(  # noqa: PLR0917 - Typer options
    uri: ModelUri,
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="Rows to predict: .csv, .parquet, .json(l).")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write predictions (.csv, .parquet or .json)."),
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Class probabilities instead of labels.")
    ] = False,
    allow_unsafe: AllowUnsafe = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Predict with a model; the input is checked against the model's signature."""
    from shipyard.models import load

    model = load(uri, allow_unsafe, tracking_uri=tracking_uri)
    frame = _read_input(input_path)
    result = _as_frame(model.predict_proba(frame) if proba else model.predict(frame))
    if output is not None:
        _write(result, output)
        console.print(f"Wrote {len(result)} predictions to {output}")
    elif as_json:
        print_json(result.to_dict(orient="records"))
    else:
        table = Table(title=f"{uri} ({len(result)} rows)", title_justify="left")
        for column in result.columns:
            table.add_column(str(column), justify="right")
        for row in result.head(50).itertuples(index=False):
            table.add_row(*(format_float(v) if isinstance(v, float) else str(v) for v in row))
        console.print(table)
        if len(result) > 50:
            console.print(f"[dim]… {len(result) - 50} more rows; use --output FILE[/]")


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        frame.to_parquet(path)
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".json":
        path.write_text(frame.to_json(orient="records"))
    else:
        raise InvalidInputError(f"{path}: output must be .csv, .parquet or .json")


def register(app: typer.Typer) -> None:
    """Add the evaluate, promote and predict commands to the ``shipyard models`` app."""
    app.command("evaluate")(evaluate_command)
    app.command("promote")(promote_command)
    app.command("predict")(predict_command)
