//! Acting in the other accounts of an organization (`MEMBER_ROLE_NAME`): a guard per account, whose
//! clients carry the member role's credentials there, assumed once and kept until shortly before
//! they expire (one `AssumeRole` per account an hour, not one an event). Only the functions that
//! act build [`Members`], so tripwire links no STS client.

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use thiserror::Error;
use trailwarden_rules::Work;

/// Credentials are assumed again this long before they expire, so that no call of a remediation
/// starts with credentials that end under it.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Why trailwarden cannot act in a member account.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("cannot assume {role_arn} in account {account}: {detail}")]
pub struct MemberError {
    pub account: String,
    pub role_arn: String,
    pub detail: String,
}

/// One account's credentials: those of `inner` (the member role's `AssumeRole`), kept until
/// [`REFRESH_BEFORE`] their expiry. Concurrent events of one account wait for one `AssumeRole`.
#[derive(Debug, Clone)]
pub struct MemberCredentials {
    inner: SharedCredentialsProvider,
    kept: Arc<tokio::sync::Mutex<Option<Credentials>>>,
    assumed: Arc<AtomicU32>,
}

impl MemberCredentials {
    pub fn new(inner: SharedCredentialsProvider) -> MemberCredentials {
        MemberCredentials {
            inner,
            kept: Arc::default(),
            assumed: Arc::default(),
        }
    }

    /// The credentials, from `inner` only when none are kept or they expire within
    /// [`REFRESH_BEFORE`].
    pub async fn get(&self) -> Result<Credentials, CredentialsError> {
        let mut kept = self.kept.lock().await;
        if let Some(credentials) = kept.as_ref() {
            let fresh = credentials
                .expiry()
                .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE);
            if fresh {
                return Ok(credentials.clone());
            }
        }
        let credentials = self.inner.provide_credentials().await?;
        self.assumed.fetch_add(1, Ordering::Relaxed);
        *kept = Some(credentials.clone());
        Ok(credentials)
    }

    /// How many times credentials were fetched from `inner`.
    pub fn assumed(&self) -> u32 {
        self.assumed.load(Ordering::Relaxed)
    }
}

impl ProvideCredentials for MemberCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.get())
    }
}

/// Makes a function's guard for one account's SDK configuration.
pub type MakeGuard<G> = Arc<dyn Fn(&SdkConfig) -> Arc<G> + Send + Sync>;

/// The guards of the other accounts, as the responder asks for them: behind a trait object, so
/// that a function that never acts in another account (tripwire) links none of [`Members`].
pub trait AccountGuards<G: ?Sized>: Send + Sync {
    /// The guard acting in `account`, or why there is none.
    fn guard_in<'a>(&'a self, account: &'a str) -> Work<'a, Result<Arc<G>, MemberError>>;

    /// How many times the member role was assumed in `account`.
    fn assumed_in(&self, account: &str) -> u32;

    /// The SDK configuration acting in `account` through its member role (the clients of what
    /// is not the guard's: the account's Security Hub findings).
    fn sdk_in<'a>(&'a self, account: &'a str) -> Work<'a, Result<SdkConfig, MemberError>>;

    /// The organization's active accounts, with their names, listed in the management account
    /// (through its member role; with the function's own credentials when it is `home`). Kept:
    /// the names are known from then on ([`AccountGuards::name_of`]).
    fn list_accounts<'a>(
        &'a self,
        management: &'a str,
        home: &'a str,
    ) -> Work<'a, Result<Vec<Account>, MemberError>>;

    /// An account's name: from the last listing, listed again (in `management`) when the
    /// account is not in it and the listing is more than [`NAMES_KEPT`] old. `None` when it cannot
    /// be read.
    fn account_name<'a>(
        &'a self,
        management: &'a str,
        home: &'a str,
        account: &'a str,
    ) -> Work<'a, Option<String>>;
}

/// How long a listing of the accounts answers for names before an unknown account is looked up.
pub const NAMES_KEPT: Duration = Duration::from_secs(3600);

/// An account of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
}

impl<G: ?Sized + Send + Sync> AccountGuards<G> for Members<G> {
    fn guard_in<'a>(&'a self, account: &'a str) -> Work<'a, Result<Arc<G>, MemberError>> {
        Box::pin(Members::guard_in(self, account))
    }

    fn assumed_in(&self, account: &str) -> u32 {
        Members::assumed_in(self, account)
    }

