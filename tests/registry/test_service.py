"""RegistryService rules on SQLite and PostgreSQL (the SDK contract covers the common
paths through both backends; this covers validation, tags, custom events, cascades)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shipyard.core.errors import (
    InvalidInputError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
    RunNotFoundError,
    WebhookNotFoundError,
)
from shipyard.registry import AUDIT_KINDS, ModelStage, RegistryService


@pytest.mark.parametrize("bad", ["", "a/b", "a@b", "a:b", "-x", "x" * 257, "名前"])
def test_model_names_are_checked(registry: RegistryService, bad: str) -> None:
    with pytest.raises(InvalidInputError, match=r"[Mm]odel name"):
        registry.create_registered_model(bad)


@pytest.mark.parametrize("bad", ["v3", "3", "latest", "Production", "none", "1abc", "a b"])
def test_aliases_that_read_as_something_else_are_refused(
    registry: RegistryService, model_artifact: Callable[..., str], bad: str
) -> None:
    registry.create_model_version("m", model_artifact())
    with pytest.raises(InvalidInputError):
        registry.set_alias("m", bad, 1)


def test_stage_and_version_validation(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    registry.create_model_version("m", model_artifact())
    with pytest.raises(InvalidInputError, match="Unknown stage 'Prod'"):
        registry.transition_stage("m", 1, "Prod")
    for bad in (0, -1, True, "x", 2**40):
        with pytest.raises(InvalidInputError, match="whole number"):
            registry.get_model_version("m", bad)  # type: ignore[arg-type]
    assert registry.transition_stage("m", "v1", None).stage is ModelStage.NONE
    assert registry.model_history("m")[-1].kind == "version_created"  # no-op not recorded


def test_source_run_must_exist_and_defaults_to_the_producer(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    ref = model_artifact()
    producer = registry.artifacts.resolve(ref).producer_run_id
    assert registry.create_model_version("m", ref).run_id == producer
    with pytest.raises(RunNotFoundError):
        registry.create_model_version("m", ref, run_id="0" * 32)
    with pytest.raises(InvalidInputError, match="32 lowercase hex"):
        registry.create_model_version("m", ref, run_id="nope")
    with pytest.raises(InvalidInputError, match="artifact_ref"):
        registry.create_model_version("m", "")


def test_tags_merge_and_delete(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    registry.create_model_version("m", model_artifact(), tags={"a": "1", "b": 2})
    updated = registry.update_model_version("m", 1, description="d", tags={"a": None, "c": "3"})
    assert updated.tags == {"b": "2", "c": "3"} and updated.description == "d"
    with pytest.raises(InvalidInputError, match="Tag"):
        registry.update_registered_model("m", tags={"": "x"})
    with pytest.raises(InvalidInputError, match="Tag 'k'"):
        registry.create_registered_model("n", tags={"k": None})
    model = registry.update_registered_model("m", tags={"team": "x"})
    assert model.tags == {"team": "x"} and model.version_count == 1


def test_custom_events_carry_details(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    registry.create_model_version("m", model_artifact())
    event = registry.record_model_event(
        "m", "promotion_rejected", 1, comment="f1 0.81 < 0.83",
        details={"candidate": 0.81, "champion": 0.83}, user="ci",
    )  # fmt: skip
    assert event.details == {"candidate": 0.81, "champion": 0.83} and event.user == "ci"
    assert registry.model_history("m")[-1] == event
    for kind in (*AUDIT_KINDS, "Bad Kind", ""):
        with pytest.raises(InvalidInputError):
            registry.record_model_event("m", kind)
    with pytest.raises(ModelVersionNotFoundError):
        registry.record_model_event("m", "evaluation", 9)
    with pytest.raises(InvalidInputError, match="JSON"):
        registry.record_model_event("m", "evaluation", details={"x": object()})


def test_alias_and_stage_details_are_recorded(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    registry.create_model_version("m", model_artifact())
    registry.set_alias("m", "champion", 1, comment="won", details={"f1": 0.9}, user="bot")
    registry.set_alias("m", "champion", 1)  # unchanged: nothing recorded
    events = [e for e in registry.model_history("m") if e.kind == "alias_set"]
    assert len(events) == 1 and events[0].details == {"f1": 0.9} and events[0].user == "bot"
    registry.delete_alias("m", "champion", comment="retired")
    last = registry.model_history("m")[-1]
    assert (last.kind, last.alias, last.from_value, last.comment) == (
        "alias_removed", "champion", "1", "retired",
    )  # fmt: skip


def test_deleting_a_model_removes_everything_but_history(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    registry.create_model_version("m", model_artifact(), tags={"a": "1"})
    registry.set_alias("m", "champion", 1)
    hook = registry.add_webhook("m", "http://93.184.216.34/hook", events=["alias_set"])
    registry.delete_registered_model("m", user="admin")
    with pytest.raises(RegisteredModelNotFoundError):
        registry.list_model_versions("m")
    with pytest.raises(RegisteredModelNotFoundError):
        registry.delete_webhook("m", hook.id)
    assert registry.model_history("m")[-1].kind == "model_deleted"
    again = registry.create_model_version("m", model_artifact())
    assert again.version == 1 and again.aliases == [] and again.tags == {}
    assert registry.list_webhooks("m") == []
    with pytest.raises(RegisteredModelNotFoundError, match="never"):
        registry.model_history("never")


def test_webhooks_are_listed_without_their_secret(registry: RegistryService) -> None:
    registry.create_registered_model("m")
    hook = registry.add_webhook("m", "https://93.184.216.34/x", events=["alias_set", "promotion"])
    assert len(hook.secret) >= 32
    listed = registry.list_webhooks("m")
    assert [h.id for h in listed] == [hook.id] and listed[0].secret == ""
    assert listed[0].events == ["alias_set", "promotion"]
    with pytest.raises(InvalidInputError, match="secret"):
        registry.add_webhook("m", "https://93.184.216.34/x", secret="short")
    with pytest.raises(InvalidInputError):
        registry.add_webhook("m", "https://93.184.216.34/x", events=[])
    registry.delete_webhook("m", hook.id, user="ops")
    with pytest.raises(WebhookNotFoundError):
        registry.delete_webhook("m", hook.id)
    added, removed = [e for e in registry.model_history("m") if e.kind.startswith("webhook_")]
    assert (added.kind, added.to_value, added.details["events"]) == (
        "webhook_added", hook.id, ["alias_set", "promotion"],
    )  # fmt: skip
    assert (removed.kind, removed.from_value, removed.user) == ("webhook_removed", hook.id, "ops")


def test_registering_with_an_alias_ref_pins_the_concrete_version(
    registry: RegistryService, model_artifact: Callable[..., str]
) -> None:
    model_artifact("clf", "a")
    second = model_artifact("clf", "b")
    version = registry.create_model_version("m", "artifacts:/clf:latest")
    assert version.artifact_ref == second == "clf:v2"
    model_artifact("clf", "c")
    assert registry.get_model_version("m", 1).artifact_ref == "clf:v2"
