"""``LoadedModel``: a model read from a folder, predicting through its signature."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipyard.core.errors import InvalidInputError
from shipyard.models.format.flavors import LoadContext, Predictor, get_flavor
from shipyard.models.format.safety import require_unsafe_opt_in
from shipyard.models.format.signature import Signature, to_frame
from shipyard.models.format.spec import ModelSpec, verify_files

__all__ = ["LoadedModel", "load_model_dir"]


class LoadedModel:
    """A loaded model. ``predict`` takes a DataFrame, a dict, a list of records or an
    ndarray and checks it against the signature first; ``metadata`` is its model.yaml."""

    def __init__(
        self, spec: ModelSpec, predictor: Predictor, path: Path, uri: str | None = None
    ) -> None:
        self.spec = spec
        self._predictor = predictor
        self.path = path
        self.uri = uri or str(path)
        self.signature = None if spec.signature is None else Signature.from_dict(spec.signature)
        self.model_version: Any = None  # the registry's ModelVersion, for models:/ URIs
        self.artifact_ref: str | None = None  # name:vN of the model artifact, if stored

    @property
    def metadata(self) -> dict[str, Any]:
        """The model.yaml, as a dict."""
        return self.spec.to_dict()

    @property
    def flavor(self) -> str:
        return self.spec.flavor

    @property
    def classes(self) -> list[Any] | None:
        return self._predictor.classes

    @property
    def raw(self) -> Any:
        """The underlying library object (an estimator, Booster, ScriptModule, session)."""
        return self._predictor.raw

    @property
    def has_predict_proba(self) -> bool:
        return self._predictor.predict_proba is not None

    def prepare(self, data: Any) -> Any:
        """The input as the model is fed: checked and coerced by the signature."""
        if self.signature is None:
            return data if hasattr(data, "shape") else to_frame(data)
        return self.signature.prepare(data)

    def predict(self, data: Any) -> Any:
        return self._predictor.predict(self.prepare(data))

    def predict_proba(self, data: Any) -> Any:
        """Class probabilities (classifiers that have them)."""
        if self._predictor.predict_proba is None:
            raise InvalidInputError(f"this {self.flavor} model has no predict_proba")
        return self._predictor.predict_proba(self.prepare(data))

    def __repr__(self) -> str:
        return f"LoadedModel({self.uri!r}, flavor={self.flavor!r}, format={self.spec.format!r})"


def load_model_dir(
    path: str | Path,
    *,
    allow_unsafe: bool = False,
    trusted_types: Sequence[str] = (),
    uri: str | None = None,
) -> LoadedModel:
    """Read a saved model: verify every file's digest, refuse code-executing formats
    without the opt-in, then load through the flavor."""
    folder = Path(path)
    spec = ModelSpec.read(folder)
    flavor = get_flavor(spec.flavor)
    verify_files(folder, spec)
    # The flavor decides whether its format runs code, not what model.yaml claims.
    if flavor.code_executing(spec.format):
        require_unsafe_opt_in(f"a {spec.flavor} ({spec.format}) model", allow_unsafe)
    ctx = LoadContext(allow_unsafe=allow_unsafe, trusted_types=tuple(trusted_types))
    predictor = flavor.load(folder, spec.format, spec.flavor_info, ctx)
    return LoadedModel(spec, predictor, folder, uri)
