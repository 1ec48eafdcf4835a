//! How a failed AWS SDK call becomes an [`ActionError`]: its [`FailureKind`] decides the alert's
//! advice and whether a retry can help. The types live in `trailwarden_rules::outcome`.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
pub use trailwarden_rules::outcome::{ActionError, FailureKind};

/// [`ActionError::from_sdk`]: an SDK error read for its code, its kind and its message.
pub trait FromSdk {
    fn from_sdk<E>(
        call: &'static str,
        resource: impl Into<String>,
        err: &SdkError<E, HttpResponse>,
    ) -> ActionError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static;
}

impl FromSdk for ActionError {
    fn from_sdk<E>(
        call: &'static str,
        resource: impl Into<String>,
        err: &SdkError<E, HttpResponse>,
    ) -> ActionError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(String::from);
        let kind = match (err, code.as_deref()) {
            (_, Some(c))
                if c.starts_with("AccessDenied")
                    || c == "UnauthorizedOperation"
                    || c == "AuthorizationError" =>
            {
                FailureKind::AccessDenied
            }
            (_, Some(c))
                if c == "NoSuchEntity" || c.ends_with("NotFoundException") || c == "NotFound" =>
            {
                FailureKind::NotFound
            }
            (_, Some(c))
                if c.contains("Throttl")
                    || c == "RequestLimitExceeded"
                    || c == "ServiceUnavailable"
                    || c == "InternalFailure" =>
            {
                FailureKind::Transient
            }
            (
                SdkError::TimeoutError(_)
                | SdkError::DispatchFailure(_)
                | SdkError::ResponseError(_),
                _,
            ) => FailureKind::Transient,
            (SdkError::ServiceError(e), _) if e.raw().status().is_server_error() => {
                FailureKind::Transient
            }
            _ => FailureKind::Other,
        };
        let message = match err.message() {
            Some(m) => format!("{} ({})", m, code.as_deref().unwrap_or("no error code")),
            None => DisplayErrorContext(err).to_string(),
        };
        ActionError {
            call,
            resource: resource.into(),
            kind,
            code,
            message,
        }
    }
}
