//! An alert as an AWS Security Finding Format finding (`SECURITY_HUB_FINDINGS`): pure, so that
//! every field is tested without a network; importing it is `import.rs`.
//!
//! Everything in an event is attacker-chosen text: every string is cut to ASFF's limits on a
//! character boundary, and the finding's account is the one the responder gives (the event's
//! account, acted in through its member role), never one read from elsewhere in the payload.

use crate::Alert;
use crate::render::clip;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Note, Partition, Recommendation, RecordState, Remediation, Resource,
    Severity as FindingSeverity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use trailwarden_rules::{Outcome, Severity};

/// ASFF's schema version, the only one there is.
pub const ASFF_SCHEMA_VERSION: &str = "2018-10-08";

/// ASFF's limits, in characters (cut here in bytes, which is never more).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const NOTE_MAX: usize = 512;
const ID_MAX: usize = 512;
const PRODUCT_FIELD_MAX: usize = 2048;

/// Where a finding goes: the account it concerns, and the region and partition of the Security
/// Hub it is imported into (the function's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingTarget {
    pub account: String,
    pub region: String,
    pub partition: String,
}

impl FindingTarget {
    /// The account's own default product: what an account may import findings of itself through.
    pub fn product_arn(&self) -> String {
        format!(
            "arn:{p}:securityhub:{r}:{a}:product/{a}/default",
            p = self.partition,
            r = self.region,
            a = self.account
        )
    }
}

/// `critical` → `CRITICAL` ... `info` → `INFORMATIONAL`.
pub fn severity_label(severity: Severity) -> SeverityLabel {
    match severity {
        Severity::Critical => SeverityLabel::Critical,
        Severity::High => SeverityLabel::High,
        Severity::Medium => SeverityLabel::Medium,
        Severity::Low => SeverityLabel::Low,
        Severity::Info => SeverityLabel::Informational,
    }
}

/// `RESOLVED` when the change is undone (by trailwarden, or already by someone); `NEW` when a
/// person has to look: failed, alert only, dry-run, superseded by a later change, or allowed.
pub fn workflow_status(outcome: Outcome) -> WorkflowStatus {
    match outcome {
        Outcome::Reverted | Outcome::AlreadyReverted => WorkflowStatus::Resolved,
        Outcome::Failed
        | Outcome::AlertOnly
        | Outcome::WouldRevert
        | Outcome::Superseded
        | Outcome::Allowed => WorkflowStatus::New,
    }
}

