//! The RESP transport: script commands and batches over the `redis` crate's async connections.

mod batch;
mod blocking;
#[cfg(feature = "cluster")]
mod blocking_cluster;
#[cfg(feature = "cluster")]
mod cluster;
#[cfg(feature = "cluster")]
mod cluster_client;
#[cfg(feature = "cluster")]
mod cluster_connection;
#[cfg(feature = "cluster")]
mod cluster_nodes;

#[cfg(feature = "cluster")]
pub use blocking_cluster::BlockingCluster;
#[cfg(feature = "cluster")]
pub use cluster_client::Cluster;

use redis::aio::MultiplexedConnection;
use redis::{RedisError, Value};

use crate::{
    Batch, BatchReplies, Command, Error, Reply, Transport, TransportError, TransportErrorKind,
};

/// Builds the `redis` command for a script command: both of its buffers sized exactly, once, and
/// every word written as bytes (a batch builds one per entry: bench/instructions.sh).
pub(crate) fn to_cmd(command: &Command<'_>) -> redis::Cmd {
    use redis::RedisWrite as _;
    let (keys, args) = (command.keys(), command.args());
    let (name, body) = (command.name().as_str(), command.body());
    let mut digits = itoa::Buffer::new();
    let numkeys = digits.format(keys.len());
    let count = 3 + keys.len() + args.len();
    let bytes = name.len() + body.len() + numkeys.len() + keys.byte_len() + args.byte_len();
    let mut cmd = redis::Cmd::with_capacity(count, bytes);
    cmd.write_arg(name.as_bytes());
    cmd.write_arg(body.as_bytes());
    cmd.write_arg(numkeys.as_bytes());
    match keys.followed_by(args) {
        Some(values) => values.iter().for_each(|value| cmd.write_arg(value)),
        None => keys
            .iter()
            .chain(args.iter())
            .for_each(|value| cmd.write_arg(value)),
    }
    cmd
}

/// Sends `cmd` on any `redis` async connection. Commands are encoded before their future is made, so
/// that it holds the encoded command only.
#[cfg(any(feature = "connection-manager", feature = "deadpool", feature = "bb8"))]
pub(crate) async fn send_on<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    cmd: &redis::Cmd,
) -> Result<Reply, Error> {
    match conn.req_packed_command(cmd).await {
        Ok(value) => reply_from_value(value),
        Err(e) => Err(error_from_redis(e)),
    }
}

/// Converts a `redis` value: an error reply at the top level is the error of the whole reply; one nested
/// in an array (a script's `{err=...}` in a table) stays in place as [`Reply::Error`].
pub(crate) fn reply_from_value(value: Value) -> Result<Reply, Error> {
    match value {
        Value::ServerError(e) => Err(Error::from_reply_text(&server_error_text(&e))),
        other => Ok(convert(other)),
    }
}

pub(crate) fn server_error_text(e: &redis::ServerError) -> String {
    match e.details() {
        Some(details) => format!("{} {}", e.code(), details),
        None => e.code().to_owned(),
    }
}

fn convert(value: Value) -> Reply {
    match value {
        Value::Nil => Reply::Nil,
        Value::Int(i) => Reply::Int(i),
        Value::BulkString(bytes) => Reply::Bulk(bytes),
        Value::Array(items) => Reply::Array(items.into_iter().map(convert).collect()),
        Value::SimpleString(s) => Reply::Status(s),
        Value::Okay => Reply::Status("OK".to_owned()),
        Value::Map(pairs) => Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (convert(k), convert(v)))
                .collect(),
        ),
        Value::Attribute { data, .. } => convert(*data),
        Value::Set(items) => Reply::Set(items.into_iter().map(convert).collect()),
        Value::Double(d) => Reply::Double(d),
        Value::Boolean(b) => Reply::Boolean(b),
        Value::VerbatimString { format, text } => Reply::Verbatim {
            format: format.to_string(),
            text,
        },
        Value::BigNumber(n) => Reply::BigNumber(n.to_string()),
        Value::Push { data, .. } => Reply::Array(data.into_iter().map(convert).collect()),
        // Only nested errors get here: a top-level one is an `Err` (see `reply_from_value`).
        Value::ServerError(e) => Reply::Error(server_error_text(&e)),
        // `redis::Value` is non-exhaustive; a future kind is kept as its debug text rather than lost.
        other => Reply::Status(format!("{other:?}")),
    }
}

