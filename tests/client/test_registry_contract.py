"""The model-registry SDK contract: the same behaviour on SQLite and PostgreSQL, embedded
and over HTTP (``tracking_uri`` from tests/client/conftest.py)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

import shipyard as sy
from shipyard.core.errors import (
    AliasNotFoundError,
    ArtifactNotFoundError,
    InvalidFilterError,
    InvalidInputError,
    ModelVersionNotFoundError,
    RegisteredModelAlreadyExistsError,
    RegisteredModelNotFoundError,
)
from shipyard.registry import ModelStage, ModelVersion


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def name() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"


def _log_model(tracking_uri: str, project: str, tmp_path: Path, art: str, content: str) -> str:
    """A run that logs a model artifact; returns the run id."""
    folder = tmp_path / f"model-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "model.bin").write_text(content)
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log_artifact(folder, name=art, type="model")
    return run.id


def test_versions_aliases_stages_and_history(
    tracking_uri: str, project: str, name: str, tmp_path: Path
) -> None:
    art = f"{name}-art"
    run1 = _log_model(tracking_uri, project, tmp_path, art, "one")
    run2 = _log_model(tracking_uri, project, tmp_path, art, "two")
    client = sy.Client(tracking_uri)
    v1 = client.create_model_version(name, f"{art}:v1", comment="first", tags={"k": 1})
    assert isinstance(v1, ModelVersion)
    assert (v1.name, v1.version, v1.artifact_ref, v1.run_id) == (name, 1, f"{art}:v1", run1)
    assert v1.tags == {"k": "1"} and v1.stage is ModelStage.NONE and v1.uri == f"models:/{name}/1"
    v2 = client.create_model_version(name, f"runs:/{run2}", description="second")
    assert (v2.version, v2.artifact_ref, v2.run_id) == (2, f"{art}:v2", run2)

    assert client.set_alias(name, "champion", 1, comment="baseline").aliases == ["champion"]
    assert client.set_alias(name, "champion", version=2, comment="better").version == 2
    assert client.get_model_version_by_alias(name, "champion").version == 2
    assert client.resolve_model_uri(f"models:/{name}@champion").version == 2
    assert client.resolve_model_uri(f"models:/{name}/1").aliases == []

    client.transition_stage(name, 1, "Production")
    moved = client.transition_stage(name, 2, "production", archive_existing=True, comment="go")
    assert moved.stage is ModelStage.PRODUCTION
    assert client.get_model_version(name, 1).stage is ModelStage.ARCHIVED
    assert client.resolve_model_uri(f"models:/{name}/Production").version == 2

    model = client.get_registered_model(name)
    assert model.aliases == {"champion": 2} and model.latest_version == 2
    assert [v.version for v in client.list_model_versions(name)] == [2, 1]

    events = client.model_history(name)
    kinds = [e.kind for e in events]
    assert kinds == [
        "model_created", "version_created", "version_created", "alias_set", "alias_set",
        "stage_changed", "stage_changed", "stage_changed",
    ]  # fmt: skip
    move = events[4]
    assert (move.alias, move.from_value, move.to_value) == ("champion", "1", "2")
    assert move.comment == "better"
    assert move.user == events[0].user and move.at >= events[0].at
    archived = events[6]
    assert (archived.version, archived.from_value) == (1, "Production")
    assert archived.to_value == "Archived"


def test_models_create_update_search_delete(tracking_uri: str, name: str) -> None:
    client = sy.Client(tracking_uri)
    created = client.create_registered_model(name, "forecasts", tags={"team": "energy"})
    assert (created.name, created.description) == (name, "forecasts")
    assert created.tags == {"team": "energy"}
    with pytest.raises(RegisteredModelAlreadyExistsError, match=name):
        client.create_registered_model(name)
    updated = client.update_registered_model(
        name, model_card="# Card\n\nTrained on 2026 data.", tags={"team": None, "tier": "gold"}
    )
    assert updated.model_card.startswith("# Card") and updated.tags == {"tier": "gold"}
    assert updated.description == "forecasts"
    other = f"{name}-other"
    client.create_registered_model(other, tags={"tier": "silver"})

    found = client.search_registered_models(f"name LIKE '{name}%'")
    assert [m.name for m in found] == [name, other]
    assert [m.name for m in client.search_registered_models(f"name LIKE '{name.upper()}%'")] == []
    ilike = client.search_registered_models(f"name ILIKE '{name.upper()}%' AND tags.tier = 'gold'")
    assert [m.name for m in ilike] == [name]
    newest = client.search_registered_models(
        f"name LIKE '{name}%'", order_by=["created_at DESC"], limit=1
    )
    assert [m.name for m in newest] == [other]
    with pytest.raises(InvalidFilterError):
        client.search_registered_models("name ~ 'x'")

    client.delete_registered_model(other)
    with pytest.raises(RegisteredModelNotFoundError, match=other):
        client.get_registered_model(other)
    assert [e.kind for e in client.model_history(other)] == ["model_created", "model_deleted"]


def test_bad_references_are_clear_errors(
    tracking_uri: str, project: str, name: str, tmp_path: Path
) -> None:
    art = f"{name}-art"
    _log_model(tracking_uri, project, tmp_path, art, "x")
    client = sy.Client(tracking_uri)
    client.create_model_version(name, art)  # a bare artifact name means :latest
    with pytest.raises(RegisteredModelNotFoundError, match="nope"):
        client.get_model_version("nope", 1)
    with pytest.raises(ModelVersionNotFoundError, match="no version 7"):
        client.get_model_version(name, 7)
    with pytest.raises(AliasNotFoundError, match="'ghost'"):
        client.resolve_model_uri(f"models:/{name}@ghost")
    with pytest.raises(InvalidInputError, match="Malformed model URI"):
        client.resolve_model_uri(f"models:/{name}")
    with pytest.raises(ArtifactNotFoundError):
        client.create_model_version(name, "missing-art:v1")
    with sy.start_run(project=project, tracking_uri=tracking_uri) as empty:
        pass
    with pytest.raises(InvalidInputError, match="has no artifact of type 'model' to register"):
        client.create_model_version(name, f"runs:/{empty.id}")


def test_deleted_versions_keep_their_number_and_refuse_aliases(
    tracking_uri: str, project: str, name: str, tmp_path: Path
) -> None:
    art = f"{name}-art"
    _log_model(tracking_uri, project, tmp_path, art, "a")
    client = sy.Client(tracking_uri)
    client.create_model_version(name, f"{art}:v1")
    client.create_model_version(name, f"{art}:v1")
    client.set_alias(name, "champion", 2)
    gone = client.delete_model_version(name, 2, comment="bad data")
    assert gone.is_deleted and gone.aliases == []
    with pytest.raises(ModelVersionNotFoundError, match="deleted"):
        client.get_model_version(name, 2)
    with pytest.raises(InvalidInputError, match="deleted"):
        client.set_alias(name, "challenger", 2)
    with pytest.raises(AliasNotFoundError):
        client.get_model_version_by_alias(name, "champion")
    assert client.create_model_version(name, f"{art}:v1").version == 3
    assert [v.version for v in client.list_model_versions(name, include_deleted=True)] == [3, 2, 1]
    tail = [(e.kind, e.alias) for e in client.model_history(name)][-3:]
    assert tail == [
        ("alias_removed", "champion"), ("version_deleted", None), ("version_created", None),
    ]  # fmt: skip


def test_concurrent_registrations_get_distinct_numbers(
    tracking_uri: str, project: str, name: str, tmp_path: Path
) -> None:
    art = f"{name}-art"
    _log_model(tracking_uri, project, tmp_path, art, "c")
    numbers: list[int] = []
    errors: list[BaseException] = []

    def register() -> None:
        try:
            numbers.append(sy.Client(tracking_uri).create_model_version(name, f"{art}:v1").version)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 9))
    events = sy.Client(tracking_uri).model_history(name)
    assert [e.kind for e in events].count("model_created") == 1


def test_concurrent_alias_moves_leave_one_winner_and_every_event(
    tracking_uri: str, project: str, name: str, tmp_path: Path
) -> None:
    art = f"{name}-art"
    _log_model(tracking_uri, project, tmp_path, art, "d")
    client = sy.Client(tracking_uri)
    for _ in range(3):
        client.create_model_version(name, f"{art}:v1")
    barrier = threading.Barrier(2)

    def move(version: int) -> None:
        barrier.wait()
        sy.Client(tracking_uri).set_alias(name, "champion", version)

    threads = [threading.Thread(target=move, args=(v,)) for v in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = client.get_model_version_by_alias(name, "champion").version
    moves = [e for e in client.model_history(name) if e.kind == "alias_set"]
    assert len(moves) == 2
    assert moves[0].from_value is None and moves[1].from_value == moves[0].to_value
    assert moves[1].to_value == str(winner)
