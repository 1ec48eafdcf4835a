//! Ways into the account that no IAM user list shows: IAM Roles Anywhere trust anchors and
//! profiles, identity providers (SAML, OpenID Connect), console sign-in tokens of federated
//! sessions.

use super::{Finding, Seen, account_of, finding};
use serde_json::Value;
use trailwarden_events::{IdentityKind, Record};

/// A string at a JSON pointer of `responseElements` (the ids a create call returns).
fn response_at<'r>(record: &'r Record, pointer: &str) -> Option<&'r str> {
    record
        .response_elements
        .as_ref()?
        .pointer(pointer)?
        .as_str()
}

pub(super) fn roles_anywhere_changed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "rolesanywhere.amazonaws.com").then_some(())?;
    let label = record.request_str("name");
    match name {
        "CreateTrustAnchor" | "UpdateTrustAnchor" => {
            let id = record
                .request_str("trustAnchorId")
                .or_else(|| response_at(record, "/trustAnchor/trustAnchorId"))
                .unwrap_or("?");
            let verb = if name == "CreateTrustAnchor" {
                "created"
            } else {
                "updated"
            };
            let revert = if name == "CreateTrustAnchor" {
                format!(
                    "Put it back: aws rolesanywhere delete-trust-anchor --trust-anchor-id {id} (an exact revert of a new anchor; disable-trust-anchor keeps it for inspection)."
                )
            } else {
                format!(
                    "Disable it until checked: aws rolesanywhere disable-trust-anchor --trust-anchor-id {id}; its earlier certificate source is in the CloudTrail record of its creation or last update."
                )
            };
            Some(Finding {
                summary: format!(
                    "IAM Roles Anywhere trust anchor {} {verb} by {actor}: certificates it trusts can take the account's roles from outside AWS",
                    label.unwrap_or(id)
                ),
                resource: format!("Roles Anywhere trust anchor {id} ({})", record.aws_region),
                next_steps: vec![
                    revert,
                    "Check which certificate authority the anchor trusts (requestParameters.source) and whether anyone asked for it.".into(),
                ],
            })
        }
        "CreateProfile" | "UpdateProfile" => {
            let id = record
                .request_str("profileId")
                .or_else(|| response_at(record, "/profile/profileId"))
                .unwrap_or("?");
            let roles = record
                .request_parameters
                .as_ref()
                .and_then(|p| p.get("roleArns"))
                .and_then(Value::as_array)
                .map(|roles| {
                    roles
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "its roles".into());
            let verb = if name == "CreateProfile" {
                "created"
            } else {
                "updated"
            };
            let revert = if name == "CreateProfile" {
                format!(
                    "Put it back: aws rolesanywhere delete-profile --profile-id {id} (an exact revert of a new profile)."
                )
            } else {
                format!(
                    "Disable it until checked: aws rolesanywhere disable-profile --profile-id {id}."
                )
            };
            Some(Finding {
                summary: format!(
                    "IAM Roles Anywhere profile {} {verb} by {actor}, handing out {roles}",
                    label.unwrap_or(id)
                ),
                resource: format!("Roles Anywhere profile {id} ({})", record.aws_region),
                next_steps: vec![
                    revert,
                    "Look at the roles' trust policies: a role trusting rolesanywhere.amazonaws.com is reachable with any certificate of a trusted anchor.".into(),
                ],
            })
        }
        _ => None,
    }
}

pub(super) fn identity_provider_changed(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    (source == "iam.amazonaws.com").then_some(())?;
    let saml = || {
        record
            .request_str("sAMLProviderArn")
            .or_else(|| record.response_str("sAMLProviderArn"))
            .or_else(|| record.request_str("name"))
            .unwrap_or("?")
    };
    let oidc = || {
        record
            .request_str("openIDConnectProviderArn")
            .or_else(|| record.response_str("openIDConnectProviderArn"))
            .or_else(|| record.request_str("url"))
            .unwrap_or("?")
    };
    let (summary, provider, revert) = match name {
        "CreateSAMLProvider" => (
            format!("SAML identity provider {} created by {actor}", saml()),
            saml(),
            format!(
                "Put it back: aws iam delete-saml-provider --saml-provider-arn {} (an exact revert of a new provider).",
                saml()
            ),
        ),
        "UpdateSAMLProvider" => (
            format!(
                "SAML identity provider {} given new metadata by {actor}",
                saml()
            ),
            saml(),
            "Put the identity provider's real metadata back: aws iam update-saml-provider --saml-provider-arn ARN --saml-metadata-document file://metadata.xml (downloaded from the IdP).".into(),
        ),
        "DeleteSAMLProvider" => (
            format!("SAML identity provider {} deleted by {actor}", saml()),
            saml(),
            "Recreate it from the IdP's metadata: aws iam create-saml-provider --name NAME --saml-metadata-document file://metadata.xml; federated sign-ins fail until then.".into(),
        ),
        "CreateOpenIDConnectProvider" => (
            format!("OpenID Connect provider {} created by {actor}", oidc()),
            oidc(),
            format!(
                "Put it back: aws iam delete-open-id-connect-provider --open-id-connect-provider-arn {} (an exact revert of a new provider).",
                oidc()
            ),
        ),
        "UpdateOpenIDConnectProviderThumbprint" => (
            format!(
                "OpenID Connect provider {} given new certificate thumbprints by {actor}",
                oidc()
            ),
            oidc(),
            "Put the earlier thumbprints back (in the CloudTrail record of the provider's creation or last update): aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ARN --thumbprint-list ...".into(),
        ),
        "AddClientIDToOpenIDConnectProvider" => {
            let client = record.request_str("clientID").unwrap_or("?");
            (
                format!(
                    "Client id {client} added to OpenID Connect provider {} by {actor}",
                    oidc()
                ),
                oidc(),
                format!(
                    "Put it back: aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {client} (an exact revert).",
                    oidc()
                ),
            )
        }
        _ => return None,
    };
    Some(Finding {
        summary,
        resource: format!("identity provider {provider}"),
        next_steps: vec![
            revert,
            "List the roles that trust this provider (their trust policies name its ARN): anyone the provider vouches for can take them.".into(),
        ],
    })
}

pub(super) fn signin_token_federated(seen: &Seen<'_>) -> Option<Finding> {
    let Seen {
        record,
        actor,
        source,
        name,
        ..
    } = *seen;
    // GetSigninToken needs temporary credentials; a federated user's session comes from
    // GetFederationToken with an IAM user's long-term access key (the aws_consoler path). Role
    // sessions of a federation broker are the feature's normal use.
    (source == "signin.amazonaws.com"
        && name == "GetSigninToken"
        && actor.kind == IdentityKind::FederatedUser)
        .then_some(())?;
    finding(
        format!("Console sign-in token made for {actor}, a session of an IAM user's access key"),
        actor
            .arn
            .as_ref()
            .map_or_else(|| account_of(record), ToString::to_string),
        &[
            "Nothing to put back: the console session exists. Deny it: attach to the IAM user behind it a policy denying everything with aws:TokenIssueTime before now, then deactivate its access key (aws iam update-access-key --status Inactive).",
            "Look for the GetFederationToken before it: the access key it used and its source IP.",
        ],
    )
}
