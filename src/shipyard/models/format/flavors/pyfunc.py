"""``pyfunc``: a user class with ``predict``, saved as its importable class path plus its
parameters (JSON) and files, never pickled.

Parameters come from ``get_params()`` when the class has it (then the loader calls
``cls(**params)``), else from ``flavor_options["params"]`` (also passed to the
constructor), else from the instance's attributes, which must all be JSON values (then
the loader restores them without calling ``__init__``). Files in
``flavor_options["artifacts"]`` (name → path) are copied into the model; at load time
``load_context(artifacts)`` receives name → local path when the class defines it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipyard.core.errors import ModelFlavorError, ModelFormatError
from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    class_path,
    import_class,
)
from shipyard.models.format.requirements import distribution_of_module

ARTIFACTS_DIR = "artifacts"


class PythonModel:
    """Optional base for pyfunc models: override ``predict``; ``load_context`` receives
    the model's files (name → path) after loading."""

    def load_context(self, artifacts: Mapping[str, Path]) -> None:
        """Called once after loading with the files logged in ``flavor_options``."""

    def predict(self, data: Any) -> Any:
        raise NotImplementedError


def _json_checked(values: Mapping[str, Any], what: str) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ModelFlavorError(
                f"pyfunc {what} {key!r} is a {type(value).__name__}, not a JSON value; "
                "store it as a file in flavor_options['artifacts'] and read it in "
                "load_context, or give get_params()"
            ) from exc
        clean[str(key)] = value
    return clean


class PyfuncFlavor:
    name = "pyfunc"

    def detect(self, model: Any) -> bool:
        return isinstance(model, PythonModel) or callable(getattr(model, "predict", None))

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        if not callable(getattr(model, "predict", None)):
            raise ModelFlavorError(f"a pyfunc model needs a predict method; {type(model)} has none")
        path = class_path(model)
        if "params" in ctx.options:
            params, mode = _json_checked(ctx.options["params"], "param"), "init"
        elif callable(getattr(model, "get_params", None)):
            params, mode = _json_checked(model.get_params(), "param"), "init"
        else:
            state = {k: v for k, v in vars(model).items() if not k.startswith("__")}
            params, mode = _json_checked(state, "attribute"), "state"
        names = _copy_artifacts(ctx.options.get("artifacts") or {}, folder)
        module = path.split(":", 1)[0]
        info = {"class": path, "params": params, "mode": mode, "artifacts": names}
        return SavedFlavor("class_path", info, ["numpy", "pandas", *distribution_of_module(module)])

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        cls = import_class(str(info.get("class", "")))
        if not callable(getattr(cls, "predict", None)):
            raise ModelFormatError(f"{info.get('class')!r} has no predict method")
        params = dict(info.get("params") or {})
        if info.get("mode") == "state":
            model: Any = object.__new__(cls)
            model.__dict__.update(params)
        else:
            model = cls(**params)
        artifacts = {n: folder / ARTIFACTS_DIR / n for n in info.get("artifacts") or []}
        if callable(getattr(model, "load_context", None)):
            model.load_context(artifacts)
        proba = getattr(model, "predict_proba", None)
        return Predictor(predict=model.predict, predict_proba=proba, raw=model)


def _copy_artifacts(artifacts: Mapping[str, Any], folder: Path) -> list[str]:
    names = []
    for name, source in artifacts.items():
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ModelFlavorError(f"artifact name {name!r} must be a plain file name")
        src = Path(source)
        dest = folder / ARTIFACTS_DIR / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest)
        elif src.is_file():
            shutil.copyfile(src, dest)
        else:
            raise ModelFlavorError(f"pyfunc artifact {name!r}: {src} does not exist")
        names.append(name)
    return sorted(names)
