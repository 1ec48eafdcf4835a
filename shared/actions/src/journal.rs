//! The journal of IAM state in DynamoDB (`IAM_JOURNAL_TABLE`): what a version is and which one to
//! put back is `trailwarden_rules::journal`; here its items are read and written. Always with the
//! function's own credentials (the table is the central stack's), whichever account a version is
//! of.

use crate::error::{ActionError, FromSdk};
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use trailwarden_events::EventTime;
use trailwarden_rules::Subject;
use trailwarden_rules::journal::{
    Origin, Version, inline_names, partition_key, previous_of, prior_state, subject_of_key,
};

/// The table's index of every item by account (partition key `account`, sort key `pk`): what the
/// snapshot reads to know the journal's latest state of each of an account's subjects.
pub const ACCOUNT_INDEX: &str = "account";

pub use trailwarden_rules::JOURNAL_PERMISSIONS;

/// The journal table.
#[derive(Clone, Debug)]
pub struct Journal {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: String,
}

impl Journal {
    pub fn new(sdk: &SdkConfig, table: impl Into<String>) -> Journal {
        Journal {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            table: table.into(),
        }
    }

    /// Every version of `subject` in `account`, oldest first.
    pub async fn versions(
        &self,
        account: &str,
        subject: &Subject,
    ) -> Result<Vec<Version>, ActionError> {
        let Some(pk) = partition_key(account, subject) else {
            return Ok(vec![]);
        };
        let query = self
            .dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .consistent_read(true);
        self.all_items(query)
            .await?
            .iter()
            .map(|item| version_of(account, subject.clone(), item))
            .collect()
    }

    /// What the journal knows of `subject`'s state before `before` ([`previous_of`]): its own
    /// versions, and for an inline policy it never saw, its principal's policy names.
    pub async fn previous(
        &self,
        account: &str,
        subject: &Subject,
        before: EventTime,
    ) -> Result<Option<(Option<String>, String)>, ActionError> {
        let versions = self.versions(account, subject).await?;
        let names = match subject {
            Subject::InlinePolicy { principal, .. } if prior_state(&versions, before).is_none() => {
                self.versions(account, &inline_names(principal)).await?
            }
            _ => vec![],
        };
        Ok(previous_of(subject, &versions, &names, before))
    }

    /// The journal's latest version of each subject of `account`, by partition key.
    pub async fn latest_of_account(
        &self,
        account: &str,
    ) -> Result<HashMap<String, Version>, ActionError> {
        let query = self
            .dynamodb
            .query()
            .table_name(&self.table)
            .index_name(ACCOUNT_INDEX)
            .key_condition_expression("account = :a")
            .expression_attribute_values(":a", AttributeValue::S(account.to_string()));
        let mut latest: HashMap<String, Version> = HashMap::new();
        for item in self.all_items(query).await? {
            let Some(pk) = text(&item, "pk") else {
                continue;
            };
            let Some(subject) = subject_of_key(account, pk) else {
                continue;
            };
            let version = version_of(account, subject, &item)?;
            if latest.get(pk).is_none_or(|l| version.sk() > l.sk()) {
                latest.insert(pk.to_string(), version);
            }
        }
        Ok(latest)
    }

    /// Every item a query finds, page after page.
    pub(crate) async fn all_items(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, ActionError> {
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| ActionError::from_sdk("dynamodb:Query", &self.table, &e))?;
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }

    /// Writes `version` unless its item is there already (the same event twice, a retry):
    /// `Ok(true)` when written.
    pub async fn write(&self, version: &Version) -> Result<bool, ActionError> {
        let Some(item) = item_of(version) else {
            return Ok(false);
        };
        let out = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(ActionError::from_sdk("dynamodb:PutItem", &self.table, &e)),
        }
    }
}

/// The item of a version: its keys, the account (the index), what the state is and where it
/// came from, and when it expires.
pub fn item_of(version: &Version) -> Option<HashMap<String, AttributeValue>> {
    let s = |text: &str| AttributeValue::S(text.to_string());
    let mut item = HashMap::from([
        ("pk".to_string(), s(&version.pk()?)),
        ("sk".to_string(), s(&version.sk())),
        ("account".to_string(), s(&version.account)),
        ("subject".to_string(), s(&version.subject.to_string())),
        ("holds_from".to_string(), s(&version.from.to_string())),
        (
            "expires_at".to_string(),
            AttributeValue::N(version.expires_at().to_string()),
        ),
    ]);
    match &version.state {
        Some(state) => item.insert("state".into(), s(state)),
        None => item.insert("absent".into(), AttributeValue::Bool(true)),
    };
    match &version.origin {
        Origin::Snapshot => {
            item.insert("origin".into(), s("snapshot"));
        }
        Origin::Change {
            event_id,
            actor,
            trusted,
        } => {
            item.insert("origin".into(), s("change"));
            item.insert("event_id".into(), s(event_id));
            item.insert("actor".into(), s(actor));
            item.insert("trusted".into(), AttributeValue::Bool(*trusted));
        }
        Origin::Revert { event_id } => {
            item.insert("origin".into(), s("revert"));
            item.insert("event_id".into(), s(event_id));
        }
    }
    Some(item)
}

