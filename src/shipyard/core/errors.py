"""The one exception tree of Shipyard, with stable error codes.

Every error carries an ``error_code`` (stable, documented in docs/errors.md) and an
``http_status`` the server uses when it turns the error into JSON
``{"error_code", "message"}``. The HTTP client turns that JSON back into the same class.

    ShipyardError                      SHIPYARD_ERROR        500
    ├── InvalidInputError              INVALID_INPUT         400
    │   ├── InvalidFilterError         INVALID_FILTER        400
    │   ├── ImmutableParamError        PARAM_IMMUTABLE       409
    │   ├── InvalidMetricValueError    INVALID_METRIC_VALUE  400
    │   ├── RequestTooLargeError       REQUEST_TOO_LARGE     413
    │   ├── RunNotActiveError          RUN_NOT_ACTIVE        400
    │   ├── FeatureValidationError     FEATURE_VALIDATION_FAILED 400
    │   ├── DataValidationError        DATA_VALIDATION_FAILED 400
    │   ├── InvalidPipelineError       INVALID_PIPELINE      400
    │   ├── InvalidScheduleError       INVALID_SCHEDULE      400
    │   ├── UnsupportedOutputError     UNSUPPORTED_OUTPUT    400
    │   ├── InvalidWebhookError        INVALID_WEBHOOK       400
    │   ├── ModelFormatError           MODEL_FORMAT_INVALID  400
    │   ├── ModelFlavorError           MODEL_FLAVOR          400
    │   ├── ModelSignatureError        MODEL_SIGNATURE_MISMATCH 400
    │   └── UnsafeModelError           UNSAFE_MODEL          400
    ├── NotFoundError                  NOT_FOUND             404
    │   ├── ProjectNotFoundError       PROJECT_NOT_FOUND     404
    │   ├── RunNotFoundError           RUN_NOT_FOUND         404
    │   ├── MetricNotFoundError        METRIC_NOT_FOUND      404
    │   ├── TokenNotFoundError         TOKEN_NOT_FOUND       404
    │   ├── ArtifactNotFoundError      ARTIFACT_NOT_FOUND    404
    │   ├── MediaNotFoundError         MEDIA_NOT_FOUND       404
    │   ├── BlobNotFoundError          BLOB_NOT_FOUND        404
    │   ├── FeatureNotFoundError       FEATURE_NOT_FOUND     404
    │   ├── PipelineNotFoundError      PIPELINE_NOT_FOUND    404
    │   ├── PipelineRunNotFoundError   PIPELINE_RUN_NOT_FOUND 404
    │   ├── ScheduleNotFoundError      SCHEDULE_NOT_FOUND    404
    │   ├── RegisteredModelNotFoundError REGISTERED_MODEL_NOT_FOUND 404
    │   ├── ModelVersionNotFoundError  MODEL_VERSION_NOT_FOUND 404
    │   ├── AliasNotFoundError         ALIAS_NOT_FOUND       404
    │   ├── WebhookNotFoundError       WEBHOOK_NOT_FOUND     404
    │   └── ReportNotFoundError        REPORT_NOT_FOUND      404
    ├── AlreadyExistsError             ALREADY_EXISTS        409
    │   ├── ProjectAlreadyExistsError  PROJECT_ALREADY_EXISTS 409
    │   ├── RunAlreadyExistsError      RUN_ALREADY_EXISTS    409
    │   ├── ScheduleAlreadyExistsError SCHEDULE_ALREADY_EXISTS 409
    │   └── RegisteredModelAlreadyExistsError REGISTERED_MODEL_ALREADY_EXISTS 409
    ├── AuthenticationError            UNAUTHENTICATED       401
    ├── PermissionDeniedError          PERMISSION_DENIED     403
    ├── ArtifactInUseError             ARTIFACT_IN_USE       409
    ├── SlotLeaseLostError             SLOT_LEASE_LOST       409
    ├── PipelineFailedError            PIPELINE_FAILED       500
    ├── StoreError                     STORE_ERROR           500
    │   └── BlobCorruptError           BLOB_CORRUPT          500
    └── BackendUnavailableError        BACKEND_UNAVAILABLE   503
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AliasNotFoundError",
    "AlreadyExistsError",
    "ArtifactInUseError",
    "ArtifactNotFoundError",
    "AuthenticationError",
    "BackendUnavailableError",
    "BlobCorruptError",
    "BlobNotFoundError",
    "DataValidationError",
    "FeatureNotFoundError",
    "FeatureValidationError",
    "ImmutableParamError",
    "InvalidFilterError",
    "InvalidInputError",
    "InvalidMetricValueError",
    "InvalidPipelineError",
    "InvalidScheduleError",
    "InvalidWebhookError",
    "MediaNotFoundError",
    "MetricNotFoundError",
    "ModelFlavorError",
    "ModelFormatError",
    "ModelSignatureError",
    "ModelVersionNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "PipelineFailedError",
    "PipelineNotFoundError",
    "PipelineRunNotFoundError",
    "ProjectAlreadyExistsError",
    "ProjectNotFoundError",
    "RegisteredModelAlreadyExistsError",
    "RegisteredModelNotFoundError",
    "ReportNotFoundError",
    "RequestTooLargeError",
    "RunAlreadyExistsError",
    "RunNotActiveError",
    "RunNotFoundError",
    "ScheduleAlreadyExistsError",
    "ScheduleNotFoundError",
    "ShipyardError",
    "SlotLeaseLostError",
    "StoreError",
    "TokenNotFoundError",
    "UnsafeModelError",
    "UnsupportedOutputError",
    "WebhookNotFoundError",
    "error_from_code",
]

_REGISTRY: dict[str, type[ShipyardError]] = {}


class ShipyardError(Exception):
    """Base of every error Shipyard raises on purpose."""

    error_code: ClassVar[str] = "SHIPYARD_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.error_code] = cls

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the server sends for this error."""
        body: dict[str, Any] = {"error_code": self.error_code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


_REGISTRY[ShipyardError.error_code] = ShipyardError


class InvalidInputError(ShipyardError):
    """The caller sent something malformed or out of range."""

    error_code = "INVALID_INPUT"
    http_status = 400


class InvalidFilterError(InvalidInputError):
    """A search filter or order-by clause does not parse; ``position`` is 0-based."""

    error_code = "INVALID_FILTER"
    http_status = 400

    def __init__(self, message: str, *, position: int | None = None, **details: Any) -> None:
        if position is not None:
            details["position"] = position
        super().__init__(message, **details)
        self.position = position


class ImmutableParamError(InvalidInputError):
    """A param was logged again with a different value."""

    error_code = "PARAM_IMMUTABLE"
    http_status = 409


class InvalidMetricValueError(InvalidInputError):
    """A metric value is not a real number."""

    error_code = "INVALID_METRIC_VALUE"
    http_status = 400


class RequestTooLargeError(InvalidInputError):
    """A request body or batch exceeds the configured limit."""

    error_code = "REQUEST_TOO_LARGE"
    http_status = 413


class RunNotActiveError(InvalidInputError):
    """Logging to a run that is finished or was only read."""

    error_code = "RUN_NOT_ACTIVE"
    http_status = 400


class FeatureValidationError(InvalidInputError):
    """Rows of an ingested batch break the feature view's schema; nothing was written.

    ``details["rows"]`` lists up to 100 ``{"row", "column", "reason"}`` problems and
    ``details["rejected"]`` counts the bad rows.
    """

    error_code = "FEATURE_VALIDATION_FAILED"
    http_status = 400


class DataValidationError(InvalidInputError):
    """A raw data set fails a check before it is stored (row count, nulls, value
    ranges, time spacing); ``details["check"]`` names the check, ``details["column"]``
    the column when there is one."""

    error_code = "DATA_VALIDATION_FAILED"
    http_status = 400


class InvalidWebhookError(InvalidInputError):
    """A webhook URL is refused: bad scheme, or it resolves to a private address."""

    error_code = "INVALID_WEBHOOK"
    http_status = 400


class InvalidPipelineError(InvalidInputError):
    """A pipeline or step definition is malformed, or its parameters do not fit it."""

    error_code = "INVALID_PIPELINE"
    http_status = 400


class InvalidScheduleError(InvalidInputError):
    """A cron expression, time zone, catch-up policy or time range is invalid."""

    error_code = "INVALID_SCHEDULE"
    http_status = 400


class UnsupportedOutputError(InvalidInputError):
    """A step returned a value no materializer can store (and pickle was not allowed)."""

    error_code = "UNSUPPORTED_OUTPUT"
    http_status = 400


class ModelFormatError(InvalidInputError):
    """A model folder is not a valid Shipyard model: ``model.yaml`` is missing or
    malformed, or a file does not match the digest ``model.yaml`` records."""

    error_code = "MODEL_FORMAT_INVALID"
    http_status = 400


class ModelFlavorError(InvalidInputError):
    """No flavor can save this model, the flavor named is unknown, or the library a
    flavor needs is not installed (the message names the extra to install)."""

    error_code = "MODEL_FLAVOR"
    http_status = 400


class ModelSignatureError(InvalidInputError):
    """Prediction input does not match the model's signature; ``details.column`` names
    the column."""

    error_code = "MODEL_SIGNATURE_MISMATCH"
    http_status = 400


class UnsafeModelError(InvalidInputError):
    """Saving or loading a model format that runs code when loaded (pickle), or a
    skops file holding untrusted types, without opting in."""

    error_code = "UNSAFE_MODEL"
    http_status = 400


class NotFoundError(ShipyardError):
    """Something that was asked for does not exist."""

    error_code = "NOT_FOUND"
    http_status = 404


class ProjectNotFoundError(NotFoundError):
    error_code = "PROJECT_NOT_FOUND"


class RunNotFoundError(NotFoundError):
    error_code = "RUN_NOT_FOUND"


class MetricNotFoundError(NotFoundError):
    error_code = "METRIC_NOT_FOUND"


class TokenNotFoundError(NotFoundError):
    error_code = "TOKEN_NOT_FOUND"


class ArtifactNotFoundError(NotFoundError):
    """No artifact with this name, or no version matching this version or alias."""

    error_code = "ARTIFACT_NOT_FOUND"


class MediaNotFoundError(NotFoundError):
    """No media item has this id."""

    error_code = "MEDIA_NOT_FOUND"


class BlobNotFoundError(NotFoundError):
    """No blob with this digest is in the blob store."""

    error_code = "BLOB_NOT_FOUND"


class FeatureNotFoundError(NotFoundError):
    """No entity, feature view, feature service or feature with this name (or version)."""

    error_code = "FEATURE_NOT_FOUND"


class RegisteredModelNotFoundError(NotFoundError):
    """No registered model with this name."""

    error_code = "REGISTERED_MODEL_NOT_FOUND"


class ModelVersionNotFoundError(NotFoundError):
    """The registered model has no such version (or it was deleted)."""

    error_code = "MODEL_VERSION_NOT_FOUND"


class AliasNotFoundError(NotFoundError):
    """The registered model has no such alias."""

    error_code = "ALIAS_NOT_FOUND"


class WebhookNotFoundError(NotFoundError):
    """No webhook with this id on the registered model."""

    error_code = "WEBHOOK_NOT_FOUND"


class PipelineNotFoundError(NotFoundError):
    error_code = "PIPELINE_NOT_FOUND"


class PipelineRunNotFoundError(NotFoundError):
    error_code = "PIPELINE_RUN_NOT_FOUND"


class ScheduleNotFoundError(NotFoundError):
    error_code = "SCHEDULE_NOT_FOUND"


class ReportNotFoundError(NotFoundError):
    """No report with this id (or version), or a share link that is unknown or revoked."""

    error_code = "REPORT_NOT_FOUND"


class AlreadyExistsError(ShipyardError):
    """Creating something whose unique name or id is taken."""

    error_code = "ALREADY_EXISTS"
    http_status = 409


class ProjectAlreadyExistsError(AlreadyExistsError):
    error_code = "PROJECT_ALREADY_EXISTS"


class RunAlreadyExistsError(AlreadyExistsError):
    error_code = "RUN_ALREADY_EXISTS"


class RegisteredModelAlreadyExistsError(AlreadyExistsError):
    error_code = "REGISTERED_MODEL_ALREADY_EXISTS"


class ScheduleAlreadyExistsError(AlreadyExistsError):
    error_code = "SCHEDULE_ALREADY_EXISTS"


class PipelineFailedError(ShipyardError):
    """A pipeline run ended with a failed step; ``details`` name the run and the step."""

    error_code = "PIPELINE_FAILED"
    http_status = 500


class AuthenticationError(ShipyardError):
    """No valid credentials were presented."""

    error_code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDeniedError(ShipyardError):
    """The credentials are valid but do not allow this action."""

    error_code = "PERMISSION_DENIED"
    http_status = 403


class ArtifactInUseError(ShipyardError):
    """Deleting an artifact version that runs consumed, without ``force``."""

    error_code = "ARTIFACT_IN_USE"
    http_status = 409


class SlotLeaseLostError(ShipyardError):
    """A scheduler renewed or finished a schedule slot whose lease it no longer holds
    (it expired and another scheduler took the slot over)."""

    error_code = "SLOT_LEASE_LOST"
    http_status = 409


class StoreError(ShipyardError):
    """The metadata database or blob store failed."""

    error_code = "STORE_ERROR"
    http_status = 500


class BlobCorruptError(StoreError):
    """A blob's bytes do not hash to its digest (or an upload did not match its digest)."""

    error_code = "BLOB_CORRUPT"
    http_status = 500


class BackendUnavailableError(ShipyardError):
    """The tracking server cannot be reached (the client retries these)."""

    error_code = "BACKEND_UNAVAILABLE"
    http_status = 503


def error_from_code(
    code: str, message: str, details: dict[str, Any] | None = None
) -> ShipyardError:
    """Rebuild the exception a server reported, falling back to the base class."""
    cls = _REGISTRY.get(code, ShipyardError)
    err = cls.__new__(cls)
    ShipyardError.__init__(err, message, **(details or {}))
    if isinstance(err, InvalidFilterError):
        err.position = (details or {}).get("position")
    return err
