//! The Upstash REST transport: scripts over HTTPS to an Upstash Redis database (or any server that speaks
//! its REST API).
//!
//! ```no_run
//! use redis_script::{Script, rest::Upstash};
//!
//! # async fn run() -> redis_script::Result<()> {
//! // Reads UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.
//! let upstash = Upstash::from_env()?;
//! let incr = Script::<i64>::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
//! let views = incr.exec(&upstash, ["page:views"], [1]).await?;
//! # Ok(()) }
//! ```
//!
//! - **Requests**: each command is one `POST` of a JSON array (`["EVALSHA", sha1, numkeys, keys.., args..]`)
//!   with `Authorization: Bearer <token>`, over a pooled keep-alive connection. `exec` falls back from
//!   EVALSHA to EVAL exactly as over RESP: the REST API answers NOSCRIPT with the same error text.
//! - **Binary data**: replies are asked for base64-encoded and decoded to raw bytes, so any value a script
//!   returns arrives intact. Keys and arguments travel as JSON strings and must be UTF-8; a value that is
//!   not is refused before anything is sent ([`TransportErrorKind::Config`](crate::TransportErrorKind),
//!   naming its position) — send binary arguments over RESP.
//! - **Read-your-writes**: the `upstash-sync-token` of each response is sent with the next request, so a
//!   read through this client (or a clone) sees the writes it made before. When answers to concurrent
//!   requests arrive out of order, the larger of two numeric tokens is kept.
//! - **Retries** ([`RetryPolicy`]): a request that could not connect is sent again for any command;
//!   one that may have reached the server only for EVAL_RO/EVALSHA_RO (and batches of only read-only
//!   commands), which can not write. A script that writes is never sent twice by this client.
//! - **Batches**: a [`Pipeline`](crate::Pipeline) goes to `/pipeline`, a
//!   [`Transaction`](crate::Transaction) to `/multi-exec`, with the same loading and ordering as over
//!   RESP.
//! - **Errors** never contain the token, nor any key or argument of four bytes or more, nor a line
//!   of twelve bytes or more of a script or library the request carried (raw or JSON-escaped), even
//!   when an unexpected body echoes the request; values of one to three bytes may
//!   show in such an excerpt, since masking every `e` would hide nothing and shred the text. `Debug` of
//!   the client and its builder shows neither the token nor more of the URL than
//!   `scheme://host[:port]/path`; a URL carrying a user, password, query or fragment is refused.

mod auto;
mod body;
mod config;
mod decode;
mod http;
mod request;

use std::fmt;
use std::sync::Arc;

pub use auto::AutoPipeline;
pub use config::{RetryPolicy, TOKEN_ENV, URL_ENV, UpstashBuilder};
/// The `reqwest` this client is built on, for [`UpstashBuilder::http_client`].
pub use reqwest;

use crate::{Batch, BatchReplies, Command, Error, Reply, Transport};
use http::{Idempotence, Inner, Route, Secrets};

/// A client of the Upstash REST API; a [`Transport`] for [`Script`](crate::Script) and
/// [`ScriptRO`](crate::ScriptRO).
///
/// Cheap to clone: clones share the connection pool and the read-your-writes token.
#[derive(Clone)]
pub struct Upstash {
    inner: Arc<Inner>,
}

impl Upstash {
    /// A client for the REST endpoint `url` (`https://...`) with `token`, and default options.
    ///
    /// Fails with a [`Config`](crate::TransportErrorKind::Config) transport error, saying what is wrong,
    /// when the URL is not a bare http(s) URL or the token is empty or not sendable in a header.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url, token).build()
    }

    /// A client configured from the environment variables `UPSTASH_REDIS_REST_URL` and
    /// `UPSTASH_REDIS_REST_TOKEN`, as the Upstash console names them.
    ///
    /// A missing or malformed variable is a [`Config`](crate::TransportErrorKind::Config) transport error
    /// naming the variable (never its value).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder_from_env()?.build()
    }

    /// Options for a client of `url` with `token`.
    pub fn builder(url: impl Into<String>, token: impl Into<String>) -> UpstashBuilder {
        UpstashBuilder::new(url.into(), token.into())
    }

    /// Options for a client configured from `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`.
    pub fn builder_from_env() -> Result<UpstashBuilder, Error> {
        UpstashBuilder::from_env()
    }

    /// The latest `upstash-sync-token` received, which the next request sends; `None` before the first
    /// response that carried one, or with read-your-writes off.
    pub fn sync_token(&self) -> Option<String> {
        self.inner
            .sync_token()
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }
}

impl Transport for Upstash {
    /// One request per command, or, with auto-pipelining (the default), one `/pipeline` request for
    /// the commands issued while another request is on its way; see [`AutoPipeline`].
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        let body = body::command(&command)?;
        let idempotence = Idempotence::of(command.is_read_only());
        let body = match auto::submit(&self.inner, body, idempotence) {
            Ok(shared) => return shared.await,
            Err(body) => body,
        };
        let secrets = Secrets::Command(command);
        request::single(&self.inner, body.into(), idempotence, secrets).await
    }

    /// The host and port of the REST endpoint.
    fn server_address(&self) -> Option<(&str, u16)> {
        self.inner.server_address()
    }

    /// `/pipeline` for a pipeline, `/multi-exec` for a transaction. A batch of only read-only commands
    /// is sent again as the [`RetryPolicy`] allows; any other only when it could not connect.
    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        let commands = batch.commands();
        let body = body::batch(commands)?;
        let route = if batch.is_atomic() {
            Route::MultiExec
        } else {
            Route::Pipeline
        };
        let idempotence = Idempotence::of(batch.is_read_only());
        let secrets = Secrets::Batch(commands);
        request::batch(
            &self.inner,
            route,
            body.into(),
            commands.len(),
            idempotence,
            secrets,
        )
        .await
    }
}

impl fmt::Debug for Upstash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
