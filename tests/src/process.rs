//! One `redis-server` child process: spawned on a free port, awaited until it answers PING.

use std::ffi::OsString;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::port::free_port;

/// How long a server may take to answer its first PING.
const STARTUP: Duration = Duration::from_secs(10);
/// How many times a start is retried when another process took the chosen port first.
const PORT_ATTEMPTS: usize = 10;

pub(crate) const NOT_FOUND: &str =
    "redis-server not found on PATH; install it: apt-get install -y redis-server";

/// A running server: its process and port. The caller owns the directory.
#[derive(Debug)]
pub(crate) struct Process {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

/// Starts `redis-server` in `dir` on a free port with the given extra arguments (`extra` is called again
/// for each attempt, so it may pick further ports itself), and waits until it answers PING.
pub(crate) fn spawn(dir: &Path, extra: &dyn Fn() -> Vec<OsString>) -> Process {
    let log = dir.join("redis.log");
    for _ in 0..PORT_ATTEMPTS {
        let port = free_port();
        let mut command = Command::new("redis-server");
        command
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--port")
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log)
            .args(extra())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == ErrorKind::NotFound => panic!("{NOT_FOUND}"),
            Err(e) => panic!("can not start redis-server: {e}"),
        };
        match wait_for_ping(&mut child, port) {
            Ok(()) => return Process { child, port },
            Err(exited) => {
                let _ = child.kill();
                let _ = child.wait();
                let text = read_log(&log);
                let stderr = child
                    .stderr
                    .take()
                    .map(|mut s| {
                        let mut out = String::new();
                        let _ = s.read_to_string(&mut out);
                        out
                    })
                    .unwrap_or_default();
                if exited && text.contains("Address already in use") {
                    // Someone took the port between our probe and the server's bind: try another.
                    let _ = std::fs::remove_file(&log);
                    continue;
                }
                panic!(
                    "redis-server on port {port} did not answer PING within {STARTUP:?}\n\
                     --- stderr ---\n{stderr}\n--- redis.log ---\n{text}"
                );
            }
        }
    }
    panic!("redis-server could not bind a free port in {PORT_ATTEMPTS} attempts")
}

/// Polls PING until `+PONG`. `Err(true)` when the process exited, `Err(false)` on timeout.
fn wait_for_ping(child: &mut Child, port: u16) -> Result<(), bool> {
    let deadline = Instant::now() + STARTUP;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(true);
        }
        if ping(port) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Err(false)
}

/// One PING over a raw socket, so that waiting needs no runtime.
pub(crate) fn ping(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

pub(crate) fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log at {}: {e})", path.display()))
}

/// Kills and reaps the process; harmless when it already exited.
pub(crate) fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
