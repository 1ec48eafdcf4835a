//! KMS actions on a trail's key: cancel its deletion, enable it. Each reads the key's state
//! first (DescribeKey), acts unless in dry-run, and reads it back.

use crate::error::FromSdk;
use crate::remediation::{Remediation, Standing, StepReport, remediate};
use crate::{ActionError, TrailClients};
use trailwarden_events::Region;
use trailwarden_rules::Mode;

/// The key's state as KMS names it: `Enabled`, `Disabled`, `PendingDeletion`, ...
pub(crate) async fn key_state(
    clients: &TrailClients,
    key: &str,
    region: &Region,
) -> Result<String, ActionError> {
    let out = clients
        .kms
        .get(region)
        .describe_key()
        .key_id(key_id(key))
        .send()
        .await
        .map_err(|e| ActionError::from_sdk("kms:DescribeKey", resource(key, region), &e))?;
    Ok(out
        .key_metadata()
        .and_then(|m| m.key_state())
        .map_or_else(|| "Unknown".to_string(), |s| s.as_str().to_string()))
}

/// The key id of a key ARN: the call already goes to the key's region, and KMS (and the local
/// emulator, which knows keys only by id) takes the id there.
fn key_id(key: &str) -> &str {
    key.rsplit_once(":key/").map_or(key, |(_, id)| id)
}

fn resource(key: &str, region: &Region) -> String {
    format!("KMS key {key} ({region})")
}

/// What is done to a trail's key.
#[derive(Clone, Copy)]
enum KeyFix {
    CancelDeletion,
    Enable,
}

impl KeyFix {
    fn call(self) -> &'static str {
        match self {
            KeyFix::CancelDeletion => "kms:CancelKeyDeletion",
            KeyFix::Enable => "kms:EnableKey",
        }
    }

    fn holds(self, state: &str) -> bool {
        match self {
            KeyFix::CancelDeletion => state != "PendingDeletion",
            KeyFix::Enable => state == "Enabled",
        }
    }
}

/// A key put back in a state that lets the trail log.
struct KeyChange<'a> {
    clients: &'a TrailClients,
    key: &'a str,
    region: &'a Region,
    fix: KeyFix,
}

impl Remediation for KeyChange<'_> {
    type State = String;

    async fn read(&self) -> Result<String, ActionError> {
        key_state(self.clients, self.key, self.region).await
    }

    fn standing(&self, state: &String) -> Standing {
        if self.fix.holds(state) {
            Standing::InEffect
        } else {
            Standing::Needed
        }
    }

    fn describe(&self, state: &String) -> String {
        format!("{} is {state}", resource(self.key, self.region))
    }

    async fn act(&self) -> Result<(), ActionError> {
        let kms = self.clients.kms.get(self.region);
        let (id, call, resource) = (
            key_id(self.key),
            self.fix.call(),
            resource(self.key, self.region),
        );
        match self.fix {
            KeyFix::CancelDeletion => kms
                .cancel_key_deletion()
                .key_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ActionError::from_sdk(call, resource, &e)),
            KeyFix::Enable => kms
                .enable_key()
                .key_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ActionError::from_sdk(call, resource, &e)),
        }
    }

    fn not_in_effect(&self, after: &String) -> ActionError {
        let message = match self.fix {
            KeyFix::CancelDeletion => {
                "CancelKeyDeletion succeeded but the key is still pending deletion".to_string()
            }
            KeyFix::Enable => format!("EnableKey succeeded but the key is {after}"),
        };
        ActionError::not_in_effect(self.fix.call(), resource(self.key, self.region), message)
    }
}

/// Check, cancel, read back: three calls, one when no deletion is pending.
pub(crate) async fn cancel_key_deletion(
    clients: &TrailClients,
    key: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    let fix = KeyFix::CancelDeletion;
    remediate(
        &KeyChange {
            clients,
            key,
            region,
            fix,
        },
        mode,
    )
    .await
}

/// Check, enable, read back: three calls, one when the key is enabled.
pub(crate) async fn enable_key(
    clients: &TrailClients,
    key: &str,
    region: &Region,
    mode: Mode,
) -> StepReport {
    let fix = KeyFix::Enable;
    remediate(
        &KeyChange {
            clients,
            key,
            region,
            fix,
        },
        mode,
    )
    .await
}
