//! What the differential tests share: the servers that judge (every one this machine has), a raw
//! connection to each, the campaign chosen by the environment, and the verdict's assertions.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use crate::RedisServer;

/// A server binary `scripts/fetch-servers` put under `target/servers` (such as
/// `redis-8.2/redis-server`).
pub fn fetched_server(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/servers")
        .join(path)
}

/// The servers that judge, by name: `redis-server` on PATH (named `on_path`), Redis 8.2 (required:
/// run `scripts/fetch-servers`) and Valkey 9.1 when fetched.
pub fn binaries(on_path: &'static str) -> Vec<(&'static str, PathBuf)> {
    let mut binaries = vec![(on_path, PathBuf::from("redis-server"))];
    for (name, binary) in [
        ("redis-8.2", "redis-8.2/redis-server"),
        ("valkey-9.1", "valkey-9.1/valkey-server"),
    ] {
        let binary = fetched_server(binary);
        if binary.exists() {
            binaries.push((name, binary));
        } else if name == "redis-8.2" {
            panic!("{} is missing: run scripts/fetch-servers", binary.display());
        }
    }
    binaries
}

/// A raw RESP connection: Lua names the byte it stopped at (`near '\xC3'`), which the `redis` crate
/// can not read in an error reply that is not UTF-8.
pub fn connect(server: &RedisServer) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(("127.0.0.1", server.port())).unwrap())
}

/// What one server said to `SCRIPT LOAD`: the SHA-1 it answered, or the error text (`ERR ...`), bytes
/// that are not UTF-8 replaced as the checker's compiler messages replace them.
///
/// Spoken in raw RESP: Lua names the byte it stopped at (`near '\xC3'`), and the `redis` crate can not
/// read an error reply that is not UTF-8 (it fails with a parse error and drops the connection).
pub fn script_load(connection: &mut BufReader<TcpStream>, text: &str) -> Result<String, String> {
    let mut request =
        format!("*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n${}\r\n", text.len()).into_bytes();
    request.extend_from_slice(text.as_bytes());
    request.extend_from_slice(b"\r\n");
    connection.get_mut().write_all(&request).unwrap();
    let mut line = Vec::new();
    connection.read_until(b'\n', &mut line).unwrap();
    let line = line.strip_suffix(b"\r\n").unwrap_or(&line);
    match line.first() {
        Some(b'$') => {
            let length: usize = std::str::from_utf8(&line[1..]).unwrap().parse().unwrap();
            let mut sha1 = vec![0; length + 2];
            connection.read_exact(&mut sha1).unwrap();
            sha1.truncate(length);
            Ok(String::from_utf8(sha1).unwrap())
        }
        Some(b'-') => Err(String::from_utf8_lossy(&line[1..]).into_owned()),
        _ => panic!(
            "unexpected reply to SCRIPT LOAD: {:?}",
            String::from_utf8_lossy(line)
        ),
    }
}

/// `$name` parsed, or `default`: another seed or number of cases.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fails with the first 20 disagreements, if there are any.
pub fn assert_no_disagreements(disagreements: &[String]) {
    assert!(
        disagreements.is_empty(),
        "{} disagreements; the first:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A generator whose cases all load, or all fail, could not find a disagreement: more than a fifth
/// of each.
pub fn assert_mixed(loads: usize, refused: usize, cases: usize, what: &str) {
    assert!(
        loads * 5 > cases && refused * 5 > cases,
        "the cases must mix {what} that load and {what} that do not"
    );
}
