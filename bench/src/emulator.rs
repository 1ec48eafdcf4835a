//! The bench's local AWS: `bench/emulator.py` (moto's server with a call counter and an arranger
//! that plays the attacker), driven one JSON line at a time over its stdin and stdout.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Emulator {
    pub endpoint: String,
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::Receiver<String>,
}

impl Emulator {
    pub fn start(python: &Path, script: &Path) -> Result<Emulator, String> {
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {} {}: {e}",
                    python.display(),
                    script.display()
                )
            })?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout: ChildStdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let ready = rx
            .recv_timeout(STARTUP_TIMEOUT)
            .map_err(|_| "the emulator did not start within 60 s".to_string())?;
        let port = ready
            .strip_prefix("ready ")
            .ok_or_else(|| format!("unexpected first line from the emulator: {ready}"))?;
        Ok(Emulator {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
            stdin,
            answers: rx,
        })
    }

    /// Runs one command of `bench/emulator.py` and returns its answer.
    pub fn call(&mut self, command: &str) -> Result<Value, String> {
        writeln!(self.stdin, "{}", json!({ "cmd": command }))
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("emulator gone: {e}"))?;
        let line = self
            .answers
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| format!("no answer from the emulator to {command}"))?;
        let answer: Value = serde_json::from_str(&line).map_err(|e| format!("{line}: {e}"))?;
        match answer.get("ok") {
            Some(ok) => Ok(ok.clone()),
            None => Err(format!("emulator: {}", answer["error"])),
        }
    }

    /// The AWS calls served since the last call of this (or of `reset-calls`), as `service:Action`.
    pub fn calls(&mut self) -> Result<Vec<String>, String> {
        let answer = self.call("calls")?;
        Ok(answer["calls"]
            .as_array()
            .map(|calls| {
                calls
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
