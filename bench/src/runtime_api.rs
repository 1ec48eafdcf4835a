//! A small stand-in for the Lambda Runtime API (`/2018-06-01/runtime/invocation/...`) on
//! 127.0.0.1: one thread per connection parses each HTTP/1.1 request and hands it, with the
//! instant it arrived, to the bench's own thread, which decides the answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// Longest any one request or answer may take before the bench gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub arrived: Instant,
    reply: Sender<Response>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn answer(self, response: Response) {
        // The client may already be gone (a process killed after its cold start).
        let _ = self.reply.send(response);
    }
}

pub struct RuntimeApi {
    pub address: String,
    requests: Receiver<Request>,
}

impl RuntimeApi {
    pub fn start() -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let tx = tx.clone();
                thread::spawn(move || serve_connection(stream, tx));
            }
        });
        Ok(RuntimeApi {
            address,
            requests: rx,
        })
    }

    /// The next request from any client, or `None` after `timeout`.
    pub fn next_request(&self, timeout: Duration) -> Option<Request> {
        self.requests.recv_timeout(timeout).ok()
    }

    /// Drops whatever requests of killed processes are still queued.
    pub fn drain(&self) {
        while self.requests.try_recv().is_ok() {}
    }
}

fn serve_connection(stream: TcpStream, requests: Sender<Request>) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader) {
        let (reply_tx, reply_rx) = mpsc::channel();
        let request = Request {
            method,
            path,
            body,
            arrived: Instant::now(),
            reply: reply_tx,
        };
        if requests.send(request).is_err() {
            return;
        }
        let Ok(response) = reply_rx.recv_timeout(IO_TIMEOUT) else {
            return;
        };
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
            response.status,
            if response.status < 300 { "OK" } else { "Error" },
            response.body.len()
        );
        for (name, value) in &response.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(&response.body).is_err()
            || writer.flush().is_err()
        {
            return;
        }
    }
}

/// Reads one request: its method, path and body (Content-Length or chunked).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, path, body))
}
