//! Harness for the end-to-end tests: a local AWS (moto's server) and helpers
//! to arrange and inspect its state.
//!
//! Every test takes the shared server with [`emulator`]:
//!
//! ```no_run
//! # async fn example() {
//! let aws = trailwarden_tests::emulator().await; // reset, and ours alone until dropped
//! aws.create_bucket("trail-logs").await;
//! let arn = aws.create_logging_trail("main", "trail-logs").await;
//! assert!(aws.is_logging(&arn).await);
//! let cloudtrail = aws_sdk_cloudtrail::Client::new(&aws.sdk_config());
//! # }
//! ```
//!
//! One server runs per test process (each file under `tests/tests/` is its own
//! process). It is moto started by the project's venv (`scripts/setup`), and it
//! exits when the test process does: it serves until its stdin, a pipe that
//! only this process holds, reaches EOF.
//!
//! [`digests`] makes CloudTrail digests and log files, signed with keys made for the test.

pub mod digests;

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// The emulated AWS account (moto's default).
pub const ACCOUNT_ID: &str = "123456789012";
/// Region of the default [`SdkConfig`] and of the resources the helpers create.
pub const REGION: &str = "us-east-1";
/// Name of the SNS topic created by [`Emulator::alert_queue`].
pub const ALERT_TOPIC: &str = "trailwarden-alerts";
/// Name of the SQS queue subscribed to [`ALERT_TOPIC`].
pub const ALERT_INBOX_QUEUE: &str = "trailwarden-alerts-inbox";

/// How long a server may take from spawn to answering HTTP.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Lines of server output kept for failure messages.
const LOG_TAIL_LINES: usize = 40;

/// The repository root (the workspace directory).
/// The emulator's public keys file (one per test process: the servers of one process share it).
fn public_keys_file() -> PathBuf {
    std::env::temp_dir().join(format!(
        "trailwarden-public-keys-{}.json",
        std::process::id()
    ))
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the repository root")
        .to_path_buf()
}

/// Parses `<repo>/events/<name>` as JSON, stamped with the current time: the record of a change
/// the test has just made in the emulator (which stamps its resources with the real clock, e.g. a
/// trail's `StopLoggingTime`). Panics naming the file if it can't.
pub fn event_file(name: &str) -> serde_json::Value {
    let mut event = event_file_as_written(name);
    trailwarden_events::EventTime::now().stamp(&mut event);
    event
}

/// `<repo>/events/<name>` with the time the file carries.
pub fn event_file_as_written(name: &str) -> serde_json::Value {
    let path = repo_root().join("events").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read event file {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("event file {} is not JSON: {e}", path.display()))
}

/// Takes the process's shared emulator, starting it on first use, and resets
/// it to an empty account.
///
/// Tests in one process take turns: the returned guard holds the emulator
/// until it is dropped, so one test never sees another's resources. Works
/// from any tokio runtime (each `#[tokio::test]` has its own), since only the
/// server process and its port are shared, never SDK clients.
pub async fn emulator() -> EmulatorGuard {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
    take_turn(&TURN, &SHARED, Accounts::One).await
}

/// The shared server of `shared` (started on first use) for the test holding `turn`, reset.
async fn take_turn(
    turn: &'static tokio::sync::Mutex<()>,
    shared: &'static OnceLock<Result<Emulator, String>>,
    accounts: Accounts,
) -> EmulatorGuard {
    // tokio's Mutex is runtime-agnostic and is not poisoned when a test
    // panics while holding it: the next test simply resets the state.
    let turn = turn.lock().await;
    // Starting blocks for up to STARTUP_TIMEOUT; keep that off the runtime.
    // A failed start is remembered, so every later test fails fast with it.
    let shared = tokio::task::spawn_blocking(move || {
        shared.get_or_init(|| Emulator::try_start_with(accounts))
    })
    .await
    .expect("starting the emulator panicked");
    let emulator = shared.as_ref().unwrap_or_else(|e| panic!("{e}"));
    emulator.reset().await;
    EmulatorGuard {
        emulator,
        _turn: turn,
    }
}

/// Exclusive use of the shared emulator of several accounts: each request acts in the account of
/// its credentials ([`Emulator::sdk_config_as`]), the tests' own credentials in [`ACCOUNT_ID`].
/// A server of its own, as moto keeps accounts apart only without `MOTO_ACCOUNT_ID`.
pub async fn emulator_of_accounts() -> EmulatorGuard {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
    take_turn(&TURN, &SHARED, Accounts::Many).await
}

