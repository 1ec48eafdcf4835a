//! CloudTrail digests and log files made by the tests in the documented format ("CloudTrail digest
//! file structure"), signed with RSA key pairs made for the test by Python's `cryptography` (in the
//! project venv, beside moto), not by this project's code, and served by the emulator's
//! `ListPublicKeys` ([`crate::Emulator::serve_public_keys`]).

use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::base64;
use serde_json::json;
use std::io::Write;
use std::process::Command;
use std::sync::OnceLock;
use trailwarden_events::EventTime;

/// The end of hour `n` of the tests' day: 2026-11-20T01:00:31Z for 1 (digests end a few seconds
/// past the hour, as CloudTrail's do).
pub fn test_hour(n: i64) -> EventTime {
    EventTime::from_epoch_seconds(
        EventTime::parse("2026-11-20T00:00:31Z")
            .unwrap()
            .epoch_seconds()
            + n * 3_600,
    )
}

/// A key pair made for the tests: PKCS#8 private, PKCS#1 public (as CloudTrail publishes), the
/// fingerprint the digests name.
#[derive(Debug, Clone)]
pub struct TestKey {
    pub fingerprint: String,
    pub private_pkcs8: Vec<u8>,
    pub public_pkcs1: Vec<u8>,
}

/// Two key pairs, made once per test process: the second is "another key" and the key after a
/// rotation.
pub fn test_keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let script = r#"
import base64, hashlib, json
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
keys = []
for _ in range(2):
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    public = k.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.PKCS1)
    keys.append({"private": base64.b64encode(private).decode(),
                 "public": base64.b64encode(public).decode(),
                 "fingerprint": hashlib.md5(public).hexdigest()})
print(json.dumps(keys))
"#;
        let out = python(&["-c", script]);
        let keys: serde_json::Value =
            serde_json::from_str(&out).expect("the key script prints JSON");
        keys.as_array()
            .expect("a list of keys")
            .iter()
            .map(|k| TestKey {
                fingerprint: k["fingerprint"].as_str().unwrap().to_string(),
                private_pkcs8: base64::decode(k["private"].as_str().unwrap()).unwrap(),
                public_pkcs1: base64::decode(k["public"].as_str().unwrap()).unwrap(),
            })
            .collect()
    })
}

