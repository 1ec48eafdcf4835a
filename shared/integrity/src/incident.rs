//! A validation's problems as the alert a person reads (log-auditor's, `event_name`
//! `LogValidation`, outcome `alert-only`): critical, every object named, and what to check, with
//! the version the bucket kept of a changed or deleted object when it kept one. Nothing when all
//! is valid.

use crate::chain::{Problem, ProblemKind};
use crate::validate::Validation;
use trailwarden_rules::{Incident, Severity};

/// Problems listed one by one in the alert; the rest are counted (SNS's size limit).
const LISTED: usize = 20;

/// The incident of one trail's validation in `account`, or `None` when everything is valid.
pub fn incident(trail: &str, account: &str, bucket: &str, v: &Validation) -> Option<Incident> {
    if v.is_valid() {
        return None;
    }
    let counts: Vec<String> = v
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.as_str()))
        .collect();
    let mut next_steps: Vec<String> = v.problems.iter().take(LISTED).map(step).collect();
    if v.problems.len() > LISTED {
        next_steps.push(format!(
            "{} more problem(s): run `trailwarden validate-logs --trail {trail} --account {account}` for all of them.",
            v.problems.len() - LISTED
        ));
    }
    next_steps.push(format!(
        "Find who changed the bucket {bucket}: its server access logs or S3 data events (DeleteObject, PutObject, CopyObject on its CloudTrail prefix), and whether its bucket policy lets anyone but CloudTrail write."
    ));
    if v.problems.iter().any(|p| {
        matches!(
            p.kind,
            ProblemKind::LogFileMissing | ProblemKind::LogFileModified
        ) && p.previous_version.is_none()
    }) {
        next_steps.push(format!(
            "The bucket {bucket} keeps no earlier version of the changed or deleted files: turn on versioning (and S3 Object Lock) so that the next change can be undone."
        ));
    }
    Some(Incident {
        summary: format!(
            "CloudTrail log file validation of trail {trail} in account {account} failed: {}",
            counts.join(", ")
        ),
        resource: format!("trail {trail}"),
        severity: Severity::Critical,
        next_steps,
        superseded_by: None,
        pending: None,
        previous_state: None,
    })
}

/// One problem as a next step: what, where, and what to look at.
fn step(p: &Problem) -> String {
    let at = p
        .objects
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| "the trail".into());
    let check = match (p.kind, &p.previous_version) {
        (ProblemKind::LogFileMissing | ProblemKind::LogFileModified, Some(version)) => format!(
            " The bucket kept its previous version {version}: read it (`aws s3api get-object --version-id {version}`) to see what was removed or changed, and restore it."
        ),
        (ProblemKind::LogFileMissing | ProblemKind::LogFileModified, None) => {
            " The records it held are lost from the bucket: look for them in CloudTrail event history (90 days) or a copy of the logs.".into()
        }
        (ProblemKind::DigestMissing | ProblemKind::ChainBroken, _) => {
            " Log files of those hours cannot be proven intact: check the trail's status (GetTrailStatus, LatestDigestDeliveryError) and who touched its digests.".into()
        }
        (ProblemKind::DigestSignatureInvalid, _) => {
            " A digest that is not CloudTrail's can hide changed log files: treat the hour's logs as untrusted.".into()
        }
    };
    format!("{}: {at}: {}.{check}", p.kind.as_str(), p.detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectRef;

    fn problem(kind: ProblemKind, key: &str, version: Option<&str>) -> Problem {
        let mut p = Problem::new(
            kind,
            vec![ObjectRef::new("logs", key)],
            "it was deleted".into(),
        );
        p.previous_version = version.map(str::to_string);
        p
    }

    #[test]
    fn a_valid_trail_has_no_incident() {
        assert_eq!(
            incident("arn:t", "111122223333", "logs", &Validation::default()),
            None
        );
    }

    #[test]
    fn each_problem_is_a_step_naming_its_object_and_the_kept_version() {
        let v = Validation {
            problems: vec![
                problem(ProblemKind::LogFileMissing, "a.json.gz", Some("v1")),
                problem(ProblemKind::LogFileMissing, "b.json.gz", None),
            ],
            ..Validation::default()
        };
        let i = incident(
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit",
            "111122223333",
            "logs",
            &v,
        )
        .unwrap();
        assert_eq!(i.severity, Severity::Critical);
        assert_eq!(
            i.summary,
            "CloudTrail log file validation of trail arn:aws:cloudtrail:us-east-1:111122223333:trail/audit in account 111122223333 failed: 2 log-file-missing"
        );
        assert!(i.next_steps[0].starts_with("log-file-missing: s3://logs/a.json.gz: it was deleted. The bucket kept its previous version v1"), "{}", i.next_steps[0]);
        assert!(
            i.next_steps[1].contains("s3://logs/b.json.gz")
                && i.next_steps[1].contains("lost from the bucket")
        );
        assert!(
            i.next_steps.last().unwrap().contains("turn on versioning"),
            "one file had no kept version"
        );
    }

    #[test]
    fn past_twenty_problems_the_rest_are_counted() {
        let v = Validation {
            problems: (0..25)
                .map(|n| problem(ProblemKind::LogFileModified, &format!("{n}"), Some("v")))
                .collect(),
            ..Validation::default()
        };
        let i = incident("arn:t", "111122223333", "logs", &v).unwrap();
        assert_eq!(
            i.next_steps.len(),
            20 + 2,
            "20 problems, the count of the rest, who changed the bucket"
        );
        assert!(i.next_steps[20].starts_with("5 more problem(s)"));
    }
}
