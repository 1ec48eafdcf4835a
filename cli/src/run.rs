//! The replay of many files: read (S3 objects fetched a chunk at a time, concurrently), decompress,
//! parse and decide in parallel on every core, then count and write in file order, so that the
//! report is the same whatever the number of threads and no more than a chunk of files is ever in
//! memory.

use crate::progress::Progress;
use crate::replay::Replayer;
use crate::report::{Summary, Unreadable};
use crate::source::{Location, LogObject};
use crate::window::Window;
use rayon::prelude::*;
use std::io::Write;

/// Files decided together: enough to keep every core busy, few enough that memory stays small.
const CHUNK: usize = 32;

/// A replay over files.
pub struct Run<'a> {
    pub replayer: Replayer<'a>,
    pub window: Window,
    /// Reads S3 objects (`None`: no S3 source).
    pub s3: Option<S3Reader>,
}

/// What reads S3 objects: a client and the runtime its calls run on.
pub struct S3Reader {
    pub client: aws_sdk_s3::Client,
    pub runtime: tokio::runtime::Handle,
}

impl Run<'_> {
    /// Replays every file, writing each answer's JSON line to `json` (when given) in file order.
    pub fn all(
        &self,
        objects: &[LogObject],
        mut json: Option<&mut dyn Write>,
        progress: &Progress,
    ) -> std::io::Result<Summary> {
        let mut summary = Summary::default();
        for chunk in objects.chunks(CHUNK) {
            let mut fetched = self.fetch_s3(chunk);
            let results: Vec<(Summary, Vec<String>)> = chunk
                .par_iter()
                .zip(fetched.par_iter_mut())
                .map(|(object, prefetched)| {
                    let bytes = prefetched.take().unwrap_or_else(|| read(&object.location));
                    self.file(object, bytes)
                })
                .collect();
            for ((file, lines), object) in results.into_iter().zip(chunk) {
                if let Some(out) = json.as_deref_mut() {
                    for line in &lines {
                        writeln!(out, "{line}")?;
                    }
                }
                progress.file_done(object.size, file.records + file.outside_window);
                summary.merge(file);
            }
        }
        if let Some(out) = json {
            out.flush()?;
        }
        Ok(summary)
    }

    /// One file: its counts and its answers' JSON lines. What cannot be read is counted and
    /// listed, never fatal.
    pub fn file(
        &self,
        object: &LogObject,
        bytes: Result<Vec<u8>, String>,
    ) -> (Summary, Vec<String>) {
        let name = object.location.to_string();
        let mut summary = Summary {
            files: 1,
            bytes: object.size,
            ..Summary::default()
        };
        let unreadable = |record, error: String| Unreadable {
            file: name.clone(),
            record,
            error,
        };
        let records = match bytes
            .and_then(|b| trailwarden_events::read_log_file(&b).map_err(|e| e.to_string()))
        {
            Ok(records) => records,
            Err(error) => {
                summary.unreadable.push(unreadable(None, error));
                return (summary, Vec::new());
            }
        };
        let mut lines = Vec::new();
        for (index, record) in records.into_iter().enumerate() {
            match record {
                Err(error) => summary
                    .unreadable
                    .push(unreadable(Some(index), error.to_string())),
                Ok(record) if !self.window.contains(record.event_time) => {
                    summary.outside_window += 1;
                }
                Ok(record) => {
                    let verdicts = self.replayer.replay(&record);
                    lines.extend(summary.count(&name, index, &record, &verdicts));
                }
            }
        }
        (summary, lines)
    }

    /// The S3 objects of a chunk, fetched concurrently; `None` for the local files (read by the
    /// worker that decides them).
    fn fetch_s3(&self, chunk: &[LogObject]) -> Vec<Option<Result<Vec<u8>, String>>> {
        let mut fetched: Vec<Option<Result<Vec<u8>, String>>> = vec![None; chunk.len()];
        let Some(s3) = &self.s3 else {
            return fetched;
        };
        s3.runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, object) in chunk.iter().enumerate() {
                if let Location::S3 { bucket, key } = &object.location {
                    let (client, bucket, key) = (s3.client.clone(), bucket.clone(), key.clone());
                    tasks.spawn(async move { (i, get_object(&client, &bucket, &key).await) });
                }
            }
            // A task that panicked leaves its file unfetched: the worker counts it unreadable.
            while let Some(done) = tasks.join_next().await {
                if let Ok((i, bytes)) = done {
                    fetched[i] = Some(bytes);
                }
            }
        });
        fetched
    }
}

async fn get_object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(crate::source::s3_error)?;
    let body = object.body.collect().await.map_err(|e| e.to_string())?;
    Ok(body.into_bytes().to_vec())
}

fn read(location: &Location) -> Result<Vec<u8>, String> {
    match location {
        Location::File(path) => std::fs::read(path).map_err(|e| e.to_string()),
        Location::S3 { .. } => Err("the object could not be fetched".into()),
    }
}
