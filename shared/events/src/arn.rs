//! [`Arn`] and its parts, parsed strictly: an ARN in an event is text an attacker chose, and the
//! account and partition decide where trailwarden may act.

use crate::EventError;
use std::fmt;

/// An ARN split into its six parts: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    /// `field` names where the text came from, for the error message.
    pub fn parse(field: &str, text: &str) -> Result<Arn, EventError> {
        let not_arn = || EventError::NotAnArn {
            field: field.to_string(),
            value: text.to_string(),
        };
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(not_arn());
        };
        let known_partition = matches!(
            partition,
            "aws"
                | "aws-cn"
                | "aws-us-gov"
                | "aws-iso"
                | "aws-iso-b"
                | "aws-iso-e"
                | "aws-iso-f"
                | "aws-eusc"
        );
        if !known_partition || service.is_empty() || resource.is_empty() {
            return Err(not_arn());
        }
        // AWS managed policies have the account `aws`: arn:aws:iam::aws:policy/AdministratorAccess.
        let aws_managed = service == "iam" && account == "aws";
        let account_id = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        if !(account.is_empty() || aws_managed || account_id) {
            return Err(not_arn());
        }
        Ok(Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        })
    }

    /// The last `/`-separated part of the resource: a trail's, user's or role's name.
    pub fn resource_name(&self) -> &str {
        self.resource.rsplit('/').next().unwrap_or(&self.resource)
    }

    /// The resource type before the first `/` (`trail`, `user`, `role`, `assumed-role`, ...).
    pub fn resource_type(&self) -> &str {
        self.resource.split('/').next().unwrap_or("")
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// An IAM role, independent of its path: role names are unique in an account, and an assumed-role
/// session ARN does not carry the path, so this is how a session is tied to its role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleKey {
    pub partition: String,
    pub account: String,
    pub name: String,
}

impl RoleKey {
    /// From `arn:aws:iam::ACCOUNT:role/[path/]NAME` or `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`.
    pub fn from_arn(arn: &Arn) -> Option<RoleKey> {
        let name = match (arn.service.as_str(), arn.resource_type()) {
            ("iam", "role") => arn.resource_name(),
            ("sts", "assumed-role") => arn.resource.split('/').nth(1)?,
            _ => return None,
        };
        if name.is_empty() || arn.account.is_empty() {
            return None;
        }
        Some(RoleKey {
            partition: arn.partition.clone(),
            account: arn.account.clone(),
            name: name.into(),
        })
    }
}

impl fmt::Display for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:role/{}",
            self.partition, self.account, self.name
        )
    }
}

/// An AWS region name that really exists in form: `us-east-1`, `eu-central-2`, `us-gov-west-1`,
/// `cn-north-1`, `ap-southeast-7`, ... Made-up names (such as the corpus's anonymised
/// `apiso-centralnorth-2r`) are refused, so no client or ARN is ever built from them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    pub fn parse(field: &'static str, text: &str) -> Result<Region, EventError> {
        if is_region_name(text) {
            Ok(Region(text.to_string()))
        } else {
            Err(EventError::UnknownRegion {
                field,
                value: text.to_string(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const REGION_PREFIXES: &[&str] = &[
    "us-gov", "us-iso", "us-isob", "us-isof", "eu-isoe", "eusc", "us", "eu", "ap", "sa", "ca",
    "me", "af", "il", "mx", "cn",
];
const DIRECTIONS: &[&str] = &[
    "east",
    "west",
    "north",
    "south",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

fn is_region_name(text: &str) -> bool {
    let Some((rest, number)) = text.rsplit_once('-') else {
        return false;
    };
    let Some((prefix, direction)) = rest.rsplit_once('-') else {
        return false;
    };
    !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && DIRECTIONS.contains(&direction)
        && REGION_PREFIXES.contains(&prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_six_parts() {
        let arn = Arn::parse("t", "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit").unwrap();
        assert_eq!(arn.service, "cloudtrail");
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource_name(), "audit");
        assert_eq!(
            arn.to_string(),
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit"
        );
    }

    #[test]
    fn reads_an_aws_managed_policy_arn() {
        let arn = Arn::parse("t", "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
        assert_eq!(arn.account, "aws");
        assert_eq!(arn.resource_name(), "AdministratorAccess");
        assert!(Arn::parse("t", "arn:aws:s3::aws:bucket").is_err());
    }

    #[test]
    fn refuses_what_is_not_an_arn() {
        for bad in [
            "",
            "audit",
            "arn:aws:iam",
            "arn:aws:iam::123:user/x",
            "arn:xyz:iam::123456789012:user/x",
            "urn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:",
        ] {
            assert!(Arn::parse("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_session_and_its_role_share_a_key() {
        let session = Arn::parse(
            "t",
            "arn:aws:sts::123456789012:assumed-role/Deployer/i-0abc",
        )
        .unwrap();
        let role = Arn::parse("t", "arn:aws:iam::123456789012:role/ci/Deployer").unwrap();
        assert_eq!(RoleKey::from_arn(&session), RoleKey::from_arn(&role));
        assert_eq!(
            RoleKey::from_arn(&role).unwrap().to_string(),
            "arn:aws:iam::123456789012:role/Deployer"
        );
        let user = Arn::parse("t", "arn:aws:iam::123456789012:user/Deployer").unwrap();
        assert_eq!(RoleKey::from_arn(&user), None);
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "cn-northwest-1",
            "ap-southeast-7",
            "il-central-1",
            "mx-central-1",
        ] {
            assert!(Region::parse("awsRegion", ok).is_ok(), "{ok}");
        }
        for bad in [
            "apiso-centralnorth-2r",
            "megov-westwest-1r",
            "cn-northsouth-2r",
            "us-east",
            "useast1",
            "",
            "us-east-1a",
        ] {
            assert!(Region::parse("awsRegion", bad).is_err(), "{bad}");
        }
    }
}
