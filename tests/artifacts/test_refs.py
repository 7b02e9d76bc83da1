"""Artifact references: name:v3, name:3, name:alias, bare names and artifacts:/ URIs."""

from __future__ import annotations

import pytest

from shipyard.artifacts import ArtifactRef, parse_ref
from shipyard.artifacts.refs import check_alias, check_artifact_name, parse_version_selector
from shipyard.core.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("features:v3", ArtifactRef("features", 3, None)),
        ("features:3", ArtifactRef("features", 3, None)),
        ("features:latest", ArtifactRef("features", None, "latest")),
        ("features:candidate", ArtifactRef("features", None, "candidate")),
        ("features", ArtifactRef("features", None, "latest")),
        ("artifacts:/features:v12", ArtifactRef("features", 12, None)),
        ("artifacts:/features:prod-2", ArtifactRef("features", None, "prod-2")),
        ("artifacts:/features", ArtifactRef("features", None, "latest")),
        ("energy.features_v2-x:v1", ArtifactRef("energy.features_v2-x", 1, None)),
    ],
)
def test_parse(text: str, expected: ArtifactRef) -> None:
    assert parse_ref(text) == expected
    assert parse_ref(str(expected)) == expected
    assert parse_ref(expected.uri) == expected


def test_str_and_uri() -> None:
    assert str(ArtifactRef("m", 3)) == "m:v3"
    assert ArtifactRef("m", alias="prod").uri == "artifacts:/m:prod"


@pytest.mark.parametrize(
    "text",
    [
        "",
        ":v1",
        "name:",
        "a:b:c",
        "name:v0",
        "name:0",
        "name:-1",
        "/abs:v1",
        "artifacts://name:v1",
        "na me:v1",
        "-dash:v1",
        "x" * 257,
        "name:1bad",
        "name:" + "a" * 129,
        "name:v99999999999",
    ],
)
def test_bad_references_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_ref(text)


def test_version_selector() -> None:
    assert parse_version_selector(None) == (None, "latest")
    assert parse_version_selector(4) == (4, None)
    assert parse_version_selector("v4") == (4, None)
    assert parse_version_selector("4") == (4, None)
    assert parse_version_selector("prod") == (None, "prod")
    for bad in (0, -2, True, "", "v0"):
        with pytest.raises(InvalidInputError):
            parse_version_selector(bad)  # type: ignore[arg-type]


def test_aliases_may_not_look_like_versions() -> None:
    for bad in ("v3", "3", "1x", "-a", "a b", "a:b", "a/b"):
        with pytest.raises(InvalidInputError):
            check_alias(bad)
    assert check_alias("v3-candidate") == "v3-candidate"
    assert check_artifact_name("3d-scans") == "3d-scans"
