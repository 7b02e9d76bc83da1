"""Models: save, log, register, load, evaluate and promote.

    mv = sy.models.log_model(model, "churn", input_example=X[:5])   # in a run
    model = sy.models.load("models:/churn@champion")
    model.predict(df)                      # checked against the signature
    sy.evaluate("models:/churn/3", holdout, target="label")
    sy.models.promote("churn", candidate=3, metric="f1", data=holdout, target="label")

``shipyard.models.format`` is the model format itself (flavors, model.yaml, signatures,
safe loading) and does not import the client; the functions here store and find models
through the client SDK (artifacts for the files, the registry for versions and aliases).
Importing this package registers ``MODEL_MATERIALIZER`` with ``shipyard.pipelines``, so
pipeline steps can return models (stored in the model format, never pickled).
"""

from shipyard.models.evaluate import EvaluationResult, evaluate
from shipyard.models.evaluation.core import SliceMetrics
from shipyard.models.format import (
    ENV_ALLOW_UNSAFE,
    ColumnSpec,
    LoadedModel,
    ModelSpec,
    PythonModel,
    Signature,
    TensorSpec,
    load_model_dir,
    save_model,
)
from shipyard.models.log import load, log_model
from shipyard.models.materializer import MODEL_MATERIALIZER
from shipyard.models.promote import PromotionDecision, promote

__all__ = [
    "ENV_ALLOW_UNSAFE",
    "MODEL_MATERIALIZER",
    "ColumnSpec",
    "EvaluationResult",
    "LoadedModel",
    "ModelSpec",
    "PromotionDecision",
    "PythonModel",
    "Signature",
    "SliceMetrics",
    "TensorSpec",
    "evaluate",
    "load",
    "load_model_dir",
    "log_model",
    "promote",
    "save_model",
]
