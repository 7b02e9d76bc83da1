"""Identifiers: 32-hex run ids and friendly default run names."""

from __future__ import annotations

import re
import secrets
import uuid

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_ADJECTIVES = (
    "amber",
    "brave",
    "calm",
    "daring",
    "eager",
    "fancy",
    "gentle",
    "happy",
    "icy",
    "jolly",
    "keen",
    "lucky",
    "mellow",
    "noble",
    "proud",
    "quiet",
    "rapid",
    "silent",
    "tidy",
    "vivid",
)
_NOUNS = (
    "anchor",
    "buoy",
    "cove",
    "dock",
    "ensign",
    "ferry",
    "galley",
    "harbor",
    "isle",
    "jetty",
    "keel",
    "lagoon",
    "mast",
    "oar",
    "pier",
    "quay",
    "reef",
    "sail",
    "tide",
    "wharf",
)


def new_run_id() -> str:
    """A new run id: 32 lowercase hex digits (a uuid4), as MLflow uses."""
    return uuid.uuid4().hex


def is_run_id(value: str) -> bool:
    return bool(_RUN_ID.match(value))


def new_run_name() -> str:
    """A readable default run name such as ``brave-harbor-42``."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(100)}"
