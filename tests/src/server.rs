//! [`RedisServer`]: a throwaway `redis-server` on a free loopback port.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, IntoConnectionInfo};

use crate::process::{self, Process};
use crate::stats::CommandStats;
use crate::tempdir::TempDir;

/// How long the harness waits for the reply to one of its own queries.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` started for one test: no persistence, bound to 127.0.0.1 on a free port, with its
/// own directory and log file. Killed on drop; if the test is failing, its log is printed to stderr.
///
/// ```no_run
/// # async fn t() {
/// let server = redis_script_tests::RedisServer::start();
/// let conn = server.connection().await;
/// server.reset_stats().await;
/// // ... run scripts on `conn` ...
/// assert_eq!(server.commandstats().await.calls("evalsha"), 1);
/// # }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    process: Process,
    // Dropped after `process` (fields drop in order), so the log outlives the server.
    dir: TempDir,
}

impl RedisServer {
    /// Starts a server and waits (at most 10 s) until it answers PING. Panics when `redis-server` is
    /// not on PATH or does not come up, showing its log.
    pub fn start() -> RedisServer {
        RedisServer::start_with_args::<[&str; 0], &str>([])
    }

    /// Like [`start`](Self::start), with extra `redis-server` arguments, e.g.
    /// `["--enable-debug-command", "local"]`.
    pub fn start_with_args<I, S>(args: I) -> RedisServer
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        RedisServer::spawn(&move |_| args.clone())
    }

    /// Like [`start`](Self::start), with `config` (lines of a `redis.conf`, such as
    /// `rename-command MULTI ""`) in a config file of the server's own, which it includes.
    pub fn start_with_config(config: &str) -> RedisServer {
        let config = config.to_owned();
        RedisServer::spawn(&move |dir| {
            let path = dir.join("extra.conf");
            std::fs::write(&path, &config).unwrap();
            vec!["--include".into(), path.into()]
        })
    }

    /// Like [`start`](Self::start), running the server binary at `binary` (such as
    /// `target/servers/valkey-9.1/valkey-server`) instead of `$REDIS_SERVER` or `redis-server`.
    pub fn start_binary(binary: impl AsRef<std::ffi::OsStr>) -> RedisServer {
        RedisServer::spawn_binary(binary.as_ref(), &|_| Vec::new())
    }

    /// Starts a server whose extra arguments depend on its directory (cluster config files).
    pub(crate) fn spawn(extra: &dyn Fn(&std::path::Path) -> Vec<OsString>) -> RedisServer {
        RedisServer::spawn_binary(&process::server_binary(), extra)
    }

    fn spawn_binary(
        binary: &std::ffi::OsStr,
        extra: &dyn Fn(&std::path::Path) -> Vec<OsString>,
    ) -> RedisServer {
        let dir = TempDir::new("redis-script-test");
        let path = dir.path().to_owned();
        let process = process::spawn(dir.path(), binary, &|| extra(&path));
        RedisServer { process, dir }
    }

    /// `redis://127.0.0.1:<port>/`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.process.port)
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.process.port
    }

    /// The unix socket the server also listens on, inside its own directory: only this server can ever
    /// answer there, so a test that stops and starts Redis again can bring it back on the same path.
    pub fn unix_socket(&self) -> PathBuf {
        process::unix_socket(self.dir.path())
    }

    /// `redis+unix:///<dir>/redis.sock`: the [`unix_socket`](Self::unix_socket) as a client URL.
    pub fn unix_url(&self) -> String {
        format!("redis+unix://{}", self.unix_socket().display())
    }

    /// The server's directory (removed on drop).
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// A `redis::Client` for this server.
    pub fn client(&self) -> Client {
        Client::open(self.url()).unwrap()
    }

    /// A new multiplexed connection.
    pub async fn connection(&self) -> MultiplexedConnection {
        self.client()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// A new multiplexed connection with the given configuration (e.g. a short response timeout).
    pub async fn connection_with_config(
        &self,
        config: &AsyncConnectionConfig,
    ) -> MultiplexedConnection {
        self.client()
            .get_multiplexed_async_connection_with_config(config)
            .await
            .unwrap()
    }

    /// The connection of the harness's own queries: patient (10 s), so that a test that stalls the server
    /// on purpose (`CLIENT PAUSE`, `DEBUG SLEEP`) can still look at it, yet bounded. Without the
    /// `CLIENT SETINFO` the `redis` crate sends on connecting, which Redis 7.2+ holds under
    /// `CLIENT PAUSE ALL` (7.0 answers it at once, with an unknown-subcommand error).
    async fn admin_connection(&self) -> MultiplexedConnection {
        let config = AsyncConnectionConfig::new().set_response_timeout(Some(ADMIN_TIMEOUT));
        let info = self.url().into_connection_info().unwrap();
        let settings = info.redis_settings().clone().set_skip_set_lib_name();
        Client::open(info.set_redis_settings(settings))
            .unwrap()
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .unwrap()
    }

    /// A connection as a new ACL user `app` (password `app-password`, every key, `+@all`) with `denied`
    /// taken away, e.g. `-function` or `-script|load`.
    pub async fn connection_denied(&self, denied: &str) -> MultiplexedConnection {
        let () = self
            .query(
                redis::cmd("ACL")
                    .arg("SETUSER")
                    .arg("app")
                    .arg("on")
                    .arg(">app-password")
                    .arg("~*")
                    .arg("+@all")
                    .arg(denied),
            )
            .await;
        Client::open(format!(
            "redis://app:app-password@127.0.0.1:{}/",
            self.port()
        ))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
    }

    /// A new `ConnectionManager` (a reconnecting multiplexed connection).
    pub async fn connection_manager(&self) -> ConnectionManager {
        self.client().get_connection_manager().await.unwrap()
    }

    /// Runs one command on a new connection, e.g. `server.query::<Option<String>>(redis::cmd("GET").arg("k"))`,
    /// to look at the effects of a script from outside it.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        cmd.query_async(&mut self.admin_connection().await)
            .await
            .unwrap()
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        process::read_log(&self.dir.path().join("redis.log"))
    }

    /// True while the server answers PING (asked on its own unix socket, so a server of another test that
    /// took the port after a [`kill`](Self::kill) does not count).
    pub fn is_running(&self) -> bool {
        process::ping_unix(&self.unix_socket())
    }

    /// Kills the server now (to test lost connections); the log stays readable until drop.
    pub fn kill(&mut self) {
        process::stop(&mut self.process.child);
    }

    /// Kills the server (`SIGKILL`, as a crash) and starts it again on the same port and directory
    /// with the same arguments, so a server started with `--appendonly yes` comes back with its data.
    /// Waits (at most 10 s) until it answers; panics if another process took the port meanwhile.
    pub fn restart(&mut self) {
        process::stop(&mut self.process.child);
        let (binary, extra) = (self.process.binary.clone(), self.process.extra.clone());
        match process::spawn_on(self.dir.path(), &binary, self.process.port, extra) {
            Some(process) => self.process = process,
            None => panic!(
                "port {} was taken while its server restarted",
                self.process.port
            ),
        }
    }

    /// `INFO commandstats`, parsed: calls per command since start or the last [`reset_stats`](Self::reset_stats).
    pub async fn commandstats(&self) -> CommandStats {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(&mut self.admin_connection().await)
            .await
            .unwrap();
        CommandStats::parse(&info)
    }

    /// `CONFIG RESETSTAT`: zeroes the command statistics.
    pub async fn reset_stats(&self) {
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query_async(&mut self.admin_connection().await)
            .await
            .unwrap();
    }

    /// `CLIENT KILL TYPE normal SKIPME yes`: closes every client connection (as a network failure or an
    /// operator would); returns how many.
    pub async fn kill_clients(&self) -> i64 {
        self.query(
            redis::cmd("CLIENT")
                .arg("KILL")
                .arg("TYPE")
                .arg("normal")
                .arg("SKIPME")
                .arg("yes"),
        )
        .await
    }

    /// `SCRIPT FLUSH`: empties the script cache, so the next `exec` must fall back to EVAL.
    pub async fn script_flush(&self) {
        let () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut self.admin_connection().await)
            .await
            .unwrap();
    }

    /// `SCRIPT LOAD`: caches `script` and returns the SHA-1 the server computed.
    pub async fn script_load(&self, script: &str) -> String {
        redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(script)
            .query_async(&mut self.admin_connection().await)
            .await
            .unwrap()
    }

    /// Starts a replica of `primary` and waits (at most 10 s) until its replication link is up.
    pub async fn start_replica_of(primary: &RedisServer) -> RedisServer {
        let port = primary.port().to_string();
        let replica = RedisServer::start_with_args(["--replicaof", "127.0.0.1", port.as_str()]);
        let deadline = std::time::Instant::now() + ADMIN_TIMEOUT;
        loop {
            let info: String = replica.query(redis::cmd("INFO").arg("replication")).await;
            if info.lines().any(|l| l.trim() == "master_link_status:up") {
                return replica;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the replica of port {port} did not connect in time"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `WAIT 1`: returns once a replica has everything written here so far (at most 10 s).
    pub async fn wait_for_replica(&self) {
        let acked: i64 = self
            .query(
                redis::cmd("WAIT")
                    .arg(1)
                    .arg(ADMIN_TIMEOUT.as_millis() as u64),
            )
            .await;
        assert_eq!(acked, 1, "no replica acknowledged the writes in time");
    }

    /// `redis_version` from `INFO server`, e.g. `7.0.15`.
    pub async fn version(&self) -> String {
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut self.admin_connection().await)
            .await
            .unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("redis_version:"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        process::stop(&mut self.process.child);
        if std::thread::panicking() {
            eprintln!("{}", self.failure_report());
        }
    }
}

impl RedisServer {
    /// What drop prints when the test is failing: the server's log, framed with its port.
    fn failure_report(&self) -> String {
        format!(
            "--- redis-server log (port {}) ---\n{}\n--- end of log ---",
            self.process.port,
            self.log()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn starts_answers_and_counts_commands() {
        let server = RedisServer::start();
        assert!(server.is_running());
        assert!(server.url().ends_with(&format!(":{}/", server.port())));
        let mut conn = server.connection().await;
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
        assert_eq!(pong, "PONG");
        assert!(
            server
                .version()
                .await
                .starts_with(|c: char| c.is_ascii_digit())
        );

        server.reset_stats().await;
        let sha = server.script_load("return 1").await;
        assert_eq!(sha, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        let one: i64 = redis::cmd("EVALSHA")
            .arg(&sha)
            .arg(0)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(one, 1);
        let stats = server.commandstats().await;
        assert_eq!(stats.calls("evalsha"), 1);
        assert_eq!(stats.calls("eval"), 0);
        assert_eq!(stats.calls("script|load"), 1);

        server.script_flush().await;
        let err = redis::cmd("EVALSHA")
            .arg(&sha)
            .arg(0)
            .query_async::<i64>(&mut conn)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NOSCRIPT"));
        assert!(server.log().contains("Ready to accept connections"));
    }

    #[tokio::test]
    async fn kill_stops_the_server_and_drop_removes_its_dir() {
        let mut server = RedisServer::start();
        let dir = server.dir();
        assert!(dir.exists());
        server.kill();
        assert!(!server.is_running());
        drop(server);
        assert!(!dir.exists());
    }

    /// Drop of a failing test prints this report to stderr (see it with `--nocapture`): the server's own
    /// log lines, with its port.
    #[test]
    fn a_failing_test_shows_the_log() {
        let server = RedisServer::start();
        let report = server.failure_report();
        assert!(
            report.starts_with(&format!(
                "--- redis-server log (port {}) ---\n",
                server.port()
            )),
            "{report}"
        );
        assert!(report.contains("Ready to accept connections"), "{report}");
        assert!(
            report.contains(&format!("Running mode=standalone, port={}.", server.port())),
            "{report}"
        );
        assert!(report.ends_with("--- end of log ---"), "{report}");
    }

    #[test]
    fn parallel_servers_get_their_own_ports() {
        let servers: Vec<RedisServer> = (0..4).map(|_| RedisServer::start()).collect();
        let mut ports: Vec<u16> = servers.iter().map(RedisServer::port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 4);
        assert!(servers.iter().all(RedisServer::is_running));
    }
}
