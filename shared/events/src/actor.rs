//! [`Actor`]: who made a call, read from `userIdentity` as CloudTrail really writes it (root, IAM
//! users, role sessions, services, empty session issuers).

use crate::fields::{optional_str, wrong_type};
use crate::{Arn, EventError, RoleKey};
use serde_json::{Map, Value};
use std::fmt;

/// The kind of identity that made a call (`userIdentity.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityKind {
    Root,
    IamUser,
    AssumedRole,
    FederatedUser,
    AwsService,
    AwsAccount,
    IdentityCenterUser,
    WebIdentityUser,
    SamlUser,
    /// Absent (some service events) or a type AWS added later.
    Other(Option<String>),
}

impl IdentityKind {
    fn parse(text: Option<&str>) -> IdentityKind {
        match text {
            Some("Root") => IdentityKind::Root,
            Some("IAMUser") => IdentityKind::IamUser,
            Some("AssumedRole") => IdentityKind::AssumedRole,
            Some("FederatedUser") => IdentityKind::FederatedUser,
            Some("AWSService") => IdentityKind::AwsService,
            Some("AWSAccount") => IdentityKind::AwsAccount,
            Some("IdentityCenterUser") => IdentityKind::IdentityCenterUser,
            Some("WebIdentityUser") => IdentityKind::WebIdentityUser,
            Some("SAMLUser") => IdentityKind::SamlUser,
            other => IdentityKind::Other(other.map(String::from)),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            IdentityKind::Root => "Root",
            IdentityKind::IamUser => "IAMUser",
            IdentityKind::AssumedRole => "AssumedRole",
            IdentityKind::FederatedUser => "FederatedUser",
            IdentityKind::AwsService => "AWSService",
            IdentityKind::AwsAccount => "AWSAccount",
            IdentityKind::IdentityCenterUser => "IdentityCenterUser",
            IdentityKind::WebIdentityUser => "WebIdentityUser",
            IdentityKind::SamlUser => "SAMLUser",
            IdentityKind::Other(Some(s)) => s,
            IdentityKind::Other(None) => "unknown",
        }
    }
}

