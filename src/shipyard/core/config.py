"""Configuration from the environment: where the store lives and how to reach it.

``SHIPYARD_TRACKING_URI`` selects the backend: unset → embedded store in
``$SHIPYARD_HOME`` (default ``~/.shipyard``); a path or database URL → embedded there;
``http(s)://…`` → a ``shipyard server``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shipyard.core.errors import InvalidInputError

BackendKind = Literal["local", "http"]

ENV_HOME = "SHIPYARD_HOME"
ENV_TRACKING_URI = "SHIPYARD_TRACKING_URI"
ENV_TOKEN = "SHIPYARD_TOKEN"
ENV_MODE = "SHIPYARD_MODE"
ENV_AUTH = "SHIPYARD_AUTH"
ENV_ARTIFACTS_URI = "SHIPYARD_ARTIFACTS_URI"
ENV_FEATURES_ROOT = "SHIPYARD_FEATURES_ROOT"
ENV_ONLINE_STORE = "SHIPYARD_ONLINE_STORE"
ENV_WEBHOOK_ALLOW_PRIVATE = "SHIPYARD_WEBHOOK_ALLOW_PRIVATE"


def shipyard_home() -> Path:
    """The folder of the embedded store, created on first use."""
    home = Path(os.environ.get(ENV_HOME) or Path.home() / ".shipyard").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def default_database_url() -> str:
    return f"sqlite:///{shipyard_home() / 'shipyard.db'}"


def default_artifacts_uri(database_url: str) -> str:
    """``SHIPYARD_ARTIFACTS_URI``, else ``blobs/`` beside a SQLite file, else
    ``$SHIPYARD_HOME/blobs``."""
    env = os.environ.get(ENV_ARTIFACTS_URI, "").strip()
    if env:
        return env
    if database_url.startswith("sqlite:///") and not database_url.endswith(":memory:"):
        return str(Path(database_url[len("sqlite:///") :]).parent / "blobs")
    return str(shipyard_home() / "blobs")


def default_features_root(database_url: str) -> str:
    """``SHIPYARD_FEATURES_ROOT``, else ``features/`` beside a SQLite file, else
    ``$SHIPYARD_HOME/features``: where the offline feature store keeps its Parquet."""
    env = os.environ.get(ENV_FEATURES_ROOT, "").strip()
    if env:
        return env
    if database_url.startswith("sqlite:///") and not database_url.endswith(":memory:"):
        return str(Path(database_url[len("sqlite:///") :]).parent / "features")
    return str(shipyard_home() / "features")


def default_online_store(features_root: str) -> str:
    """``SHIPYARD_ONLINE_STORE`` (``sqlite:///…`` or ``redis://…``), else a SQLite file
    ``online.db`` in the offline root."""
    env = os.environ.get(ENV_ONLINE_STORE, "").strip()
    return env or f"sqlite:///{Path(features_root) / 'online.db'}"


def offline_database_url() -> str:
    """The local store offline runs write to until ``shipyard sync`` uploads them."""
    return f"sqlite:///{shipyard_home() / 'offline.db'}"


@dataclass(frozen=True)
class TrackingTarget:
    """A resolved tracking URI: either a database URL (local) or a server URL (http)."""

    kind: BackendKind
    url: str


def resolve_tracking_uri(uri: str | None = None) -> TrackingTarget:
    """Turn an explicit URI, the environment, or the default into a target."""
    raw = uri if uri is not None else os.environ.get(ENV_TRACKING_URI, "")
    raw = raw.strip()
    if not raw:
        return TrackingTarget("local", default_database_url())
    if raw.startswith(("http://", "https://")):
        return TrackingTarget("http", raw.rstrip("/"))
    if "://" in raw:
        scheme = raw.split("://", 1)[0]
        if scheme.startswith(("sqlite", "postgresql", "postgres")):
            return TrackingTarget("local", normalize_database_url(raw))
        if scheme == "file":
            return TrackingTarget("local", _folder_url(Path(raw[len("file://") :])))
        raise InvalidInputError(
            f"Unsupported tracking URI scheme {scheme!r} in {raw!r}: use a folder path, "
            "sqlite:///…, postgresql+psycopg://… or http(s)://…"
        )
    return TrackingTarget("local", _folder_url(Path(raw)))


def _folder_url(folder: Path) -> str:
    folder = folder.expanduser()
    if folder.suffix == ".db":
        folder.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder.resolve()}"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'shipyard.db').resolve()}"


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def offline_mode_from_env() -> bool:
    return os.environ.get(ENV_MODE, "").strip().lower() == "offline"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
