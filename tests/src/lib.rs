//! Harness: real `redis-server` processes for the integration tests.
//!
//! [`RedisServer::start`] runs a throwaway server on a free loopback port with no persistence, in its own
//! temporary directory; [`RedisCluster::start`] forms a cluster of them with `redis-cli --cluster create`.
//! Both are killed, and their directories removed, on drop. When a test fails, the logs of its servers are
//! printed to stderr so the failure can be read next to what the server saw.
//!
//! Nothing is shared between tests: every server has its own port and directory, so tests may run in
//! parallel threads (`cargo test`) or processes (`cargo nextest`).
//!
//! Every helper panics on failure, with the reason: that is how a test fails.

#![allow(clippy::unwrap_used)]

pub mod batches;
pub mod blocking;
mod cluster;
pub mod function_batches;
pub mod judges;
pub mod library_cases;
mod lock;
pub mod lost_reply;
pub mod lua_cases;
mod port;
pub mod probe;
mod process;
pub mod proxy;
pub mod seed;
mod server;
pub mod soak;
pub mod spans;
mod stats;
pub mod sweep;
pub mod tally;
mod tempdir;
mod texts;
pub mod tls;
pub mod upstash;

pub use cluster::{Migration, RedisCluster};
pub use lock::ProcessLock;
pub use port::ClosedPort;
pub use process::server_binary;
pub use server::RedisServer;
pub use stats::CommandStats;
pub use texts::{assert_no_secrets, error_texts};

/// The target directory, under `CARGO_TARGET_TMPDIR`, of every scratch crate the tests build against
/// this workspace's `redis-script`: one, so that the facade and the macro compile once for all.
pub const PROBE_TARGET: &str = "probe-target";
