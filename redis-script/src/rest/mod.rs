//! The Upstash REST transport: scripts over HTTPS to an Upstash Redis database (or any server that
//! speaks the [Upstash Redis REST API](https://upstash.com/docs/redis/features/restapi), such as
//! `upstash-local` in front of a Redis).
//!
//! [`Upstash`] is a [`Transport`] like a Redis connection, so the same [`Script`](crate::Script) and
//! [`ScriptRO`](crate::ScriptRO) values run over HTTPS unchanged, with the same EVALSHA -> EVAL
//! (EVALSHA_RO -> EVAL_RO) fallback on NOSCRIPT: the REST API answers NOSCRIPT with the same error text.
//!
//! ```no_run
//! use redis_script::{Script, rest::Upstash};
//!
//! # async fn run() -> redis_script::Result<()> {
//! let upstash = Upstash::from_env()?; // UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN
//! let incr = Script::<i64>::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
//! let views = incr.exec(&upstash, ["page:views"], [1]).await?;
//! # Ok(()) }
//! ```
//!
//! Each command is one `POST` of a JSON array (`["EVALSHA", sha1, numkeys, keys.., args..]`) with
//! `Authorization: Bearer <token>`, over a pooled keep-alive connection (HTTP/1.1).
//!
//! # Connections
//!
//! The client keeps its own keep-alive HTTP/1.1 connections (through `hyper`, the HTTP library
//! `reqwest` is built on): the task that makes a call writes its request and reads its reply itself,
//! without handing them to a connection task, which is most of what a call costs on the client's side
//! when the server is near. An idle connection the server closed is not written to; a request a
//! connection took none of goes out on another, and nothing else is sent twice (see the table
//! below). A connection whose call was given up before its whole reply came (a timeout, a dropped
//! future) is closed, never reused, so no reply reaches another call.
//!
//! When the environment names a proxy for the URL's scheme (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, upper or lower case), requests go through `reqwest`, which applies it (and
//! `NO_PROXY`) as curl does; as they do through a `reqwest::Client` of your own
//! ([`UpstashBuilder::http_client`]).
//!
//! # Configuration
//!
//! - [`Upstash::from_env()`](Upstash::from_env) reads `UPSTASH_REDIS_REST_URL` and
//!   `UPSTASH_REDIS_REST_TOKEN`, the names the Upstash console shows. A missing or malformed variable
//!   is an `Error::Transport` of kind `Config` whose message names the variable; the token is never
//!   printed.
//! - [`Upstash::new(url, token)`](Upstash::new) takes them directly. The URL must be a bare
//!   `https://` (or, for a local server, `http://`) endpoint, without user, query or fragment.
//! - [`Upstash::builder(url, token)`](Upstash::builder) / [`Upstash::builder_from_env()?`](Upstash::builder_from_env)
//!   set, before [`.build()`](UpstashBuilder::build):
//!   - `.timeout(Some(d))`: the whole request, from sending to the last byte of the reply (default
//!     10 s; `None` waits for ever);
//!   - `.retry(RetryPolicy::new(max_retries, base_backoff))` (default 3 retries, 50 ms doubling, at
//!     most 2 s between tries; `RetryPolicy::none()` turns retries off);
//!   - `.read_your_writes(bool)` (default on);
//!   - `.base64(bool)`: base64-encoded replies (default on);
//!   - `.auto_pipeline(Option<AutoPipeline>)` (default on, see below);
//!   - `.tls_config(rustls::ClientConfig)`: TLS your way (roots of your own such as a private CA, a
//!     client certificate, a crypto provider of your choice);
//!   - `.http_client(reqwest::Client)`: your own `reqwest` client (a proxy, pool sharing, another TLS
//!     library such as reqwest's `native-tls`), through which every request then goes. A
//!     `reqwest::Client` you build yourself with rustls needs a rustls `CryptoProvider` installed in
//!     your process (or reqwest's `rustls` feature enabled in your own `Cargo.toml`).
//!
//! # TLS
//!
//! The client this crate builds speaks TLS through rustls, with the platform's certificate roots
//! (`rustls-platform-verifier`). Its cryptography is the crypto provider the application installed
//! for the process (`rustls::crypto::CryptoProvider::install_default`), if it did; otherwise, with
//! the `rest` feature, aws-lc-rs, which reqwest and rustls choose by default: it offers the
//! post-quantum hybrid key exchange X25519MLKEM768 first (a server that does not take it agrees on
//! X25519 instead), and a C compiler builds it. The
//! `rest-no-provider` feature leaves aws-lc-rs out: the application installs a provider before
//! building the client, e.g. *ring* (quicker to build, no post-quantum key exchange) or a pure-Rust
//! one, else building the client fails with an error of kind `Config`.
//! - `Upstash` is cheap to clone; clones share the connection pool and the read-your-writes token. Its
//!   `Debug` output (and its builder's) never shows the token, nor more of the URL than
//!   `scheme://host[:port]/path`.
//!
//! # Values
//!
//! Replies are requested base64-encoded (`Upstash-Encoding: base64`) and decoded to raw bytes, so
//! anything a script returns, binary included, arrives exactly as Redis holds it. A top-level `"OK"`
//! is accepted both plain and encoded. Keys and arguments travel inside a JSON body and must be UTF-8
//! text: a key or argument that is not is refused before anything is sent
//! ([`TransportErrorKind::Config`](crate::TransportErrorKind::Config), naming its position,
//! `ARGV[2]`, never its value). Use the RESP transport for binary keys and arguments.
//!
//! # Retries: what may be sent twice
//!
//! A script that writes is never sent twice by this client ([`RetryPolicy`]). Precisely:
//!
//! | failure | EVAL / EVALSHA (may write) | EVAL_RO / EVALSHA_RO (`ScriptRO`) |
//! | --- | --- | --- |
//! | could not connect (nothing was sent) | retried | retried |
//! | timeout, connection lost after sending | not retried, `may_have_run() == true` | retried |
//! | HTTP 5xx / 429 | not retried, `may_have_run() == true` | retried |
//! | HTTP 400 error reply (NOSCRIPT, script errors) | not retried: an answer | not retried: an answer |
//! | HTTP 401 | `TransportErrorKind::Unauthorized`, check `UPSTASH_REDIS_REST_TOKEN` | same |
//!
//! A batch that may write is sent again only when it could not connect; a read-only one as the
//! `RetryPolicy` allows. `exec` itself falls back to EVAL only on the server's own NOSCRIPT reply,
//! never after a timeout or a lost connection. Errors name what failed and whether the script may have
//! run; they never contain the token, nor any key or argument of four bytes or more, nor a line of
//! twelve bytes or more of a script or library the request carried (an unexpected
//! response body is shown as a short excerpt of its first few KiB with those removed, raw or
//! JSON-escaped; values of one to three bytes are left in, since masking every `e` would hide nothing
//! and shred the text).
//!
//! # Read-your-writes
//!
//! Every response of the REST API carries an `upstash-sync-token` header. The client keeps the latest
//! one and sends it with its very next request, so a read through this client (or one of its clones)
//! sees the writes it made before, even when a read replica serves it. When answers to concurrent
//! requests arrive out of order, the larger of two numeric tokens is kept, so a late answer never
//! moves the position back. Turn it off with `.read_your_writes(false)`.
//!
//! # Batches
//!
//! A [`Pipeline`](crate::Pipeline) goes to `/pipeline` and a [`Transaction`](crate::Transaction) to
//! `/multi-exec`, with the same loading and ordering as over RESP ([batches](crate::batch)).
//!
//! # Auto-pipelining
//!
//! The client gathers `exec` calls issued while a request is on its way, or at the same moment, into
//! one `/pipeline` request, as the official SDK does; on by default. A burst of `n` calls takes
//! `ceil(n / max_entries)` requests (more when `max_bytes` is reached first, or on a multi-threaded
//! runtime when the burst is still being issued as the first leave), sent at once; a call
//! issued while requests of a burst are on their way goes in the next one, with the others that
//! waited; a call alone still goes to the base URL, from its caller's own task, and the calls issued
//! while it is on its way do not wait for it. A call whose future is dropped (a timeout, a `select!`) while it
//! waits for its request is never sent; one already on its way may run. At most
//! [`AutoPipeline::QUEUED_REQUESTS`] (16) requests' worth of calls and bytes wait; a call that finds
//! the queue full waits for room, holding nothing. Each call keeps its own semantics: its own reply (a NOSCRIPT falls
//! back with an EVAL of its own, in a later request), read-your-writes, and retries (a shared request
//! that failed after it may have reached the server is `may_have_run` for its writes and sent again for
//! its read-only calls only). Explicit pipelines and transactions are always requests of their own.
//!
//! ```no_run
//! use redis_script::rest::{AutoPipeline, Upstash};
//!
//! # fn f() -> redis_script::Result<()> {
//! let upstash = Upstash::builder_from_env()?
//!     .auto_pipeline(Some(AutoPipeline::new(200, 256 * 1024))) // default: 1,000 calls, 1 MB per request
//!     .build()?;
//! let one_request_each = Upstash::builder_from_env()?.auto_pipeline(None).build()?;
//! # Ok(()) }
//! ```
//!
//! # Differences from the official TypeScript SDK, on purpose
//!
//! - Writes are never retried after they may have reached the server (the SDK retries every network
//!   error up to 5 times, which can run a script twice); read-only scripts and connection failures
//!   are.
//! - Base64 replies are decoded to bytes, not to UTF-8 text, so binary values survive.
//! - The sync token is also taken from error responses, and a late answer never moves it back (older
//!   SDK versions sent it one request late; 1.39 sends it on the next request too).
//! - Error messages never contain the command, its arguments or the token.
//! - Non-UTF-8 keys and arguments are refused with a typed error instead of being mangled by JSON.

