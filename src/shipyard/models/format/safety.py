"""The opt-in for formats that run code when they are read.

Pickle (and cloudpickle) rebuild objects by calling whatever the file names: loading one
is running the author's code. MLflow's CVE-2024-37052..37060 are this exact hole in its
sklearn, pyfunc, pytorch, langchain and other flavors. Shipyard's default formats do not
run code (skops with type checks, native XGBoost/LightGBM, TorchScript, state dicts read
with ``weights_only``, ONNX, pyfunc by class path); pickle needs an explicit opt-in.
"""

from __future__ import annotations

import os

from shipyard.core.errors import UnsafeModelError

__all__ = ["ENV_ALLOW_UNSAFE", "require_unsafe_opt_in", "unsafe_allowed"]

ENV_ALLOW_UNSAFE = "SHIPYARD_ALLOW_UNSAFE_MODELS"
CVE_NOTE = "the hole behind MLflow's CVE-2024-37052..37060"


def unsafe_allowed(allow_unsafe: bool = False) -> bool:
    """``allow_unsafe`` or ``SHIPYARD_ALLOW_UNSAFE_MODELS=1``."""
    if allow_unsafe:
        return True
    return os.environ.get(ENV_ALLOW_UNSAFE, "").strip().lower() in ("1", "true", "yes")


def require_unsafe_opt_in(what: str, allow_unsafe: bool, *, saving: bool = False) -> None:
    """Raise ``UnsafeModelError`` explaining why ``what`` needs the opt-in."""
    if unsafe_allowed(allow_unsafe):
        return
    if saving:
        raise UnsafeModelError(
            f"{what} makes a model that runs arbitrary code when it is loaded ({CVE_NOTE}); "
            "prefer the flavor's safe format, or pass allow_unsafe=True to save it anyway",
        )
    raise UnsafeModelError(
        f"{what} runs arbitrary code while it is loaded: whoever could write the model "
        f"files can run code on this machine ({CVE_NOTE}). Load it only from a source you "
        f"trust, with allow_unsafe=True or {ENV_ALLOW_UNSAFE}=1",
    )
