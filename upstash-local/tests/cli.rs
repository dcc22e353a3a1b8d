//! The `upstash-local` binary: flags, environment, and one real exchange through it.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_upstash-local");

/// Kills the process on drop, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `redis-server` listening only on a unix socket in its own temporary directory: no TCP port, so no
/// other test's server can ever be the one answering. Killed, and its directory removed, on drop.
struct Redis {
    process: Running,
    dir: PathBuf,
}

impl Redis {
    fn start() -> Redis {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "upstash-local-cli-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("redis.sock");
        let child =
            Command::new(std::env::var_os("REDIS_SERVER").unwrap_or_else(|| "redis-server".into()))
                .args(["--port", "0", "--unixsocket"])
                .arg(&socket)
                .args([
                    "--unixsocketperm",
                    "700",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server on PATH");
        let redis = Redis {
            process: Running(child),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.connection().is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    /// `redis+unix:///<dir>/redis.sock`
    fn url(&self) -> String {
        format!("redis+unix://{}", self.dir.join("redis.sock").display())
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(1))
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.process.0.kill();
        let _ = self.process.0.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the binary on a free port and returns it with the base URL it printed.
fn start(args: &[&str], env: &[(&str, &str)]) -> (Running, String) {
    let mut command = Command::new(BIN);
    command
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("UPSTASH_LOCAL_TOKEN")
        .env_remove("SRH_TOKEN")
        .env_remove("UPSTASH_LOCAL_REDIS_URL")
        .env_remove("UPSTASH_LOCAL_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    // Read on a thread, so a server that never prints fails the test after a while instead of hanging it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("upstash-local printed nothing within 30 s")
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("upstash-local listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (running, url)
}

/// One HTTP/1.1 request on its own connection; returns (status, body).
fn http(url: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let authority = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn help_lists_the_flags() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--listen", "--token", "--redis-url", "--record-requests"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    for env in [
        "UPSTASH_LOCAL_TOKEN",
        "UPSTASH_LOCAL_REDIS_URL",
        "SRH_TOKEN",
    ] {
        assert!(help.contains(env), "{env} missing from:\n{help}");
    }
}

#[test]
fn a_token_is_required() {
    let output = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("UPSTASH_LOCAL_TOKEN")
        .env_remove("SRH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("token is required"));
}

#[test]
fn serves_commands_in_front_of_redis_with_flags() {
    let redis = Redis::start();
    let redis_url = redis.url();
    let (_server, url) = start(
        &[
            "--token",
            "flag-token",
            "--redis-url",
            &redis_url,
            "--record-requests",
        ],
        &[],
    );

    let (status, body) = http(
        &url,
        "POST",
        "/",
        Some("flag-token"),
        r#"["SET","cli","yes"]"#,
    );
    assert_eq!((status, body.as_str()), (200, r#"{"result":"OK"}"#));
    let mut conn = redis.connection().unwrap();
    let value: Option<String> = redis::cmd("GET").arg("cli").query(&mut conn).unwrap();
    assert_eq!(value.as_deref(), Some("yes"));

    let (status, _) = http(&url, "POST", "/", Some("other"), r#"["GET","cli"]"#);
    assert_eq!(status, 401);

    let (status, log) = http(&url, "GET", "/__requests", Some("flag-token"), "");
    assert_eq!(status, 200);
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(log[0]["body"], serde_json::json!(["SET", "cli", "yes"]));
    assert_eq!(log[1]["status"], serde_json::json!(401));
    // The log holds request bodies: it asks for the token like every other route.
    let (status, body) = http(&url, "GET", "/__requests", None, "");
    assert_eq!(status, 400);
    assert!(!body.contains("cli"), "{body}");
    let (status, _) = http(&url, "GET", "/__requests", Some("other"), "");
    assert_eq!(status, 401);
    let (status, _) = http(&url, "DELETE", "/__requests", None, "");
    assert_eq!(status, 400);
    let (status, _) = http(&url, "DELETE", "/__requests", Some("flag-token"), "");
    assert_eq!(status, 200);
}

#[test]
fn token_and_redis_url_come_from_the_environment() {
    let redis = Redis::start();
    let redis_url = redis.url();
    let (_server, url) = start(
        &[],
        &[
            ("UPSTASH_LOCAL_TOKEN", "env-token"),
            ("UPSTASH_LOCAL_REDIS_URL", &redis_url),
        ],
    );
    let (status, body) = http(&url, "POST", "/", Some("env-token"), r#"["PING"]"#);
    assert_eq!((status, body.as_str()), (200, r#"{"result":"PONG"}"#));
    // Without --record-requests there is no request log route.
    let (status, _) = http(&url, "GET", "/__requests", None, "");
    assert_eq!(status, 404);

    let (_srh, srh_url) = start(&["--redis-url", &redis_url], &[("SRH_TOKEN", "srh-token")]);
    let (status, _) = http(&srh_url, "POST", "/", Some("srh-token"), r#"["PING"]"#);
    assert_eq!(status, 200);
}
