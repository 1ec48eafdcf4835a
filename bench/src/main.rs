//! trailwarden-bench: one table, measured in one run, for each function and, side by side, for
//! Cloud Custodian's equivalent policies: bootstrap size, cold start, peak memory, decision time,
//! AWS calls per remediation and time to remediate. Run by `scripts/bench`, which builds what it
//! needs and sets up the Custodian venv; see the README, "Performance".
//!
//! Not a test: it prints figures and fails only when something could not be measured at all.
//!
//! Options: `--starts N` (cold starts per function, default 20), `--invocations N` (per process,
//! default 100), `--rounds N` (passes over the corpus, default 5), `--only FUNCTION`,
//! `--no-custodian`, `--release-dir DIR` (x86_64 binaries, default target/release),
//! `--lambda-dir DIR` (arm64 bootstraps, default target/lambda), `--zip-dir DIR`, `--venv DIR`
//! (moto), `--bench-venv DIR` (Cloud Custodian).

mod emulator;
mod runtime_api;

use emulator::Emulator;
use runtime_api::{Response, RuntimeApi};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use trailwarden_events::{Envelope, EventTime, parse_event_bytes};
use trailwarden_rules::{Config, Facts, iam, trail, tripwire};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
/// Longest one session (a process's cold start and all its invocations) may take.
const SESSION_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest the bench waits for any one request from a function.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

struct Options {
    root: PathBuf,
    release_dir: PathBuf,
    lambda_dir: PathBuf,
    zip_dir: PathBuf,
    venv: PathBuf,
    bench_venv: Option<PathBuf>,
    starts: usize,
    invocations: usize,
    rounds: usize,
    only: Option<String>,
}

fn options() -> Result<Options, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?
        .to_path_buf();
    let mut o = Options {
        release_dir: root.join("target/release"),
        lambda_dir: root.join("target/lambda"),
        zip_dir: root.join("target/bench/zip"),
        venv: root.join(".venv"),
        bench_venv: Some(root.join(".venv-bench")),
        starts: 20,
        invocations: 100,
        rounds: 5,
        only: None,
        root,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--release-dir" => o.release_dir = value()?.into(),
            "--lambda-dir" => o.lambda_dir = value()?.into(),
            "--zip-dir" => o.zip_dir = value()?.into(),
            "--venv" => o.venv = value()?.into(),
            "--bench-venv" => o.bench_venv = Some(value()?.into()),
            "--no-custodian" => o.bench_venv = None,
            "--only" => o.only = Some(value()?),
            "--starts" => o.starts = value()?.parse().map_err(|e| format!("--starts: {e}"))?,
            "--invocations" => {
                o.invocations = value()?
                    .parse()
                    .map_err(|e| format!("--invocations: {e}"))?
            }
            "--rounds" => o.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.starts < 20 || o.invocations < 21 {
        return Err("at least 20 starts and 21 invocations (20 warm)".into());
    }
    Ok(o)
}

