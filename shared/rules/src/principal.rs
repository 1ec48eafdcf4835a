//! Allow-list patterns: ARNs with `*`, matched part by part so that a `*` never crosses an account
//! or partition boundary that the pattern did not write a `*` for.

use std::fmt;
use trailwarden_events::{Actor, Arn};

/// One `ALLOWED_PRINCIPALS` entry, e.g. `arn:aws:iam::123456789012:role/BreakGlass*` or
/// `arn:aws:sts::123456789012:assumed-role/Deployer/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalPattern {
    text: String,
    // partition, service, region, account, resource
    parts: [String; 5],
}

impl PrincipalPattern {
    pub fn parse(text: &str) -> Result<PrincipalPattern, String> {
        let text = text.trim();
        if text == "*" || text.starts_with("arn:*") {
            return Err(format!(
                "{text:?} would allow every principal of every partition"
            ));
        }
        let mut split = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            split.next(),
            split.next(),
            split.next(),
            split.next(),
            split.next(),
            split.next(),
        )
        else {
            return Err(format!(
                "{text:?} is not an ARN pattern (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            ));
        };
        if !matches!(service, "iam" | "sts") {
            return Err(format!(
                "{text:?} names service {service:?}; principals are iam or sts ARNs"
            ));
        }
        if resource.is_empty() || account.is_empty() {
            return Err(format!(
                "{text:?} needs an account and a resource (write * to mean any)"
            ));
        }
        if account != "*" && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!(
                "{text:?}: account {account:?} is neither 12 digits nor *"
            ));
        }
        Ok(PrincipalPattern {
            text: text.to_string(),
            parts: [partition, service, region, account, resource].map(String::from),
        })
    }

    /// Why someone other than the principal meant could satisfy this pattern, or `None`: a name
    /// chosen by the caller (a federated user, a session name), or a trailing `*` on a user or
    /// role name that anyone allowed to create one can match.
    pub fn claimable(&self) -> Option<String> {
        let [_, service, _, _, resource] = &self.parts;
        let mut path = resource.split('/');
        let kind = path.next().unwrap_or_default();
        let name = resource.rsplit('/').next().unwrap_or_default();
        let why = match (service.as_str(), kind) {
            ("sts", "federated-user") => {
                "a federated user's name is chosen by whoever calls GetFederationToken".to_string()
            }
            ("sts", "assumed-role") if name != "*" => format!(
                "the session name ({name}) is chosen by whoever assumes the role; match the role instead"
            ),
            ("iam", "role" | "user") if name.ends_with('*') => format!(
                "anyone who may create a {kind} can make one whose name matches {name:?}; name each {kind} exactly"
            ),
            _ => return None,
        };
        Some(format!("{} can be claimed: {why}", self.text))
    }

    /// True when the pattern matches this ARN, part by part.
    pub fn matches(&self, arn: &Arn) -> bool {
        self.matches_folding(arn, false)
    }

    /// [`PrincipalPattern::matches`] for an ARN built from a name in a request (`role/NAME`, no
    /// path: a request names a user or role without it). IAM compares user and role names
    /// regardless of case, so the resource is compared so too; and a name is unique whatever the
    /// path, so a pattern's path (`role/ops/BreakGlass`) matches the name alone.
    pub fn matches_ignoring_case(&self, arn: &Arn) -> bool {
        if self.matches_folding(arn, true) {
            return true;
        }
        let resource = &self.parts[4];
        let (Some((kind, _)), Some((_, name))) =
            (resource.split_once('/'), resource.rsplit_once('/'))
        else {
            return false;
        };
        if !matches!(kind, "role" | "user") || resource.matches('/').count() < 2 {
            return false;
        }
        let mut parts = self.parts.clone();
        parts[4] = format!("{kind}/{name}");
        PrincipalPattern {
            text: self.text.clone(),
            parts,
        }
        .matches_folding(arn, true)
    }

    fn matches_folding(&self, arn: &Arn, fold_resource: bool) -> bool {
        let [partition, service, region, account, resource] = &self.parts;
        let resource_matches = if fold_resource {
            glob(
                &resource.to_ascii_lowercase(),
                &arn.resource.to_ascii_lowercase(),
            )
        } else {
            glob(resource, &arn.resource)
        };
        glob(partition, &arn.partition)
            && glob(service, &arn.service)
            && glob(region, &arn.region)
            && glob(account, &arn.account)
            && resource_matches
    }

    /// True when the pattern matches the actor: its own ARN, or for a role session the role behind it
    /// (with its path, and by name alone, as an assumed-role ARN does not carry the path).
    pub fn matches_actor(&self, actor: &Actor) -> bool {
        let own = actor.arn.iter();
        let role = actor.role_arn.iter();
        let role_by_name = actor.role().map(|key| Arn {
            partition: key.partition,
            service: "iam".into(),
            region: String::new(),
            account: key.account,
            resource: format!("role/{}", key.name),
        });
        own.chain(role)
            .chain(role_by_name.iter())
            .any(|arn| self.matches(arn))
    }
}

impl fmt::Display for PrincipalPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `*` matches any run of characters (inside one ARN part), everything else matches itself.
fn glob(pattern: &str, value: &str) -> bool {
    let p = pattern.as_bytes();
    let v = value.as_bytes();
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(text: &str) -> Arn {
        Arn::parse("test", text).unwrap()
    }

    #[test]
    fn star_stays_inside_its_part() {
        let p = PrincipalPattern::parse("arn:aws:iam::123456789012:role/Deploy*").unwrap();
        assert!(p.matches(&arn("arn:aws:iam::123456789012:role/Deployer")));
        assert!(
            !p.matches(&arn("arn:aws:iam::210987654321:role/Deployer")),
            "another account"
        );
        assert!(
            !p.matches(&arn("arn:aws-cn:iam::123456789012:role/Deployer")),
            "another partition"
        );
        assert!(
            !p.matches(&arn("arn:aws:iam::123456789012:user/Deployer")),
            "a user, not a role"
        );
        // A role name that merely contains the account is not a way across accounts.
        let q = PrincipalPattern::parse("arn:aws:iam::123456789012:role/*").unwrap();
        assert!(!q.matches(&arn("arn:aws:iam::999999999999:role/123456789012:role/x")));
    }

    #[test]
    fn any_account_only_when_written() {
        let p = PrincipalPattern::parse("arn:aws:iam::*:role/BreakGlass").unwrap();
        assert!(p.matches(&arn("arn:aws:iam::210987654321:role/BreakGlass")));
        assert!(!p.matches(&arn("arn:aws:iam::210987654321:role/BreakGlass2")));
    }

    #[test]
    fn refuses_patterns_that_allow_everyone_or_are_not_arns() {
        for bad in [
            "*",
            "arn:*",
            "role/Admin",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam:::role/x",
            "arn:aws:iam::123456789012:",
        ] {
            assert!(PrincipalPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn glob_cases() {
        assert!(glob("*", ""));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("", ""));
        assert!(!glob("", "a"));
        assert!(glob("role/*/x", "role/a/b/x"));
    }
}