/// Whether the emulator keeps accounts apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accounts {
    /// Every request in [`ACCOUNT_ID`] (fast: one IAM backend).
    One,
    /// Each request in its credentials' account.
    Many,
}

/// Exclusive use of the shared [`Emulator`], from [`emulator`]. Dereferences
/// to the emulator, so all of its helpers are available.
pub struct EmulatorGuard {
    emulator: &'static Emulator,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Deref for EmulatorGuard {
    type Target = Emulator;

    fn deref(&self) -> &Emulator {
        self.emulator
    }
}

/// One running moto server on 127.0.0.1. Killed when dropped (the shared
/// one, living in a static, instead ends with the test process).
pub struct Emulator {
    port: u16,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Emulator {
    /// Starts a server of its own, for a test that cannot share one; most
    /// tests want [`emulator`] instead. Blocks until it answers HTTP.
    ///
    /// # Panics
    /// If the venv's python or moto is missing, or the server does not come up.
    pub fn start() -> Emulator {
        Self::try_start().unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_start() -> Result<Emulator, String> {
        Self::try_start_with(Accounts::One)
    }

    fn try_start_with(accounts: Accounts) -> Result<Emulator, String> {
        let root = repo_root();
        let venv = root.join(".venv");
        let python = venv.join("bin").join("python");
        let script = root.join("tests").join("moto_harness.py");
        let fail = |why: String, log: &str| {
            format!(
                "cannot start the local AWS emulator (moto server): {why}\n\
                 It runs on {python}, from the project venv {venv}; \
                 run `scripts/setup` to create it with the pinned moto.{log}",
                python = python.display(),
                venv = venv.display(),
            )
        };

        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg("0") // moto binds port 0 and reports the port: no race for it
            // So IAM knows the AWS managed policies, e.g. AdministratorAccess.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // The recorder's file (Emulator::start_recording), outside the checkout.
            .env(
                "MOTO_RECORDER_FILEPATH",
                std::env::temp_dir()
                    .join(format!("trailwarden-moto-recording-{}", std::process::id())),
            )
            // CloudTrail's ListPublicKeys, which moto lacks (Emulator::serve_public_keys).
            .env("MOTO_PUBLIC_KEYS_FILE", public_keys_file());
        if accounts == Accounts::One {
            // One account for every request. Otherwise moto finds the account
            // by looking the access key up in the IAM backends of all six
            // partitions, creating each (with all managed policies) on the
            // first request after a reset: about a second per test.
            command.env("MOTO_ACCOUNT_ID", ACCOUNT_ID);
        } else {
            command.env_remove("MOTO_ACCOUNT_ID");
        }
        let mut child = command
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("spawning {} failed: {e}", python.display()), ""))?;

        // Both output pipes are drained for the server's whole life (a full
        // pipe would stall it); the last lines are kept for failure messages.
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        drain_lines(stdout, Arc::clone(&log), Some(ready_tx));
        let stderr_drain = drain_lines(stderr, Arc::clone(&log), None);

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let mut emulator = Emulator {
            port: 0,
            child,
            log,
        };
        let startup = match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(port) => {
                emulator.port = port;
                emulator.wait_until_serving(deadline)
            }
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "no ready line within {}s",
                STARTUP_TIMEOUT.as_secs()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                // Its last words (say, a traceback) are still on their way.
                let _ = stderr_drain.join();
                let status = emulator.child.wait().map_or_else(
                    |e| format!("status unknown: {e}"),
                    |status| status.to_string(),
                );
                Err(format!("the server exited ({status})"))
            }
        };
        match startup {
            Ok(()) => Ok(emulator),
            // Dropping the emulator kills the half-started server.
            Err(why) => Err(fail(why, &emulator.log_tail())),
        }
    }

    /// Polls until the server answers an HTTP request.
    fn wait_until_serving(&self, deadline: Instant) -> Result<(), String> {
        loop {
            let error = match http(self.port, "GET", "/moto-api/config", b"") {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "no HTTP answer on port {} within {}s: {error}",
                    self.port,
                    STARTUP_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.is_empty() {
            return String::new();
        }
        let lines: Vec<&str> = log.iter().map(String::as_str).collect();
        format!("\nLast server output:\n{}", lines.join("\n"))
    }

    /// The server's TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Base URL of the server, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK configuration for the emulator in [`REGION`].
    pub fn sdk_config(&self) -> SdkConfig {
        self.sdk_config_in(REGION)
    }

    /// SDK configuration for the emulator in `region`, with dummy static
    /// credentials. Built directly rather than by `aws_config::load`, so no
    /// AWS_* variable or profile of the machine can leak into a test.
    pub fn sdk_config_in(&self, region: &str) -> SdkConfig {
        let credentials = Credentials::new("testing", "testing", None, None, "trailwarden-tests");
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(trailwarden_responder::environment::https_client())
            .region(Region::new(region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .endpoint_url(self.endpoint())
            .build()
    }

    /// SDK configuration acting in `account` (an [`emulator_of_accounts`]): credentials of an
    /// `AssumeRole` into a role of that account, which moto grants without checking.
    pub async fn sdk_config_as(&self, account: &str) -> SdkConfig {
        use aws_sdk_sqs::config::ProvideCredentials;
        let role = format!("arn:aws:iam::{account}:role/trailwarden-tests");
        let base = self
            .sdk_config()
            .to_builder()
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .build();
        let credentials = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("tests")
            .configure(&base)
            .build()
            .await
            .provide_credentials()
            .await
            .expect("the emulator grants every AssumeRole");
        self.sdk_config()
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build()
    }

    /// CloudTrail client in [`REGION`].
    pub fn cloudtrail(&self) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.sdk_config())
    }

    /// IAM client.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config())
    }

    /// KMS client in [`REGION`].
    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk_config())
    }

    /// S3 client in [`REGION`], path-style (the emulator has no virtual-hosted bucket names).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// SNS client in [`REGION`].
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk_config())
    }

    /// SQS client in [`REGION`].
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config())
    }

    /// The keys CloudTrail's `ListPublicKeys` answers with from now on (moto lacks the call:
    /// `tests/moto_harness.py` adds it), each as [`digests::TestKey::listed`] makes it. A reset
    /// serves none.
    pub fn serve_public_keys(&self, keys: &[serde_json::Value]) {
        std::fs::write(
            public_keys_file(),
            serde_json::Value::from(keys.to_vec()).to_string(),
        )
        .expect("writing the public keys file");
    }

    /// Deletes every resource in every account and region (`/moto-api/reset`).
    /// [`emulator`] already does this before handing the server out.
    pub async fn reset(&self) {
        let _ = std::fs::remove_file(public_keys_file());
        let response = self.raw_request("POST", "/moto-api/reset").await;
        assert_eq!(
            response.status, 200,
            "resetting the emulator failed: {}",
            response.body
        );
    }

    /// Starts recording every request the server answers (moto's recorder), from none: what
    /// [`Emulator::recorded_requests`] returns.
    pub async fn start_recording(&self) {
        for path in [
            "/moto-api/recorder/reset-recording",
            "/moto-api/recorder/start-recording",
        ] {
            let response = self.raw_request("POST", path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.body);
        }
    }

    /// Stops recording and returns the requests recorded since [`Emulator::start_recording`],
    /// each as moto writes it (`method`, `url`, `headers`, `body`, base64 when `body_encoded`).
    pub async fn recorded_requests(&self) -> Vec<serde_json::Value> {
        let stop = self
            .raw_request("POST", "/moto-api/recorder/stop-recording")
            .await;
        assert_eq!(stop.status, 200, "stop-recording: {}", stop.body);
        let download = self
            .raw_request("GET", "/moto-api/recorder/download-recording")
            .await;
        assert_eq!(
            download.status, 200,
            "download-recording: {}",
            download.body
        );
        download
            .body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("moto records one JSON object a line"))
            .collect()
    }

    /// Creates an S3 bucket in us-east-1, e.g. to receive a trail's logs
    /// (moto's CreateTrail requires the bucket to exist).
    ///
    /// The tests do not depend on the S3 SDK, so this is a plain path-style
    /// `PUT /<name>`: moto routes any unsigned request it cannot attribute to
    /// another service to S3.
    pub async fn create_bucket(&self, name: &str) {
        assert!(
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'-'),
            "invalid S3 bucket name {name:?}"
        );
        let response = self.raw_request("PUT", &format!("/{name}")).await;
        assert_eq!(
            response.status, 200,
            "creating S3 bucket {name} failed: {}",
            response.body
        );
    }

    /// Creates a single-region trail in [`REGION`] delivering to `bucket`
    /// (which must exist, see [`create_bucket`](Self::create_bucket)),
    /// starts its logging, and returns its ARN.
    pub async fn create_logging_trail(&self, name: &str, bucket: &str) -> String {
        let cloudtrail = self.cloudtrail();
        let trail = cloudtrail
            .create_trail()
            .name(name)
            .s3_bucket_name(bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateTrail {name} failed: {e:?}"));
        cloudtrail
            .start_logging()
            .name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("StartLogging {name} failed: {e:?}"));
        trail
            .trail_arn()
            .unwrap_or_else(|| panic!("CreateTrail {name} returned no ARN"))
            .to_owned()
    }

    /// Whether the trail (name or ARN, seen from [`REGION`]) is logging,
    /// per GetTrailStatus.
    pub async fn is_logging(&self, trail: &str) -> bool {
        self.cloudtrail()
            .get_trail_status()
            .name(trail)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetTrailStatus {trail} failed: {e:?}"))
            .is_logging()
            .unwrap_or_else(|| panic!("GetTrailStatus {trail} returned no IsLogging"))
    }

    /// Creates the SNS topic [`ALERT_TOPIC`] and an SQS queue subscribed to it
    /// with raw message delivery, so each published alert arrives with its
    /// `sqs` body (or `default`, under MessageStructure=json) and its message
    /// attributes as SQS message attributes.
    pub async fn alert_queue(&self) -> AlertQueue {
        let sns = self.sns();
        let sqs = self.sqs();
        let topic_arn = sns
            .create_topic()
            .name(ALERT_TOPIC)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateTopic {ALERT_TOPIC} failed: {e:?}"))
            .topic_arn()
            .expect("CreateTopic returned no ARN")
            .to_owned();
        let queue_url = sqs
            .create_queue()
            .queue_name(ALERT_INBOX_QUEUE)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateQueue {ALERT_INBOX_QUEUE} failed: {e:?}"))
            .queue_url()
            .expect("CreateQueue returned no URL")
            .to_owned();
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetQueueAttributes {queue_url} failed: {e:?}"))
            .attributes()
            .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn))
            .expect("GetQueueAttributes returned no QueueArn")
            .clone();
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .unwrap_or_else(|e| panic!("subscribing {queue_arn} to {topic_arn} failed: {e:?}"));
        AlertQueue {
            topic_arn,
            queue_url,
            sqs,
        }
    }

    async fn raw_request(&self, method: &'static str, path: &str) -> HttpResponse {
        let (port, owned_path) = (self.port, path.to_owned());
        tokio::task::spawn_blocking(move || http(port, method, &owned_path, b""))
            .await
            .expect("HTTP request task panicked")
            .unwrap_or_else(|e| {
                panic!("{method} {path} to the emulator on port {port} failed: {e}")
            })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Closing stdin alone would stop it too; killing is immediate.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SNS topic for alerts and an SQS queue that receives what it publishes.
pub struct AlertQueue {
    topic_arn: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

/// One message taken from an [`AlertQueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAlert {
    /// The message body (with MessageStructure=json, its `sqs` entry).
    pub body: String,
    /// The SNS message attributes, by name (String and Number values).
    pub attributes: HashMap<String, String>,
}

impl ReceivedAlert {
    /// The message attribute `name`; panics, listing the attributes, if it is missing.
    pub fn attribute(&self, name: &str) -> &str {
        self.attributes
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no attribute {name}: {:?}", self.attributes))
    }

    /// The body parsed as JSON; panics if it is not.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("alert body is not JSON ({e}): {}", self.body))
    }
}