/// Classifies a `redis` error: a server error reply keeps its code and message; anything else is a
/// transport failure that may have happened after the command was sent, unless it proves that no
/// connection was made (refused, no such host or socket, a bad URL).
pub(crate) fn error_from_redis(e: RedisError) -> Error {
    if let Some(code) = e.code() {
        let text = match e.detail() {
            Some(detail) => format!("{code} {detail}"),
            None => code.to_owned(),
        };
        return Error::from_reply_text(&text);
    }
    let io = io_error(&e);
    let kind = if e.kind() == redis::ErrorKind::InvalidClientConfig {
        // A URL or setting the client refused before connecting.
        TransportErrorKind::Config
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connection_refusal() || io.is_some_and(never_connected) || is_unknown_node(&e) {
        TransportErrorKind::Connect
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
        // Refused while (re)connecting, before the command was written.
        TransportErrorKind::Unauthorized
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Protocol
    };
    let may_have_run = !matches!(
        kind,
        TransportErrorKind::Connect | TransportErrorKind::Unauthorized | TransportErrorKind::Config
    );
    let message = match io {
        Some(io) => format!("redis: {}: {}", e.category(), io_cause(io)),
        None => format!("redis: {}", e.category()),
    };
    Error::Transport(TransportError::new(kind, message, may_have_run).with_source(e))
}

/// A `redis` error converts as the transports classify it, so that code that connects and then runs
/// scripts returns one [`Result`](crate::Result) with `?`: a connection that could not be made (refused,
/// an unknown host, a bad URL, credentials refused) is a [`TransportError`] whose `may_have_run()` is
/// false; a connection that broke or timed out may have delivered a command; an error reply keeps its
/// code and message, as a script call's would.
impl From<RedisError> for Error {
    fn from(e: RedisError) -> Self {
        error_from_redis(e)
    }
}

/// The I/O error under a `redis` error, if that is what it is.
fn io_error(e: &RedisError) -> Option<&std::io::Error> {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let source = std::error::Error::source(e)?;
    // The crate keeps its causes behind an `Arc`, which is what `source` hands out.
    source.downcast_ref::<std::io::Error>().or_else(|| {
        source
            .downcast_ref::<Shared>()
            .and_then(|shared| shared.downcast_ref::<std::io::Error>())
    })
}

/// I/O failures that come before a connection exists: nothing can have been sent on it.
fn never_connected(io: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(io.kind(), ErrorKind::AddrNotAvailable)
        // The name of the host did not resolve (`getaddrinfo`, which has no kind of its own).
        || io.to_string().starts_with("failed to lookup address information")
}

/// What went wrong, in the system's words (`Broken pipe (os error 32)`) or the kind's (`connection
/// reset`): bounded, and never a host, key or argument, which a custom I/O message could hold.
fn io_cause(io: &std::io::Error) -> String {
    match io.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None if never_connected(io) => "the host name did not resolve".to_owned(),
        None => io.kind().to_string(),
    }
}

/// True for the `redis` crate's refusal to route a cluster command to an address it has no
/// connection to: it comes before anything is sent. (Its other "connection not found" errors do not
/// prove that: when a slot refresh fails, the crate also fails commands already sent with it.)
fn is_unknown_node(e: &RedisError) -> bool {
    #[cfg(feature = "cluster")]
    return e.kind() == redis::ErrorKind::ClusterConnectionNotFound
        && e.to_string().starts_with("Requested connection not found");
    #[cfg(not(feature = "cluster"))]
    {
        let _ = e;
        false
    }
}

impl Transport for MultiplexedConnection {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        // A clone shares the one multiplexed connection; it only bumps reference counts. `send_on`
        // written out: every call's future is one state machine less deep (bench/instructions.sh).
        let mut conn = self.clone();
        async move {
            match conn.send_packed_command(&cmd).await {
                Ok(value) => reply_from_value(value),
                Err(e) => Err(error_from_redis(e)),
            }
        }
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        batch::send_on(&mut self.clone(), batch).await
    }
}

/// A `ConnectionManager` that reconnects sends a command only once the new connection is made, and a
/// failure to make it (refused, timed out) reads the same as the failure of a command it sent: a
/// timeout is a timeout. So the connection is awaited first, by an empty pipeline, which the `redis`
/// crate refuses without sending anything once it has a connection; a failure there is the
/// connection's, and nothing was sent. (If the connection breaks between the two, the command's own
/// failure says it may have run, as it may.)
#[cfg(feature = "connection-manager")]
async fn connected(conn: &mut redis::aio::ConnectionManager) -> Result<(), Error> {
    match conn
        .send_packed_commands(&redis::Pipeline::new(), 0, 0)
        .await
    {
        Err(e) if e.kind() == redis::ErrorKind::Client => Ok(()),
        Ok(_) => Ok(()),
        Err(e) => Err(not_connected(e)),
    }
}

/// The error of a connection that could not be made: nothing was sent.
#[cfg(feature = "connection-manager")]
fn not_connected(e: RedisError) -> Error {
    let kind = match error_from_redis(e.clone()) {
        Error::Transport(t) if t.kind() == TransportErrorKind::Unauthorized => t.kind(),
        _ => TransportErrorKind::Connect,
    };
    let why = match io_error(&e) {
        Some(io) => format!("{}: {}", e.category(), io_cause(io)),
        None => e.category().to_owned(),
    };
    Error::Transport(
        TransportError::new(
            kind,
            format!("redis: could not connect again ({why}); nothing was sent"),
            false,
        )
        .with_source(e),
    )
}

#[cfg(feature = "connection-manager")]
impl Transport for redis::aio::ConnectionManager {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        let mut conn = self.clone();
        async move {
            connected(&mut conn).await?;
            send_on(&mut conn, &cmd).await
        }
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let mut conn = self.clone();
        connected(&mut conn).await?;
        batch::send_on(&mut conn, batch).await
    }
}

/// A pool that could not hand out a connection: nothing was sent.
#[cfg(any(feature = "deadpool", feature = "bb8"))]
fn pool_error(pool: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Transport(
        TransportError::new(
            TransportErrorKind::Connect,
            format!("{pool}: no connection available"),
            false,
        )
        .with_source(e),
    )
}

#[cfg(feature = "deadpool")]
impl Transport for deadpool_redis::Pool {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        async move {
            let mut conn = self.get().await.map_err(|e| pool_error("deadpool", e))?;
            send_on(&mut conn, &cmd).await
        }
    }

    /// The whole batch runs on one pooled connection.
    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let mut conn = self.get().await.map_err(|e| pool_error("deadpool", e))?;
        batch::send_on(&mut conn, batch).await
    }
}

#[cfg(feature = "bb8")]
impl Transport for bb8::Pool<bb8_redis::RedisConnectionManager> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        async move {
            let mut conn = self.get().await.map_err(|e| pool_error("bb8", e))?;
            send_on(&mut *conn, &cmd).await
        }
    }

    /// The whole batch runs on one pooled connection.
    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let mut conn = self.get().await.map_err(|e| pool_error("bb8", e))?;
        batch::send_on(&mut *conn, batch).await
    }
}
