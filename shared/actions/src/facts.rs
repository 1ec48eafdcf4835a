//! Gathers the facts iam-guard's decisions ask for ([`FactQuery`]): CloudTrail event history for
//! the earlier change of a resource and for its changes after the event, a policy's version list,
//! a policy's attachments. Whatever
//! cannot be read or is not certain becomes [`Fact::Unknown`] with the reason; the decision then
//! quarantines rather than guesses.

use crate::error::FromSdk;
use crate::{ActionError, IamClients};
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime;
use serde_json::Value;
use trailwarden_events::{Arn, EventTime, Record, Region};
use trailwarden_rules::{Fact, FactQuery, Facts, LaterChange, Principal, PrincipalKind, Subject};

/// How far back CloudTrail event history goes.
const HISTORY_DAYS: i64 = 90;
/// Why history is not trusted before it holds the event itself.
pub const NOT_YET_IN_HISTORY: &str = "event history does not hold this event yet (CloudTrail adds events minutes after they happen), so a change made just before it may be missing too";
/// An event younger than this has no later change in event history yet (CloudTrail adds events
/// minutes after they happen), so none is looked up: the common case, an event delivered within
/// seconds, costs no call.
const LATER_CHANGE_MIN_AGE_SECONDS: i64 = 60;
/// Pages of `LookupEvents` read per event name (50 events a page).
const MAX_PAGES: usize = 4;

/// Answers every query of iam-guard's decisions; never fails (an unreadable fact is `Unknown`).
pub async fn gather(clients: &IamClients, queries: &[FactQuery]) -> Facts {
    let mut facts = Facts::new();
    for query in queries {
        let fact = match query {
            FactQuery::PreviousState {
                subject,
                before,
                event_id,
            } => previous_state(clients, subject, *before, event_id).await,
            FactQuery::PreviousDefaultVersion {
                policy,
                new_default,
                before,
                event_id,
            } => previous_default(clients, policy, new_default, *before, event_id).await,
            FactQuery::AttachedTo { policy } => attached_to(clients, policy).await,
            FactQuery::PolicyDocument { policy } => policy_document(clients, policy).await,
            FactQuery::GroupPolicies { group } => group_policies(clients, group).await,
            FactQuery::GroupMembers { group } => match group_members(clients, group).await {
                Ok(members) => Fact::Principals(members),
                Err(e) => Fact::Unknown(e.to_string()),
            },
            FactQuery::LaterChanges {
                subject,
                after,
                event_id,
            } => later_changes(clients, subject, *after, event_id, EventTime::now()).await,
            FactQuery::Trail { .. } | FactQuery::TrailsIn { .. } | FactQuery::TrailState { .. } => {
                Fact::Unknown(format!("{query:?} is a trail fact, not iam-guard's"))
            }
        };
        note(&mut facts, query, fact);
    }
    facts
}

/// Keeps one answer, and logs it redacted: facts carry documents and key ids an attacker wrote.
pub(crate) fn note(facts: &mut Facts, query: &FactQuery, fact: Fact) {
    tracing::info!(query = %trailwarden_events::redact::redact_text(&format!("{query:?}")), fact = %trailwarden_events::redact::redact_text(&format!("{fact:?}")), "fact");
    facts.insert(query.clone(), fact);
}

/// One earlier change found in event history: when, and the state it left.
struct Change {
    time: EventTime,
    state: Option<String>,
}

/// What event history holds for one event name.
struct History {
    /// Every successful record of the last 90 days up to the event, the event itself excepted.
    earlier: Vec<Record>,
    /// Whether history already holds the event itself. CloudTrail takes minutes to add an event
    /// to its history, longer than EventBridge takes to deliver it: until the event is there, a
    /// change made just before it may be missing too, and the latest change found is not certain.
    holds_the_event: bool,
}

/// The `event_name` records of the last 90 days up to `before` (event `event_id`).
async fn history(
    clients: &IamClients,
    event_name: &str,
    before: EventTime,
    event_id: &str,
) -> Result<History, String> {
    let start = before.epoch_seconds() - HISTORY_DAYS * 86_400;
    // One second past the event, so that the event itself is in the range.
    let records = records(clients, event_name, start, before.epoch_seconds() + 1).await?;
    let mut found = History {
        earlier: Vec::new(),
        holds_the_event: false,
    };
    for record in records {
        if record.event_id == event_id {
            found.holds_the_event = true;
        } else if !record.failed() && record.event_time <= before {
            found.earlier.push(record);
        }
    }
    Ok(found)
}

