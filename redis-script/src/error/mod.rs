//! Errors: one [`Error`] to match on, what each variant means, and whether the call may have run.
//!
//! - [`Error::Server`] ([`ServerError`]): an error reply without a script location. Either a refusal
//!   before any script ran (`NOSCRIPT` from `evalsha`, `BUSY`, `NOAUTH`, `CROSSSLOT`, `MOVED`, ...;
//!   [`ServerError::is_refusal`] is true), or an error the script returned itself with
//!   `redis.error_reply(..)` / `{err = ..}`, which Redis sends bare. [`ServerError::code`] and
//!   [`ServerError::message`] tell which.
//! - [`Error::Script`] ([`ScriptError`]): an error located in the script: a Lua error or a failing
//!   `redis.call`, with [`code`](ScriptError::code), [`message`](ScriptError::message) (without the
//!   server's `script: <sha>, on @user_script:N.` suffix; Valkey's `script: on @user_script:N.`),
//!   [`line`](ScriptError::line) and [`sha1`](ScriptError::sha1) (the script that failed, also where the
//!   server does not name it); or a script Redis could not compile. Redis does not roll back what the
//!   script wrote before the error.
//! - [`Error::Decode`] ([`DecodeError`]): the reply does not fit `T`; the message names the Rust type
//!   and shows (a bounded excerpt of) the reply.
//! - [`Error::Transport`] ([`TransportError`], of a [`TransportErrorKind`]): the command could not be
//!   delivered or its reply not read.
//! - [`Error::Batch`] ([`BatchError`], of a [`BatchErrorKind`]): a [batch](crate::batch) refused before
//!   it was sent (`TooLarge`, `NotAllowed`, `CrossSlot`), a transaction the server refused as a whole
//!   (`Aborted`), an entry that did not run (`NotRun`), or a transaction whose MULTI the server
//!   refused, so that its entries ran one by one (`NotAtomic`, with each entry's result in
//!   [`BatchError::results`]); it names entries by position, never by their keys.
//! - [`Error::Arity`] ([`ArityError`]): the call passes fewer keys or arguments than its script
//!   reads on every run (`redis.call('GET', KEYS[2])` with one key); refused before anything was
//!   sent.
//! - [`Error::Preload`] ([`PreloadError`]): [`preload`](crate::preload) (or a function's library) could
//!   not be loaded on some servers; it lists what was loaded where and what failed where, and why.
//!
//! [`Error::code`], [`Error::is_noscript`], [`Error::is_read_only_violation`],
//! [`Error::is_unknown_command`] and [`Error::is_function_not_found`] answer the usual questions
//! without a `match`.
//!
//! # May it have run?
//!
//! [`Error::may_have_run`] says whether the script may have run despite the error: false only for
//! Redis's refusals, a script that did not compile, a batch refused or an entry that did not run, and
//! a connection that was never made. A caller that retries on its own should retry only then, or when
//! the script is idempotent.
//!
//! A refusal is only what a running script can not produce: a script that writes and then returns
//! `redis.pcall(..)` of a command that failed sends that command's error exactly as Redis would. So
//! `OOM`, `READONLY`, `MISCONF` and `NOREPLICAS` count as refusals only for a script with a `#!lua`
//! shebang and for functions (the server checks memory, replication and disk before running those; a
//! script without a shebang meets them at its first write, from inside), and texts that only a
//! script's own commands produce (`This Redis command is not allowed from script`, SINTERCARD's
//! `Number of keys can't be greater than number of args`) count as "may have run". An ACL refusal
//! inside a script is never `NOPERM` (it reads `ERR ACL failure in script: ..`), so `NOPERM` stays a
//! refusal. [`ServerError::is_refusal`] lists every case.
//!
//! # Matching errors
//!
//! A `redis::RedisError` converts into [`Error`] with `?`, classified as the transports classify
//! it (a connection that could not be made, a bad URL or refused credentials ran nothing; a
//! connection that broke or timed out may have delivered the command, and says why in its text), so
//! code that connects and then runs scripts returns one [`Result`]:
//!
//! ```no_run
//! use redis_script::{Error, Script};
//!
//! async fn incr(url: &str, script: &Script<i64>) -> redis_script::Result<i64> {
//!     let client = redis_script::redis::Client::open(url)?;
//!     let conn = client.get_multiplexed_async_connection().await?;
//!     match script.exec(&conn, ["counter"], ()).await {
//!         // Nothing ran (BUSY, a connection never made, ...): safe to send again.
//!         Err(e) if !e.may_have_run() => script.exec(&conn, ["counter"], ()).await,
//!         // EVALSHA_RO on Redis 6, FCALL on a server without Functions: `ERR unknown command`.
//!         Err(e) if e.is_unknown_command() => Err(e),
//!         // Raised in the script (a Lua error, a failing `redis.call`): its line and message.
//!         Err(Error::Script(e)) => {
//!             eprintln!("line {:?}: {}", e.line(), e.message());
//!             Err(Error::Script(e))
//!         }
//!         // An error reply the script returned (`redis.error_reply`) or a refusal: its code.
//!         Err(Error::Server(e)) if e.code() == "LIMITED" => Ok(0),
//!         // The script ran; its reply did not fit `i64`: the type and the reply it got.
//!         Err(Error::Decode(e)) => {
//!             eprintln!("expected {}, got {}", e.expected(), e.reply());
//!             Err(Error::Decode(e))
//!         }
//!         other => other,
//!     }
//! }
//! ```
//!
//! A refusal (the server's reply before anything ran: `NOSCRIPT`, `BUSY`, `CROSSSLOT`, `NOPERM`, ...)
//! is an [`Error::Server`] whose [`ServerError::is_refusal`] is true, and its `may_have_run()` false;
//! `exec` and `call` already send again after the one refusal that means "not loaded" (NOSCRIPT,
//! `Function not found`), never after any other.
//!
//! # What an error shows
//!
//! Every error of a call says which script, by name and SHA-1 ([`Error::script_name`],
//! [`Error::script_sha1`]), never by its keys or arguments:
//!
//! ```text
//! script error WRONGTYPE: Operation against a key holding the wrong kind of value (script "counters/incr" (61636018f4e6b5817b89791bbed242f93fa089e3), line 1)
//! connection failed: redis: I/O error: broken pipe (the script may have run) (script "counters/incr" (61636018f4e6b5817b89791bbed242f93fa089e3))
//! ```
//!
//! No error message contains the credentials, keys or arguments of a call (a decode error shows the
//! reply, which is what you need to see to fix the type). Where the server echoes a key or argument in
//! its error (`NOGROUP No such key '<redacted>' or consumer group '<redacted>'`, an unknown
//! subcommand, a script's own `error('no user ' .. ARGV[1])`), it is replaced by `<redacted>`: quoted
//! at any length, as a word from four bytes on; [`ServerError::unredacted_message`] /
//! [`ScriptError::unredacted_message`] give the text as the server sent it, for a log that may hold
//! it. A value the server prints in a form of its own is its text, not the value sent, and stays
//! (GEOADD shows `200.123` as `200.123000`). An error reply at the top level is always an `Err`, never
//! a [`Reply`](crate::Reply). Every error type here is a [`std::error::Error`], `Clone`,
//! `Send` and `Sync`.