fn text<'a>(item: &'a HashMap<String, AttributeValue>, key: &str) -> Option<&'a str> {
    item.get(key)?.as_s().ok().map(String::as_str)
}

/// A version read back. An item that does not say what it is, is an error, never a state to
/// put back.
fn version_of(
    account: &str,
    subject: Subject,
    item: &HashMap<String, AttributeValue>,
) -> Result<Version, ActionError> {
    let bad = |why: &str| ActionError {
        call: "dynamodb:Query",
        resource: format!("the journal's item of the {subject}"),
        kind: trailwarden_rules::FailureKind::Other,
        code: None,
        message: why.to_string(),
    };
    let from = text(item, "holds_from")
        .and_then(|t| EventTime::parse(t).ok())
        .ok_or_else(|| bad("no readable holds_from"))?;
    let state = match (text(item, "state"), item.get("absent")) {
        (Some(state), None) => Some(state.to_string()),
        (None, Some(AttributeValue::Bool(true))) => None,
        _ => return Err(bad("neither a state nor absent")),
    };
    let event_id = || {
        text(item, "event_id")
            .map(String::from)
            .ok_or_else(|| bad("no event_id"))
    };
    let origin = match text(item, "origin") {
        Some("snapshot") => Origin::Snapshot,
        Some("change") => Origin::Change {
            event_id: event_id()?,
            actor: text(item, "actor").unwrap_or("unknown").to_string(),
            // Unsaid is untrusted: never a state to put back.
            trusted: matches!(item.get("trusted"), Some(AttributeValue::Bool(true))),
        },
        Some("revert") => Origin::Revert {
            event_id: event_id()?,
        },
        _ => return Err(bad("no known origin")),
    };
    Ok(Version {
        account: account.to_string(),
        subject,
        from,
        state,
        origin,
    })
}

/// The state `subject` is in now, as IAM answers (`None`: absent).
pub async fn current_of(
    clients: &crate::IamClients,
    subject: &Subject,
) -> Result<Option<String>, ActionError> {
    use crate::iam::{boundaries, inline, trust, versions};
    match subject {
        Subject::InlinePolicy { principal, name } => {
            inline::inline_policy(clients, principal, name).await
        }
        Subject::TrustPolicy { role } => trust::trust_policy(clients, role).await,
        Subject::PermissionsBoundary { principal } => {
            boundaries::boundary(clients, principal).await
        }
        Subject::DefaultVersion { policy } => versions::default_version(clients, policy).await,
        other => Err(ActionError::not_in_effect(
            "iam:Get*",
            other.to_string(),
            "the journal keeps no state of it",
        )),
    }
}

/// A trusted change as the journal keeps it: trusted only while IAM holds the state its event
/// says it left. The event's text is not proof (whoever can invoke the function can hand it any
/// event, and a forged change by an allowed principal must never become a state to put back):
/// when IAM holds another state, or the principal is gone, the version is kept untrusted (a later
/// change has its own event). An error when IAM cannot be read, so that the event is retried.
pub async fn verified(
    clients: &crate::IamClients,
    version: &Version,
) -> Result<Version, ActionError> {
    let Origin::Change {
        event_id,
        actor,
        trusted: true,
    } = &version.origin
    else {
        return Ok(version.clone());
    };
    let holds = match current_of(clients, &version.subject).await {
        Ok(current) => match (current.as_deref(), version.state.as_deref()) {
            (Some(now), Some(said)) => crate::iam::same_document(now, said),
            (None, None) => true,
            _ => false,
        },
        Err(e) if e.kind == crate::FailureKind::NotFound => false,
        Err(e) => return Err(e),
    };
    Ok(Version {
        origin: Origin::Change {
            event_id: event_id.clone(),
            actor: actor.clone(),
            trusted: holds,
        },
        ..version.clone()
    })
}

/// At most this many items in one `BatchWriteItem` (DynamoDB's limit).
const BATCH: usize = 25;

impl Journal {
    /// Writes the snapshot's versions, 25 a call; what DynamoDB leaves unprocessed is sent again
    /// (a few times, then an error: nothing is dropped silently). Each has the snapshot's own key,
    /// so no condition is needed.
    pub async fn write_all(&self, versions: &[Version]) -> Result<usize, ActionError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut written = 0;
        for chunk in versions.chunks(BATCH) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .filter_map(item_of)
                .map(|item| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item))
                                .build()
                                .expect("a put request with an item"),
                        )
                        .build()
                })
                .collect();
            let count = requests.len();
            for attempt in 0.. {
                let out = self
                    .dynamodb
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| {
                        ActionError::from_sdk("dynamodb:BatchWriteItem", &self.table, &e)
                    })?;
                requests = out
                    .unprocessed_items()
                    .and_then(|left| left.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                if attempt == 4 {
                    return Err(ActionError {
                        call: "dynamodb:BatchWriteItem",
                        resource: self.table.clone(),
                        kind: trailwarden_rules::FailureKind::Transient,
                        code: None,
                        message: format!(
                            "{} of the snapshot's versions were still unprocessed after 5 tries",
                            requests.len()
                        ),
                    });
                }
                tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
            }
            written += count;
        }
        Ok(written)
    }
}