impl AlertQueue {
    /// ARN of the topic [`ALERT_TOPIC`], for the code under test to publish to.
    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// URL of the subscribed queue.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Takes (receives and deletes) every message in the queue.
    ///
    /// Waits up to `max_wait` for the first message, then returns as soon as
    /// the queue is empty; returns nothing if no message came within
    /// `max_wait`, so a short wait suits "no alert was sent" assertions.
    pub async fn receive(&self, max_wait: Duration) -> Vec<ReceivedAlert> {
        let deadline = Instant::now() + max_wait;
        let mut alerts = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            // Long-poll (whole seconds) only until something has arrived.
            let wait_seconds = if alerts.is_empty() {
                remaining.as_secs().min(20) as i32
            } else {
                0
            };
            let output = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(wait_seconds)
                .message_attribute_names("All")
                .send()
                .await
                .unwrap_or_else(|e| panic!("ReceiveMessage {} failed: {e:?}", self.queue_url));
            let messages = output.messages();
            if messages.is_empty() {
                if !alerts.is_empty() || remaining.is_zero() {
                    return alerts;
                }
                // Less than a second left: poll without long-polling.
                if wait_seconds == 0 {
                    tokio::time::sleep(remaining.min(Duration::from_millis(50))).await;
                }
                continue;
            }
            for message in messages {
                if let Some(receipt) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.queue_url)
                        .receipt_handle(receipt)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("DeleteMessage failed: {e:?}"));
                }
                let attributes = message
                    .message_attributes()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, value)| {
                        Some((name.clone(), value.string_value()?.to_owned()))
                    })
                    .collect();
                alerts.push(ReceivedAlert {
                    body: message.body().unwrap_or_default().to_owned(),
                    attributes,
                });
            }
        }
    }
}

