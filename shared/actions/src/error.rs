use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use thiserror::Error;

/// What kind of failure an AWS call met: decides the alert's advice and whether a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The function's role lacks a permission: a person must grant it or act by hand.
    AccessDenied,
    /// The resource is gone.
    NotFound,
    /// Throttled beyond the SDK's retries, timed out, or AWS failed (5xx): a retry can help.
    Transient,
    /// The action ran but the state read back is not the intended one.
    NotInEffect,
    Other,
}

/// One AWS call that failed, with what a person needs to act on it.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{call} on {resource}: {message}")]
pub struct ActionError {
    /// The API call, as IAM names its permission (`cloudtrail:StartLogging`).
    pub call: &'static str,
    pub resource: String,
    pub kind: FailureKind,
    /// The AWS error code, when AWS gave one.
    pub code: Option<String>,
    pub message: String,
}

impl ActionError {
    pub fn from_sdk<E>(
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

    pub fn not_in_effect(
        call: &'static str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> ActionError {
        ActionError {
            call,
            resource: resource.into(),
            kind: FailureKind::NotInEffect,
            code: None,
            message: message.into(),
        }
    }
}
