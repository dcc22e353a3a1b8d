//! The seam between scripts and the wire: one method that sends a script command and returns its reply.
//!
//! Everything above it (the EVALSHA -> EVAL fallback, decoding) is written once in [`crate::Script`];
//! each transport only delivers a [`Command`] and classifies failures into [`Error`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Command, Error, Reply};

/// Something that can run a script command: a Redis connection, a pool, a cluster or an Upstash REST
/// client.
///
/// An implementation sends the command once and never retries it on its own unless it knows the command
/// did not reach the server (or it is read-only), and reports an error reply of the server through
/// [`Error::from_reply_text`] so that NOSCRIPT is recognised the same way on every transport.
pub trait Transport: Send + Sync {
    /// Sends `command` and returns the server's reply.
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}

/// A [`Transport`] behind `dyn`, for choosing one at run time (RESP or REST from configuration, say).
///
/// Every `Transport` is a `DynTransport`, and `dyn DynTransport` is a `Transport` again, so a
/// `Box<dyn DynTransport>` or `Arc<dyn DynTransport>` runs scripts like the transport inside it, at the
/// cost of one boxed future per command.
///
/// ```no_run
/// use std::sync::Arc;
/// use redis_script::{DynTransport, Script};
///
/// # async fn run(use_rest: bool) -> Result<(), Box<dyn std::error::Error>> {
/// let conn: Arc<dyn DynTransport> = if use_rest {
///     Arc::new(redis_script::rest::Upstash::from_env()?)
/// } else {
///     let client = redis::Client::open("redis://127.0.0.1:6379")?;
///     Arc::new(client.get_multiplexed_async_connection().await?)
/// };
/// let n: i64 = Script::<i64>::new("return 1").exec(&conn, (), ()).await?;
/// # Ok(()) }
/// ```
pub trait DynTransport: Send + Sync {
    /// [`Transport::send`], boxed.
    fn send_boxed<'a>(
        &'a self,
        command: Command<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send + 'a>>;
}

impl<T: Transport> DynTransport for T {
    fn send_boxed<'a>(
        &'a self,
        command: Command<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send + 'a>> {
        Box::pin(self.send(command))
    }
}

impl Transport for dyn DynTransport + '_ {
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        self.send_boxed(command).await
    }
}
