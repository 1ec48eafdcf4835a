//! Where the last validation of each trail stopped, so that the next run (log-auditor's hourly
//! schedule) starts there and a missed run is caught up: one item per account, trail and region in
//! the stack's DynamoDB table (`IAM_JOURNAL_TABLE`), under its own partition key, apart from the
//! journal's items (no `account` attribute, so the snapshot's index never sees them).

use crate::chain::Link;
use crate::store::StoreError;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::{BTreeMap, HashMap};

/// The partition key of every position.
pub const PARTITION: &str = "log-validation";

/// The permissions [`Positions`] needs on the table.
pub const PERMISSIONS: &[&str] = &["dynamodb:Query", "dynamodb:PutItem"];

#[derive(Debug, Clone)]
pub struct Positions {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: String,
}

fn dynamodb(call: &'static str, e: impl std::error::Error) -> StoreError {
    StoreError::DynamoDb {
        call,
        message: DisplayErrorContext(e).to_string(),
    }
}

/// `<account>#<trail ARN>#`: the sort keys of a trail's positions begin with it.
fn trail_key(account: &str, trail: &str) -> String {
    format!("{account}#{trail}#")
}

impl Positions {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Positions {
        Positions {
            dynamodb,
            table: table.into(),
        }
    }

    /// The last digest validated in each region of `trail` in `account`.
    pub async fn load(
        &self,
        account: &str,
        trail: &str,
    ) -> Result<BTreeMap<String, Link>, StoreError> {
        let prefix = trail_key(account, trail);
        let mut positions = BTreeMap::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :sk)")
                .expression_attribute_values(":pk", AttributeValue::S(PARTITION.into()))
                .expression_attribute_values(":sk", AttributeValue::S(prefix.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| dynamodb("Query", e))?;
            for item in page.items() {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
                let region = text("sk").and_then(|sk| sk.strip_prefix(&prefix).map(str::to_string));
                if let (Some(region), Some(bucket), Some(key), Some(end)) =
                    (region, text("bucket"), text("key"), text("end"))
                {
                    positions.insert(
                        region,
                        Link {
                            bucket,
                            key,
                            end,
                            signature: text("signature"),
                        },
                    );
                }
            }
            match page.last_evaluated_key() {
                Some(next) if !next.is_empty() => start = Some(next.clone()),
                _ => return Ok(positions),
            }
        }
    }

    /// Records where each region's validation stopped.
    pub async fn save(
        &self,
        account: &str,
        trail: &str,
        positions: &BTreeMap<String, Link>,
    ) -> Result<(), StoreError> {
        for (region, link) in positions {
            let mut item = HashMap::from([
                ("pk".to_string(), AttributeValue::S(PARTITION.into())),
                (
                    "sk".to_string(),
                    AttributeValue::S(format!("{}{region}", trail_key(account, trail))),
                ),
                ("bucket".to_string(), AttributeValue::S(link.bucket.clone())),
                ("key".to_string(), AttributeValue::S(link.key.clone())),
                ("end".to_string(), AttributeValue::S(link.end.clone())),
            ]);
            if let Some(signature) = &link.signature {
                item.insert("signature".into(), AttributeValue::S(signature.clone()));
            }
            self.dynamodb
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| dynamodb("PutItem", e))?;
        }
        Ok(())
    }
}
