"""``models:/`` URIs: which registered model version a string names.

models:/energy-forecaster/3          version 3
models:/energy-forecaster@champion   the version alias ``champion`` points at
models:/energy-forecaster/latest     the newest version that is not deleted
models:/energy-forecaster/Production the newest version in stage Production
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shipyard.core.errors import InvalidInputError
from shipyard.registry.names import (
    ModelStage,
    check_alias,
    check_model_name,
    check_stage,
    check_version,
)

__all__ = ["URI_PREFIX", "ModelUri", "parse_model_uri"]

T = TypeVar("T")
URI_PREFIX = "models:/"
MAX_URI_CHARS = 600
_FORMS = (
    "models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest or "
    "models:/<name>/<stage>"
)


@dataclass(frozen=True, slots=True)
class ModelUri:
    """A parsed URI: exactly one of ``version``, ``alias``, ``stage``, ``latest`` is set."""

    name: str
    version: int | None = None
    alias: str | None = None
    stage: ModelStage | None = None
    latest: bool = False

    def __str__(self) -> str:
        if self.version is not None:
            return f"{URI_PREFIX}{self.name}/{self.version}"
        if self.alias is not None:
            return f"{URI_PREFIX}{self.name}@{self.alias}"
        if self.stage is not None:
            return f"{URI_PREFIX}{self.name}/{self.stage.value}"
        return f"{URI_PREFIX}{self.name}/latest"


def _malformed(uri: str, why: str) -> InvalidInputError:
    return InvalidInputError(
        f"Malformed model URI {uri!r:.300}: {why}; expected {_FORMS}", value=uri[:300]
    )


def parse_model_uri(uri: str) -> ModelUri:
    """Parse a ``models:/`` URI; ``InvalidInputError`` says what is wrong with it."""
    if not isinstance(uri, str) or not uri:
        raise InvalidInputError(f"Model URI must be a non-empty string, got {uri!r:.80}")
    if len(uri) > MAX_URI_CHARS:
        raise _malformed(uri, f"longer than {MAX_URI_CHARS} characters")
    if not uri.startswith(URI_PREFIX):
        raise _malformed(uri, f"it does not start with {URI_PREFIX!r}")
    body = uri[len(URI_PREFIX) :]
    if "@" in body:
        name, _, alias = body.partition("@")
        if "/" in name or "@" in alias or "/" in alias:
            raise _malformed(uri, "use either /<version> or @<alias>, not both")
        return ModelUri(_name(uri, name), alias=_part(uri, check_alias, alias))
    name, sep, selector = body.partition("/")
    if not sep or not selector or "/" in selector:
        raise _malformed(uri, "no version, alias or stage after the model name")
    name = _name(uri, name)
    if selector.lower() == "latest":
        return ModelUri(name, latest=True)
    if selector[0].isdigit() or (selector[0] == "v" and selector[1:].isdigit()):
        return ModelUri(name, version=_part(uri, check_version, selector))
    return ModelUri(name, stage=_part(uri, check_stage, selector))


def _name(uri: str, name: str) -> str:
    return _part(uri, check_model_name, name)


def _part(uri: str, check: Callable[[str], T], value: str) -> T:
    """``check(value)``, its error re-raised naming the whole URI."""
    try:
        return check(value)
    except InvalidInputError as exc:
        raise _malformed(uri, exc.message) from exc