/// Every `event_name` record event history holds between `start` and `end` (epoch seconds).
async fn records(
    clients: &IamClients,
    event_name: &str,
    start: i64,
    end: i64,
) -> Result<Vec<Record>, String> {
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(event_name)
        .build()
        .map_err(|e| e.to_string())?;
    // IAM is global; its events are recorded in us-east-1.
    let region = Region::parse("IAM's home region", "us-east-1").map_err(|e| e.to_string())?;
    let client = clients.cloudtrail.get(&region);
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let out = client
            .lookup_events()
            .lookup_attributes(attribute.clone())
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .max_results(50)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                ActionError::from_sdk("cloudtrail:LookupEvents", event_name.to_string(), &e)
                    .to_string()
            })?;
        for event in out.events() {
            let Some(text) = event.cloud_trail_event() else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if let Ok(record) = Record::from_value(&value) {
                found.push(record);
            }
        }
        match out.next_token() {
            Some(next) => token = Some(next.to_string()),
            None => return Ok(found),
        }
    }
    Err(format!(
        "more than {} {event_name} events in event history; they were not searched to the end",
        MAX_PAGES * 50
    ))
}

/// The successful changes of `subject` after `after` (event `event_id`), earliest first.
async fn later_changes(
    clients: &IamClients,
    subject: &Subject,
    after: EventTime,
    event_id: &str,
    now: EventTime,
) -> Fact {
    if now.epoch_seconds() - after.epoch_seconds() < LATER_CHANGE_MIN_AGE_SECONDS {
        return Fact::Changes(vec![]);
    }
    let mut changes = Vec::new();
    for event_name in subject.changed_by() {
        let found = match records(
            clients,
            event_name,
            after.epoch_seconds(),
            now.epoch_seconds() + 1,
        )
        .await
        {
            Ok(found) => found,
            Err(why) => return Fact::Unknown(format!("event history could not be read: {why}")),
        };
        // Strictly later: within the event's own second the order is not known, and the event's
        // change is then reverted rather than left.
        changes.extend(
            found
                .into_iter()
                .filter(|r| {
                    r.event_id != event_id
                        && !r.failed()
                        && r.event_time > after
                        && subject.state_left_by(r).is_some()
                })
                .map(|r| LaterChange {
                    event_name: r.event_name.clone(),
                    time: r.event_time,
                    actor: r.actor.clone(),
                }),
        );
    }
    changes.sort_by_key(|c| c.time);
    Fact::Changes(changes)
}

async fn previous_state(
    clients: &IamClients,
    subject: &Subject,
    before: EventTime,
    event_id: &str,
) -> Fact {
    let mut latest: Option<Change> = None;
    let mut holds_the_event = false;
    for event_name in subject.changed_by() {
        let found = match history(clients, event_name, before, event_id).await {
            Ok(found) => found,
            Err(why) => return Fact::Unknown(format!("event history could not be read: {why}")),
        };
        holds_the_event |= found.holds_the_event;
        for record in found.earlier {
            if let Some(state) = subject.state_left_by(&record)
                && latest.as_ref().is_none_or(|l| record.event_time > l.time)
            {
                latest = Some(Change {
                    time: record.event_time,
                    state,
                });
            }
        }
    }
    if !holds_the_event {
        return Fact::Unknown(NOT_YET_IN_HISTORY.into());
    }
    if let Some(change) = latest {
        return Fact::previous(subject, change.state);
    }
    // Nothing in 90 days: certain only if the principal itself is younger than the history.
    let principal = match subject {
        Subject::InlinePolicy { principal, .. } | Subject::PermissionsBoundary { principal } => {
            principal
        }
        _ => {
            return Fact::Unknown(format!(
                "no earlier change of the {subject} in {HISTORY_DAYS} days of event history"
            ));
        }
    };
    match created(clients, principal).await {
        Ok(created) if created > before.epoch_seconds() - (HISTORY_DAYS - 1) * 86_400 => {
            Fact::previous(subject, None)
        }
        Ok(_) => Fact::Unknown(format!(
            "no earlier change of the {subject} in {HISTORY_DAYS} days of event history, and {principal} is older than that"
        )),
        Err(e) => Fact::Unknown(format!("the age of {principal} could not be read: {e}")),
    }
}

/// When a principal was created, in seconds since the epoch.
async fn created(clients: &IamClients, p: &Principal) -> Result<i64, ActionError> {
    let iam = &clients.iam;
    let resource = p.to_string();
    let date = match p.kind {
        PrincipalKind::User => iam
            .get_user()
            .user_name(&p.name)
            .send()
            .await
            .map_err(|e| ActionError::from_sdk("iam:GetUser", resource.clone(), &e))?
            .user()
            .map(|u| u.create_date().secs()),
        PrincipalKind::Role => iam
            .get_role()
            .role_name(&p.name)
            .send()
            .await
            .map_err(|e| ActionError::from_sdk("iam:GetRole", resource.clone(), &e))?
            .role()
            .map(|r| r.create_date().secs()),
        PrincipalKind::Group => iam
            .get_group()
            .group_name(&p.name)
            .send()
            .await
            .map_err(|e| ActionError::from_sdk("iam:GetGroup", resource.clone(), &e))?
            .group()
            .map(|g| g.create_date().secs()),
    };
    date.ok_or_else(|| ActionError::not_in_effect("iam:Get", resource, "no creation date"))
}

