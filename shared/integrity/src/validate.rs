//! One trail's validation over a range: list its digests region by region, read and verify each,
//! judge the chain ([`crate::chain::judge`]), and hash every log file the valid digests list. Reads
//! run `concurrency` at a time.

use crate::ObjectRef;
use crate::chain::{self, Before, Found, Gap, Link, Logging, Problem, ProblemKind};
use crate::digest::{Digest, DigestError, DigestKey, LogFileEntry};
use crate::store::{LogFileHash, PublicKey, Store, StoreError};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tokio::sync::Mutex;
use trailwarden_events::{Arn, EventTime};

/// Where a trail's digests lie, for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailLocation {
    pub bucket: String,
    pub prefix: Option<String>,
    /// An organization trail's organization id: `AWSLogs/<org-id>/<account>/...`.
    pub organization: Option<String>,
    /// The account whose logs are validated (a member account of an organization trail).
    pub account: String,
    pub trail_name: String,
    pub home_region: String,
}

impl TrailLocation {
    /// Where `trail`'s digests lie for `account`, in `bucket` under `prefix`: an organization
    /// trail's under the organization's folder, found by listing the bucket.
    pub async fn resolve(
        store: &Store,
        trail: &Arn,
        bucket: String,
        prefix: Option<String>,
        organization_trail: bool,
        account: &str,
    ) -> Result<TrailLocation, StoreError> {
        let organization = if organization_trail {
            organization_folder(store, &bucket, prefix.as_deref(), account).await?
        } else {
            None
        };
        Ok(TrailLocation {
            bucket,
            prefix,
            organization,
            account: account.to_string(),
            trail_name: trail.resource_name().to_string(),
            home_region: trail.region.clone(),
        })
    }

    /// `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail-Digest/`.
    pub fn digest_root(&self) -> String {
        let mut root = String::new();
        if let Some(prefix) = &self.prefix {
            root.push_str(prefix.trim_end_matches('/'));
            root.push('/');
        }
        root.push_str("AWSLogs/");
        if let Some(org) = &self.organization {
            root.push_str(org);
            root.push('/');
        }
        root.push_str(&self.account);
        root.push_str("/CloudTrail-Digest/");
        root
    }

    /// Whether a digest is this trail's (a bucket may hold several trails' digests).
    pub fn owns(&self, key: &DigestKey) -> bool {
        key.account == self.account
            && key.trail_name == self.trail_name
            && key.home_region == self.home_region
    }
}

/// The times a validation covers: digests ending from `since` to `until` (and the hour after, for
/// log files that spilled over, as the AWS CLI does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub since: EventTime,
    pub until: EventTime,
}

/// What one validation found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Validation {
    pub regions: Vec<String>,
    pub digests_valid: usize,
    pub backfill_digests_valid: usize,
    pub log_files_valid: usize,
    pub problems: Vec<Problem>,
    pub gaps: Vec<Gap>,
    /// The newest hourly digest read in each region: where the next run starts.
    pub last: BTreeMap<String, Link>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Each kind of problem with its count.
    pub fn counts(&self) -> BTreeMap<ProblemKind, usize> {
        let mut counts = BTreeMap::new();
        for p in &self.problems {
            *counts.entry(p.kind).or_default() += 1;
        }
        counts
    }
}

/// Progress of a validation, for a progress bar: objects read so far.
pub trait Progress: Sync {
    fn read(&self, _objects: u64) {}
}

impl Progress for () {}

