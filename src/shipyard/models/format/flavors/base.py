"""What a flavor is: how to recognise, save and load one kind of model.

Flavors import their library lazily (it is an optional extra): recognising a model
looks only at the module names of its class hierarchy, so checking a scikit-learn model
never imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from shipyard.core.errors import ModelFlavorError

__all__ = [
    "Flavor",
    "LoadContext",
    "Predictor",
    "SaveContext",
    "SavedFlavor",
    "class_path",
    "comes_from",
    "require",
]


@dataclass(frozen=True)
class SaveContext:
    """What a flavor may use while saving."""

    input_example: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedFlavor:
    """A flavor's answer to ``save``: its file format, load info and libraries used."""

    format: str
    info: dict[str, Any]
    distributions: Sequence[str]
    code_executing: bool = False


@dataclass(frozen=True)
class LoadContext:
    """What a flavor may use while loading."""

    allow_unsafe: bool = False
    trusted_types: Sequence[str] = ()


@dataclass
class Predictor:
    """A loaded model: ``predict`` (and ``predict_proba`` when it has one) take the frame
    or array the signature prepared."""

    predict: Callable[[Any], Any]
    predict_proba: Callable[[Any], Any] | None = None
    classes: list[Any] | None = None
    raw: Any = None


class Flavor(Protocol):
    """One kind of model."""

    name: str

    def detect(self, model: Any) -> bool:
        """Whether ``model`` is of this flavor (without importing optional libraries)."""
        ...

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        """Write the model's files into ``folder``."""
        ...

    def code_executing(self, format: str) -> bool:
        """Whether reading ``format`` runs code stored in the files."""
        ...

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        """Read the files ``save`` wrote."""
        ...


def comes_from(model: Any, *packages: str) -> bool:
    """Whether any class in ``type(model)``'s hierarchy is defined in one of ``packages``."""
    for cls in type(model).__mro__:
        root = (getattr(cls, "__module__", "") or "").split(".", 1)[0]
        if root in packages:
            return True
    return False


def require(module: str, extra: str) -> ModuleType:
    """Import an optional library, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelFlavorError(
            f"this model needs {module!r}, which is not installed: pip install 'shipyard[{extra}]'"
        ) from exc


def class_path(obj_or_cls: Any) -> str:
    """``module:QualName`` of a class (or of an instance's class), refusing classes that
    cannot be imported back (defined in ``__main__`` or inside a function)."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    module, qualname = cls.__module__, cls.__qualname__
    if module == "__main__" or "<locals>" in qualname:
        raise ModelFlavorError(
            f"class {qualname} is defined in {'a function' if '<locals>' in qualname else module}"
            " and cannot be imported when the model is loaded: move it into a module"
        )
    return f"{module}:{qualname}"


def import_class(path: str) -> type:
    """The class ``module:QualName`` names. Only classes are returned, and never one from
    the standard library or builtins: a ``model.yaml`` someone edited must not be able
    to make the loader instantiate ``subprocess.Popen``."""
    import sys

    module_name, _, qualname = path.partition(":")
    if not module_name or not qualname:
        raise ModelFlavorError(f"class path {path!r} must look like 'package.module:Class'")
    root = module_name.split(".", 1)[0]
    if root in sys.stdlib_module_names or root == "builtins":
        raise ModelFlavorError(f"class path {path!r} names a standard-library object; refused")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ModelFlavorError(
            f"cannot import {path!r} to load the model ({exc}); install the package that defines it"
        ) from exc
    if not isinstance(obj, type):
        raise ModelFlavorError(f"{path!r} is not a class")
    return obj
