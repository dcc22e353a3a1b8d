//! What the examples share: a Redis to talk to, and the pipelines the batch benchmarks time and count.
//!
//! `REDIS_URL` (default `redis://127.0.0.1:6379`) is used when something answers there; otherwise a
//! throwaway `redis-server` is started on a free loopback port and stopped when the example ends.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

/// The error type of the examples: anything, printed by `main`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A connection, and the throwaway server behind it if one had to be started.
#[derive(Debug)]
pub struct Redis {
    /// The multiplexed connection the scripts run on.
    pub conn: MultiplexedConnection,
    /// The URL connected to.
    pub url: String,
    server: Option<Throwaway>,
}

impl Redis {
    /// True when the example started its own `redis-server`.
    pub fn is_throwaway(&self) -> bool {
        self.server.is_some()
    }

    /// The server's TCP port, from its URL.
    pub fn port(&self) -> Option<u16> {
        self.url
            .rsplit(':')
            .next()?
            .trim_end_matches('/')
            .parse()
            .ok()
    }

    /// Another multiplexed connection to the same server.
    pub async fn another_connection(&self) -> Result<MultiplexedConnection, BoxError> {
        Ok(try_connect(&self.url).await?)
    }
}

/// The median of `values` (the middle one after sorting; 0 for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// One pipeline of `script`, a call per key with the argument 3600, through `redis_script::Pipeline`:
/// the replies, taken as the calls were added.
pub async fn pipeline_per_key(
    conn: &MultiplexedConnection,
    script: &redis_script::Script<i64>,
    keys: &[String],
) -> Result<Vec<i64>, BoxError> {
    let mut pipe = redis_script::Pipeline::new();
    let calls: Vec<_> = keys
        .iter()
        .map(|key| pipe.exec(script, [key], [3600]))
        .collect();
    let mut replies = pipe.run(conn).await?;
    let counts = calls
        .into_iter()
        .map(|call| replies.take(call))
        .collect::<Result<_, _>>()?;
    Ok(counts)
}

/// The same calls through the `redis` crate's `pipe()`, `load_script` in front of them (the anchor).
pub async fn pipe_per_key(
    conn: &MultiplexedConnection,
    script: &redis::Script,
    keys: &[String],
) -> Result<Vec<i64>, BoxError> {
    let mut pipe = redis::pipe();
    pipe.load_script(script).ignore();
    for key in keys {
        pipe.invoke_script(script.key(key).arg(3600));
    }
    Ok(pipe.query_async(&mut conn.clone()).await?)
}

/// A `redis-server` started for the example; killed on drop.
#[derive(Debug)]
struct Throwaway(Child);

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Connects to `REDIS_URL`, or starts a throwaway `redis-server` when nothing answers there.
pub async fn connect() -> Result<Redis, BoxError> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    if let Ok(conn) = try_connect(&url).await {
        return Ok(Redis {
            conn,
            url,
            server: None,
        });
    }
    eprintln!("nothing answers at {url}; starting a throwaway redis-server");
    throwaway().await
}

/// Starts a throwaway `redis-server` on a free loopback port and connects to it: benchmarks measure a
/// server nobody else uses.
pub async fn throwaway() -> Result<Redis, BoxError> {
    let (server, url) = start_server()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match try_connect(&url).await {
            Ok(conn) => {
                return Ok(Redis {
                    conn,
                    url,
                    server: Some(server),
                });
            }
            Err(e) if Instant::now() > deadline => {
                return Err(
                    format!("the throwaway redis-server at {url} did not answer: {e}").into(),
                );
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn try_connect(url: &str) -> Result<MultiplexedConnection, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    redis::cmd("PING").query_async::<()>(&mut conn).await?;
    Ok(conn)
}

fn start_server() -> Result<(Throwaway, String), BoxError> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "no Redis at REDIS_URL and `redis-server` could not be started ({e}). \
                 Install it (Debian/Ubuntu: `apt-get install -y redis-server`, macOS: `brew install redis`) \
                 or set REDIS_URL to a running server."
            )
        })?;
    Ok((Throwaway(child), format!("redis://127.0.0.1:{port}")))
}

/// Ends an example: prints an error and its causes as text (not `Debug`), and sets the exit code.
pub fn report(result: Result<(), BoxError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}
