//! The action log in the stack's table (`IAM_JOURNAL_TABLE`, partition key
//! [`trailwarden_rules::action_log::PARTITION`]): written by the guards that change things, read
//! by `trailwarden actions`. What an entry says is `trailwarden_rules::action_log`.

use crate::error::{ActionError, FromSdk};
use crate::journal::Journal;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use trailwarden_events::EventTime;
use trailwarden_rules::ActionLogEntry;
use trailwarden_rules::action_log::PARTITION;

/// The log: the journal's table, and how long an entry is kept (`ACTION_LOG_RETENTION_DAYS`).
#[derive(Clone, Debug)]
pub struct ActionLog {
    table: Journal,
    retention_days: u32,
}

impl ActionLog {
    pub fn new(sdk: &SdkConfig, table: impl Into<String>, retention_days: u32) -> ActionLog {
        ActionLog {
            table: Journal::new(sdk, table),
            retention_days,
        }
    }

    /// Writes each entry (an entry of the same step and event at the same second is the same one:
    /// written again, not twice). How many were written.
    pub async fn write(&self, entries: &[(usize, ActionLogEntry)]) -> Result<usize, ActionError> {
        let expires_at = EventTime::now().epoch_seconds() + i64::from(self.retention_days) * 86_400;
        for (step, entry) in entries {
            let mut item = item_of(entry);
            item.insert("pk".into(), AttributeValue::S(PARTITION.into()));
            item.insert("sk".into(), AttributeValue::S(entry.sort_key(*step)));
            item.insert(
                "expires_at".into(),
                AttributeValue::N(expires_at.to_string()),
            );
            self.table
                .dynamodb
                .put_item()
                .table_name(&self.table.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| ActionError::from_sdk("dynamodb:PutItem", &self.table.table, &e))?;
        }
        Ok(entries.len())
    }

    /// The entries from `since` to `until` (inclusive, to the second), newest first.
    pub async fn list(
        &self,
        since: Option<EventTime>,
        until: Option<EventTime>,
    ) -> Result<Vec<ActionLogEntry>, ActionError> {
        // Sort keys start with the time: `~` sorts after every character a key's tail holds, `0`
        // before every year (DynamoDB refuses an empty key value).
        let from = since.map(|t| t.to_string()).unwrap_or_else(|| "0".into());
        let to = format!(
            "{}~",
            until
                .map(|t| t.to_string())
                .unwrap_or_else(|| "9999".into())
        );
        let query = self
            .table
            .dynamodb
            .query()
            .table_name(&self.table.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(PARTITION.into()))
            .expression_attribute_values(":from", AttributeValue::S(from))
            .expression_attribute_values(":to", AttributeValue::S(to))
            .scan_index_forward(false);
        self.table
            .all_items(query)
            .await?
            .iter()
            .map(|item| {
                entry_of(item).ok_or_else(|| ActionError {
                    call: "dynamodb:Query",
                    resource: self.table.table.clone(),
                    kind: crate::FailureKind::Other,
                    code: None,
                    message: format!(
                        "an item of the action log lacks a field: {:?}",
                        item.get("sk")
                    ),
                })
            })
            .collect()
    }
}

/// The entry's fields as the item's attributes, by the names of its JSON (`trailwarden actions
/// --json` prints the same names); a field with no value is left out.
fn item_of(entry: &ActionLogEntry) -> HashMap<String, AttributeValue> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(entry) else {
        return HashMap::new();
    };
    fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            serde_json::Value::String(text) => Some((name, AttributeValue::S(text))),
            _ => None,
        })
        .collect()
}

fn entry_of(item: &HashMap<String, AttributeValue>) -> Option<ActionLogEntry> {
    let fields: serde_json::Map<String, serde_json::Value> = item
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "pk" | "sk" | "expires_at"))
        .filter_map(|(name, value)| {
            value
                .as_s()
                .ok()
                .map(|text| (name.clone(), serde_json::Value::String(text.clone())))
        })
        .collect();
    let mut fields = serde_json::Value::Object(fields);
    // Fields left out when empty.
    for optional in ["state_before", "state_after", "error"] {
        if fields.get(optional).is_none() {
            fields[optional] = serde_json::Value::Null;
        }
    }
    serde_json::from_value(fields).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_the_same_after_the_table() {
        let entry = ActionLogEntry {
            time: "2026-12-07T15:00:00Z".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            resource: "arn:aws:iam::123456789012:user/alice".into(),
            action: "detach policy X from user alice".into(),
            state_before: Some("user alice has X".into()),
            state_after: None,
            event_id: "e-1".into(),
            event_name: "AttachUserPolicy".into(),
            function: "iam-guard".into(),
            outcome: "failed".into(),
            error: Some("iam:DetachUserPolicy on user alice: denied".into()),
        };
        let item = item_of(&entry);
        assert_eq!(item.len(), 11, "state_after, being None, is left out");
        assert_eq!(entry_of(&item), Some(entry));
    }
}
