"""Artifact names, aliases and references.

A reference names one version of an artifact::

    energy-features:v3      version 3
    energy-features:3       version 3
    energy-features:latest  the version the ``latest`` alias points at
    energy-features:candidate
    energy-features         same as ``:latest``
    artifacts:/energy-features:v3   the URI form

Names are 1-256 characters of letters, digits, ``.``, ``_`` and ``-`` starting with a
letter or digit; they never hold ``:`` or ``/``, so a reference is unambiguous. Aliases
are 1-128 such characters starting with a letter, and may not look like a version
(``v3``, ``3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.core.errors import InvalidInputError

__all__ = [
    "LATEST",
    "URI_PREFIX",
    "ArtifactRef",
    "check_alias",
    "check_artifact_name",
    "check_artifact_type",
    "parse_ref",
    "parse_version_selector",
]

LATEST = "latest"
URI_PREFIX = "artifacts:/"
MAX_NAME_LENGTH = 256
MAX_TYPE_LENGTH = 64
MAX_ALIAS_LENGTH = 128

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")
_VERSION = re.compile(r"v?([0-9]+)")


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    """A parsed reference: exactly one of ``version`` and ``alias`` is set."""

    name: str
    version: int | None = None
    alias: str | None = None

    @property
    def selector(self) -> str:
        """The part after the colon: ``v3`` or the alias."""
        return f"v{self.version}" if self.version is not None else str(self.alias)

    @property
    def uri(self) -> str:
        return f"{URI_PREFIX}{self}"

    def __str__(self) -> str:
        return f"{self.name}:{self.selector}"


def _check(value: object, pattern: re.Pattern[str], limit: int, what: str, rule: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{what} must be a non-empty string, got {value!r:.80}")
    if len(value) > limit or not pattern.fullmatch(value):
        raise InvalidInputError(
            f"Invalid {what.lower()} {value!r:.80}: use 1-{limit} {rule}", value=value[:300]
        )
    return value


def check_artifact_name(name: object) -> str:
    return _check(
        name,
        _NAME,
        MAX_NAME_LENGTH,
        "Artifact name",
        "letters, digits, '.', '_' or '-', starting with a letter or digit",
    )


def check_artifact_type(type_: object) -> str:
    return _check(
        type_,
        _NAME,
        MAX_TYPE_LENGTH,
        "Artifact type",
        "letters, digits, '.', '_' or '-', starting with a letter or digit",
    )


def check_alias(alias: object) -> str:
    alias = _check(
        alias,
        _ALIAS,
        MAX_ALIAS_LENGTH,
        "Alias",
        "letters, digits, '.', '_' or '-', starting with a letter",
    )
    if _VERSION.fullmatch(alias):
        raise InvalidInputError(
            f"Alias {alias!r} looks like a version number; pick another name", value=alias
        )
    return alias


def parse_version_selector(selector: str | int | None) -> tuple[int | None, str | None]:
    """``(version, alias)`` from what follows the colon: ``3``, ``"v3"``, ``"3"``, an
    alias, or None (= ``latest``)."""
    if selector is None:
        return None, LATEST
    if isinstance(selector, bool):
        raise InvalidInputError(f"Invalid version {selector!r}")
    if isinstance(selector, int):
        if selector < 1:
            raise InvalidInputError(f"Versions start at 1, got {selector}")
        return selector, None
    if not isinstance(selector, str) or not selector:
        raise InvalidInputError(f"Invalid version or alias {selector!r:.80}")
    match = _VERSION.fullmatch(selector)
    if match:
        number = int(match.group(1))
        if number < 1 or len(match.group(1)) > 9:
            raise InvalidInputError(f"Invalid version {selector!r:.40}: versions start at v1")
        return number, None
    return None, check_alias(selector)


def parse_ref(text: str | ArtifactRef) -> ArtifactRef:
    """Parse ``name``, ``name:v3``, ``name:3``, ``name:<alias>`` or
    ``artifacts:/name:<ref>``; a bare name means ``name:latest``."""
    if isinstance(text, ArtifactRef):
        return text
    if not isinstance(text, str) or not text:
        raise InvalidInputError(f"Artifact reference must be a non-empty string, got {text!r:.80}")
    body = text[len(URI_PREFIX) :] if text.startswith(URI_PREFIX) else text
    name, sep, selector = body.partition(":")
    if sep and (not selector or ":" in selector):
        raise InvalidInputError(
            f"Invalid artifact reference {text!r:.300}: expected name:v<N>, name:<N> "
            "or name:<alias>",
            value=text[:300],
        )
    name = check_artifact_name(name)
    version, alias = parse_version_selector(selector if sep else None)
    return ArtifactRef(name, version, alias)