async fn previous_default(
    clients: &IamClients,
    policy: &Arn,
    new_default: &str,
    before: EventTime,
    event_id: &str,
) -> Fact {
    let versions = match clients
        .iam
        .list_policy_versions()
        .policy_arn(policy.to_string())
        .send()
        .await
    {
        Ok(out) => out
            .versions()
            .iter()
            .filter_map(|v| v.version_id().map(String::from))
            .filter(|v| v != new_default)
            .collect::<Vec<_>>(),
        Err(e) => {
            return Fact::Unknown(
                ActionError::from_sdk("iam:ListPolicyVersions", policy.to_string(), &e).to_string(),
            );
        }
    };
    // Even one other version is not known to have been the default before: the call may have
    // made default what already was, or the event may be forged. Only history says.
    if versions.is_empty() {
        return Fact::Unknown(format!("{policy} has no version besides {new_default}"));
    }
    // The latest earlier change of the default, from event history.
    let mut latest: Option<Change> = None;
    let mut holds_the_event = false;
    for event_name in [
        "SetDefaultPolicyVersion",
        "CreatePolicyVersion",
        "CreatePolicy",
    ] {
        let found = match history(clients, event_name, before, event_id).await {
            Ok(found) => found,
            Err(why) => return Fact::Unknown(format!("event history could not be read: {why}")),
        };
        holds_the_event |= found.holds_the_event;
        for record in found.earlier {
            let version = match event_name {
                "SetDefaultPolicyVersion" => (record.request_str("policyArn")
                    == Some(&policy.to_string()))
                .then(|| record.request_str("versionId").map(String::from))
                .flatten(),
                "CreatePolicyVersion" => {
                    let default = record
                        .request_parameters
                        .as_ref()
                        .and_then(|p| p.get("setAsDefault"))
                        .is_some_and(|v| v.as_bool() == Some(true));
                    (default && record.request_str("policyArn") == Some(&policy.to_string()))
                        .then(|| {
                            record
                                .response_elements
                                .as_ref()?
                                .pointer("/policyVersion/versionId")?
                                .as_str()
                                .map(String::from)
                        })
                        .flatten()
                }
                _ => record
                    .response_elements
                    .as_ref()
                    .and_then(|e| e.pointer("/policy/arn"))
                    .and_then(Value::as_str)
                    .filter(|arn| *arn == policy.to_string())
                    .map(|_| "v1".to_string()),
            };
            if let Some(version) = version
                && latest.as_ref().is_none_or(|l| record.event_time > l.time)
            {
                latest = Some(Change {
                    time: record.event_time,
                    state: Some(version),
                });
            }
        }
    }
    if !holds_the_event {
        return Fact::Unknown(NOT_YET_IN_HISTORY.into());
    }
    match latest.and_then(|c| c.state) {
        Some(version) if versions.contains(&version) => Fact::DefaultVersion(version),
        Some(version) => Fact::Unknown(format!(
            "the previous default {version} of {policy} no longer exists"
        )),
        None => Fact::Unknown(format!(
            "{policy} has {} other versions and event history does not say which was the default",
            versions.len()
        )),
    }
}

/// The document of a managed policy's default version, decoded (IAM returns it URL-encoded).
async fn policy_document(clients: &IamClients, policy: &Arn) -> Fact {
    let arn = policy.to_string();
    let default = match clients.iam.get_policy().policy_arn(&arn).send().await {
        Ok(out) => out
            .policy()
            .and_then(|p| p.default_version_id())
            .map(String::from),
        Err(e) => {
            return Fact::Unknown(ActionError::from_sdk("iam:GetPolicy", arn, &e).to_string());
        }
    };
    let Some(version) = default else {
        return Fact::Unknown(format!("{arn} reports no default version"));
    };
    match clients
        .iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(&version)
        .send()
        .await
    {
        Ok(out) => match out
            .policy_version()
            .and_then(|v| v.document())
            .and_then(crate::iam::parse_document)
        {
            Some(document) => Fact::Document(Some(document.to_string())),
            None => Fact::Unknown(format!(
                "version {version} of {arn} has no readable document"
            )),
        },
        Err(e) => Fact::Unknown(ActionError::from_sdk("iam:GetPolicyVersion", arn, &e).to_string()),
    }
}

/// Pages read of a list IAM paginates (100 entries a page by default).
const MAX_LIST_PAGES: usize = 10;