/// Who made a call, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: IdentityKind,
    /// `userIdentity.arn`: a user, the root, or an assumed-role or federated session.
    pub arn: Option<Arn>,
    /// For a role session, the role behind it (`sessionContext.sessionIssuer.arn`, or derived from the
    /// session ARN when the issuer is left out).
    pub role_arn: Option<Arn>,
    /// For a role session, the session name (chosen by whoever assumed the role: never trust it).
    pub session_name: Option<String>,
    pub account: Option<String>,
    pub principal_id: Option<String>,
    pub user_name: Option<String>,
    /// The access key used: `AKIA...` a long-term key, `ASIA...` temporary credentials.
    pub access_key_id: Option<String>,
    /// The AWS service that made the call on the actor's behalf.
    pub invoked_by: Option<String>,
    /// `None` when the record does not say.
    pub mfa: Option<bool>,
    /// Made from the AWS console (a console session, or a console sign-in).
    pub console: bool,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    pub(crate) fn from_record(
        record: &Map<String, Value>,
        identity: &Map<String, Value>,
    ) -> Result<Actor, EventError> {
        let kind = IdentityKind::parse(optional_str(identity, "type")?.as_deref());
        let arn = optional_str(identity, "arn")?
            .filter(|s| !s.is_empty())
            .map(|s| Arn::parse("userIdentity.arn", &s))
            .transpose()?;
        let context = match identity.get("sessionContext") {
            Some(Value::Object(c)) => Some(c),
            None | Some(Value::Null) => None,
            Some(other) => {
                return Err(wrong_type(
                    "userIdentity.sessionContext",
                    "an object",
                    other,
                ));
            }
        };
        let issuer = context
            .and_then(|c| c.get("sessionIssuer"))
            .and_then(Value::as_object);
        let issuer_arn = match issuer {
            Some(issuer) => optional_str(issuer, "arn")?
                .filter(|s| !s.is_empty())
                .map(|s| Arn::parse("userIdentity.sessionContext.sessionIssuer.arn", &s))
                .transpose()?,
            None => None,
        };
        let role_arn = match (&kind, issuer_arn, &arn) {
            (IdentityKind::AssumedRole, Some(issuer), _) => Some(issuer),
            (IdentityKind::AssumedRole, None, Some(session)) => {
                RoleKey::from_arn(session).map(|key| Arn {
                    partition: key.partition,
                    service: "iam".into(),
                    region: String::new(),
                    account: key.account,
                    resource: format!("role/{}", key.name),
                })
            }
            _ => None,
        };
        let session_name = match (&kind, &arn) {
            (IdentityKind::AssumedRole, Some(session))
                if session.resource_type() == "assumed-role" =>
            {
                session.resource.splitn(3, '/').nth(2).map(String::from)
            }
            _ => None,
        };
        let attribute_mfa = context
            .and_then(|c| c.get("attributes"))
            .and_then(|a| a.get("mfaAuthenticated"))
            .and_then(Value::as_str)
            .map(|s| s == "true");
        // A console sign-in says whether MFA was used in additionalEventData.MFAUsed.
        let sign_in_mfa = record
            .get("additionalEventData")
            .and_then(|d| d.get("MFAUsed"))
            .and_then(Value::as_str)
            .map(|s| s == "Yes");
        let console = record
            .get("sessionCredentialFromConsole")
            .and_then(Value::as_str)
            == Some("true")
            || record.get("eventType").and_then(Value::as_str) == Some("AwsConsoleSignIn");
        Ok(Actor {
            kind,
            arn,
            role_arn,
            session_name,
            account: optional_str(identity, "accountId")?,
            principal_id: optional_str(identity, "principalId")?,
            user_name: optional_str(identity, "userName")?,
            access_key_id: optional_str(identity, "accessKeyId")?.filter(|s| !s.is_empty()),
            invoked_by: optional_str(identity, "invokedBy")?,
            mfa: sign_in_mfa.or(attribute_mfa),
            console,
            source_ip: optional_str(record, "sourceIPAddress")?,
            user_agent: optional_str(record, "userAgent")?,
        })
    }

    /// The role behind a role session, as a key that ignores the role's path.
    pub fn role(&self) -> Option<RoleKey> {
        self.role_arn.as_ref().and_then(RoleKey::from_arn)
    }

    /// True when the key used is a long-term access key (`AKIA...`), which can be deactivated.
    pub fn used_long_term_key(&self) -> bool {
        self.access_key_id
            .as_deref()
            .is_some_and(|k| k.starts_with("AKIA"))
    }
}

impl fmt::Display for Actor {
    /// How a person names the actor: `user mallory`, `role Deployer (session ci-42)`, `root`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.arn) {
            (IdentityKind::Root, _) => write!(f, "the root user"),
            (IdentityKind::IamUser, Some(arn)) => write!(f, "user {}", arn.resource_name()),
            (IdentityKind::AssumedRole, _) => {
                let role = self.role().map(|r| r.name).unwrap_or_else(|| "?".into());
                match &self.session_name {
                    Some(session) => write!(f, "role {role} (session {session})"),
                    None => write!(f, "role {role}"),
                }
            }
            (IdentityKind::FederatedUser, Some(arn)) => {
                write!(f, "federated user {}", arn.resource_name())
            }
            (IdentityKind::AwsService, _) => {
                write!(f, "service {}", self.invoked_by.as_deref().unwrap_or("?"))
            }
            (_, Some(arn)) => write!(f, "{arn}"),
            (kind, None) => match &self.invoked_by {
                Some(service) => write!(f, "service {service}"),
                None => write!(f, "unknown {} identity", kind.as_str()),
            },
        }
    }
}
