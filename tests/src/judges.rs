//! What the differential tests share: the servers that judge (every one this machine has), a raw
//! connection to each, the campaign chosen by the environment, and the verdict's assertions.

use std::io::BufReader;
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
