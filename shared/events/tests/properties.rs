//! Whatever arrives, the parser answers with a record or an error that names the problem: never a
//! panic, never a hang. Inputs: arbitrary bytes, arbitrary JSON, and mutations of real records.

use proptest::prelude::*;
use serde_json::{Value, json};
use trailwarden_events::{EventError, corpus, parse_event, parse_event_bytes, parse_log_file};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        // The strings that matter to the model, so the strategy reaches deep into it.
        prop::sample::select(vec![
            "AWS API Call via CloudTrail",
            "Scheduled Event",
            "AWS Insight via CloudTrail",
            "arn:aws:iam::123456789012:user/x",
            "2026-11-21T10:00:00Z",
            "us-east-1",
            "AssumedRole"
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        let keys = prop::sample::select(vec![
            "detail-type",
            "detail",
            "eventName",
            "eventSource",
            "eventID",
            "eventTime",
            "awsRegion",
            "userIdentity",
            "type",
            "arn",
            "sessionContext",
            "sessionIssuer",
            "requestParameters",
            "errorCode",
            "id",
            "time",
            "region",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..8).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// Every error message must say something: an empty message helps nobody.
fn check(result: Result<impl std::fmt::Debug, EventError>) {
    if let Err(e) = result {
        assert!(!e.to_string().trim().is_empty());
        assert!(!e.kind().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(parse_event_bytes(&bytes));
        check(parse_log_file(&bytes));
    }

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        check(parse_event(&value));
        check(parse_log_file(value.to_string().as_bytes()));
    }

    #[test]
    fn mutated_corpus_records_never_panic(index in any::<prop::sample::Index>(), path_choice in any::<prop::sample::Index>(), replacement in arbitrary_json()) {
        let records = corpus_raw();
        let mut record = records[index.index(records.len())].clone();
        // Replace one field, at any depth, with arbitrary JSON.
        let paths = leaf_paths(&record);
        let path = &paths[path_choice.index(paths.len())];
        if let Some(slot) = record.pointer_mut(path) {
            *slot = replacement;
        }
        check(parse_event(&record));
        check(parse_event(&json!({"detail-type": "AWS API Call via CloudTrail", "detail": record})));
    }
}

fn corpus_raw() -> &'static [Value] {
    static RAW: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    RAW.get_or_init(|| corpus::records().into_iter().map(|(_, r)| r.raw).collect())
}

fn leaf_paths(value: &Value) -> Vec<String> {
    let mut out = vec![String::new()];
    fn walk(v: &Value, prefix: String, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                walk(v, p, out);
            }),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                walk(v, p, out);
            }),
            _ => {}
        }
    }
    walk(value, String::new(), &mut out);
    out
}

#[test]
fn deep_nesting_is_refused_not_followed() {
    // As bytes (how Lambda hands the event over), serde_json stops at 128 levels.
    let deep_text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = parse_event_bytes(deep_text.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), "NotJson");
    assert!(err.to_string().contains("recursion limit"), "{err}");
    // A Value can thus be at most 128 deep; the parser's own bound refuses anything past 64.
    let mut deep = json!("bottom");
    for _ in 0..120 {
        deep = json!({"x": deep});
    }
    let err = parse_event(&json!({"detail-type": "AWS API Call via CloudTrail", "detail": deep}))
        .unwrap_err();
    assert_eq!(err.kind(), "TooDeep");
}
