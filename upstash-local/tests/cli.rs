//! The `upstash-local` binary: flags, environment, and one real exchange through it.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn redis_server() -> (Running, u16) {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server on PATH");
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (running, port)
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
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("upstash-local listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (Running(child), url)
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
    let (_redis, port) = redis_server();
    let redis_url = format!("redis://127.0.0.1:{port}");
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
    let mut conn = redis::Client::open(redis_url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
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
    let (_redis, port) = redis_server();
    let redis_url = format!("redis://127.0.0.1:{port}");
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
