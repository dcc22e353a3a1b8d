//! [`TransportError`]: a command that could not be delivered, or whose reply could not be read.

use std::fmt;
use std::sync::Arc;

use crate::label::{Label, about};

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made; the command was certainly not sent.
    Connect,
    /// The command was sent (or may have been) and no reply came in time.
    Timeout,
    /// The connection broke while the command was in flight.
    Io,
    /// The server answered with a status that means the credentials were refused (REST 401, Redis NOAUTH
    /// at connection time).
    Unauthorized,
    /// The server answered in a way this crate does not understand (bad HTTP status, non-JSON body,
    /// malformed RESP).
    Protocol,
    /// The transport is misconfigured (a bad URL, a missing environment variable, an argument the transport
    /// can not carry). Nothing was sent.
    Config,
}

/// A failure to deliver a command or to read its reply.
///
/// Cloning shares the underlying error: one failure of a batch is reported for each of its entries.
#[derive(Clone, Debug)]
pub struct TransportError {
    pub(super) kind: TransportErrorKind,
    pub(super) message: Box<str>,
    pub(super) may_have_run: bool,
    pub(super) source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
    pub(super) script: Label,
}

impl TransportError {
    /// Creates a transport error. `message` must say what failed and never contain credentials or
    /// arguments; `may_have_run` is false only when the command certainly did not reach a server.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>, may_have_run: bool) -> Self {
        TransportError {
            kind,
            message: message.into().into_boxed_str(),
            may_have_run,
            source: None,
            script: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        self.source = Some(Arc::from(source.into()));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the command may have reached the server (and so the script may have run).
    pub fn may_have_run(&self) -> bool {
        self.may_have_run
    }

    /// The message, without the source chain.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection failed",
            TransportErrorKind::Unauthorized => "unauthorized",
            TransportErrorKind::Protocol => "unexpected reply",
            TransportErrorKind::Config => "bad configuration",
        };
        write!(f, "{what}: {}", self.message)?;
        if self.may_have_run && self.kind != TransportErrorKind::Config {
            f.write_str(" (the script may have run)")?;
        }
        about(f, &self.script)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