mod auto;
mod blocking;
mod body;
mod config;
mod decode;
mod http;
mod http1;
mod request;

use std::fmt;
use std::sync::Arc;

pub use auto::AutoPipeline;
pub use blocking::BlockingUpstash;
pub use config::{RetryPolicy, TOKEN_ENV, URL_ENV, UpstashBuilder};
/// The `reqwest` this client is built on, for [`UpstashBuilder::http_client`].
pub use reqwest;
/// The `rustls` this client speaks TLS with, for [`UpstashBuilder::tls_config`].
pub use rustls;

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
    /// # Errors
    ///
    /// A [`Config`](crate::TransportErrorKind::Config) transport error, saying what is wrong, when
    /// the URL is not a bare http(s) URL or the token is empty or not sendable in a header.
    ///
    /// # Examples
    ///
    /// ```
    /// use redis_script::rest::Upstash;
    ///
    /// let upstash = Upstash::new("https://eu1-example.upstash.io", "AX1234")?;
    /// assert!(Upstash::new("https://user:pw@eu1-example.upstash.io", "AX1234").is_err());
    /// # Ok::<(), redis_script::Error>(())
    /// ```
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url, token).build()
    }

    /// A client configured from the environment variables `UPSTASH_REDIS_REST_URL` and
    /// `UPSTASH_REDIS_REST_TOKEN`, as the Upstash console names them.
    ///
    /// # Errors
    ///
    /// A missing or malformed variable is a [`Config`](crate::TransportErrorKind::Config) transport
    /// error naming the variable (never its value).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder_from_env()?.build()
    }

    /// Options for a client of `url` with `token`.
    pub fn builder(url: impl Into<String>, token: impl Into<String>) -> UpstashBuilder {
        UpstashBuilder::new(url.into(), token.into())
    }

    /// Options for a client configured from `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`.
    ///
    /// # Errors
    ///
    /// As for [`from_env`](Self::from_env).
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

impl Upstash {
    /// One command; with `pipelined` (and auto-pipelining on), through the queue of shared requests.
    pub(crate) async fn send_command(
        &self,
        command: Command<'_>,
        pipelined: bool,
    ) -> Result<Reply, Error> {
        let body = body::command(&command)?;
        let idempotence = Idempotence::of(command.is_read_only());
        let body = match pipelined {
            true => match auto::submit(&self.inner, body, idempotence) {
                Ok(shared) => return shared.await,
                Err(body) => body,
            },
            false => body,
        };
        let secrets = Secrets::Command(command);
        request::single(&self.inner, body.into(), idempotence, secrets).await
    }
}

impl Transport for Upstash {
    /// One request per command, or, with auto-pipelining (the default), one `/pipeline` request for
    /// the commands issued while another request is on its way; see [`AutoPipeline`].
    async fn send(&self, command: Command<'_>) -> Result<Reply, Error> {
        self.send_command(command, true).await
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
