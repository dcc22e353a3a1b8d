//! Shared by the `rest_*` tests: a tiny real HTTP/1.1 server on 127.0.0.1 that records what it receives
//! and misbehaves on purpose, and a check that no error text leaks secrets.

#![allow(dead_code, unreachable_pub)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as it arrived on the wire.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub path: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the server does with the `n`-th request (from 0).
pub enum Answer {
    /// Status, extra headers, body.
    Http(u16, Vec<(String, String)>, Vec<u8>),
    /// Reads the request, then closes the connection without a reply.
    Close,
    /// Reads the request and never answers (keeps the connection open until the server is dropped).
    Hang,
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Answer {
        Answer::Http(status, Vec::new(), body.as_bytes().to_vec())
    }
}

type Respond = dyn Fn(usize, &Recorded) -> Answer + Send + Sync;

/// The fake REST server. Stops accepting when dropped.
pub struct FakeRest {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FakeRest {
    pub fn start(respond: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static) -> FakeRest {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Self::serve(listener, respond)
    }

    /// Serves on an already bound listener (e.g. on a port that was closed a moment ago).
    pub fn serve(
        listener: TcpListener,
        respond: impl Fn(usize, &Recorded) -> Answer + Send + Sync + 'static,
    ) -> FakeRest {
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let server = FakeRest {
            port,
            requests: Arc::default(),
            accepted: Arc::default(),
            stop: Arc::default(),
        };
        let respond: Arc<Respond> = Arc::new(respond);
        let (requests, accepted, stop) = (
            server.requests.clone(),
            server.accepted.clone(),
            server.stop.clone(),
        );
        thread::spawn(move || {
            // Bounded: a test never runs for more than a minute.
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                        let (requests, stop, respond) =
                            (requests.clone(), stop.clone(), respond.clone());
                        thread::spawn(move || connection(stream, &requests, &stop, &*respond));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FakeRest {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Serves keep-alive requests on one connection until the client closes it or the answer says otherwise.
fn connection(
    mut stream: TcpStream,
    requests: &Mutex<Vec<Recorded>>,
    stop: &AtomicBool,
    respond: &Respond,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    while let Some(request) = read_request(&mut stream) {
        let n = {
            let mut all = requests.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        match respond(n, &request) {
            Answer::Http(status, headers, body) => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).is_err() || stream.write_all(&body).is_err() {
                    return;
                }
            }
            Answer::Close => return,
            Answer::Hang => {
                let deadline = Instant::now() + Duration::from_secs(30);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(10));
                }
                return;
            }
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Recorded {
        path,
        headers,
        body,
    })
}

pub use redis_script_tests::assert_no_secrets;

/// The transport error inside `err`, or a panic saying what it was instead.
pub fn transport(err: &redis_script::Error) -> &redis_script::TransportError {
    match err {
        redis_script::Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}
