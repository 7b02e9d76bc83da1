"""The model format: flavors, ``model.yaml``, signatures, safe loading.

Pure: this subpackage does not import the client, so anything that has a model folder
(a server, a batch job) can load one. Storing and finding models lives in
``shipyard.models`` on top of the client SDK.
"""

from shipyard.models.format.flavors import FLAVORS, PythonModel
from shipyard.models.format.load import LoadedModel, load_model_dir
from shipyard.models.format.safety import ENV_ALLOW_UNSAFE, unsafe_allowed
from shipyard.models.format.save import save_model
from shipyard.models.format.signature import ColumnSpec, Signature, TensorSpec
from shipyard.models.format.spec import MODEL_YAML, ModelSpec

__all__ = [
    "ENV_ALLOW_UNSAFE",
    "FLAVORS",
    "MODEL_YAML",
    "ColumnSpec",
    "LoadedModel",
    "ModelSpec",
    "PythonModel",
    "Signature",
    "TensorSpec",
    "load_model_dir",
    "save_model",
    "unsafe_allowed",
]