    fn sdk_in<'a>(&'a self, account: &'a str) -> Work<'a, Result<SdkConfig, MemberError>> {
        Box::pin(async move { Ok(self.member(account).await?.sdk) })
    }

    fn list_accounts<'a>(
        &'a self,
        management: &'a str,
        home: &'a str,
    ) -> Work<'a, Result<Vec<Account>, MemberError>> {
        Box::pin(Members::list_accounts(self, management, home))
    }

    fn account_name<'a>(
        &'a self,
        management: &'a str,
        home: &'a str,
        account: &'a str,
    ) -> Work<'a, Option<String>> {
        Box::pin(async move {
            let (known, listed) = {
                let names = self.names();
                (names.0.get(account).cloned(), names.1)
            };
            if known.is_some() || listed.is_some_and(|at| at.elapsed() < NAMES_KEPT) {
                return known;
            }
            match self.list_accounts(management, home).await {
                Ok(_) => self.names().0.get(account).cloned(),
                Err(why) => {
                    // Not again for a while: a name is not worth an AssumeRole per alert.
                    self.names().1 = Some(std::time::Instant::now());
                    tracing::warn!(%why, "account names");
                    None
                }
            }
        })
    }
}

/// One member account's guard, its credentials and the configuration its clients are made from.
struct Member<G: ?Sized> {
    guard: Arc<G>,
    credentials: MemberCredentials,
    sdk: SdkConfig,
}

impl<G: ?Sized> Clone for Member<G> {
    fn clone(&self) -> Self {
        Member {
            guard: self.guard.clone(),
            credentials: self.credentials.clone(),
            sdk: self.sdk.clone(),
        }
    }
}

/// The guards of the member accounts, one each, made on the first event of the account.
pub struct Members<G: ?Sized> {
    base: SdkConfig,
    partition: String,
    role_name: String,
    session_name: String,
    make: MakeGuard<G>,
    accounts: Mutex<HashMap<String, Member<G>>>,
    /// Account names, from the last listing, and when it was made.
    names: Mutex<(HashMap<String, String>, Option<std::time::Instant>)>,
}

impl<G: ?Sized> Members<G> {
    /// `base`: the function's own configuration (its role's credentials assume the member role);
    /// `session_name`: the function's name, so that CloudTrail in the member account says which
    /// function acted.
    pub fn new(
        base: &SdkConfig,
        partition: &str,
        role_name: &str,
        session_name: &str,
        make: MakeGuard<G>,
    ) -> Members<G> {
        // AssumeRoleProvider needs a clock, and its STS client a timer: an SdkConfig built by hand
        // (environment::sdk_config) has neither.
        let mut builder = base.to_builder();
        if base.time_source().is_none() {
            builder.set_time_source(Some(SharedTimeSource::new(SystemTimeSource::new())));
        }
        if base.sleep_impl().is_none() {
            builder.set_sleep_impl(Some(SharedAsyncSleep::new(TokioSleep::new())));
        }
        Members {
            base: builder.build(),
            partition: partition.to_string(),
            role_name: role_name.to_string(),
            session_name: session_name.to_string(),
            make,
            accounts: Mutex::default(),
            names: Mutex::default(),
        }
    }

    /// `arn:<partition>:iam::<account>:role/<MEMBER_ROLE_NAME>`.
    pub fn role_arn(&self, account: &str) -> String {
        format!(
            "arn:{}:iam::{account}:role/{}",
            self.partition, self.role_name
        )
    }

    /// The guard acting in `account` with the member role's credentials there. An account whose
    /// role cannot be assumed is an error: nothing is ever done there with the function's own.
    pub async fn guard_in(&self, account: &str) -> Result<Arc<G>, MemberError> {
        Ok(self.member(account).await?.guard)
    }

    /// The account's member: made on first use, its credentials fresh.
    async fn member(&self, account: &str) -> Result<Member<G>, MemberError> {
        let known = self.lock().get(account).cloned();
        let member = match known {
            Some(member) => member,
            None => {
                let assume = AssumeRoleProvider::builder(self.role_arn(account))
                    .session_name(&self.session_name)
                    .configure(&self.base)
                    .build()
                    .await;
                let credentials = MemberCredentials::new(SharedCredentialsProvider::new(assume));
                let sdk = self
                    .base
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
                    .build();
                let member = Member {
                    guard: (self.make)(&sdk),
                    credentials,
                    sdk,
                };
                self.lock()
                    .entry(account.to_string())
                    .or_insert(member)
                    .clone()
            }
        };
        member.credentials.get().await.map_err(|e| MemberError {
            account: account.to_string(),
            role_arn: self.role_arn(account),
            detail: reason(&e),
        })?;
        Ok(member)
    }

