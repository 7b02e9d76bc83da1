"""Aliases, stages and the audit history of registered models.

An alias points at one version of its model; moving it records ``alias_set`` with the
old and new version. Aliases and stage changes only apply to versions that are not
deleted. With ``archive_existing`` a transition also moves the versions already in the
target stage to Archived (each recorded). Every change takes the model's row lock, so
concurrent moves serialise: each is recorded, the last one wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping, delete, select, update

from shipyard.core.errors import InvalidInputError
from shipyard.core.timeutil import now_ms
from shipyard.registry import audit as kinds
from shipyard.registry import queries as q
from shipyard.registry.audit import Changes, check_custom_kind
from shipyard.registry.base import RegistryBase
from shipyard.registry.entities import AuditEvent, ModelVersion
from shipyard.registry.names import (
    ModelStage,
    check_alias,
    check_comment,
    check_model_name,
    check_stage,
    check_version,
)
from shipyard.store.db import read_connection
from shipyard.store.schema_registry import model_aliases, model_versions


class LifecycleOps(RegistryBase):
    """Aliases, stages, custom events and history (part of ``RegistryService``)."""

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> ModelVersion:
        """Point ``alias`` at ``version`` (moving it from wherever it was); returns it."""
        alias, number = check_alias(alias), check_version(version)
        comment = check_comment(comment)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            row = _live_version(ch, model, number, f"alias {alias!r}")
            ma, mv = model_aliases, model_versions
            old = ch.conn.execute(
                select(mv.c.version)
                .join(ma, ma.c.version_id == mv.c.id)
                .where(ma.c.model_id == model["id"], ma.c.alias == alias)
            ).scalar()
            if old != number:
                ch.conn.execute(delete(ma).where(ma.c.model_id == model["id"], ma.c.alias == alias))
                ch.conn.execute(
                    ma.insert().values(model_id=model["id"], alias=alias, version_id=row["id"])
                )
                ch.record(
                    model, kinds.ALIAS_SET, version=number, alias=alias, from_value=old,
                    to_value=number, comment=comment, details=details,
                )  # fmt: skip
            return q.load_version(ch.conn, model["name"], int(row["id"]))

    def delete_alias(self, name: str, alias: str, comment: str = "", *, user: str = "") -> None:
        """Remove ``alias``; ``AliasNotFoundError`` if the model has no such alias."""
        alias, comment = check_alias(alias), check_comment(comment)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            row = q.alias_version_row(ch.conn, model, alias)
            ma = model_aliases
            ch.conn.execute(delete(ma).where(ma.c.model_id == model["id"], ma.c.alias == alias))
            ch.record(model, kinds.ALIAS_REMOVED, version=int(row["version"]), alias=alias,
                      from_value=int(row["version"]), comment=comment)  # fmt: skip

    def transition_stage(  # noqa: PLR0917 - the documented public signature takes these in order
        self,
        name: str,
        version: int | str,
        stage: str | ModelStage | None,
        archive_existing: bool = False,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> ModelVersion:
        """Move ``version`` to ``stage`` (None/Staging/Production/Archived)."""
        number, target = check_version(version), check_stage(stage)
        comment = check_comment(comment)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            row = _live_version(ch, model, number, f"stage {target.value}")
            if archive_existing and target in (ModelStage.STAGING, ModelStage.PRODUCTION):
                _archive_others(ch, model, target, number)
            if row["stage"] != target.value:
                _set_stage(ch, model, row, target, comment=comment, details=details)
            return q.load_version(ch.conn, model["name"], int(row["id"]))

    def record_model_event(
        self,
        name: str,
        kind: str,
        version: int | str | None = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> AuditEvent:
        """Record a decision that changes nothing by itself (e.g. a promotion that was
        refused, with both scores in ``details``); webhooks subscribed to ``kind`` fire."""
        kind, comment = check_custom_kind(kind), check_comment(comment)
        number = None if version is None else check_version(version)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            if number is not None:
                q.version_row(ch.conn, model, number, include_deleted=True)
            return ch.record(model, kind, version=number, comment=comment, details=details)

    def model_history(self, name: str) -> list[AuditEvent]:
        """Every recorded change of model ``name``, oldest first (also after deletion)."""
        name = check_model_name(name)
        with read_connection(self.engine) as conn:
            events = q.load_events(conn, name)
            if not events:
                q.model_row(conn, name)  # a clear error for a model that never existed
            return events


def _live_version(ch: Changes, model: RowMapping, number: int, what: str) -> RowMapping:
    row = q.version_row(ch.conn, model, number, include_deleted=True)
    if row["status"] != q.READY:
        raise InvalidInputError(
            f"Version {number} of registered model {model['name']!r} is deleted; {what} "
            "cannot be set on it",
            name=model["name"],
            version=number,
        )
    return row


def _set_stage(
    ch: Changes,
    model: RowMapping,
    row: RowMapping,
    target: ModelStage,
    *,
    comment: str,
    details: Mapping[str, Any] | None,
) -> None:
    mv = model_versions
    ch.conn.execute(
        update(mv).where(mv.c.id == row["id"]).values(stage=target.value, updated_at=now_ms())
    )
    ch.record(
        model, kinds.STAGE_CHANGED, version=int(row["version"]), from_value=row["stage"],
        to_value=target.value, comment=comment, details=details,
    )  # fmt: skip


def _archive_others(ch: Changes, model: RowMapping, target: ModelStage, keep: int) -> None:
    mv = model_versions
    others = ch.conn.execute(
        select(mv).where(
            mv.c.model_id == model["id"],
            mv.c.stage == target.value,
            mv.c.status == q.READY,
            mv.c.version != keep,
        )
    ).mappings()
    for other in list(others):
        comment = f"archived: version {keep} moved to {target.value}"
        _set_stage(ch, model, other, ModelStage.ARCHIVED, comment=comment, details=None)