/// One function of trailwarden and the Custodian policy that does the same job, if any.
struct Subject {
    function: &'static str,
    event: &'static str,
    /// The emulator command that plays the attacker before each invocation.
    arrange: Option<&'static str>,
    /// What the state must be after the response: (field of the `state` answer, value).
    expect: Option<(&'static str, bool)>,
    custodian: Option<&'static str>,
    kind: &'static str,
}

const SUBJECTS: [Subject; 3] = [
    Subject {
        function: "iam-guard",
        event: "attach-user-policy.json",
        arrange: Some("attach-admin"),
        expect: Some(("admin_attached", false)),
        custodian: Some("detach-admin-policy"),
        kind: "AttachUserPolicy AdministratorAccess → detach",
    },
    Subject {
        function: "trail-guard",
        event: "stop-logging.json",
        arrange: Some("stop-logging"),
        expect: Some(("logging", true)),
        custodian: Some("restart-stopped-trail"),
        kind: "StopLogging → StartLogging",
    },
    Subject {
        function: "tripwire",
        event: "tripwire-root-console-login.json",
        arrange: None,
        expect: None,
        custodian: None,
        kind: "root ConsoleLogin → alert only",
    },
];

fn main() {
    if let Err(e) = run() {
        eprintln!("trailwarden-bench: {e}");
        std::process::exit(1);
    }
}

/// Every figure of one side (trailwarden or Custodian) for one subject.
#[derive(Default)]
struct Figures {
    size: Option<String>,
    cold: Vec<Duration>,
    cold_memory_kb: Vec<u64>,
    first_response: Option<Duration>,
    peak_kb: Option<u64>,
    warm: Vec<Duration>,
    calls: Vec<String>,
    done: usize,
    failed: usize,
    decision: Option<(Duration, Duration, usize)>,
    notes: Vec<String>,
}

fn run() -> Result<(), String> {
    let o = options()?;
    let started = Instant::now();
    eprintln!("load average at start: {}", load_average());
    let mut emulator = Emulator::start(
        &o.venv.join("bin/python"),
        &o.root.join("bench/emulator.py"),
    )?;
    let setup = emulator.call("setup")?;
    let topic = setup["topic"]
        .as_str()
        .ok_or("setup gave no topic")?
        .to_owned();
    let api = RuntimeApi::start().map_err(|e| format!("runtime API stand-in: {e}"))?;
    let home = o.root.join("target/bench/home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;

    // Custodian's functions, packaged as Custodian packages them.
    let mut custodian_dirs = BTreeMap::new();
    let mut custodian_note = None;
    if let Some(venv) = &o.bench_venv {
        let out = o.root.join("target/bench/custodian");
        let output = Command::new(venv.join("bin/python"))
            .arg(o.root.join("bench/custodian/package.py"))
            .args([&topic, ACCOUNT])
            .arg(&out)
            .output()
            .map_err(|e| format!("cannot run Custodian's packager: {e}"))?;
        if output.status.success() {
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                let mut parts = line.split_whitespace();
                if let (Some(name), Some(dir), Some(size)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    custodian_dirs.insert(name.to_owned(), (PathBuf::from(dir), size.to_owned()));
                }
            }
        } else {
            custodian_note = Some(format!(
                "Custodian could not be packaged: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    } else {
        custodian_note = Some("Custodian not run (--no-custodian)".into());
    }

    let mut rows = Vec::new();
    for subject in &SUBJECTS {
        if o.only.as_ref().is_some_and(|only| only != subject.function) {
            continue;
        }
        eprintln!("== {}", subject.function);
        let env = trailwarden_env(subject.function, &topic, &emulator.endpoint, &home);
        let binary = o.release_dir.join(subject.function);
        let spawn = |api_address: &str| {
            let mut command = Command::new(&binary);
            command.env_clear().envs(&env);
            command.env("AWS_LAMBDA_RUNTIME_API", api_address);
            if let Ok(filter) = std::env::var("BENCH_RUST_LOG") {
                command
                    .env("RUST_LOG", filter)
                    .env("AWS_LAMBDA_LOG_FORMAT", "JSON");
            }
            command
        };
        let mut tw = Figures {
            size: Some(bootstrap_size(&o, subject.function)),
            decision: Some(decision_time(subject.function, &env, o.rounds)?),
            ..Figures::default()
        };
        measure(&o, &api, &mut emulator, subject, &spawn, &mut tw)?;

        let mut c7n = Figures::default();
        match (subject.custodian, &o.bench_venv) {
            (Some(policy), Some(venv)) if custodian_dirs.contains_key(policy) => {
                let (dir, zip) = &custodian_dirs[policy];
                c7n.size = Some(format!(
                    "{} zipped (c7n code only; boto3 comes with the Lambda Python runtime)",
                    mb(zip.parse().unwrap_or(0))
                ));
                let mut env = env.clone();
                env.insert(
                    "AWS_LAMBDA_FUNCTION_NAME".into(),
                    format!("custodian-{policy}"),
                );
                env.insert("_HANDLER".into(), "custodian_policy.run".into());
                env.insert("LAMBDA_TASK_ROOT".into(), dir.display().to_string());
                let python = venv.join("bin/python");
                let bootstrap = o.root.join("bench/custodian/bootstrap.py");
                let spawn = |api_address: &str| {
                    let mut command = Command::new(&python);
                    command.arg(&bootstrap).current_dir(dir);
                    command.env_clear().envs(&env);
                    command.env("AWS_LAMBDA_RUNTIME_API", api_address);
                    command
                };
                c7n.notes.push(
                    "decision time: no pure decision step to time (Custodian filters resources it has described over the network)".into(),
                );
                measure(&o, &api, &mut emulator, subject, &spawn, &mut c7n)?;
            }
            (Some(_), _) => c7n.notes.push(
                custodian_note
                    .clone()
                    .unwrap_or_else(|| "Custodian not measured".into()),
            ),
            (None, _) => c7n.notes.push(
                "no Custodian policy written: Custodian has no alert-only equivalent set up here"
                    .into(),
            ),
        }
        rows.push((subject, tw, c7n));
    }
    eprintln!("load average at end: {}", load_average());
    print_table(&o, &rows, started.elapsed());
    Ok(())
}

/// The environment of a deployed function, pointed at the emulator.
fn trailwarden_env(
    function: &str,
    topic: &str,
    endpoint: &str,
    home: &Path,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_DEFAULT_REGION", REGION.into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_SESSION_TOKEN", "testing".into()),
        ("AWS_ENDPOINT_URL", endpoint.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HOME", home.display().to_string()),
        ("ALERT_TOPIC_ARN", topic.into()),
        ("MODE", "enforce".into()),
        ("PROTECTED_TRAILS", "audit".into()),
        (
            "RESPONDER_ROLE_ARNS",
            format!("arn:aws:iam::{ACCOUNT}:role/trailwarden-{function}"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    env.insert("SELF_RESOURCE_PREFIX".into(), "trailwarden".into());
    env
}

/// Cold starts, then one process serving `invocations` events (the attack re-staged before each).
fn measure(
    o: &Options,
    api: &RuntimeApi,
    emulator: &mut Emulator,
    subject: &Subject,
    spawn: &dyn Fn(&str) -> Command,
    figures: &mut Figures,
) -> Result<(), String> {
    for _ in 0..o.starts {
        let session = session(api, emulator, subject, spawn, 0)?;
        figures.cold.push(session.cold);
        figures.cold_memory_kb.extend(session.peak_kb);
    }
    let session = session(api, emulator, subject, spawn, o.invocations)?;
    // Cold start plus the first (cold) invocation's own time: the bench's staging of the attack
    // between the first `/next` and the event is left out.
    figures.first_response = session.handler.first().map(|(_, h)| session.cold + *h);
    figures.peak_kb = session.peak_kb;
    // Warm: every invocation after the first (which includes any work deferred to it).
    figures.warm = session.handler.iter().skip(1).map(|(_, h)| *h).collect();
    figures.calls = session.calls_warm;
    figures.done = session.done;
    figures.failed = session.failed;
    figures.notes.extend(session.notes);
    emulator.call("purge-alerts")?;
    Ok(())
}

struct Session {
    cold: Duration,
    /// Per invocation: (process start → response, event sent → response).
    handler: Vec<(Duration, Duration)>,
    calls_warm: Vec<String>,
    peak_kb: Option<u64>,
    done: usize,
    failed: usize,
    notes: Vec<String>,
}

fn session(
    api: &RuntimeApi,
    emulator: &mut Emulator,
    subject: &Subject,
    spawn: &dyn Fn(&str) -> Command,
    invocations: usize,
) -> Result<Session, String> {
    api.drain();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let event = event_file(&root, subject.event)?;
    // What the function writes to stderr (a panic, a traceback) is kept for the error message.
    let log_path = std::env::temp_dir().join(format!(
        "trailwarden-bench-{}-{}.stderr",
        std::process::id(),
        subject.function
    ));
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut command = spawn(&api.address);
    // The function's own log (stdout) is dropped, unless BENCH_FUNCTION_LOG names a file for it.
    let stdout = match std::env::var_os("BENCH_FUNCTION_LOG") {
        Some(path) => Stdio::from(std::fs::File::create(path).map_err(|e| e.to_string())?),
        None => Stdio::null(),
    };
    command.stdin(Stdio::null()).stdout(stdout).stderr(log);
    let start = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("spawn: {e}"))?;
    let guard = KillOnDrop(&mut child);
    let mut s = Session {
        cold: Duration::ZERO,
        handler: Vec::new(),
        calls_warm: Vec::new(),
        peak_kb: None,
        done: 0,
        failed: 0,
        notes: Vec::new(),
    };
    let mut sent: Option<Instant> = None;
    let mut served = 0;
    let deadline = start + SESSION_TIMEOUT;
    loop {
        let wait = REQUEST_TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
        let Some(request) = api.next_request(wait) else {
            let status = guard.0.try_wait().ok().flatten();
            let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: String = stderr
                .chars()
                .rev()
                .take(2000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(format!(
                "{}: no request from the function within {wait:?} (exited: {status:?}); its stderr ends:\n{tail}",
                subject.function
            ));
        };
        let path = request.path.clone();
        if request.method == "GET" && path.ends_with("/invocation/next") {
            if served == 0 && s.cold.is_zero() {
                s.cold = request.arrived.duration_since(start);
            }
            if served == invocations {
                s.peak_kb = vm_hwm_kb(guard.0.id());
                drop(request);
                break;
            }
            if let Some(arrange) = subject.arrange {
                emulator.call(arrange)?;
            }
            emulator.call("reset-calls")?;
            let mut event = event.clone();
            // A new event each time: what is measured is a remediation, not a duplicate delivery.
            let id = format!("bench-{served:04}-0000-4000-8000-000000000000");
            event["id"] = Value::String(id.clone());
            if event.get("detail").is_some() {
                event["detail"]["eventID"] = Value::String(id.clone());
            }
            // Stamped with the time of the change `arrange` just made: trail-guard leaves a trail
            // stopped again after its event's time, so a stale time would measure no revert.
            EventTime::now().stamp(&mut event);
            let body = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
            let deadline_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() + 60_000)
                .unwrap_or(0);
            sent = Some(Instant::now());
            request.answer(Response {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Lambda-Runtime-Aws-Request-Id".into(), id),
                    ("Lambda-Runtime-Deadline-Ms".into(), deadline_ms.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn".into(),
                        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench"),
                    ),
                    ("Lambda-Runtime-Trace-Id".into(), "Root=1-bench".into()),
                ],
                body,
            });
        } else if request.method == "POST" && path.contains("/invocation/") {
            let Some(t_sent) = sent.take() else {
                return Err(format!("{}: a response before any event", subject.function));
            };
            let arrived = request.arrived;
            let error = path.ends_with("/error");
            let body = String::from_utf8_lossy(&request.body).into_owned();
            request.answer(Response {
                status: 202,
                headers: vec![],
                body: br#"{"status":"OK"}"#.to_vec(),
            });
            s.handler.push((
                arrived.duration_since(start),
                arrived.duration_since(t_sent),
            ));
            let calls = emulator.calls()?;
            if served == 1 {
                s.calls_warm = calls;
            }
            let state = emulator.call("state")?;
            let holds = subject
                .expect
                .is_none_or(|(field, value)| state[field].as_bool() == Some(value));
            if error || !holds {
                s.failed += 1;
                if s.notes.is_empty() {
                    s.notes.push(format!(
                        "invocation {served}: {} state {state} {}",
                        if error { "error" } else { "response" },
                        body.chars().take(300).collect::<String>()
                    ));
                }
            } else {
                s.done += 1;
            }
            served += 1;
        } else if path.ends_with("/init/error") {
            let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(format!(
                "{}: init error: {} {stderr}",
                subject.function,
                String::from_utf8_lossy(&request.body)
            ));
        } else {
            request.answer(Response {
                status: 404,
                headers: vec![],
                body: Vec::new(),
            });
        }
    }
    Ok(s)
}

struct KillOnDrop<'a>(&'a mut Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident set size of a live process (`VmHWM`), in kB.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn event_file(root: &Path, name: &str) -> Result<Value, String> {
    let path = root.join("events").join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The arm64 bootstrap `cargo lambda build --release --arm64` made, and its zip.
fn bootstrap_size(o: &Options, function: &str) -> String {
    let bootstrap = o.lambda_dir.join(function).join("bootstrap");
    let Ok(bytes) = std::fs::read(&bootstrap) else {
        return format!("not built ({})", bootstrap.display());
    };
    let arm64 = bytes.get(18..20) == Some(&[0xb7, 0x00]);
    let stripped = !bytes.windows(8).any(|w| w == b".symtab\0");
    let zip = std::fs::metadata(o.zip_dir.join(format!("{function}.zip")))
        .map(|m| mb(m.len()))
        .unwrap_or_else(|_| "?".into());
    format!(
        "{} {}{}, {zip} zipped",
        mb(bytes.len() as u64),
        if arm64 { "arm64" } else { "NOT arm64" },
        if stripped {
            " stripped"
        } else {
            " NOT stripped"
        },
    )
}

/// Parse + decide for every record of the corpus, timed per record, `rounds` times over.
fn decision_time(
    function: &str,
    env: &BTreeMap<String, String>,
    rounds: usize,
) -> Result<(Duration, Duration, usize), String> {
    let config = Config::from_lookup(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
    let records = corpus_records()?;
    let facts = Facts::new();
    let mut times = Vec::with_capacity(records.len() * rounds);
    for _ in 0..rounds {
        for bytes in &records {
            let t = Instant::now();
            let decision = match parse_event_bytes(bytes) {
                Ok(Envelope::Record(record)) => Some(match function {
                    "iam-guard" => iam::decide(&record, &config, &facts),
                    "trail-guard" => trail::decide(&record, &config, &facts),
                    _ => tripwire::decide(&record, &config),
                }),
                _ => None,
            };
            times.push(t.elapsed());
            std::hint::black_box(decision);
        }
    }
    times.sort();
    Ok((
        percentile(&times, 50.0),
        percentile(&times, 99.0),
        records.len(),
    ))
}

/// Every record of `tests/corpus` as the bytes of its JSON.
fn corpus_records() -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut stack = vec![trailwarden_events::corpus::dir()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read(&path).map_err(|e| e.to_string())?;
                let value: Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
                let records = match &value {
                    Value::Object(map) => map.get("Records").and_then(Value::as_array),
                    Value::Array(items) => Some(items),
                    _ => None,
                };
                for record in records.into_iter().flatten() {
                    out.push(serde_json::to_vec(record).map_err(|e| e.to_string())?);
                }
            }
        }
    }
    if out.is_empty() {
        return Err("no corpus records (set TRAILWARDEN_CORPUS)".into());
    }
    Ok(out)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn median(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    percentile(&v, 50.0)
}

fn max(values: &[Duration]) -> Duration {
    values.iter().copied().max().unwrap_or_default()
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a > 0.0 {
        format!("{:.3}", a / b)
    } else {
        "-".into()
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn calls_summary(calls: &[String]) -> String {
    if calls.is_empty() {
        return "-".into();
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for call in calls {
        match counts.last_mut() {
            Some((last, n)) if last == call => *n += 1,
            _ => counts.push((call.clone(), 1)),
        }
    }
    let list: Vec<String> = counts
        .into_iter()
        .map(|(c, n)| if n > 1 { format!("{c} ×{n}") } else { c })
        .collect();
    format!("**{}**: {}", calls.len(), list.join(", "))
}

fn print_table(o: &Options, rows: &[(&Subject, Figures, Figures)], took: Duration) {
    // "2026-11-21 10:00 UTC" from "2026-11-21T10:00:00Z".
    let now = EventTime::now().to_string();
    let date = format!("{} {} UTC", &now[..10], &now[11..16]);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "Measured {date} on {cores} cores in {:.0} s: {} cold starts per function, {} invocations per process (the first is cold; \"warm\" is the other {}), decision time over {} rounds of the corpus.",
        took.as_secs_f64(),
        o.starts,
        o.invocations,
        o.invocations - 1,
        o.rounds
    );
    println!();
    println!(
        "| function | figure | trailwarden | Cloud Custodian 0.9.53 | trailwarden ÷ Custodian |"
    );
    println!("|---|---|---|---|---|");
    for (subject, tw, c7n) in rows {
        let f = subject.function;
        let either = |figures: &Figures, text: &dyn Fn(&Figures) -> String| {
            if figures.cold.is_empty() && figures.size.is_none() {
                "not measured".to_string()
            } else {
                text(figures)
            }
        };
        println!(
            "| {f} | bootstrap size | {} | {} | |",
            tw.size.clone().unwrap_or_default(),
            c7n.size.clone().unwrap_or_else(|| "not measured".into())
        );
        let cold = |x: &Figures| {
            format!(
                "median {}, max {} ({} starts)",
                ms(median(&x.cold)),
                ms(max(&x.cold)),
                x.cold.len()
            )
        };
        let measured = !c7n.cold.is_empty();
        println!(
            "| {f} | cold start (process start → first `/next`) | {} | {} | {} |",
            cold(tw),
            either(c7n, &cold),
            if measured {
                ratio(
                    median(&tw.cold).as_secs_f64(),
                    median(&c7n.cold).as_secs_f64(),
                )
            } else {
                "-".into()
            }
        );
        let first = |x: &Figures| x.first_response.map(ms).unwrap_or("-".into());
        println!(
            "| {f} | process start → first event answered (cold invocation) | {} | {} | {} |",
            first(tw),
            if measured {
                first(c7n)
            } else {
                "not measured".into()
            },
            match (tw.first_response, c7n.first_response) {
                (Some(a), Some(b)) => ratio(a.as_secs_f64(), b.as_secs_f64()),
                _ => "-".into(),
            }
        );
        let peak = |x: &Figures| {
            x.peak_kb.map_or("-".into(), |kb| {
                format!(
                    "{:.1} MB (at cold start: {:.1} MB)",
                    kb as f64 / 1024.0,
                    x.cold_memory_kb.iter().copied().max().unwrap_or(0) as f64 / 1024.0
                )
            })
        };
        println!(
            "| {f} | peak memory (VmHWM, cold start + {} invocations) | {} | {} | {} |",
            o.invocations,
            peak(tw),
            either(c7n, &peak),
            match (tw.peak_kb, c7n.peak_kb) {
                (Some(a), Some(b)) => ratio(a as f64, b as f64),
                _ => "-".into(),
            }
        );
        let decision = tw
            .decision
            .map(|(m, p, n)| {
                format!(
                    "median {}, p99 {} ({n} records × {} passes)",
                    us(m),
                    us(p),
                    o.rounds
                )
            })
            .unwrap_or_default();
        println!(
            "| {f} | decision time (parse + decide, per corpus record) | {decision} | n/a | |"
        );
        println!(
            "| {f} | AWS calls, {} (warm) | {} | {} | |",
            subject.kind,
            calls_summary(&tw.calls),
            either(c7n, &|x| calls_summary(&x.calls))
        );
        let remediate = |x: &Figures| {
            format!(
                "median {}, p99 {} ({} warm; {} done, {} failed)",
                ms(median(&x.warm)),
                ms({
                    let mut v = x.warm.clone();
                    v.sort();
                    percentile(&v, 99.0)
                }),
                x.warm.len(),
                x.done,
                x.failed
            )
        };
        println!(
            "| {f} | time to remediate (event in → alert published, warm) | {} | {} | {} |",
            remediate(tw),
            either(c7n, &remediate),
            if measured {
                ratio(
                    median(&tw.warm).as_secs_f64(),
                    median(&c7n.warm).as_secs_f64(),
                )
            } else {
                "-".into()
            }
        );
    }
    println!();
    for (subject, tw, c7n) in rows {
        for note in &tw.notes {
            println!("- {} (trailwarden): {note}", subject.function);
        }
        for note in &c7n.notes {
            println!("- {} (Custodian): {note}", subject.function);
        }
    }
}