/// Forwards lines of a child's output pipe into the log tail until EOF; the
/// first `moto-ready <port>` line goes to `ready` instead.
fn drain_lines(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<VecDeque<String>>>,
    mut ready: Option<mpsc::Sender<u16>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(port) = line.strip_prefix("moto-ready ")
                && let Ok(port) = port.trim().parse::<u16>()
                && let Some(tx) = ready.take()
            {
                let _ = tx.send(port);
                continue;
            }
            let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
            if log.len() == LOG_TAIL_LINES {
                log.pop_front();
            }
            log.push_back(line);
        }
        // Dropping `ready` here tells the starter that the server is gone.
    })
}

struct HttpResponse {
    status: u16,
    body: String,
}

/// A minimal HTTP/1.1 exchange with the emulator, so that the harness needs
/// no HTTP client crate for moto's own API and for S3.
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> io::Result<HttpResponse> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    // A reset reloads the managed IAM policies; that can take a moment.
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;

    // `Connection: close`: the response ends where the stream does.
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("response without end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("response without status code"))?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let payload = &raw[split + 4..];
    let body = if chunked {
        dechunk(payload).ok_or_else(|| invalid("malformed chunked body"))?
    } else {
        payload.to_vec()
    };
    Ok(HttpResponse {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Decodes a `Transfer-Encoding: chunked` body (trailers ignored).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_field = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_hex = size_field.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// An HTTP client for the emulator that refuses `AssumeRole` into a role of `account` with STS's
/// AccessDenied, as AWS does when the role is gone or does not trust the caller: moto itself
/// grants every `AssumeRole`. Every other request goes to the emulator.
pub fn refusing_assume_role_into(account: &str) -> SharedHttpClient {
    SharedHttpClient::new(Refusing {
        inner: trailwarden_responder::environment::https_client(),
        marker: format!("%3A{account}%3Arole"),
    })
}

#[derive(Debug)]
struct Refusing {
    inner: SharedHttpClient,
    /// How the account's role ARN appears in the form-encoded request.
    marker: String,
}

impl HttpClient for Refusing {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RefusingConnector {
            inner: self.inner.http_connector(settings, components),
            marker: self.marker.clone(),
        })
    }
}

#[derive(Debug)]
struct RefusingConnector {
    inner: SharedHttpConnector,
    marker: String,
}

impl HttpConnector for RefusingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        if body.contains("Action=AssumeRole") && body.contains(&self.marker) {
            let denied = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>refused-by-test</RequestId></ErrorResponse>";
            let response = aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                StatusCode::try_from(403).expect("a status"),
                SdkBody::from(denied),
            );
            return HttpConnectorFuture::ready(Ok(response));
        }
        self.inner.call(request)
    }
}

/// The journal table, as the template makes it (keys `pk`/`sk`, the `account` index).
pub const JOURNAL: &str = "trailwarden-iam-journal";

pub async fn create_journal_table(sdk: &aws_config::SdkConfig) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    aws_sdk_dynamodb::Client::new(sdk)
        .create_table()
        .table_name(JOURNAL)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .attribute_definitions(attribute("account"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("account")
                .key_schema(key("account", KeyType::Hash))
                .key_schema(key("pk", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}
