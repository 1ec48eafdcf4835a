//! [`import_finding`]: one `BatchImportFindings` call of one finding, apart from the finding
//! itself (`finding.rs`) so that building it needs no network.

use aws_sdk_securityhub::types::AwsSecurityFinding;
use aws_smithy_types::error::display::DisplayErrorContext;
use thiserror::Error;

/// Why a finding was not imported. The alert still goes out, saying so.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FindingError {
    /// The call failed: no permission, Security Hub not enabled, unreachable.
    #[error("securityhub:BatchImportFindings failed in account {account}: {message}")]
    CallFailed { account: String, message: String },
    /// The call went through but Security Hub refused the finding.
    #[error("Security Hub refused finding {id} in account {account}: {code}: {message}")]
    Refused {
        account: String,
        id: String,
        code: String,
        message: String,
    },
    /// No credentials for the finding's account (its member role cannot be assumed, or the
    /// function has none).
    #[error("no way to import into account {account}: {detail}")]
    NoAccess { account: String, detail: String },
}

/// Imports `finding` through `client`, whose credentials must be those of the finding's account
/// (an account imports findings of itself through its default product).
pub async fn import_finding(
    client: &aws_sdk_securityhub::Client,
    finding: AwsSecurityFinding,
) -> Result<(), FindingError> {
    let account = finding.aws_account_id().unwrap_or_default().to_string();
    let id = finding.id().unwrap_or_default().to_string();
    let output = client
        .batch_import_findings()
        .findings(finding)
        .send()
        .await
        .map_err(|e| FindingError::CallFailed {
            account: account.clone(),
            message: crate::render::clip(&DisplayErrorContext(&e).to_string(), 400),
        })?;
    if output.failed_count().unwrap_or(0) > 0 {
        let failed = output.failed_findings().first();
        return Err(FindingError::Refused {
            account,
            id,
            code: failed
                .and_then(|f| f.error_code())
                .unwrap_or("unknown")
                .to_string(),
            message: failed
                .and_then(|f| f.error_message())
                .unwrap_or("no message")
                .to_string(),
        });
    }
    Ok(())
}
