//! One `redis-server` child process: spawned on a free port, awaited until it answers PING, and accepted
//! only once the server on that port is the child itself (another test's server may hold the port).

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::port::free_port;

/// How long a server may take to answer its first PING.
const STARTUP: Duration = Duration::from_secs(10);
/// How many times a start is retried when another process took the chosen port first.
const PORT_ATTEMPTS: usize = 10;

pub(crate) const NOT_FOUND: &str = "redis-server not found on PATH (or at $REDIS_SERVER); install it: \
     apt-get install -y redis-server, or scripts/fetch-servers for Redis 8.2 and Valkey";

/// The server binary the tests run: `$REDIS_SERVER` (such as `target/servers/redis-8.2/redis-server`,
/// from `scripts/fetch-servers`), or `redis-server` on PATH.
pub fn server_binary() -> OsString {
    std::env::var_os("REDIS_SERVER")
        .filter(|path| !path.is_empty())
        .unwrap_or_else(|| "redis-server".into())
}

/// A running server: its process and port, and how it was started. The caller owns the directory.
#[derive(Debug)]
pub(crate) struct Process {
    pub(crate) child: Child,
    pub(crate) port: u16,
    pub(crate) binary: OsString,
    pub(crate) extra: Vec<OsString>,
}

/// The unix socket every server also listens on, in its own directory: nobody else can answer there.
pub(crate) fn unix_socket(dir: &Path) -> PathBuf {
    dir.join("redis.sock")
}

/// Starts `redis-server` in `dir` on a free port with the given extra arguments (`extra` is called again
/// for each attempt, so it may pick further ports itself), and waits until it answers PING on its own
/// unix socket and, on the TCP port, reports the child's pid as its `process_id`.
pub(crate) fn spawn(dir: &Path, binary: &OsStr, extra: &dyn Fn() -> Vec<OsString>) -> Process {
    for _ in 0..PORT_ATTEMPTS {
        if let Some(process) = spawn_on(dir, binary, free_port(), extra()) {
            return process;
        }
    }
    panic!("redis-server could not bind a free port in {PORT_ATTEMPTS} attempts")
}

/// One attempt on `port`: the running server, or `None` when the port belongs to someone else (the
/// child could not bind it, or another server answers on it). Panics on any other failure.
pub(crate) fn spawn_on(
    dir: &Path,
    binary: &OsStr,
    port: u16,
    extra: Vec<OsString>,
) -> Option<Process> {
    let log = dir.join("redis.log");
    let socket = unix_socket(dir);
    let mut command = Command::new(binary);
    command
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .arg("--port")
        .arg(port.to_string())
        .args(["--bind", "127.0.0.1"])
        .arg("--unixsocket")
        .arg(&socket)
        .args(["--unixsocketperm", "700"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .args(&extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!("{NOT_FOUND}"),
        Err(e) => panic!("can not start {}: {e}", binary.to_string_lossy()),
    };
    match wait_for_ping(&mut child, &socket) {
        Ok(()) if process_id(port) == Some(child.id()) => Some(Process {
            child,
            port,
            binary: binary.to_owned(),
            extra,
        }),
        Ok(()) => {
            // Another server answers on the port, so ours can not serve it: try another.
            stop(&mut child);
            let _ = std::fs::remove_file(&log);
            None
        }
        Err(exited) => {
            stop(&mut child);
            let text = read_log(&log);
            if exited && text.contains("Address already in use") {
                // Someone took the port between our probe and the server's bind: try another.
                let _ = std::fs::remove_file(&log);
                return None;
            }
            let stderr = child
                .stderr
                .take()
                .map(|mut s| {
                    let mut out = String::new();
                    let _ = s.read_to_string(&mut out);
                    out
                })
                .unwrap_or_default();
            panic!(
                "redis-server on port {port} did not answer PING within {STARTUP:?}\n\
                 --- stderr ---\n{stderr}\n--- redis.log ---\n{text}"
            );
        }
    }
}

/// Polls PING on the unix socket until `+PONG`. `Err(true)` when the process exited, `Err(false)` on
/// timeout.
pub(crate) fn wait_for_ping(child: &mut Child, socket: &Path) -> Result<(), bool> {
    let deadline = Instant::now() + STARTUP;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(true);
        }
        if ping_unix(socket) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Err(false)
}

/// One PING on the server's unix socket, so that waiting needs no runtime and no other server can answer.
pub(crate) fn ping_unix(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

/// `process_id` from `INFO server` of whatever answers on the loopback `port`, over a raw socket.
fn process_id(port: u16) -> Option<u32> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut reader = BufReader::new(stream);
    let mut header = String::new();
    reader.read_line(&mut header).ok()?;
    let length: usize = header.trim_end().strip_prefix('$')?.parse().ok()?;
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))?
        .trim()
        .parse()
        .ok()
}

pub(crate) fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log at {}: {e})", path.display()))
}

/// Kills and reaps the process; harmless when it already exited.
pub(crate) fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::RedisServer;
    use crate::tempdir::TempDir;

    #[test]
    fn a_port_held_by_another_server_is_refused_not_shared() {
        let other = RedisServer::start();
        let dir = TempDir::new("redis-script-test-taken");
        let attempt = spawn_on(dir.path(), &server_binary(), other.port(), Vec::new());
        assert!(
            attempt.is_none(),
            "accepted a port another server holds: {attempt:?}"
        );
        assert!(other.is_running());
    }

    #[test]
    fn the_accepted_server_is_the_child_itself() {
        let dir = TempDir::new("redis-script-test-own");
        let mut process = spawn(dir.path(), &server_binary(), &Vec::new);
        assert_eq!(process_id(process.port), Some(process.child.id()));
        assert!(ping_unix(&unix_socket(dir.path())));
        stop(&mut process.child);
        assert!(!ping_unix(&unix_socket(dir.path())));
    }
}