/// Validates one trail's digests and log files in `range`: in `regions` (every region with
/// digests when empty), from `positions` (the last digest validated per region, log-auditor's)
/// when given. `logging` is the trail's, `now` the clock's.
#[allow(clippy::too_many_arguments)]
pub async fn validate(
    store: &Store,
    location: &TrailLocation,
    regions: &[String],
    range: Range,
    positions: &BTreeMap<String, Link>,
    logging: &Logging,
    now: EventTime,
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<Validation, StoreError> {
    let root = location.digest_root();
    let regions = if regions.is_empty() {
        let mut found: Vec<String> = store
            .list_folders(&location.bucket, &root)
            .await?
            .iter()
            .filter_map(|p| p.strip_prefix(&root))
            .map(|r| r.trim_end_matches('/').to_string())
            .collect();
        found.sort();
        if found.is_empty() {
            // No digest at all: the home region's chain is judged empty (a logging trail owes
            // digests).
            found.push(location.home_region.clone());
        }
        found
    } else {
        regions.to_vec()
    };
    let keys = Keys::new(store, range);
    let mut validation = Validation {
        regions: regions.clone(),
        ..Validation::default()
    };
    for region in &regions {
        let position = positions.get(region);
        let found = read_digests(
            store,
            location,
            region,
            range,
            position,
            &keys,
            concurrency,
            progress,
        )
        .await?;
        let hourly: Vec<&Found> = found.iter().filter(|f| !f.key.backfill).collect();
        let before = match position {
            Some(link) => Before::Found(link.clone()),
            None => before_range(store, hourly.first().copied()).await?,
        };
        let hourly: Vec<Found> = hourly.into_iter().cloned().collect();
        let since = position
            .and_then(|p| EventTime::parse(&p.end).ok())
            .unwrap_or(range.since);
        let (problems, gaps) = chain::judge(&hourly, &before, logging, since, range.until, now);
        validation.problems.extend(problems);
        validation.gaps.extend(gaps);
        for f in &found {
            match (&f.content, f.key.backfill) {
                (Ok(_), false) => validation.digests_valid += 1,
                (Ok(_), true) => validation.backfill_digests_valid += 1,
                (Err(_), true) => validation.problems.push(Problem::new(
                    ProblemKind::DigestSignatureInvalid,
                    vec![f.object.clone()],
                    "the backfill digest is not CloudTrail's".into(),
                )),
                // Hourly digests' problems are the chain's.
                (Err(_), false) => {}
            }
        }
        if let Some(last) = hourly.last() {
            validation.last.insert(region.clone(), Link::of(last));
        } else if let Some(position) = position {
            validation.last.insert(region.clone(), position.clone());
        }
        let entries: Vec<(ObjectRef, LogFileEntry)> = found
            .iter()
            .filter_map(|f| f.content.as_ref().ok().map(|d| (f, d)))
            .flat_map(|(f, d)| d.log_files.iter().map(|l| (f.object.clone(), l.clone())))
            .collect();
        let results: Vec<Result<Option<Problem>, StoreError>> = stream::iter(entries)
            .map(|(digest, entry)| async move {
                let result = check_log_file(store, &digest, &entry).await;
                progress.read(1);
                result
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for result in results {
            match result? {
                None => validation.log_files_valid += 1,
                Some(problem) => validation.problems.push(problem),
            }
        }
    }
    // Stable, readable order: by kind, then the object at fault.
    validation
        .problems
        .sort_by(|a, b| (a.kind, &a.objects).cmp(&(b.kind, &b.objects)));
    Ok(validation)
}

/// The digests of one region in the range (after `position` when given), read and verified, in
/// the order of their end times.
#[allow(clippy::too_many_arguments)]
async fn read_digests(
    store: &Store,
    location: &TrailLocation,
    region: &str,
    range: Range,
    position: Option<&Link>,
    keys: &Keys<'_>,
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<Vec<Found>, StoreError> {
    let prefix = format!("{}{region}/", location.digest_root());
    let since = EventTime::from_epoch_seconds(range.since.epoch_seconds() - 3_600);
    let start_after = match position {
        Some(link) => link.key.clone(),
        // Keys sort by day folder: everything from the day before `since` on.
        None => format!("{prefix}{}", day_folder(since)),
    };
    let last_folder = day_folder(EventTime::from_epoch_seconds(
        range.until.epoch_seconds() + 3_600,
    ));
    let listed = store
        .list_keys(&location.bucket, &prefix, &start_after, |key| {
            key.get(prefix.len()..prefix.len() + 11)
                .is_some_and(|folder| folder > last_folder.as_str())
        })
        .await?;
    let after = position.and_then(|p| EventTime::parse(&p.end).ok());
    let mut wanted: Vec<(ObjectRef, DigestKey)> = listed
        .into_iter()
        .filter_map(|key| DigestKey::parse(&key).map(|d| (key, d)))
        .filter(|(_, d)| location.owns(d) && d.region == region)
        .filter(|(_, d)| match after {
            Some(after) => d.end > after,
            None => d.end >= range.since,
        })
        .filter(|(_, d)| d.end.epoch_seconds() <= range.until.epoch_seconds() + 3_600)
        .map(|(key, d)| (ObjectRef::new(&location.bucket, &key), d))
        .collect();
    wanted.sort_by_key(|(_, d)| d.end);
    let found: Vec<Result<Option<Found>, StoreError>> = stream::iter(wanted)
        .map(|(object, key)| async move {
            let found = read_digest(store, keys, object, key).await;
            progress.read(1);
            found
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let found: Vec<Option<Found>> = found.into_iter().collect::<Result<_, _>>()?;
    Ok(found.into_iter().flatten().collect())
}

/// One digest, verified; `None` for a digest deleted between the listing and the read: the
/// chain then sees its hour missing, as if it had never been listed.
async fn read_digest(
    store: &Store,
    keys: &Keys<'_>,
    object: ObjectRef,
    key: DigestKey,
) -> Result<Option<Found>, StoreError> {
    let read = match store.digest(&object).await {
        Ok(read) => read,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let signature = read.signature.clone();
    let content = match (read.uncompressed, &signature) {
        (Err(why), _) => Err(DigestError::Format(why)),
        (Ok(_), None) => Err(DigestError::Unsigned),
        (Ok(bytes), Some(signature)) => match Digest::parse(&bytes) {
            Err(e) => Err(e),
            Ok(digest) => {
                let near = read
                    .backfill_generated
                    .as_deref()
                    .and_then(|t| EventTime::parse(t).ok())
                    .unwrap_or(key.end);
                match keys
                    .get(&digest.digest_public_key_fingerprint, near)
                    .await?
                {
                    None => Err(DigestError::UnknownKey(
                        digest.digest_public_key_fingerprint.clone(),
                    )),
                    Some(public) => digest
                        .verify(&object, &bytes, signature, &public.der)
                        .map(|()| digest),
                }
            }
        },
    };
    Ok(Some(Found {
        object,
        key,
        signature: signature.map(|s| s.hex),
        content,
    }))
}

/// What lies before the first digest of a range: the digest it names, read with `HeadObject`.
async fn before_range(store: &Store, first: Option<&Found>) -> Result<Before, StoreError> {
    let Some((named, _)) = first
        .and_then(|f| f.content.as_ref().ok())
        .and_then(Digest::previous)
    else {
        return Ok(Before::Nothing);
    };
    match store.signature(&named).await {
        Ok(signature) => Ok(Before::Found(Link {
            end: DigestKey::parse(&named.key)
                .map(|k| k.end.to_string())
                .unwrap_or_default(),
            bucket: named.bucket,
            key: named.key,
            signature,
        })),
        Err(StoreError::NotFound(object)) => Ok(Before::Missing(object)),
        Err(e) => Err(e),
    }
}

/// A log file against the hash its digest holds.
async fn check_log_file(
    store: &Store,
    digest: &ObjectRef,
    entry: &LogFileEntry,
) -> Result<Option<Problem>, StoreError> {
    let object = entry.object();
    let (kind, detail) = match store.log_file_hash(&object).await {
        Ok(LogFileHash::Sha256(hash)) if hash.eq_ignore_ascii_case(&entry.hash_value) => {
            return Ok(None);
        }
        Ok(LogFileHash::Sha256(hash)) => (
            ProblemKind::LogFileModified,
            format!(
                "its SHA-256 is {hash}, not the {} that {digest} holds: it was changed after delivery",
                entry.hash_value
            ),
        ),
        Ok(LogFileHash::Unreadable(why)) => (
            ProblemKind::LogFileModified,
            format!("{why}: it was changed after delivery ({digest} holds its hash)"),
        ),
        Err(StoreError::NotFound(_)) => (
            ProblemKind::LogFileMissing,
            format!("it is not in the bucket, though {digest} lists it: it was deleted"),
        ),
        Err(e) => return Err(e),
    };
    let mut problem = Problem::new(kind, vec![object.clone(), digest.clone()], detail);
    problem.previous_version = store.previous_version(&object).await;
    Ok(Some(problem))
}

/// An organization trail's folder under `AWSLogs/`: the one organization id (`o-...`) that holds
/// the account's logs.
pub async fn organization_folder(
    store: &Store,
    bucket: &str,
    prefix: Option<&str>,
    account: &str,
) -> Result<Option<String>, StoreError> {
    let root = match prefix {
        Some(p) => format!("{}/AWSLogs/", p.trim_end_matches('/')),
        None => "AWSLogs/".to_string(),
    };
    for folder in store.list_folders(bucket, &root).await? {
        let org = folder
            .strip_prefix(&root)
            .unwrap_or("")
            .trim_end_matches('/');
        if org.starts_with("o-")
            && !store
                .list_folders(bucket, &format!("{folder}{account}/"))
                .await?
                .is_empty()
        {
            return Ok(Some(org.to_string()));
        }
    }
    Err(StoreError::S3 {
        call: "ListObjectsV2",
        object: format!("s3://{bucket}/{root}"),
        message: format!(
            "the organization trail's bucket has no AWSLogs/o-.../{account}/ folder (is the account right?)"
        ),
    })
}

/// `YYYY/MM/DD/` of a time.
fn day_folder(t: EventTime) -> String {
    let text = t.to_string();
    format!("{}/{}/{}/", &text[0..4], &text[5..7], &text[8..10])
}

/// CloudTrail's public keys, read once for the range and again around a digest whose key was not
/// among them (a backfill digest, a range that ends before a rotation).
struct Keys<'a> {
    store: &'a Store,
    range: Range,
    known: Mutex<Option<HashMap<String, PublicKey>>>,
    /// Fingerprints already looked for around a digest and not found: asked once.
    missed: Mutex<std::collections::HashSet<String>>,
}

impl<'a> Keys<'a> {
    fn new(store: &'a Store, range: Range) -> Keys<'a> {
        Keys {
            store,
            range,
            known: Mutex::new(None),
            missed: Mutex::new(Default::default()),
        }
    }

    async fn get(
        &self,
        fingerprint: &str,
        near: EventTime,
    ) -> Result<Option<PublicKey>, StoreError> {
        let mut known = self.known.lock().await;
        if known.is_none() {
            let until = EventTime::from_epoch_seconds(self.range.until.epoch_seconds() + 2 * 3_600);
            let since = EventTime::from_epoch_seconds(self.range.since.epoch_seconds() - 3_600);
            *known = Some(self.store.public_keys(since, until).await?);
        }
        let keys = known.get_or_insert_with(HashMap::new);
        if let Some(key) = keys.get(fingerprint) {
            return Ok(Some(key.clone()));
        }
        if !self.missed.lock().await.insert(fingerprint.to_string()) {
            return Ok(None);
        }
        let around = self
            .store
            .public_keys(
                EventTime::from_epoch_seconds(near.epoch_seconds() - 3_600),
                EventTime::from_epoch_seconds(near.epoch_seconds() + 3_600),
            )
            .await?;
        keys.extend(around);
        Ok(keys.get(fingerprint).cloned())
    }
}