mod arity;
mod batch;
mod preload;
mod redact;
mod refusal;
mod script;
mod server;
mod transport;

use std::fmt;

use crate::label::{Named, ScriptLabel};

pub use crate::de::DecodeError;
pub use arity::ArityError;
pub(crate) use batch::positions;
pub use batch::{BatchError, BatchErrorKind};
pub use preload::{FailedLoad, LoadedScript, PreloadError};
pub(crate) use refusal::Answered;
pub use script::ScriptError;
pub use server::ServerError;
pub use transport::{TransportError, TransportErrorKind};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when a script is run.
///
/// Match on the variant to tell a refusal by Redis ([`Error::Server`]) from an error raised while the
/// script ran ([`Error::Script`]), a reply that does not fit the requested type ([`Error::Decode`]) and a
/// failure to reach the server ([`Error::Transport`]). No variant's text contains the keys, arguments or
/// credentials of the call.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// An error reply that carries no script location: either a refusal before any script ran
    /// (`NOSCRIPT` from EVALSHA, `BUSY`, `NOAUTH`, `CROSSSLOT`, `MOVED`, ...) or an error the script
    /// returned itself with `redis.error_reply(..)` / `{err = ..}`, or passed through from
    /// `redis.pcall(..)`, which Redis sends bare. [`ServerError::is_refusal`] tells the two apart
    /// where Redis's own text and what the call sent allow it.
    Server(ServerError),
    /// An error located in the script: a Lua runtime error, a failing `redis.call`, or a script that
    /// Redis could not compile. Effects of `redis.call`s before the failure are kept: Redis scripts do
    /// not roll back.
    Script(Box<ScriptError>),
    /// The reply arrived but could not be decoded into the requested Rust type.
    Decode(Box<crate::DecodeError>),
    /// The command could not be delivered or its reply could not be read.
    Transport(TransportError),
    /// A batch ([`Pipeline`](crate::Pipeline), [`Transaction`](crate::Transaction)) or one of its entries
    /// was refused as a whole, or an entry did not run; [`BatchError::kind`] says which. Nothing it names
    /// ran, except for a transaction whose MULTI the server refused ([`BatchErrorKind::NotAtomic`]):
    /// its entries ran one by one.
    Batch(Box<BatchError>),
    /// [`preload`](crate::preload) could not load some scripts on some servers; nothing ran.
    Preload(Box<PreloadError>),
    /// The call passes fewer keys or arguments than its script reads on every run: refused before
    /// anything was sent, so nothing ran.
    Arity(Box<ArityError>),
}

