"""PyTorch: TorchScript by default (scripted, or traced on the input example), or a state
dict plus the module's class path (``flavor_options={"format": "state_dict",
"init_kwargs": {...}}``). State dicts are read with ``weights_only=True`` (no pickle
code runs); the class must be an importable ``torch.nn.Module`` subclass."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shipyard.core.errors import ModelFlavorError, ModelFormatError
from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    class_path,
    comes_from,
    import_class,
    require,
)

SCRIPT_FILE = "model.pt"
STATE_FILE = "state_dict.pt"
FORMATS = ("torchscript", "state_dict")


class TorchFlavor:
    name = "torch"

    def detect(self, model: Any) -> bool:
        return comes_from(model, "torch") and hasattr(model, "state_dict")

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        torch = require("torch", "torch")
        fmt = str(ctx.options.get("format", "torchscript"))
        if fmt not in FORMATS:
            raise ModelFlavorError(f"torch format {fmt!r} is unknown; use one of {FORMATS}")
        if fmt == "state_dict":
            return _save_state_dict(torch, model, folder, ctx)
        scripted = _script(torch, model, ctx.input_example)
        torch.jit.save(scripted, str(folder / SCRIPT_FILE))
        return SavedFlavor("torchscript", {}, ["torch", "numpy"])

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        torch = require("torch", "torch")
        if format == "torchscript":
            module = torch.jit.load(str(folder / SCRIPT_FILE), map_location="cpu")
        elif format == "state_dict":
            module = _load_state_dict(torch, folder, info)
        else:
            raise ModelFormatError(f"torch format {format!r} is unknown; expected {FORMATS}")
        module.eval()

        def predict(x: Any) -> Any:
            array = x.to_numpy() if hasattr(x, "to_numpy") else np.asarray(x)
            with torch.no_grad():
                out = module(torch.as_tensor(array))
            return out.detach().cpu().numpy()

        return Predictor(predict=predict, raw=module)


def _script(torch: Any, model: Any, example: Any) -> Any:
    if isinstance(model, torch.jit.ScriptModule):
        return model
    try:
        return torch.jit.script(model)
    except Exception as script_error:  # TorchScript raises many types; fall back to trace
        if example is None:
            raise ModelFlavorError(
                f"the module does not script ({type(script_error).__name__}: "
                f"{str(script_error)[:200]}); pass input_example= so it can be traced, or "
                "flavor_options={'format': 'state_dict'}"
            ) from script_error
        array = example.to_numpy() if hasattr(example, "to_numpy") else np.asarray(example)
        try:
            return torch.jit.trace(model.eval(), torch.as_tensor(array))
        except Exception as exc:
            raise ModelFlavorError(f"the module neither scripts nor traces: {exc}") from exc


def _save_state_dict(torch: Any, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
    init_kwargs = dict(ctx.options.get("init_kwargs") or {})
    try:
        json.dumps(init_kwargs)
    except TypeError as exc:
        raise ModelFlavorError(f"init_kwargs must be JSON values: {exc}") from exc
    path = class_path(model)
    torch.save(model.state_dict(), str(folder / STATE_FILE))
    return SavedFlavor(
        "state_dict", {"class": path, "init_kwargs": init_kwargs}, ["torch", "numpy"]
    )


def _load_state_dict(torch: Any, folder: Path, info: Mapping[str, Any]) -> Any:
    cls = import_class(str(info.get("class", "")))
    if not issubclass(cls, torch.nn.Module):
        raise ModelFormatError(f"{info.get('class')!r} is not a torch.nn.Module subclass")
    module = cls(**dict(info.get("init_kwargs") or {}))
    state = torch.load(str(folder / STATE_FILE), map_location="cpu", weights_only=True)
    module.load_state_dict(state)
    return module
