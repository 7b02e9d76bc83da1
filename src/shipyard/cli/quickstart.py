"""``shipyard quickstart``: log a small but real experiment and show how to explore it.

It trains a sweep of classifiers on the Wisconsin breast-cancer data set that ships
with scikit-learn, tracks every epoch of every candidate as nested runs under one
parent run, and prints the leaderboard with the commands that show more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

EPOCHS = 25
LEARNING_RATES = (0.0005, 0.005, 0.05)
BOOSTING_STAGES = 60


def quickstart_command(
    *,
    project: Annotated[str, typer.Option(help="Project to log the runs into.")] = "quickstart",
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="Where to log (default: SHIPYARD_TRACKING_URI or ~/.shipyard)."),
    ] = None,
) -> None:
    """Train a sweep of real models, track every epoch, and print how to see the runs."""
    import shipyard as sy

    console = Console()
    data = _load_data()
    console.print(
        f"[bold]Shipyard quickstart[/]: {data['n_train']} training and {data['n_val']} "
        "validation rows of the Wisconsin breast-cancer data set (scikit-learn)."
    )
    total = len(LEARNING_RATES) * EPOCHS + BOOSTING_STAGES
    with (
        _progress(console) as progress,
        sy.start_run(
            project=project,
            name="sweep",
            tags={"kind": "sweep", "dataset": "breast_cancer"},
            tracking_uri=tracking_uri,
        ) as parent,
    ):
        task = progress.add_task("training", total=total)
        session = _Session(project, parent, data, tracking_uri, lambda: progress.advance(task))
        for lr in LEARNING_RATES:
            _train_sgd(session, lr)
        _train_boosting(session)
        parent_id = parent.id
    _print_results(console, sy.Client(tracking_uri), project, parent_id)


@dataclass(frozen=True)
class _Session:
    """What every candidate's training needs: where to log and the data."""

    project: str
    parent: Any
    data: dict[str, Any]
    tracking_uri: str | None
    tick: Callable[[], None]

    def start(self, name: str, config: dict[str, Any], family: str) -> Any:
        import shipyard as sy

        return sy.start_run(
            project=self.project,
            name=name,
            config=config,
            parent=self.parent,
            tags={"family": family},
            tracking_uri=self.tracking_uri,
        )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _load_data() -> dict[str, Any]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    features, target = load_breast_cancer(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        features, target, test_size=0.25, random_state=0, stratify=target
    )
    scaler = StandardScaler().fit(x_train)
    return {
        "x_train": scaler.transform(x_train),
        "x_val": scaler.transform(x_val),
        "y_train": y_train,
        "y_val": y_val,
        "n_train": len(y_train),
        "n_val": len(y_val),
    }


def _scores(model: Any, data: dict[str, Any]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    p_train = model.predict_proba(data["x_train"])[:, 1]
    p_val = model.predict_proba(data["x_val"])[:, 1]
    return {
        "train/loss": float(log_loss(data["y_train"], p_train)),
        "val/loss": float(log_loss(data["y_val"], p_val)),
        "val/acc": float(accuracy_score(data["y_val"], p_val > 0.5)),
        "val/auc": float(roc_auc_score(data["y_val"], p_val)),
    }


def _train_sgd(session: _Session, lr: float) -> None:
    import numpy as np
    from sklearn.linear_model import SGDClassifier

    data = session.data
    config = {"model": "sgd-logistic", "lr": lr, "epochs": EPOCHS, "penalty": "l2"}
    with session.start(f"sgd-lr{lr}", config, "linear") as run:
        model = SGDClassifier(
            loss="log_loss", learning_rate="constant", eta0=lr, alpha=1e-4, random_state=0
        )
        classes = np.unique(data["y_train"])
        best = 0.0
        for epoch in range(EPOCHS):
            model.partial_fit(data["x_train"], data["y_train"], classes=classes)
            scores = _scores(model, data)
            best = max(best, scores["val/auc"])
            run.log(scores, step=epoch)
            session.tick()
        run.summary["best_val_auc"] = best


def _train_boosting(session: _Session) -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    data = session.data
    config = {"model": "gradient-boosting", "lr": 0.1, "stages": BOOSTING_STAGES, "max_depth": 2}
    with session.start("gbm", config, "trees") as run:
        model = GradientBoostingClassifier(
            n_estimators=BOOSTING_STAGES, learning_rate=0.1, max_depth=2, random_state=0
        ).fit(data["x_train"], data["y_train"])
        from sklearn.metrics import accuracy_score, roc_auc_score

        stages = zip(
            model.staged_predict_proba(data["x_train"]),
            model.staged_predict_proba(data["x_val"]),
            strict=True,
        )
        for stage, (p_train, p_val) in enumerate(stages):
            run.log(
                {
                    "train/loss": float(model.train_score_[stage]),
                    "val/acc": float(accuracy_score(data["y_val"], p_val[:, 1] > 0.5)),
                    "val/auc": float(roc_auc_score(data["y_val"], p_val[:, 1])),
                    "train/acc": float(accuracy_score(data["y_train"], p_train[:, 1] > 0.5)),
                },
                step=stage,
            )
            session.tick()


def _print_results(console: Console, client: Any, project: str, parent_id: str) -> None:
    runs = client.search_runs(
        project,
        filter=f"attributes.parent_id = '{parent_id}'",
        order_by=["metrics.`val/auc` DESC"],
    )
    table = Table(title=f"Candidates in project {project!r}, best first")
    for column in ("run id", "name", "val/auc", "val/acc", "status"):
        table.add_column(column)
    for r in runs:
        table.add_row(
            r.id[:8],
            r.name,
            f"{r.metrics.get('val/auc', float('nan')):.4f}",
            f"{r.metrics.get('val/acc', float('nan')):.4f}",
            r.status,
        )
    console.print(table)
    console.print(
        f"Logged {len(runs)} runs under parent run {parent_id} into {client.tracking_uri}."
    )
    console.print("See them with:")
    console.print(f"  shipyard runs list --project {project} --order-by 'metrics.`val/auc` DESC'")
    if runs:
        console.print(f"  shipyard runs show {runs[0].id}")
        console.print(f"  shipyard runs history {runs[0].id} val/auc")
    console.print("  shipyard server   # REST API on http://127.0.0.1:5000/api/v1/")
