"""Registered models and their versions: create, read, update, search, delete.

Rules: a version number is max + 1 over every version the model ever had (deleted ones
included), taken while the model's row is locked, so concurrent registrations get
distinct numbers and a number is never reused. A version points at one concrete
artifact version (an alias such as ``model:latest`` is resolved when registering) and
its source run (the artifact's producer run unless given). Deleting a version marks it
DELETED and removes its aliases; deleting a model removes it with its versions, aliases
and webhooks, while its audit history stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, select, update

from shipyard.artifacts import ArtifactVersionRecord
from shipyard.core.errors import (
    InvalidInputError,
    RegisteredModelAlreadyExistsError,
    RunNotFoundError,
)
from shipyard.core.ids import is_run_id
from shipyard.core.timeutil import now_ms
from shipyard.registry import audit as kinds
from shipyard.registry import queries as q
from shipyard.registry.audit import Changes
from shipyard.registry.base import RegistryBase
from shipyard.registry.entities import ModelVersion, RegisteredModel
from shipyard.registry.names import (
    ModelStage,
    VersionStatus,
    check_comment,
    check_description,
    check_model_card,
    check_model_name,
    check_tags,
    check_version,
)
from shipyard.registry.search import compile_filter, compile_order, parse_filter
from shipyard.registry.uri import parse_model_uri
from shipyard.store.db import read_connection
from shipyard.store.schema import runs
from shipyard.store.schema_registry import (
    model_aliases,
    model_version_tags,
    model_versions,
    model_webhooks,
    registered_model_tags,
    registered_models,
)

RUNS_PREFIX = "runs:/"
MAX_LIMIT = 10_000


class ModelOps(RegistryBase):
    """Registered models and versions (part of ``RegistryService``)."""

    # -- registered models --------------------------------------------------------------
    def create_registered_model(
        self,
        name: str,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> RegisteredModel:
        """A new registered model; ``RegisteredModelAlreadyExistsError`` if the name is taken."""
        name = check_model_name(name)
        description = check_description(description)
        clean = check_tags(tags)
        with self._changes(user) as ch:
            if not _insert_model(ch, name, description):
                raise RegisteredModelAlreadyExistsError(
                    f"Registered model {name!r} already exists", name=name
                )
            model = q.model_row(ch.conn, name, lock=True)
            _set_tags(ch.conn, registered_model_tags, "model_id", int(model["id"]), clean)
            ch.record(model, kinds.MODEL_CREATED, comment=description[:200])
            return q.load_models(ch.conn, [model])[0]

    def get_registered_model(self, name: str) -> RegisteredModel:
        with read_connection(self.engine) as conn:
            return q.load_models(conn, [q.model_row(conn, check_model_name(name))])[0]

    def update_registered_model(
        self,
        name: str,
        description: str | None = None,
        model_card: str | None = None,
        tags: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> RegisteredModel:
        """Change what is given; ``tags`` are merged (a value None removes the key)."""
        name = check_model_name(name)
        values: dict[str, Any] = {}
        if description is not None:
            values["description"] = check_description(description)
        if model_card is not None:
            values["model_card"] = check_model_card(model_card)
        clean = check_tags(tags, allow_delete=True)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, name, lock=True)
            rm = registered_models
            values["updated_at"] = now_ms()
            ch.conn.execute(update(rm).where(rm.c.id == model["id"]).values(values))
            _set_tags(ch.conn, registered_model_tags, "model_id", int(model["id"]), clean)
            changed = sorted([k for k in values if k != "updated_at"] + (["tags"] if clean else []))
            ch.record(model, kinds.MODEL_UPDATED, details={"changed": changed, "tags": clean})
            return q.load_models(ch.conn, [q.model_row(ch.conn, name)])[0]

    def search_registered_models(
        self,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        """Models matching ``filter`` (see ``shipyard.registry.search``), at most ``limit``."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}")
        where = compile_filter(parse_filter(filter))
        query = select(registered_models).where(where).order_by(*compile_order(order_by))
        with read_connection(self.engine) as conn:
            rows = conn.execute(query.limit(limit)).mappings().all()
            return q.load_models(conn, rows)

    def delete_registered_model(self, name: str, *, user: str = "") -> None:
        """Remove the model, its versions, aliases and webhooks (the history stays)."""
        name = check_model_name(name)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, name, lock=True)
            ch.record(model, kinds.MODEL_DELETED)
            _delete_model_rows(ch.conn, int(model["id"]))

    # -- versions -----------------------------------------------------------------------
    def create_model_version(  # noqa: PLR0917 - the documented public signature takes these in order
        self,
        name: str,
        artifact_ref: str,
        run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        comment: str = "",
        *,
        user: str = "",
    ) -> ModelVersion:
        """Register artifact version ``artifact_ref`` (``name:vN``, ``name:alias``,
        ``artifacts:/…`` or ``runs:/<run_id>[/<artifact-name>]``) as the next version of
        model ``name``, creating the model when it does not exist."""
        name = check_model_name(name)
        description, comment = check_description(description), check_comment(comment)
        clean = check_tags(tags)
        art = self._model_artifact(artifact_ref)
        run_id = self._source_run(run_id, art)
        with self._changes(user) as ch:
            if _insert_model(ch, name, ""):
                ch.record(q.model_row(ch.conn, name), kinds.MODEL_CREATED)
            model = q.model_row(ch.conn, name, lock=True)
            vid, number = _insert_version(ch, model, art, run_id, description)
            _set_tags(ch.conn, model_version_tags, "version_id", vid, clean)
            _touch(ch.conn, model)
            ch.record(
                model, kinds.VERSION_CREATED, version=number, to_value=art.ref, comment=comment,
                details={"artifact_ref": art.ref, "run_id": run_id},
            )  # fmt: skip
            return q.load_version(ch.conn, name, vid)

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """``ModelVersionNotFoundError`` for an unknown or deleted version."""
        number = check_version(version)
        with read_connection(self.engine) as conn:
            model = q.model_row(conn, check_model_name(name))
            row = q.version_row(conn, model, number)
            return q.load_version(conn, model["name"], int(row["id"]))

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with read_connection(self.engine) as conn:
            model = q.model_row(conn, check_model_name(name))
            row = q.alias_version_row(conn, model, str(alias))
            return q.load_version(conn, model["name"], int(row["id"]))

    def list_model_versions(
        self, name: str, *, include_deleted: bool = False
    ) -> list[ModelVersion]:
        """The versions of ``name``, newest first."""
        with read_connection(self.engine) as conn:
            model = q.model_row(conn, check_model_name(name))
            where = model_versions.c.model_id == model["id"]
            if not include_deleted:
                where = where & (model_versions.c.status == q.READY)
            return q.load_versions(conn, model["name"], where)

    def resolve_model_uri(self, uri: str) -> ModelVersion:
        """The version ``models:/name/3``, ``models:/name@alias``, ``models:/name/latest``
        or ``models:/name/<stage>`` names."""
        parsed = parse_model_uri(uri)
        with read_connection(self.engine) as conn:
            model = q.model_row(conn, parsed.name)
            if parsed.version is not None:
                row = q.version_row(conn, model, parsed.version)
            elif parsed.alias is not None:
                row = q.alias_version_row(conn, model, parsed.alias)
            else:
                row = q.latest_row(conn, model, parsed.stage)
            return q.load_version(conn, model["name"], int(row["id"]))

    def update_model_version(
        self,
        name: str,
        version: int | str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> ModelVersion:
        """Change the description and/or merge tags (a value None removes the key)."""
        number = check_version(version)
        desc = None if description is None else check_description(description)
        clean = check_tags(tags, allow_delete=True)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            row = q.version_row(ch.conn, model, number)
            values: dict[str, Any] = {"updated_at": now_ms()}
            if desc is not None:
                values["description"] = desc
            mv = model_versions
            ch.conn.execute(update(mv).where(mv.c.id == row["id"]).values(values))
            _set_tags(ch.conn, model_version_tags, "version_id", int(row["id"]), clean)
            details = {"description": desc is not None, "tags": clean}
            ch.record(model, kinds.VERSION_UPDATED, version=number, details=details)
            return q.load_version(ch.conn, model["name"], int(row["id"]))

    def delete_model_version(
        self, name: str, version: int | str, comment: str = "", *, user: str = ""
    ) -> ModelVersion:
        """Mark the version DELETED (its number is never reused) and drop its aliases."""
        number = check_version(version)
        comment = check_comment(comment)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, check_model_name(name), lock=True)
            row = q.version_row(ch.conn, model, number)
            ma = model_aliases
            held = ch.conn.execute(select(ma.c.alias).where(ma.c.version_id == row["id"]))
            for alias in sorted(held.scalars()):
                ch.record(model, kinds.ALIAS_REMOVED, version=number, alias=alias,
                          from_value=number, comment=f"version {number} deleted")  # fmt: skip
            ch.conn.execute(delete(ma).where(ma.c.version_id == row["id"]))
            mv = model_versions
            ch.conn.execute(
                update(mv)
                .where(mv.c.id == row["id"])
                .values(status=VersionStatus.DELETED.value, updated_at=now_ms())
            )
            _touch(ch.conn, model)
            ch.record(model, kinds.VERSION_DELETED, version=number, comment=comment)
            return q.load_version(ch.conn, model["name"], int(row["id"]))

    # -- helpers ------------------------------------------------------------------------
    def _model_artifact(self, artifact_ref: str) -> ArtifactVersionRecord:
        if not isinstance(artifact_ref, str) or not artifact_ref:
            raise InvalidInputError(
                f"artifact_ref must be an artifact version such as 'my-model:v3', "
                f"got {artifact_ref!r:.80}"
            )
        if artifact_ref.startswith(RUNS_PREFIX):
            return self._run_model_artifact(artifact_ref)
        return self.artifacts.resolve(artifact_ref)

    def _run_model_artifact(self, ref: str) -> ArtifactVersionRecord:
        """The model artifact a run logged: ``runs:/<id>`` (its only artifact of type
        ``model``) or ``runs:/<id>/<artifact-name>``."""
        run_id, _, artifact = ref[len(RUNS_PREFIX) :].partition("/")
        self._source_run(run_id, None)
        outputs = self.artifacts.run_artifacts(run_id)["output"]
        if artifact:
            found = [o for o in outputs if o.name == artifact.strip("/") and o.is_ready]
        else:
            found = [o for o in outputs if o.type == "model" and o.is_ready]
        if len(found) == 1 or (artifact and found):
            return max(found, key=lambda o: o.version)
        logged = ", ".join(sorted({f"{o.name} ({o.type})" for o in outputs})) or "nothing"
        what = f"artifact named {artifact!r}" if artifact else "artifact of type 'model'"
        if not artifact and len(found) > 1:
            names = ", ".join(sorted(o.ref for o in found))
            raise InvalidInputError(
                f"Run {run_id} logged several model artifacts ({names}); name one: "
                f"runs:/{run_id}/<artifact-name>",
                run_id=run_id,
            )
        raise InvalidInputError(
            f"Run {run_id} has no {what} to register (it logged: {logged})", run_id=run_id
        )

    def _source_run(self, run_id: str | None, art: ArtifactVersionRecord | None) -> str | None:
        if run_id is None:
            return art.producer_run_id if art is not None else None
        if not isinstance(run_id, str) or not is_run_id(run_id):
            raise InvalidInputError(f"Run id {run_id!r:.80} is not 32 lowercase hex digits")
        with read_connection(self.engine) as conn:
            if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
                raise RunNotFoundError(f"Run {run_id!r} does not exist", run_id=run_id)
        return run_id