// Written by hand, as every error type of this crate is: each shows its own text, and the variants
// that wrap an error with a cause pass it on as their source.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Server(e) => write!(f, "{e}"),
            Error::Script(e) => write!(f, "{e}"),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Transport(e) => fmt::Display::fmt(e, f),
            Error::Batch(e) => fmt::Display::fmt(e, f),
            Error::Preload(e) => fmt::Display::fmt(e, f),
            Error::Arity(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Server(_) | Error::Script(_) | Error::Arity(_) => None,
            Error::Decode(e) => e.source(),
            Error::Transport(e) => e.source(),
            Error::Batch(e) => e.source(),
            Error::Preload(e) => e.source(),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

// The rare, large errors are boxed, so that a `Result<Reply, Error>` stays small: batches hold one per
// entry, and every call's future holds one.
impl From<crate::DecodeError> for Error {
    fn from(e: crate::DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

impl From<BatchError> for Error {
    fn from(e: BatchError) -> Self {
        Error::Batch(Box::new(e))
    }
}

impl From<ArityError> for Error {
    fn from(e: ArityError) -> Self {
        Error::Arity(Box::new(e))
    }
}

impl From<ScriptError> for Error {
    fn from(e: ScriptError) -> Self {
        Error::Script(Box::new(e))
    }
}

impl Error {
    /// The error code of a server or script error (`NOSCRIPT`, `WRONGTYPE`, `ERR`, ...), if this is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Server(e) => Some(e.code()),
            Error::Script(e) => Some(e.code()),
            _ => None,
        }
    }

    /// True for the reply of EVALSHA/EVALSHA_RO when the server does not have the script cached.
    ///
    /// Only the server's own reply counts: code `NOSCRIPT` with the message `No matching script...`, and
    /// never an error raised from inside a script (those are [`Error::Script`]), so a fallback on it can
    /// not run a script twice. See [when `exec` falls back](crate::script#when-does-exec-fall-back).
    pub fn is_noscript(&self) -> bool {
        matches!(self, Error::Server(e) if e.is_noscript())
    }

    /// True for the server's own reply to FCALL of a function it does not have (`ERR Function not
    /// found`): the library is not loaded, and nothing ran.
    pub fn is_function_not_found(&self) -> bool {
        matches!(self, Error::Server(e) if e.is_function_not_found())
    }

    /// True for the server's `unknown command` reply: see [`ServerError::unknown_command`].
    pub fn is_unknown_command(&self) -> bool {
        matches!(self, Error::Server(e) if e.unknown_command().is_some())
    }

    /// True for the server's reply to FUNCTION LOAD of a library it already has (`ERR Library 'x'
    /// already exists`).
    pub(crate) fn is_library_exists(&self) -> bool {
        matches!(self, Error::Server(e) if &*e.code == "ERR"
            && e.unredacted_message().starts_with("Library '")
            && e.unredacted_message().ends_with("' already exists"))
    }

    /// True when the script was refused or stopped because it tried to write although run read-only
    /// (EVAL_RO, EVALSHA_RO, or a `no-writes` shebang).
    pub fn is_read_only_violation(&self) -> bool {
        const MARKERS: [&str; 3] = [
            "Write commands are not allowed from read-only scripts",
            "Can not execute a script with write flag using *_ro command",
            "Write commands are not allowed",
        ];
        let message = match self {
            Error::Server(e) => e.unredacted_message(),
            Error::Script(e) => e.unredacted_message(),
            _ => return false,
        };
        MARKERS.iter().any(|m| message.contains(m))
    }

    /// Whether the script may have run although this error was returned.
    ///
    /// `false` only when it certainly did not run: a refusal by Redis before running (NOSCRIPT, BUSY,
    /// CROSSSLOT, MOVED, a script that does not compile, ...), or a connection that was never established.
    /// An error the script returned itself (`redis.error_reply`) counts as run, since it may have written
    /// before returning it. A caller that retries on its own should retry only when this is `false`
    /// or the script is idempotent.
    pub fn may_have_run(&self) -> bool {
        match self {
            Error::Server(e) => !e.is_refusal(),
            Error::Script(e) => !e.is_compile_error(),
            Error::Decode(_) => true,
            Error::Transport(e) => e.may_have_run(),
            Error::Batch(e) => e.may_have_run(),
            Error::Preload(_) | Error::Arity(_) => false,
        }
    }

    /// For an error reply that reads like a refusal (a redirect) but was not proven one: it may have
    /// come from a running script, so `may_have_run()` is true.
    pub(crate) fn unproven(mut self) -> Error {
        if let Error::Server(e) = &mut self {
            e.unproven();
        }
        self
    }

    /// Says which script the error is about, and names the script that failed where the server did
    /// not (Valkey's `script: on @user_script:3.`, compile errors): the caller knows which one it ran.
    pub(crate) fn for_script(mut self, source: &impl Named) -> Error {
        let label = || Some(Box::new(source.label()));
        match &mut self {
            Error::Server(e) => {
                e.about.get_or_insert_default().script = Some(source.label());
                e.answered(Answered::Script {
                    flagged: source.declares_flags(),
                });
            }
            Error::Script(e) => {
                if e.sha1.is_none() {
                    e.sha1 = Some(source.sha1().to_owned());
                }
                e.script = label();
            }
            Error::Decode(e) => e.script = label(),
            Error::Transport(e) => e.script = label(),
            Error::Batch(e) => e.script = label(),
            Error::Arity(e) => e.script = label(),
            Error::Preload(_) => {}
        }
        self
    }

    /// Takes `values` (the keys and arguments of the call, or a command's words) out of the message of
    /// a server or script error, where the server echoed them; the message as it came stays readable
    /// through `unredacted_message`.
    pub(crate) fn redacted<'v>(mut self, values: impl IntoIterator<Item = &'v [u8]>) -> Error {
        match &mut self {
            Error::Server(e) => e.redact(values),
            Error::Script(e) => e.redact(values),
            _ => {}
        }
        self
    }

    /// Classifies an error reply to a command of a batch (not a script call) as that command's own: its
    /// refusals (a wrong number of arguments, a write on a replica) prove it did not run. A command
    /// that runs a script (a raw EVAL) stays read as carefully as an unknown one.
    pub(crate) fn for_command(mut self, name: &[u8]) -> Error {
        if let Error::Server(e) = &mut self
            && !refusal::runs_a_script(name)
        {
            e.answered(Answered::Command(name));
        }
        self
    }

    /// The name of the script this error is about, if it concerns one that has a name: the call of a
    /// [`Script`](crate::Script), or of a script entry of a batch.
    pub fn script_name(&self) -> Option<&str> {
        self.script()?.name.as_deref()
    }

    /// The SHA-1 of the script this error is about, if it concerns one.
    pub fn script_sha1(&self) -> Option<&str> {
        self.script().map(|label| &*label.sha1)
    }

    pub(crate) fn script(&self) -> Option<&ScriptLabel> {
        match self {
            Error::Server(e) => e.script(),
            Error::Script(e) => e.script.as_deref(),
            Error::Decode(e) => e.script.as_deref(),
            Error::Transport(e) => e.script.as_deref(),
            Error::Batch(e) => e.script.as_deref(),
            Error::Arity(e) => e.script.as_deref(),
            Error::Preload(_) => None,
        }
    }

    /// Classifies an error reply of the server (`"CODE message"`, as sent on the wire).
    ///
    /// The arguments Redis quotes back in an unknown-command error (`, with args beginning with: ..`)
    /// are cut, so that no key or argument reaches an error message.
    pub fn from_reply_text(text: &str) -> Error {
        let text = match text.find(ECHOED_ARGS) {
            Some(at) => &text[..at],
            None => text,
        };
        let (code, message) = split_code(text);
        match ScriptError::parse(code, message) {
            Some(script) => Error::Script(Box::new(script)),
            None => Error::Server(ServerError {
                refusal: refusal::is_refusal(code, message, Answered::Unknown),
                code: code.into(),
                message: message.into(),
                about: None,
            }),
        }
    }
}

