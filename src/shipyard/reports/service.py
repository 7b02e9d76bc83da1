"""``ReportService``: reports and their versions in the metadata store, share links,
and each version's data (stored for a snapshot, resolved now for a live report)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Engine, func, select, update

from shipyard.core.errors import InvalidInputError, ProjectNotFoundError, ReportNotFoundError
from shipyard.core.timeutil import now_ms
from shipyard.reports.records import ReportRecord, ReportVersion, ShareLink
from shipyard.reports.resolve import Sources, resolve
from shipyard.reports.spec import check_spec
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import projects
from shipyard.store.schema_reports import report_share_tokens, report_versions, reports

__all__ = ["ReportService"]

_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
SHARE_PREFIX = "syr_"


def _check_text(value: str, what: str, limit: int, required: bool = False) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInputError(f"A report's {what} must be a non-empty string")
    if len(value) > limit:
        raise InvalidInputError(f"A report's {what} is longer than {limit} characters")
    return value


def dumps(data: Any) -> str:
    """JSON text of resolved report data (numpy arrays included)."""
    return orjson.dumps(data, option=_OPTS).decode()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _report_query() -> Any:
    return select(reports, projects.c.name.label("project")).join(
        projects, projects.c.id == reports.c.project_id
    )


def _record(row: Any) -> ReportRecord:
    return ReportRecord(
        row.id,
        row.project,
        row.title,
        row.description,
        row.latest_version,
        row.created_by,
        row.created_at,
        row.updated_at,
    )


class ReportService:
    """Versioned reports over an engine; ``sources`` are the services panels read."""

    def __init__(self, engine: Engine, sources: Sources) -> None:
        self.engine = engine
        self.sources = sources

    # -- reports and versions -------------------------------------------------------------
    def create(
        self,
        project: str,
        title: str,
        description: str = "",
        spec: Mapping[str, Any] | None = None,
        *,
        user: str = "",
    ) -> ReportRecord:
        """A new report with version 1 (an empty spec unless given)."""
        _check_text(title, "title", MAX_TITLE, required=True)
        _check_text(description, "description", MAX_DESCRIPTION)
        clean = check_spec(spec or {})
        report_id = uuid.uuid4().hex
        with write_transaction(self.engine) as conn:
            pid = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
            if pid is None:
                raise ProjectNotFoundError(f"Project {project!r} does not exist")
            now = now_ms()
            conn.execute(
                reports.insert().values(
                    id=report_id,
                    project_id=pid,
                    title=title,
                    description=description,
                    latest_version=0,
                    created_by=user,
                    created_at=now,
                    updated_at=now,
                )
            )
        self.save(report_id, clean, user=user)
        return self.get(report_id)

    def get(self, report_id: str) -> ReportRecord:
        with read_connection(self.engine) as conn:
            row = conn.execute(_report_query().where(reports.c.id == str(report_id))).first()
        if row is None:
            raise ReportNotFoundError(f"Report {report_id!r} does not exist")
        return _record(row)

    def list_reports(self, project: str | None = None) -> list[ReportRecord]:
        query = _report_query().order_by(reports.c.updated_at.desc())
        if project is not None:
            query = query.where(projects.c.name == project)
        with read_connection(self.engine) as conn:
            return [_record(r) for r in conn.execute(query)]

    def save(
        self,
        report_id: str,
        spec: Mapping[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        snapshot: bool = False,
        user: str = "",
    ) -> ReportVersion:
        """Store the next version; with ``snapshot`` its data is resolved now and frozen."""
        clean = check_spec(spec)
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = _check_text(title, "title", MAX_TITLE, required=True)
        if description is not None:
            values["description"] = _check_text(description, "description", MAX_DESCRIPTION)
        self.get(report_id)
        data = dumps(resolve(self.sources, clean)) if snapshot else None
        with write_transaction(self.engine) as conn:
            # the report's row is updated first, so concurrent saves queue on it
            now = now_ms()
            conn.execute(
                update(reports)
                .where(reports.c.id == report_id)
                .values(latest_version=reports.c.latest_version + 1, updated_at=now, **values)
            )
            number = conn.execute(
                select(reports.c.latest_version).where(reports.c.id == report_id)
            ).scalar_one()
            conn.execute(
                report_versions.insert().values(
                    report_id=report_id,
                    version=number,
                    spec=dumps(clean),
                    data=data,
                    created_by=user,
                    created_at=now,
                )
            )
        return ReportVersion(report_id, number, clean, snapshot, user, now)

    def version(self, report_id: str, version: int | None = None) -> ReportVersion:
        """A version (the newest when None), with the stored data of a snapshot."""
        t = report_versions.c
        query = select(report_versions).where(t.report_id == str(report_id))
        if version is None:
            query = query.order_by(t.version.desc()).limit(1)
        else:
            query = query.where(t.version == int(version))
        with read_connection(self.engine) as conn:
            row = conn.execute(query).first()
        if row is None:
            what = "any version" if version is None else f"version {version}"
            raise ReportNotFoundError(f"Report {report_id!r} has no {what}")
        data = orjson.loads(row.data) if row.data is not None else None
        spec = orjson.loads(row.spec)
        return ReportVersion(
            row.report_id,
            row.version,
            spec,
            data is not None,
            row.created_by,
            row.created_at,
            data,
        )

    def versions(self, report_id: str) -> list[ReportVersion]:
        self.get(report_id)
        t = report_versions.c
        query = select(
            t.report_id,
            t.version,
            t.spec,
            t.created_by,
            t.created_at,
            (t.data.is_not(None)).label("snap"),
        )
        with read_connection(self.engine) as conn:
            rows = conn.execute(query.where(t.report_id == report_id).order_by(t.version)).all()
        return [
            ReportVersion(
                r.report_id,
                r.version,
                orjson.loads(r.spec),
                bool(r.snap),
                r.created_by,
                r.created_at,
            )
            for r in rows
        ]

    def data(self, report_id: str, version: int | None = None) -> dict[str, Any]:
        """What the version's panels show: frozen for a snapshot, else the current data."""
        record = self.get(report_id)
        ver = self.version(report_id, version)
        data = ver.data if ver.data is not None else resolve(self.sources, ver.spec)
        return {
            "report": record.to_dict(),
            "version": ver.version,
            "snapshot": ver.snapshot,
            "spec": ver.spec,
            **data,
        }

    def delete(self, report_id: str) -> None:
        with write_transaction(self.engine) as conn:
            gone = conn.execute(reports.delete().where(reports.c.id == str(report_id))).rowcount
        if not gone:
            raise ReportNotFoundError(f"Report {report_id!r} does not exist")

    # -- share links ----------------------------------------------------------------------
    def create_share(self, report_id: str, *, user: str = "") -> ShareLink:
        """A new read-only share token; the returned link carries its secret (once)."""
        self.get(report_id)
        secret = SHARE_PREFIX + secrets.token_urlsafe(24)
        link_id = uuid.uuid4().hex
        now = now_ms()
        with write_transaction(self.engine) as conn:
            conn.execute(
                report_share_tokens.insert().values(
                    id=link_id,
                    report_id=report_id,
                    secret_sha256=_hash(secret),
                    created_by=user,
                    created_at=now,
                    revoked_at=None,
                )
            )
        return ShareLink(link_id, report_id, user, now, None, secret)

    def shares(self, report_id: str) -> list[ShareLink]:
        self.get(report_id)
        t = report_share_tokens.c
        query = select(report_share_tokens).where(t.report_id == report_id).order_by(t.created_at)
        with read_connection(self.engine) as conn:
            return [
                ShareLink(r.id, r.report_id, r.created_by, r.created_at, r.revoked_at)
                for r in conn.execute(query)
            ]

    def revoke_share(self, report_id: str, share_id: str) -> None:
        t = report_share_tokens.c
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                update(report_share_tokens)
                .where(t.id == share_id, t.report_id == report_id)
                .values(revoked_at=func.coalesce(t.revoked_at, now_ms()))
            ).rowcount
        if not done:
            raise ReportNotFoundError(f"Report {report_id!r} has no share link {share_id!r}")

    def shared_report(self, secret: str) -> ReportRecord:
        """The report an active share secret opens, else ReportNotFoundError."""
        t = report_share_tokens.c
        query = select(t.report_id).where(t.secret_sha256 == _hash(secret), t.revoked_at.is_(None))
        with read_connection(self.engine) as conn:
            report_id = conn.execute(query).scalar()
        if report_id is None:
            raise ReportNotFoundError("This share link is unknown or was revoked")
        return self.get(report_id)
