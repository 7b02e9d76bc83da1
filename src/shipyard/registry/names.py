"""Validation of what the registry stores: names, aliases, stages, tags, comments.

Model names are 1-256 letters, digits, ``.``, ``_`` or ``-`` starting with a letter or
digit: never ``/``, ``@`` or ``:``, so ``models:/name/3`` and ``models:/name@alias`` are
unambiguous and every name is one URL path segment. Aliases are 1-128 such characters
starting with a letter and not looking like a version (``v3``) or a stage name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shipyard.core.errors import InvalidInputError

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "ModelStage",
    "VersionStatus",
    "check_alias",
    "check_comment",
    "check_description",
    "check_model_name",
    "check_stage",
    "check_tags",
    "check_user",
    "check_version",
]

MAX_NAME_LENGTH = 256
MAX_ALIAS_LENGTH = 128
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000
MAX_TAGS = 100
MAX_DESCRIPTION_CHARS = 65_536
MAX_MODEL_CARD_CHARS = 1_000_000
MAX_COMMENT_CHARS = 4096
MAX_USER_CHARS = 256

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")
_VERSIONISH = re.compile(r"v?[0-9]+")


class ModelStage(StrEnum):
    """The classic lifecycle stages, for teams that use them (aliases are the modern way)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"


class VersionStatus(StrEnum):
    READY = "READY"
    DELETED = "DELETED"


_STAGES = {s.value.lower(): s for s in ModelStage}


def check_model_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"Model name must be a non-empty string, got {name!r:.80}")
    if len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"Invalid model name {name!r:.80}: use 1-{MAX_NAME_LENGTH} letters, digits, '.', "
            "'_' or '-', starting with a letter or digit",
            value=name[:300],
        )
    return name


def check_alias(alias: object) -> str:
    if not isinstance(alias, str) or not alias:
        raise InvalidInputError(f"Alias must be a non-empty string, got {alias!r:.80}")
    if len(alias) > MAX_ALIAS_LENGTH or not _ALIAS.fullmatch(alias):
        raise InvalidInputError(
            f"Invalid alias {alias!r:.80}: use 1-{MAX_ALIAS_LENGTH} letters, digits, '.', '_' "
            "or '-', starting with a letter",
            value=alias[:300],
        )
    if _VERSIONISH.fullmatch(alias) or alias.lower() in _STAGES or alias.lower() == "latest":
        raise InvalidInputError(
            f"Alias {alias!r} would be read as a version, a stage or 'latest'; pick another name",
            value=alias,
        )
    return alias


def check_version(version: object) -> int:
    """A version number: an int ≥ 1, or a string like ``"3"`` / ``"v3"``."""
    if isinstance(version, str) and _VERSIONISH.fullmatch(version) and len(version) <= 10:
        version = int(version.lstrip("v"))
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise InvalidInputError(
            f"Model version must be a whole number ≥ 1, got {version!r:.80}", value=str(version)
        )
    return version


def check_stage(stage: object) -> ModelStage:
    """A stage, case-insensitive; ``None`` (the value) means the ``None`` stage."""
    if stage is None:
        return ModelStage.NONE
    if isinstance(stage, str) and stage.lower() in _STAGES:
        return _STAGES[stage.lower()]
    raise InvalidInputError(
        f"Unknown stage {stage!r:.80}: use one of {', '.join(s.value for s in ModelStage)}",
        value=str(stage)[:80],
    )


def check_tags(tags: Mapping[str, Any] | None, *, allow_delete: bool = False) -> dict[str, Any]:
    """Tags as ``{key: str}``; with ``allow_delete`` a value None means "remove the key"."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidInputError(f"Tags must be a mapping, got {type(tags).__name__}")
    if len(tags) > MAX_TAGS:
        raise InvalidInputError(f"At most {MAX_TAGS} tags per call, got {len(tags)}")
    out: dict[str, Any] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key or len(key) > MAX_TAG_KEY or "\x00" in key:
            raise InvalidInputError(
                f"Tag key {key!r:.80} must be 1-{MAX_TAG_KEY} characters", key=str(key)[:80]
            )
        if value is None and allow_delete:
            out[key] = None
            continue
        text = value if isinstance(value, str) else str(value)
        if value is None or len(text) > MAX_TAG_VALUE or "\x00" in text:
            raise InvalidInputError(
                f"Tag {key!r} must have a value of at most {MAX_TAG_VALUE} characters", key=key
            )
        out[key] = text
    return out


def _check_text(value: object, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise InvalidInputError(f"{what} must be a string of at most {limit} characters")
    return value


def check_description(value: object) -> str:
    return _check_text(value, MAX_DESCRIPTION_CHARS, "Description")


def check_model_card(value: object) -> str:
    return _check_text(value, MAX_MODEL_CARD_CHARS, "Model card")


def check_comment(value: object) -> str:
    return _check_text(value, MAX_COMMENT_CHARS, "Comment")


def check_user(value: object) -> str:
    return _check_text(value, MAX_USER_CHARS, "User")
