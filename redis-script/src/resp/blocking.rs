//! Blocking connections of the `redis` crate as [`BlockingTransport`]s: `redis::Connection`, and an
//! r2d2 pool of them (feature `r2d2`).

use redis::ConnectionLike;

use super::batch::{read_replies, to_pipeline};
use super::{error_from_redis, reply_from_value, to_cmd};
use crate::{Batch, BatchReplies, BlockingTransport, Command, Error, Reply};

/// Sends `command` on a blocking `redis` connection.
fn send_on(conn: &mut impl ConnectionLike, command: Command<'_>) -> Result<Reply, Error> {
    match conn.req_packed_command(&to_cmd(&command).get_packed_command()) {
        Ok(value) => reply_from_value(value),
        Err(e) => Err(error_from_redis(e)),
    }
}

/// Sends `batch` on a blocking `redis` connection, in one round trip.
fn send_batch_on(conn: &mut impl ConnectionLike, batch: Batch<'_>) -> BatchReplies {
    let (pipeline, count) = to_pipeline(&batch, false);
    match conn.req_packed_commands(&pipeline.get_packed_pipeline(), 0, count) {
        Ok(values) => read_replies(&batch, values),
        Err(e) => Err(error_from_redis(e)),
    }
}

impl BlockingTransport for &mut redis::Connection {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(*self, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(*self, batch)
    }
}

#[cfg(feature = "r2d2")]
impl BlockingTransport for &mut r2d2::PooledConnection<redis::Client> {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(&mut **self, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(&mut **self, batch)
    }
}

/// A pool that could not hand out a connection (none came within its timeout): nothing was sent.
#[cfg(feature = "r2d2")]
fn pool_error(e: r2d2::Error) -> Error {
    Error::Transport(
        crate::TransportError::new(
            crate::TransportErrorKind::Connect,
            "r2d2: no connection available",
            false,
        )
        .with_source(e),
    )
}

/// Each command, or the whole of a batch, runs on a connection of the pool.
#[cfg(feature = "r2d2")]
impl BlockingTransport for &r2d2::Pool<redis::Client> {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        send_on(&mut *self.get().map_err(pool_error)?, command)
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        send_batch_on(&mut *self.get().map_err(pool_error)?, batch)
    }
}