/// What Redis puts before the first arguments of a command it does not know.
const ECHOED_ARGS: &str = ", with args beginning with:";

/// Splits `"CODE message"` into its code and message. A reply whose first word is not an upper-case code
/// (some proxies send plain text) gets the code `ERR` and keeps its whole text as the message.
fn split_code(text: &str) -> (&str, &str) {
    let text = text.trim_end_matches(['\r', '\n']);
    match text.split_once(' ') {
        Some((code, rest)) if is_code(code) => (code, rest),
        None if is_code(text) => (text, ""),
        _ => ("ERR", text),
    }
}

fn is_code(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_error_type_is_a_std_error() {
        fn is_error<E: std::error::Error + Clone + Send + Sync + 'static>() {}
        is_error::<Error>();
        is_error::<ServerError>();
        is_error::<ScriptError>();
        is_error::<crate::DecodeError>();
        is_error::<TransportError>();
        is_error::<BatchError>();
        is_error::<PreloadError>();
        is_error::<ArityError>();
    }

    #[test]
    fn echoed_values_are_taken_out_and_kept_apart() {
        let values: [&[u8]; 2] = [b"secret:user42", b"g"];
        let e = Error::from_reply_text(
            "NOGROUP No such key 'secret:user42' or consumer group 'g' in XREADGROUP with GROUP option",
        )
        .redacted(values);
        let Error::Server(server) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            server.message(),
            "No such key '<redacted>' or consumer group '<redacted>' in XREADGROUP with GROUP option"
        );
        assert!(server.unredacted_message().contains("'secret:user42'"));
        assert!(!format!("{e:?}{e:#?}{e}").contains("secret:user42"));
        let e = Error::from_reply_text(
            "ERR user_script:1: no user secret:user42 script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        )
        .redacted(values);
        let Error::Script(script) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(script.message(), "user_script:1: no user <redacted>");
        assert_eq!(
            script.unredacted_message(),
            "user_script:1: no user secret:user42"
        );
        assert!(!format!("{e:?}{e:#?}{e}").contains("secret:user42"));
    }

    #[test]
    fn results_stay_small() {
        // A batch holds one result per entry and every call's future one: the large errors are boxed.
        assert!(
            std::mem::size_of::<Error>() <= 56,
            "{}",
            std::mem::size_of::<Error>()
        );
        assert!(std::mem::size_of::<Result<crate::Reply, Error>>() <= 64);
    }
}