/// A text safe as a part of a finding's id: kept as it is when it is a plain token (CloudTrail's
/// event ids are UUIDs; the scheduled check's `<id>/<trail>`), else its SHA-256, so that the same
/// text always gives the same id and no text can make it longer or strange.
fn id_part(text: &str) -> String {
    let plain = !text.is_empty()
        && text.len() <= 256
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@+=,".contains(&b));
    if plain {
        text.to_string()
    } else {
        let hash = Sha256::digest(text.as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256-{hex}")
    }
}

/// `trailwarden/<function>/<event id>`: a retry or a duplicate delivery of the event updates the
/// same finding.
pub fn finding_id(alert: &Alert) -> String {
    format!(
        "trailwarden/{}/{}",
        alert.function,
        id_part(&alert.event.id)
    )
}

/// `trailwarden/<function>/<rule>`: tripwire's rule, else the event name (an iam-guard or
/// trail-guard row answers by event name).
pub fn generator_id(alert: &Alert) -> String {
    let what = alert
        .rule
        .as_ref()
        .map_or(alert.event.name.as_str(), |rule| rule.id.as_str());
    format!("trailwarden/{}/{}", alert.function, id_part(what))
}

/// ASFF types (`namespace/category`) for what the event was.
pub fn finding_types(alert: &Alert) -> Vec<String> {
    let source = alert.event.source.as_str();
    let name = alert.event.name.as_str();
    let types: &[&str] = if alert.actor.kind == "CloudTrailInsight" {
        // An unusual rate of calls or errors: most often someone enumerating.
        &["TTPs/Discovery"]
    } else if name == "LogValidation" {
        &["TTPs/Defense Evasion", "Effects/Data Destruction"]
    } else if source == "iam.amazonaws.com" {
        match name {
            "CreateAccessKey"
            | "CreateLoginProfile"
            | "UpdateLoginProfile"
            | "UpdateAccessKey"
            | "CreateUser"
            | "CreateRole"
            | "UpdateAssumeRolePolicy" => &["TTPs/Persistence"],
            _ if name.starts_with("Delete") || name.starts_with("Detach") => {
                &["TTPs/Defense Evasion"]
            }
            _ => &["TTPs/Privilege Escalation"],
        }
    } else if name == "ConsoleLogin" {
        &["TTPs/Initial Access"]
    } else if name == "GetFederationToken" || name == "CreateAccessKey" {
        &["TTPs/Persistence"]
    } else if name.starts_with("Delete") || name == "ScheduleKeyDeletion" {
        // A trail, a bucket, a key, a detector: the audit trail or a defence destroyed.
        &["TTPs/Defense Evasion", "Effects/Data Destruction"]
    } else {
        // Trails, their keys and buckets, detective controls, trailwarden itself.
        &["TTPs/Defense Evasion"]
    };
    types.iter().map(|t| t.to_string()).collect()
}

/// The resources the event names, typed as ASFF types them; the account when it names none.
pub fn finding_resources(alert: &Alert, target: &FindingTarget) -> Vec<Resource> {
    let params = alert.record.get("requestParameters");
    let text = |key: &str| {
        params
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (p, r, a) = (&target.partition, &target.region, &target.account);
    let arn_or = |value: &str, made: String| {
        if value.starts_with("arn:") {
            value.to_string()
        } else {
            made
        }
    };
    let mut named: Vec<(&str, String)> = Vec::new();
    let mut add = |kind, id| named.push((kind, id));
    match alert.event.source.as_str() {
        "iam.amazonaws.com" => {
            let user = text("userName").or_else(|| {
                // CreateAccessKey for oneself names the user in the response only.
                alert
                    .record
                    .pointer("/responseElements/accessKey/userName")
                    .and_then(Value::as_str)
            });
            if let Some(user) = user {
                add("AwsIamUser", format!("arn:{p}:iam::{a}:user/{user}"));
            }
            if let Some(role) = text("roleName") {
                add("AwsIamRole", format!("arn:{p}:iam::{a}:role/{role}"));
            }
            if let Some(group) = text("groupName") {
                add("AwsIamGroup", format!("arn:{p}:iam::{a}:group/{group}"));
            }
            if let Some(policy) = text("policyArn").or_else(|| text("permissionsBoundary")) {
                add("AwsIamPolicy", policy.to_string());
            }
        }
        "kms.amazonaws.com" => {
            if let Some(key) = text("keyId") {
                add(
                    "AwsKmsKey",
                    arn_or(key, format!("arn:{p}:kms:{r}:{a}:key/{key}")),
                );
            }
        }
        "s3.amazonaws.com" => {
            if let Some(bucket) = text("bucketName") {
                add("AwsS3Bucket", format!("arn:{p}:s3:::{bucket}"));
            }
        }
        "cloudtrail.amazonaws.com" | "events.amazonaws.com" => {
            // `name` in CloudTrail's calls; `trail` in the scheduled check's record.
            // `*`: the scheduled check of a whole account, no one trail.
            let trail = text("name").or_else(|| text("trail")).filter(|t| *t != "*");
            if let Some(trail) = trail {
                add(
                    "AwsCloudTrailTrail",
                    arn_or(trail, format!("arn:{p}:cloudtrail:{r}:{a}:trail/{trail}")),
                );
            }
        }
        _ => {}
    }
    if named.is_empty() {
        named.push(("AwsAccount", format!("AWS::::Account:{a}")));
    }
    named
        .into_iter()
        .map(|(kind, id)| {
            Resource::builder()
                .r#type(kind)
                .id(clip(&id, ID_MAX))
                .partition(Partition::from(p.as_str()))
                .region(r)
                .build()
        })
        .collect()
}

/// What trailwarden did, for the finding's note.
fn what_was_done(alert: &Alert) -> String {
    let mut done = format!(
        "trailwarden {} ({}, {})",
        alert.function, alert.outcome, alert.mode
    );
    if alert.actions.is_empty() {
        done.push_str(": alerted, changed nothing.");
    } else {
        for (i, action) in alert.actions.iter().enumerate() {
            done.push_str(if i == 0 { ": " } else { "; " });
            done.push_str(&format!("{} ({})", action.action, action.status));
        }
        done.push('.');
    }
    if let Some(error) = &alert.error {
        done.push_str(&format!(" Error: {error}"));
    }
    done
}

/// The finding for `alert`, going to `target`, imported at `now` (RFC 3339). The same alert gives
/// the same finding but for `UpdatedAt` (and the note's time), which Security Hub needs later
/// for an update to be taken.
pub fn finding(alert: &Alert, target: &FindingTarget, now: &str) -> AwsSecurityFinding {
    let function = alert.function.as_str();
    let mut description = format!("{} Resource: {}.", alert.summary, alert.resource);
    if let Some(rule) = &alert.rule {
        description.push_str(&format!(" {}", rule.explanation));
    }
    let next_steps = if alert.next_steps.is_empty() {
        "Check that the change was intended.".to_string()
    } else {
        alert.next_steps.join(" ")
    };
    let mut fields = vec![
        ("trailwarden/EventId", alert.event.id.clone()),
        ("trailwarden/EventName", alert.event.name.clone()),
        ("trailwarden/EventSource", alert.event.source.clone()),
        ("trailwarden/EventRegion", alert.event.region.clone()),
        ("trailwarden/Actor", alert.actor.description.clone()),
        ("trailwarden/Function", function.to_string()),
        ("trailwarden/Mode", alert.mode.clone()),
        ("trailwarden/Outcome", alert.outcome.as_str().to_string()),
    ];
    if let Some(arn) = &alert.actor.arn {
        fields.push(("trailwarden/ActorArn", arn.clone()));
    }
    if let Some(rule) = &alert.rule {
        fields.push(("trailwarden/Rule", rule.id.clone()));
    }
    if let Some(link) = &alert.event.console_link {
        fields.push(("trailwarden/ConsoleLink", link.clone()));
    }
    let mut builder = AwsSecurityFinding::builder()
        .schema_version(ASFF_SCHEMA_VERSION)
        .id(finding_id(alert))
        .product_arn(target.product_arn())
        .generator_id(generator_id(alert))
        .aws_account_id(&target.account)
        .set_types(Some(finding_types(alert)))
        // The event's time: the same for a duplicate, so the finding keeps when it happened.
        .created_at(&alert.event.time)
        .updated_at(now)
        .severity(
            FindingSeverity::builder()
                .label(severity_label(alert.severity))
                .build(),
        )
        .title(clip(&alert.summary, TITLE_MAX))
        .description(clip(&description, DESCRIPTION_MAX))
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(clip(&next_steps, RECOMMENDATION_MAX))
                        .build(),
                )
                .build(),
        )
        .set_resources(Some(finding_resources(alert, target)))
        .workflow(
            Workflow::builder()
                .status(workflow_status(alert.outcome))
                .build(),
        )
        .record_state(RecordState::Active)
        .note(
            Note::builder()
                .text(clip(&what_was_done(alert), NOTE_MAX))
                .updated_by(format!("trailwarden/{function}"))
                .updated_at(now)
                .build(),
        );
    for (key, value) in fields {
        builder = builder.product_fields(key, clip(&value, PRODUCT_FIELD_MAX));
    }
    builder.build()
}