/// The project venv's Python, run with `args`; its stdout.
pub fn python(args: &[&str]) -> String {
    let python = crate::repo_root().join(".venv").join("bin").join("python");
    let output = Command::new(&python)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e} (run scripts/setup)", python.display()));
    assert!(
        output.status.success(),
        "{} failed: {}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

impl TestKey {
    /// SHA256withRSA (PKCS#1 v1.5) signature of `message`, hex, made with ring.
    pub fn sign(&self, message: &[u8]) -> String {
        let pair = ring::signature::RsaKeyPair::from_pkcs8(&self.private_pkcs8).expect("PKCS#8");
        let mut signature = vec![0; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .expect("signing");
        hex(&signature)
    }

    /// The same signature made by Python's `cryptography`: the known answer.
    pub fn sign_in_python(&self, message: &[u8]) -> String {
        let script = r#"
import base64, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
key = serialization.load_der_private_key(base64.b64decode(sys.argv[1]), password=None)
print(key.sign(base64.b64decode(sys.argv[2]), padding.PKCS1v15(), hashes.SHA256()).hex())
"#;
        python(&[
            "-c",
            script,
            &base64::encode(&self.private_pkcs8),
            &base64::encode(message),
        ])
        .trim()
        .to_string()
    }

    /// The key as the emulator's `ListPublicKeys` serves it, valid from `start` to `end`.
    pub fn listed(&self, start: EventTime, end: EventTime) -> serde_json::Value {
        json!({
            "fingerprint": self.fingerprint,
            "value": base64::encode(&self.public_pkcs1),
            "start": start.epoch_seconds(),
            "end": end.epoch_seconds(),
        })
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A trail's bucket as CloudTrail fills it: log files and hourly digests, chained and signed.
#[derive(Debug, Clone)]
pub struct TestTrail {
    pub bucket: String,
    pub prefix: Option<String>,
    pub organization: Option<String>,
    pub account: String,
    pub region: String,
    pub trail_name: String,
    pub home_region: String,
    /// The last digest written (key, signature): the next one chains to it.
    previous: Option<(String, String)>,
    /// Every log file written, in order.
    pub log_files: Vec<String>,
    /// Every digest written, in order.
    pub digests: Vec<String>,
}

impl TestTrail {
    pub fn new(bucket: &str, account: &str, region: &str, trail_name: &str) -> TestTrail {
        TestTrail {
            bucket: bucket.into(),
            prefix: None,
            organization: None,
            account: account.into(),
            region: region.into(),
            trail_name: trail_name.into(),
            home_region: region.into(),
            previous: None,
            log_files: Vec::new(),
            digests: Vec::new(),
        }
    }

    /// `bucket` made and filled with one hour of 2 log files and its digest ending at each of
    /// `ends`, signed with the first test key, which the emulator serves from two days before
    /// the first to two days after the last.
    pub async fn signed(
        aws: &crate::Emulator,
        bucket: &str,
        trail_name: &str,
        ends: &[EventTime],
    ) -> TestTrail {
        aws.create_bucket(bucket).await;
        let key = &test_keys()[0];
        let (first, last) = (
            ends.iter().min().copied().unwrap_or(test_hour(0)),
            ends.iter().max().copied().unwrap_or(test_hour(0)),
        );
        let day = 24 * 3_600;
        aws.serve_public_keys(&[key.listed(
            EventTime::from_epoch_seconds(first.epoch_seconds() - 2 * day),
            EventTime::from_epoch_seconds(last.epoch_seconds() + 2 * day),
        )]);
        let mut trail = TestTrail::new(bucket, crate::ACCOUNT_ID, "us-east-1", trail_name);
        for end in ends {
            trail.hour(&aws.s3(), *end, 2, key).await;
        }
        trail
    }

    /// An organization trail's layout: `AWSLogs/<org-id>/<account>/...`.
    pub fn in_organization(mut self, organization: &str) -> TestTrail {
        self.organization = Some(organization.into());
        self
    }

    pub fn with_prefix(mut self, prefix: &str) -> TestTrail {
        self.prefix = Some(prefix.into());
        self
    }

    fn root(&self) -> String {
        let mut root = self
            .prefix
            .as_ref()
            .map(|p| format!("{p}/"))
            .unwrap_or_default();
        root.push_str("AWSLogs/");
        if let Some(org) = &self.organization {
            root.push_str(&format!("{org}/"));
        }
        root.push_str(&self.account);
        root
    }

    fn stamp(t: EventTime) -> (String, String) {
        let text = t.to_string(); // 2026-11-30T15:01:31Z
        let folder = format!("{}/{}/{}", &text[0..4], &text[5..7], &text[8..10]);
        let stamp = text.replace(['-', ':'], "");
        (folder, stamp)
    }

    /// One hour ending at `end`: `logs` log files, then the digest that lists them, signed with
    /// `key` and chained to the last digest (none after [`TestTrail::restart`]). Returns the
    /// digest's key.
    pub async fn hour(
        &mut self,
        s3: &aws_sdk_s3::Client,
        end: EventTime,
        logs: usize,
        key: &TestKey,
    ) -> String {
        let start = EventTime::from_epoch_seconds(end.epoch_seconds() - 3_600);
        let (folder, stamp) = Self::stamp(end);
        let mut entries = Vec::new();
        for n in 0..logs {
            let log_key = format!(
                "{}/CloudTrail/{}/{folder}/{}_CloudTrail_{}_{}_{n:04}.json.gz",
                self.root(),
                self.region,
                self.account,
                self.region,
                &stamp[..13]
            );
            let content = json!({"Records": [{
                "eventVersion": "1.08",
                "eventTime": start.to_string(),
                "eventSource": "s3.amazonaws.com",
                "eventName": "ListBuckets",
                "awsRegion": self.region,
                "eventID": format!("{stamp}-{n}"),
                "recipientAccountId": self.account,
            }]})
            .to_string();
            put(s3, &self.bucket, &log_key, gzip(content.as_bytes()), None).await;
            entries.push(json!({
                "s3Bucket": self.bucket,
                "s3Object": log_key,
                "hashValue": sha256_hex(content.as_bytes()),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": start.to_string(),
                "oldestEventTime": start.to_string(),
            }));
            self.log_files.push(log_key);
        }
        let digest_key = format!(
            "{}/CloudTrail-Digest/{}/{folder}/{}_CloudTrail-Digest_{}_{}_{}_{stamp}.json.gz",
            self.root(),
            self.region,
            self.account,
            self.region,
            self.trail_name,
            self.home_region
        );
        let (previous_key, previous_signature) = match &self.previous {
            Some((k, s)) => (json!(k), json!(s)),
            None => (json!(null), json!(null)),
        };
        let previous_bucket = if self.previous.is_some() {
            json!(self.bucket)
        } else {
            json!(null)
        };
        let digest = json!({
            "awsAccountId": self.account,
            "digestStartTime": start.to_string(),
            "digestEndTime": end.to_string(),
            "digestS3Bucket": self.bucket,
            "digestS3Object": digest_key,
            "digestPublicKeyFingerprint": key.fingerprint,
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": start.to_string(),
            "oldestEventTime": start.to_string(),
            "previousDigestS3Bucket": previous_bucket,
            "previousDigestS3Object": previous_key,
            "previousDigestHashValue": null,
            "previousDigestHashAlgorithm": "SHA-256",
            "previousDigestSignature": previous_signature,
            "logFiles": entries,
        })
        .to_string();
        let to_sign = format!(
            "{}\n{}/{}\n{}\n{}",
            end,
            self.bucket,
            digest_key,
            sha256_hex(digest.as_bytes()),
            self.previous.as_ref().map_or("null", |(_, s)| s.as_str())
        );
        let signature = key.sign(to_sign.as_bytes());
        put(
            s3,
            &self.bucket,
            &digest_key,
            gzip(digest.as_bytes()),
            Some(&signature),
        )
        .await;
        self.previous = Some((digest_key.clone(), signature));
        self.digests.push(digest_key.clone());
        digest_key
    }

    /// The next digest starts a new chain, as after logging or validation is turned back on.
    pub fn restart(&mut self) {
        self.previous = None;
    }

    /// The next digest names the last one with `signature` instead of its own (a forged chain).
    pub fn forge_previous_signature(&mut self, signature: &str) {
        if let Some((_, s)) = &mut self.previous {
            *s = signature.to_string();
        }
    }
}

/// Writes an object, with a digest's signature metadata when given.
pub async fn put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    signature: Option<&str>,
) {
    let mut request = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body));
    if let Some(signature) = signature {
        request = request
            .metadata("signature", signature)
            .metadata("signature-algorithm", "SHA256withRSA");
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}