def _insert_model(ch: Changes, name: str, description: str) -> bool:
    """Insert the model unless it exists; True if this call created it."""
    now = now_ms()
    row = {"name": name, "description": description, "model_card": "", "created_by": ch.user,
           "created_at": now, "updated_at": now}  # fmt: skip
    return q.insert_ignore(ch.conn, registered_models, row, "name")


def _insert_version(
    ch: Changes,
    model: RowMapping,
    art: ArtifactVersionRecord,
    run_id: str | None,
    description: str,
) -> tuple[int, int]:
    mv = model_versions
    highest = select(func.max(mv.c.version)).where(mv.c.model_id == model["id"])
    top = ch.conn.execute(highest).scalar()
    number = int(top or 0) + 1
    now = now_ms()
    inserted = ch.conn.execute(
        mv.insert().values(
            model_id=model["id"],
            version=number,
            artifact_ref=art.ref,
            artifact_version_id=art.id,
            run_id=run_id,
            description=description,
            stage=ModelStage.NONE.value,
            status=VersionStatus.READY.value,
            created_by=ch.user,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0]), number


def _set_tags(
    conn: Connection, table: Any, owner: str, owner_id: int, tags: dict[str, Any]
) -> None:
    """Upsert tags (a value None deletes the key)."""
    for key, value in tags.items():
        conn.execute(delete(table).where(table.c[owner] == owner_id, table.c.key == key))
        if value is not None:
            conn.execute(table.insert().values({owner: owner_id, "key": key, "value": value}))


def _touch(conn: Connection, model: RowMapping) -> None:
    rm = registered_models
    conn.execute(update(rm).where(rm.c.id == model["id"]).values(updated_at=now_ms()))


def _delete_model_rows(conn: Connection, model_id: int) -> None:
    """Children first: SQLite does not enforce the cascades unless asked to."""
    mv = model_versions
    version_ids = select(mv.c.id).where(mv.c.model_id == model_id)
    conn.execute(delete(model_version_tags).where(model_version_tags.c.version_id.in_(version_ids)))
    conn.execute(delete(model_aliases).where(model_aliases.c.model_id == model_id))
    conn.execute(delete(mv).where(mv.c.model_id == model_id))
    conn.execute(delete(registered_model_tags).where(registered_model_tags.c.model_id == model_id))
    conn.execute(delete(model_webhooks).where(model_webhooks.c.model_id == model_id))
    conn.execute(delete(registered_models).where(registered_models.c.id == model_id))
