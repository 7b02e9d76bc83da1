"""``sy.models.promote``: move an alias to a candidate version only if it beats the
version the alias points at now, on the same data.

Both versions are evaluated on the same frame in one run (metrics ``candidate/*`` and
``champion/*``). The candidate wins when no version holds the alias, or when its score is
strictly better by at least ``min_delta`` (in the direction ``higher_is_better`` says).
A win moves the alias with an audit comment holding both scores, the margin and the
data version; either way the decision is recorded in the registry's audit log and on
the run (tags ``promotion.*`` and a ``promotion`` artifact with ``decision.json``).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shipyard.client import Client, Run
from shipyard.core.errors import InvalidInputError, NotFoundError
from shipyard.models.evaluate import EvaluationResult, evaluate, read_data
from shipyard.models.evaluation.metrics import CLASSIFIER_METRICS, REGRESSOR_METRICS

__all__ = ["PromotionDecision", "promote"]

PROMOTION_ARTIFACT_TYPE = "promotion"
PROMOTION_EVENT = "promotion_rejected"


@dataclass(frozen=True)
class PromotionDecision:
    """The outcome of ``promote``: who competed, their scores, and whether the alias moved."""

    name: str
    alias: str
    candidate: int
    champion: int | None
    metric: str
    candidate_score: float
    champion_score: float | None
    higher_is_better: bool
    min_delta: float
    promoted: bool
    reason: str
    data: str
    run_id: str
    comment: str = ""

    @property
    def delta(self) -> float | None:
        """How much better the candidate is (positive: better), in the metric's units."""
        if self.champion_score is None:
            return None
        sign = 1.0 if self.higher_is_better else -1.0
        return sign * (self.candidate_score - self.champion_score)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta}


def _model_type(metric: str, model_type: str | None) -> str:
    if model_type is not None:
        return model_type
    if metric in CLASSIFIER_METRICS:
        return "classifier"
    if metric in REGRESSOR_METRICS:
        return "regressor"
    known = ", ".join((*CLASSIFIER_METRICS, *REGRESSOR_METRICS))
    raise InvalidInputError(f"unknown metric {metric!r}; promote compares one of: {known}")


def _score(result: EvaluationResult, metric: str, who: str) -> float:
    if metric not in result.metrics:
        why = result.skipped.get(metric, f"{result.model_type} evaluation has no {metric!r}")
        raise InvalidInputError(f"cannot compare {metric!r} for the {who}: {why}")
    return result.metrics[metric]


def _decide(
    candidate: float, champion: float | None, higher_is_better: bool, min_delta: float
) -> tuple[bool, str]:
    if champion is None:
        return True, "no version holds the alias yet"
    delta = (candidate - champion) * (1.0 if higher_is_better else -1.0)
    if delta > 0 and delta >= min_delta:
        return True, f"better by {delta:.6g} (min_delta {min_delta:g})"
    if delta <= 0:
        return False, f"not better: {'behind' if delta < 0 else 'tied'} by {abs(delta):.6g}"
    return False, f"better by {delta:.6g}, less than min_delta {min_delta:g}"


def promote(  # noqa: PLR0917 - the documented public signature
    name: str,
    candidate: int | str,
    alias: str = "champion",
    metric: str = "f1",
    data: Any = None,
    target: str | None = None,
    higher_is_better: bool = True,
    min_delta: float = 0.0,
    comment: str = "",
    *,
    model_type: str | None = None,
    run: Run | None = None,
    tracking_uri: str | None = None,
    project: str | None = None,
    allow_unsafe: bool = False,
) -> PromotionDecision:
    """Evaluate version ``candidate`` of ``name`` and the version ``alias`` points at on
    the same ``data`` (a DataFrame, file or dataset artifact ref) against ``target``;
    move ``alias`` to the candidate only if it wins. Returns the recorded decision."""
    if data is None or not target:
        raise InvalidInputError("promote needs data= (a holdout set) and target= (its label)")
    if isinstance(min_delta, bool) or not isinstance(min_delta, int | float) or min_delta < 0:
        raise InvalidInputError(f"min_delta must be a number ≥ 0, not {min_delta!r}")
    kind = _model_type(metric, model_type)
    client = Client(tracking_uri) if run is None else Client(backend=run.backend)
    try:
        return _promote(
            client, run, name, candidate, alias, metric, data, target, kind,
            higher_is_better, float(min_delta), comment, allow_unsafe, project,
        )  # fmt: skip
    finally:
        if run is None:
            client.close()  # our own client; a given run's backend stays open