/// Users and roles the policy is attached to, and the members of its groups (every page).
async fn attached_to(clients: &IamClients, policy: &Arn) -> Fact {
    let mut holders: Vec<Principal> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let out = match clients
            .iam
            .list_entities_for_policy()
            .policy_arn(policy.to_string())
            .set_marker(marker.take())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return Fact::Unknown(
                    ActionError::from_sdk("iam:ListEntitiesForPolicy", policy.to_string(), &e)
                        .to_string(),
                );
            }
        };
        holders.extend(
            out.policy_users()
                .iter()
                .filter_map(|u| u.user_name().map(Principal::user)),
        );
        holders.extend(
            out.policy_roles()
                .iter()
                .filter_map(|r| r.role_name().map(Principal::role)),
        );
        groups.extend(
            out.policy_groups()
                .iter()
                .filter_map(|g| g.group_name().map(String::from)),
        );
        marker = out.marker().map(String::from);
        if !out.is_truncated() || marker.is_none() {
            marker = None;
            break;
        }
    }
    if marker.is_some() {
        return Fact::Unknown(format!(
            "{policy} is attached to more than {MAX_LIST_PAGES} pages of principals"
        ));
    }
    for group in groups {
        match group_members(clients, &group).await {
            Ok(members) => holders.extend(members),
            Err(e) => return Fact::Unknown(e.to_string()),
        }
    }
    holders.sort();
    holders.dedup();
    Fact::Principals(holders)
}

/// Every statement of a group's inline and attached policies, as one document.
async fn group_policies(clients: &IamClients, group: &str) -> Fact {
    let resource = format!("group {group}");
    let mut statements: Vec<Value> = Vec::new();
    let mut add = |document: Value| match document.get("Statement") {
        Some(Value::Array(all)) => statements.extend(all.iter().cloned()),
        Some(one @ Value::Object(_)) => statements.push(one.clone()),
        _ => {}
    };
    let names = match clients
        .iam
        .list_group_policies()
        .group_name(group)
        .max_items(1000)
        .send()
        .await
    {
        Ok(out) if !out.is_truncated() => out.policy_names().to_vec(),
        Ok(_) => return Fact::Unknown(format!("{resource} has more than 1000 inline policies")),
        Err(e) => {
            return Fact::Unknown(
                ActionError::from_sdk("iam:ListGroupPolicies", resource.clone(), &e).to_string(),
            );
        }
    };
    for name in names {
        match clients
            .iam
            .get_group_policy()
            .group_name(group)
            .policy_name(&name)
            .send()
            .await
        {
            Ok(out) => match crate::iam::parse_document(out.policy_document()) {
                Some(document) => add(document),
                None => {
                    return Fact::Unknown(format!(
                        "inline policy {name} of {resource} is not readable"
                    ));
                }
            },
            Err(e) => {
                return Fact::Unknown(
                    ActionError::from_sdk("iam:GetGroupPolicy", resource.clone(), &e).to_string(),
                );
            }
        }
    }
    let attached = match clients
        .iam
        .list_attached_group_policies()
        .group_name(group)
        .max_items(1000)
        .send()
        .await
    {
        Ok(out) if !out.is_truncated() => out
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect::<Vec<_>>(),
        Ok(_) => return Fact::Unknown(format!("{resource} has more than 1000 attached policies")),
        Err(e) => {
            return Fact::Unknown(
                ActionError::from_sdk("iam:ListAttachedGroupPolicies", resource.clone(), &e)
                    .to_string(),
            );
        }
    };
    for arn in attached {
        let Ok(policy) = Arn::parse("PolicyArn", &arn) else {
            return Fact::Unknown(format!("{arn} is not an ARN"));
        };
        match policy_document(clients, &policy).await {
            Fact::Document(Some(text)) => match serde_json::from_str(&text) {
                Ok(document) => add(document),
                Err(_) => return Fact::Unknown(format!("{arn} is not readable")),
            },
            other => return other,
        }
    }
    Fact::Document(Some(
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
    ))
}

/// The users of a group (every page).
async fn group_members(clients: &IamClients, group: &str) -> Result<Vec<Principal>, ActionError> {
    let mut members = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let out = clients
            .iam
            .get_group()
            .group_name(group)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| ActionError::from_sdk("iam:GetGroup", format!("group {group}"), &e))?;
        members.extend(out.users().iter().map(|u| Principal::user(u.user_name())));
        if !out.is_truncated() {
            return Ok(members);
        }
        marker = out.marker().map(String::from);
    }
    Err(ActionError::not_in_effect(
        "iam:GetGroup",
        format!("group {group}"),
        format!("more than {MAX_LIST_PAGES} pages of members"),
    ))
}
