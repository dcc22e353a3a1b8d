//! [`BlockingUpstash`]: the Upstash REST client for the blocking API, on a runtime of its own.

use std::fmt;

use super::Upstash;
use crate::{
    Batch, BatchReplies, BlockingTransport, Command, Error, Reply, Transport, TransportError,
    TransportErrorKind,
};

/// The [`Upstash`] REST client as a [blocking](crate::blocking) connection: `exec_blocking(&client,
/// ..)`, `run_blocking(&client)`. Like `reqwest::blocking`, it drives the async client on a
/// single-threaded runtime of its own, which it owns; the calls must not be made from inside an
/// async runtime (they return a [`TransportErrorKind::Config`] error there, having sent nothing).
/// Each call is a request of its own, never auto-pipelined, even when the [`Upstash`] it was made
/// from is shared with async code.
///
/// ```no_run
/// use redis_script::Script;
/// use redis_script::rest::BlockingUpstash;
///
/// # fn run() -> redis_script::Result<()> {
/// let upstash = BlockingUpstash::from_env()?; // UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN
/// let n = Script::<i64>::new("return redis.call('INCR', KEYS[1])").exec_blocking(&upstash, ["n"], ())?;
/// # Ok(()) }
/// ```
pub struct BlockingUpstash {
    client: Upstash,
    runtime: tokio::runtime::Runtime,
}

impl BlockingUpstash {
    /// A client of `url` with `token`; see [`Upstash::new`].
    ///
    /// # Errors
    ///
    /// As for [`Upstash::new`], and a [`TransportErrorKind::Config`] error when the runtime can not
    /// be made.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Result<Self, Error> {
        BlockingUpstash::from_client(Upstash::new(url, token)?)
    }

    /// A client from `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`; see
    /// [`Upstash::from_env`].
    ///
    /// # Errors
    ///
    /// As for [`new`](Self::new).
    pub fn from_env() -> Result<Self, Error> {
        BlockingUpstash::from_client(Upstash::from_env()?)
    }

    /// `client`, configured as you chose ([`Upstash::builder`]), made blocking.
    ///
    /// # Errors
    ///
    /// A [`TransportErrorKind::Config`] error when the runtime can not be made.
    pub fn from_client(client: Upstash) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Transport(
                    TransportError::new(
                        TransportErrorKind::Config,
                        "rest: no runtime for the blocking client",
                        false,
                    )
                    .with_source(e),
                )
            })?;
        Ok(BlockingUpstash { client, runtime })
    }

    /// Runs `future` on the client's runtime, unless this thread is inside another runtime.
    fn wait<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Config,
                "rest: a blocking call inside an async runtime; use the async API there",
                false,
            )));
        }
        self.runtime.block_on(future)
    }
}

impl fmt::Debug for BlockingUpstash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingUpstash")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl BlockingTransport for &BlockingUpstash {
    /// Never auto-pipelined: the task that sends shared requests would run on this client's runtime,
    /// which runs only during its calls, and the async calls sharing the queue would wait for it.
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        self.wait(self.client.send_command(command, false))
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        self.wait(self.client.send_batch(batch))
    }
}