    /// How many times the member role was assumed in `account` (0 before its first event).
    pub fn assumed_in(&self, account: &str) -> u32 {
        self.lock()
            .get(account)
            .map_or(0, |member| member.credentials.assumed())
    }

    /// [`AccountGuards::list_accounts`].
    pub async fn list_accounts(
        &self,
        management: &str,
        home: &str,
    ) -> Result<Vec<Account>, MemberError> {
        let sdk = if management == home {
            self.base.clone()
        } else {
            self.member(management).await?.sdk
        };
        let failed = |detail: String| MemberError {
            account: management.to_string(),
            role_arn: self.role_arn(management),
            detail,
        };
        let organizations = aws_sdk_organizations::Client::new(&sdk);
        let mut pages = organizations.list_accounts().into_paginator().send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| failed(format!("organizations:ListAccounts: {}", reason(&e))))?;
            accounts.extend(page.accounts().iter().filter_map(|a| {
                let active = a
                    .state()
                    .is_none_or(|s| *s == aws_sdk_organizations::types::AccountState::Active);
                Some(Account {
                    id: a.id()?.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                })
                .filter(|_| active)
            }));
        }
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        let mut names = self.names();
        names
            .0
            .extend(accounts.iter().map(|a| (a.id.clone(), a.name.clone())));
        names.1 = Some(std::time::Instant::now());
        Ok(accounts)
    }

    fn names(
        &self,
    ) -> std::sync::MutexGuard<'_, (HashMap<String, String>, Option<std::time::Instant>)> {
        self.names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Member<G>>> {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An error and its causes, each said once, short enough for an alert (the SDK's own context
/// holds the whole HTTP response).
fn reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !said.iter().any(|s| s.contains(&text)) {
            said.push(text);
        }
        next = e.source();
    }
    let mut reason = said.join(": ");
    if reason.len() > 400 {
        let cut = (0..=400)
            .rev()
            .find(|&i| reason.is_char_boundary(i))
            .unwrap_or(0);
        reason.truncate(cut);
        reason.push_str("...");
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Credentials that expire `lifetime` after they are handed out, counted.
    #[derive(Debug)]
    struct Expiring {
        lifetime: Duration,
        calls: AtomicU64,
    }

    impl ProvideCredentials for Expiring {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.calls.fetch_add(1, Ordering::Relaxed);
            future::ProvideCredentials::ready(Ok(Credentials::new(
                "ASIAEXAMPLE",
                "secret",
                Some("token".into()),
                Some(SystemTime::now() + self.lifetime),
                "test",
            )))
        }
    }

    #[tokio::test]
    async fn credentials_are_kept_until_shortly_before_they_expire() {
        let hour = MemberCredentials::new(SharedCredentialsProvider::new(Expiring {
            lifetime: Duration::from_secs(3600),
            calls: AtomicU64::new(0),
        }));
        for _ in 0..100 {
            hour.get().await.unwrap();
        }
        assert_eq!(hour.assumed(), 1, "an hour's credentials are assumed once");
        // Credentials that end within REFRESH_BEFORE are assumed again at every use.
        let short = MemberCredentials::new(SharedCredentialsProvider::new(Expiring {
            lifetime: REFRESH_BEFORE - Duration::from_secs(1),
            calls: AtomicU64::new(0),
        }));
        for _ in 0..3 {
            short.get().await.unwrap();
        }
        assert_eq!(short.assumed(), 3);
    }

    #[test]
    fn the_member_role_is_named_in_the_events_account_and_partition() {
        let make: MakeGuard<()> = Arc::new(|_| Arc::new(()));
        let members = Members::new(
            &SdkConfig::builder().build(),
            "aws-us-gov",
            "trailwarden-member",
            "iam-guard",
            make,
        );
        assert_eq!(
            members.role_arn("222222222222"),
            "arn:aws-us-gov:iam::222222222222:role/trailwarden-member"
        );
        assert_eq!(members.assumed_in("222222222222"), 0);
    }
}
