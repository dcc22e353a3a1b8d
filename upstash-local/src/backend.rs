//! The Redis behind the server: one multiplexed connection shared by all
//! requests, opened on first use and opened again after it breaks, so the
//! server keeps working when Redis restarts.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd, Pipeline, Value};
use tokio::sync::Mutex;

use crate::command::{Command, is_blocking};
use crate::config::Config;
use crate::reply::error_text;

/// Redis could not be reached, or the connection broke mid-request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreachable(pub(crate) String);

/// The outcome of `MULTI` .. `EXEC`.
#[derive(Debug)]
pub(crate) enum Transaction {
    /// `EXEC` ran: one reply per command, errors included.
    Executed(Vec<Value>),
    /// Redis refused the transaction as a whole (`EXECABORT`): nothing ran.
    Rejected(String),
    /// Redis refused `MULTI` itself (an ACL user without it, a renamed command): every command ran
    /// on its own, not atomically.
    NotAtomic(String),
}

pub(crate) struct Backend {
    client: Client,
    /// The Redis URL without its password, for `Debug`.
    redacted_url: String,
    connect_timeout: Duration,
    response_timeout: Option<Duration>,
    current: Mutex<Slot>,
}

/// The shared connection and its generation, so a request that saw an old
/// connection break does not throw away a newer one.
#[derive(Debug, Default)]
struct Slot {
    generation: u64,
    connection: Option<MultiplexedConnection>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("redis_url", &self.redacted_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish_non_exhaustive()
    }
}

impl Backend {
    pub(crate) fn new(config: &Config) -> redis::RedisResult<Self> {
        Ok(Self {
            client: Client::open(config.redis_url.as_str())?,
            redacted_url: crate::config::redact_url(&config.redis_url),
            connect_timeout: config.connect_timeout,
            response_timeout: config.response_timeout,
            current: Mutex::new(Slot::default()),
        })
    }

    /// Runs one command; an error reply comes back as `Value::ServerError`.
    pub(crate) async fn command(&self, command: &Command) -> Result<Value, Unreachable> {
        if is_blocking(command) {
            let mut connection = self.open(None).await?;
            return connection
                .send_packed_command(&to_cmd(command))
                .await
                .map_err(|err| {
                    Unreachable(format!("Connection to the Redis server failed: {err}"))
                });
        }
        let (generation, mut connection) = self.connection().await?;
        match connection.send_packed_command(&to_cmd(command)).await {
            Ok(value) => Ok(value),
            Err(err) => {
                self.broken(generation).await;
                Err(Unreachable(format!(
                    "Connection to the Redis server failed: {err}"
                )))
            }
        }
    }

    /// Runs commands in one round trip, not atomically; one reply per command.
    pub(crate) async fn pipeline(&self, commands: &[Command]) -> Result<Vec<Value>, Unreachable> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipeline = Pipeline::new();
        for command in commands {
            pipeline.add_command(to_cmd(command));
        }
        if commands.iter().any(is_blocking) {
            let mut connection = self.open(None).await?;
            return send_on(&mut connection, &pipeline, commands.len()).await;
        }
        self.send(&pipeline, commands.len()).await
    }

    /// Runs commands inside `MULTI`/`EXEC`, written to Redis in a single write
    /// so no other request's command can land inside the transaction.
    pub(crate) async fn transaction(
        &self,
        commands: &[Command],
    ) -> Result<Transaction, Unreachable> {
        let mut pipeline = Pipeline::new();
        pipeline.add_command(redis::cmd("MULTI"));
        for command in commands {
            pipeline.add_command(to_cmd(command));
        }
        pipeline.add_command(redis::cmd("EXEC"));
        let replies = self.send(&pipeline, commands.len() + 2).await?;
        if let Some(Value::ServerError(err)) = replies.first() {
            return Ok(Transaction::NotAtomic(error_text(err)));
        }
        match replies.into_iter().last() {
            Some(Value::Array(values)) => Ok(Transaction::Executed(values)),
            Some(Value::ServerError(err)) => Ok(Transaction::Rejected(error_text(&err))),
            Some(Value::Nil) => Ok(Transaction::Rejected(
                "EXECABORT Transaction aborted".to_owned(),
            )),
            other => Err(Unreachable(format!(
                "unexpected reply to EXEC from Redis: {other:?}"
            ))),
        }
    }

    async fn send(&self, pipeline: &Pipeline, count: usize) -> Result<Vec<Value>, Unreachable> {
        let (generation, mut connection) = self.connection().await?;
        match send_on(&mut connection, pipeline, count).await {
            Ok(values) => Ok(values),
            Err(unreachable) => {
                self.broken(generation).await;
                Err(unreachable)
            }
        }
    }

    /// A new connection; requests that may block (`BLPOP` and the like) get one
    /// of their own with no response timeout.
    async fn open(
        &self,
        response_timeout: Option<Duration>,
    ) -> Result<MultiplexedConnection, Unreachable> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(response_timeout);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| Unreachable(format!("Unable to connect to the Redis server: {err}")))
    }

    async fn connection(&self) -> Result<(u64, MultiplexedConnection), Unreachable> {
        let mut slot = self.current.lock().await;
        if let Some(connection) = &slot.connection {
            return Ok((slot.generation, connection.clone()));
        }
        let connection = self.open(self.response_timeout).await?;
        slot.generation += 1;
        slot.connection = Some(connection.clone());
        Ok((slot.generation, connection))
    }

    /// Forgets a connection that failed so the next request opens a new one.
    /// The failed request is not retried: the command may already have run.
    async fn broken(&self, generation: u64) {
        let mut slot = self.current.lock().await;
        if slot.generation == generation {
            slot.connection = None;
        }
    }
}

/// Sends a packed pipeline and checks that every command got its reply.
async fn send_on(
    connection: &mut MultiplexedConnection,
    pipeline: &Pipeline,
    count: usize,
) -> Result<Vec<Value>, Unreachable> {
    match connection.send_packed_commands(pipeline, 0, count).await {
        Ok(values) if values.len() == count => Ok(values),
        Ok(values) => Err(Unreachable(format!(
            "Redis answered {} replies to {count} commands",
            values.len()
        ))),
        Err(err) => Err(Unreachable(format!(
            "Connection to the Redis server failed: {err}"
        ))),
    }
}

fn to_cmd(command: &Command) -> Cmd {
    let mut cmd = Cmd::new();
    for arg in command {
        cmd.arg(arg.as_slice());
    }
    cmd
}