/// Every piece of IAM state the journal keeps, as the account holds it now, in a few paginated
/// `GetAccountAuthorizationDetails` calls: each inline policy of each user, role and group (and
/// their names, `.../inline/*`), each role's trust policy, each user's and role's boundary (or its
/// absence), each customer managed policy's default version. IAM returns the documents URL-encoded: they are decoded, as `GetUserPolicy` and
/// CloudTrail give them.
pub async fn current_state(
    iam: &aws_sdk_iam::Client,
) -> Result<Vec<(Subject, Option<String>)>, ActionError> {
    use aws_sdk_iam::types::EntityType;
    use trailwarden_rules::{Principal, PrincipalKind};
    let boundary = |b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>| {
        b.and_then(|b| b.permissions_boundary_arn())
            .map(String::from)
    };
    let mut state = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = iam
            .get_account_authorization_details()
            .filter(EntityType::User)
            .filter(EntityType::Role)
            .filter(EntityType::Group)
            .filter(EntityType::LocalManagedPolicy)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| {
                ActionError::from_sdk("iam:GetAccountAuthorizationDetails", "the account", &e)
            })?;
        for user in out.user_detail_list() {
            let Some(name) = user.user_name() else {
                continue;
            };
            let principal = Principal::user(name);
            inline_of(&principal, user.user_policy_list(), &mut state);
            let principal = Subject::PermissionsBoundary { principal };
            state.push((principal, boundary(user.permissions_boundary())));
        }
        for role in out.role_detail_list() {
            let Some(name) = role.role_name() else {
                continue;
            };
            let principal = Principal::role(name);
            inline_of(&principal, role.role_policy_list(), &mut state);
            if let Some(trust) = role.assume_role_policy_document() {
                let role = name.to_string();
                state.push((Subject::TrustPolicy { role }, Some(decoded(trust))));
            }
            let principal = Subject::PermissionsBoundary { principal };
            state.push((principal, boundary(role.permissions_boundary())));
        }
        for group in out.group_detail_list() {
            let Some(name) = group.group_name() else {
                continue;
            };
            let principal = Principal {
                kind: PrincipalKind::Group,
                name: name.to_string(),
            };
            inline_of(&principal, group.group_policy_list(), &mut state);
        }
        for policy in out.policies() {
            let (Some(arn), Some(version)) = (policy.arn(), policy.default_version_id()) else {
                continue;
            };
            if let Ok(policy) = trailwarden_events::Arn::parse("Arn", arn) {
                let subject = Subject::DefaultVersion { policy };
                state.push((subject, Some(version.to_string())));
            }
        }
        match (out.is_truncated(), out.marker()) {
            (true, Some(next)) => marker = Some(next.to_string()),
            _ => return Ok(state),
        }
    }
}

/// A document as IAM returns it, URL-decoded (as it is when not encoded at all).
fn decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|d| d.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// A principal's inline policies, each with its document, and their names.
fn inline_of(
    principal: &trailwarden_rules::Principal,
    policies: &[aws_sdk_iam::types::PolicyDetail],
    state: &mut Vec<(Subject, Option<String>)>,
) {
    let names = policies.iter().filter_map(|p| p.policy_name());
    state.push((
        trailwarden_rules::journal::inline_names(principal),
        Some(trailwarden_rules::journal::names_state(names)),
    ));
    for policy in policies {
        if let (Some(name), Some(document)) = (policy.policy_name(), policy.policy_document()) {
            let subject = Subject::InlinePolicy {
                principal: principal.clone(),
                name: name.to_string(),
            };
            state.push((subject, Some(decoded(document))));
        }
    }
}

/// The snapshot of one account: its IAM state read with `iam` (the account's own credentials),
/// compared with the journal's latest, and what differs written.
pub async fn take_snapshot(
    iam: &aws_sdk_iam::Client,
    journal: &Journal,
    account: &str,
) -> Result<trailwarden_rules::journal::SnapshotTaken, ActionError> {
    let at = EventTime::now();
    let current = current_state(iam).await?;
    let read = current.len();
    let latest = journal.latest_of_account(account).await?;
    let writes = trailwarden_rules::journal::snapshot_writes(account, at, current, &latest);
    let written = journal.write_all(&writes).await?;
    Ok(trailwarden_rules::journal::SnapshotTaken { read, written })
}