def _promote(  # noqa: PLR0917
    client: Client, run: Run | None, name: str, candidate: int | str, alias: str,
    metric: str, data: Any, target: str, kind: str, higher_is_better: bool,
    min_delta: float, comment: str, allow_unsafe: bool, project: str | None,
) -> PromotionDecision:  # fmt: skip
    from shipyard.client import fluent

    cand = client.get_model_version(name, candidate)
    champ = _holder(client, name, alias)
    own = run is None and fluent.active_run() is None
    run = (
        run
        or fluent.active_run()
        or fluent.start_run(
            project=project, name=f"promote {name}@{alias}"[:250], tracking_uri=client.tracking_uri
        )
    )
    try:
        decision = _compete(
            client, run, cand, champ, alias, metric, data, target, kind,
            higher_is_better, min_delta, comment, allow_unsafe,
        )  # fmt: skip
    except BaseException:
        if own:
            run.finish("FAILED")
        raise
    if own:
        run.finish()
    return decision


def _holder(client: Client, name: str, alias: str) -> Any:
    try:
        return client.get_model_version_by_alias(name, alias)
    except NotFoundError:
        return None


def _compete(  # noqa: PLR0917
    client: Client, run: Run, cand: Any, champ: Any, alias: str, metric: str, data: Any,
    target: str, kind: str, higher_is_better: bool, min_delta: float, comment: str,
    allow_unsafe: bool,
) -> PromotionDecision:  # fmt: skip
    frame, described = read_data(data, run)

    def score(version: Any, who: str) -> float:
        result = evaluate(
            version.uri, frame, target, kind, run=run, allow_unsafe=allow_unsafe,
            prefix=who, data_name=described,
        )  # fmt: skip
        return _score(result, metric, f"{who} v{version.version}")

    cand_score = score(cand, "candidate")
    champ_score = None
    if champ is not None and champ.version == cand.version:
        champ_score = cand_score
    elif champ is not None:
        champ_score = score(champ, "champion")
    if champ is not None and champ.version == cand.version:
        promoted, reason = False, f"v{cand.version} already holds @{alias}"
    else:
        promoted, reason = _decide(cand_score, champ_score, higher_is_better, min_delta)
    decision = PromotionDecision(
        name=cand.name, alias=alias, candidate=cand.version,
        champion=None if champ is None else champ.version, metric=metric,
        candidate_score=cand_score, champion_score=champ_score,
        higher_is_better=higher_is_better, min_delta=min_delta, promoted=promoted,
        reason=reason, data=described, run_id=run.id, comment=comment,
    )  # fmt: skip
    _record(client, run, decision)
    return decision


def audit_comment(d: PromotionDecision) -> str:
    """One line for the audit log: the verdict, both scores, the margin, the data."""
    verdict = "promoted" if d.promoted else "not promoted"
    vs = "no champion" if d.champion is None else f"v{d.champion} {d.champion_score:.6g}"
    text = (
        f"{verdict} v{d.candidate} to @{d.alias}: {d.metric} {d.candidate_score:.6g} vs {vs} "
        f"({d.reason}; {'higher' if d.higher_is_better else 'lower'} is better) on {d.data}; "
        f"evaluation run {d.run_id}"
    )
    return f"{text}. {d.comment}" if d.comment else text


def _record(client: Client, run: Run, decision: PromotionDecision) -> None:
    text = audit_comment(decision)
    if decision.promoted:
        current = _holder(client, decision.name, decision.alias)
        now = None if current is None else current.version
        if now != decision.champion:
            raise InvalidInputError(
                f"@{decision.alias} moved from v{decision.champion} to v{now} while the "
                "evaluation ran; run promote again against the new champion"
            )
        client.set_alias(
            decision.name, decision.alias, decision.candidate, comment=text,
            details=decision.to_dict(),
        )  # fmt: skip
    else:
        client.record_model_event(
            decision.name, PROMOTION_EVENT, version=decision.candidate,
            details=decision.to_dict(), comment=text,
        )  # fmt: skip
    run.set_tags({
        "promotion.model": decision.name, "promotion.alias": decision.alias,
        "promotion.candidate": str(decision.candidate),
        "promotion.decision": "promoted" if decision.promoted else "rejected",
    })  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="shipyard-promotion-") as tmp:
        path = Path(tmp) / "decision.json"
        path.write_text(json.dumps(decision.to_dict(), indent=2))
        run.log_artifact(path, name=f"promotion-{decision.name}"[:200],
                         type=PROMOTION_ARTIFACT_TYPE, metadata=decision.to_dict())  # fmt: skip
