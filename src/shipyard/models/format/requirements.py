"""Pinned requirements: the versions of the libraries a model was saved with."""

from __future__ import annotations

import importlib.metadata as md
from collections.abc import Iterable

__all__ = ["distribution_of_module", "pinned"]


def pinned(distributions: Iterable[str], extra: Iterable[str] = ()) -> list[str]:
    """``name==version`` for each installed distribution (missing ones are left out),
    followed by ``extra`` as given; duplicates removed, order kept."""
    seen: dict[str, str] = {}
    for name in distributions:
        try:
            seen.setdefault(name.lower(), f"{name}=={md.version(name)}")
        except md.PackageNotFoundError:
            continue
    for requirement in extra:
        seen.setdefault(requirement.strip().lower(), requirement.strip())
    return list(seen.values())


def distribution_of_module(module: str) -> list[str]:
    """The distributions providing top-level package ``module`` (empty if none)."""
    root = module.split(".", 1)[0]
    return list(md.packages_distributions().get(root, []))
