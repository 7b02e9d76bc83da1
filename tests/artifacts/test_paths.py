"""Artifact paths: every traversal payload refused, ordinary file names accepted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.artifacts import TRAVERSAL_CORPUS, validate_artifact_path
from shipyard.artifacts.paths import _validate
from shipyard.core.errors import InvalidInputError

LEGIT = {
    "model.pkl": "model.pkl",
    "data/train.parquet": "data/train.parquet",
    "a/b/c/d/e.txt": "a/b/c/d/e.txt",
    "./features/x.csv": "features/x.csv",
    "a//b": "a/b",
    "a/./b": "a/b",
    "checkpoints/epoch=3-step=100.ckpt": "checkpoints/epoch=3-step=100.ckpt",
    "logs/2024-01-01T00:00:00.json": "logs/2024-01-01T00:00:00.json",
    "spaces in name.txt": "spaces in name.txt",
    ".hidden/.env": ".hidden/.env",
    "a..b/..c/d..": "a..b/..c/d..",
    "file~": "file~",
    "backup/file.txt~": "backup/file.txt~",
    "100%": "100%",
    "50%25 off.txt": "50%25 off.txt",
    "my%20file.txt": "my%20file.txt",
    "données/été.csv": "données/été.csv",
    "データ/表.csv": "データ/表.csv",
    "emoji_🚀.png": "emoji_🚀.png",
    "[brackets] (1) {x} +=,@!$&'.md": "[brackets] (1) {x} +=,@!$&'.md",
    "x" * 255: "x" * 255,
    "/".join(["d"] * 500) + "/f": "/".join(["d"] * 500) + "/f",
    # NFC normalisation: a decomposed é becomes the composed one
    "cafe\u0301.txt": "caf\u00e9.txt",
}


def test_corpus_is_large_enough_and_unique() -> None:
    assert len(TRAVERSAL_CORPUS) >= 30
    assert len(set(TRAVERSAL_CORPUS)) == len(TRAVERSAL_CORPUS)


@pytest.mark.parametrize("payload", TRAVERSAL_CORPUS, ids=lambda p: repr(p)[:40])
def test_every_traversal_payload_is_refused(payload: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_artifact_path(payload)
    message = info.value.message
    assert message.startswith("Invalid artifact path ")
    assert ": it " in message or ": a segment" in message  # the reason is given
    assert info.value.error_code == "INVALID_INPUT"


@pytest.mark.parametrize("path", sorted(LEGIT), ids=lambda p: repr(p)[:40])
def test_ordinary_paths_are_accepted_and_normalised(path: str) -> None:
    assert validate_artifact_path(path) == LEGIT[path]
    # the normalised form is itself valid and stable
    assert validate_artifact_path(LEGIT[path]) == LEGIT[path]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../x", "'..' segment"),
        ("/abs", "absolute"),
        ("C:/x", "drive letter"),
        ("a\\b", "backslash"),
        ("%2e%2e/x", "percent-decodes to '../x'"),
        ("%252e%252e/x", "percent-decodes to '../x'"),
        ("a%2fb", "percent-decodes to 'a/b'"),
        ("a\x00b", "control character U+0000"),
        ("a#b", "'#'"),
        ("a;b", "';'"),
        ("~/x", "'~'"),
        ("d/", "folder"),
        ("y" * 1025, "limit is 1024"),
    ],
)
def test_the_message_names_the_path_and_the_reason(path: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_artifact_path(path)
    assert repr(path)[:60].rstrip("'") in info.value.message
    assert reason in info.value.message
    assert info.value.details["path"] == path


@pytest.mark.parametrize("value", [None, 3, b"a.txt", ["a"]])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidInputError, match="not a string"):
        validate_artifact_path(value)


def test_limits_are_in_utf8_bytes() -> None:
    assert validate_artifact_path("é" * 127)  # 254 bytes in one segment
    with pytest.raises(InvalidInputError, match="segment is longer than 255"):
        validate_artifact_path("é" * 128)
    with pytest.raises(InvalidInputError, match="bytes of UTF-8"):
        validate_artifact_path("/".join(["ü" * 100] * 6))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab._-/%2e5cf~:#;\\ \x00é\uff0e", max_size=20))
def test_the_fast_path_agrees_with_the_full_rules(text: str) -> None:
    """Plain names skip the full checks; the full checks must accept them unchanged."""
    try:
        fast = validate_artifact_path(text)
    except InvalidInputError:
        with pytest.raises(InvalidInputError):
            _validate(text)
        return
    assert _validate(text) == fast
    assert validate_artifact_path(fast) == fast  # normalising is idempotent
