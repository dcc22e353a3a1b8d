//! The one error type of this crate, and the parsing of Redis error replies into it.

mod batch;
mod preload;
mod redact;
mod refusal;

use std::fmt;
use std::sync::Arc;

use crate::script::{ScriptLabel, Source};

pub(crate) use batch::positions;
pub use batch::{BatchError, BatchErrorKind};
pub use preload::{FailedLoad, LoadedScript, PreloadError};
pub(crate) use refusal::Answered;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when a script is run.
///
/// Match on the variant to tell a refusal by Redis ([`Error::Server`]) from an error raised while the
/// script ran ([`Error::Script`]), a reply that does not fit the requested type ([`Error::Decode`]) and a
/// failure to reach the server ([`Error::Transport`]). No variant's text contains the keys, arguments or
/// credentials of the call.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error reply that carries no script location: either a refusal before any script ran
    /// (`NOSCRIPT` from EVALSHA, `BUSY`, `NOAUTH`, `CROSSSLOT`, `MOVED`, ...) or an error the script
    /// returned itself with `redis.error_reply(..)` / `{err = ..}`, or passed through from
    /// `redis.pcall(..)`, which Redis sends bare. [`ServerError::is_refusal`] tells the two apart
    /// where Redis's own text and what the call sent allow it.
    #[error("{0}")]
    Server(ServerError),
    /// An error located in the script: a Lua runtime error, a failing `redis.call`, or a script that
    /// Redis could not compile. Effects of `redis.call`s before the failure are kept: Redis scripts do
    /// not roll back.
    #[error("{0}")]
    Script(Box<ScriptError>),
    /// The reply arrived but could not be decoded into the requested Rust type.
    #[error(transparent)]
    Decode(Box<crate::DecodeError>),
    /// The command could not be delivered or its reply could not be read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A batch ([`Pipeline`](crate::Pipeline), [`Transaction`](crate::Transaction)) or one of its entries
    /// was refused as a whole, or an entry did not run; [`BatchError::kind`] says which. Nothing it names
    /// ran, except for a transaction whose MULTI the server refused ([`BatchErrorKind::NotAtomic`]):
    /// its entries ran one by one.
    #[error(transparent)]
    Batch(Box<BatchError>),
    /// [`preload`](crate::preload) could not load some scripts on some servers; nothing ran.
    #[error(transparent)]
    Preload(Box<PreloadError>),
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
    /// not run a script twice. See the crate documentation, "When does `exec` fall back".
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
            Error::Preload(_) => false,
        }
    }

    /// Says which script the error is about, and names the script that failed where the server did
    /// not (Valkey's `script: on @user_script:3.`, compile errors): the caller knows which one it ran.
    pub(crate) fn for_script(mut self, source: &Source) -> Error {
        let label = || Some(Box::new(source.label()));
        match &mut self {
            Error::Server(e) => {
                e.about.get_or_insert_default().script = Some(source.label());
                let flagged = source.function || source.text.starts_with("#!");
                e.answered(Answered::Script { flagged });
            }
            Error::Script(e) => {
                if e.sha1.is_none() {
                    e.sha1 = Some(source.sha1.to_string());
                }
                e.script = label();
            }
            Error::Decode(e) => e.script = label(),
            Error::Transport(e) => e.script = label(),
            Error::Batch(e) => e.script = label(),
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

/// The script an error is about, where it is about one; boxed, as most errors are about none.
pub(crate) type Label = Option<Box<ScriptLabel>>;

/// ` (script "lua/limit.lua" (<sha1>))` after an error's own text.
pub(crate) fn about(f: &mut fmt::Formatter<'_>, script: &Label) -> fmt::Result {
    match script {
        Some(script) => write!(f, " ({script})"),
        None => Ok(()),
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

/// An error reply from the server that was not raised by a running script.
///
/// Its message never shows a key or argument of the call (see [`unredacted_message`]); `Debug`
/// neither.
///
/// [`unredacted_message`]: ServerError::unredacted_message
#[derive(Clone, PartialEq, Eq)]
pub struct ServerError {
    // Boxed strings, not `String`s: errors stay small (a batch holds one result per entry).
    code: Box<str>,
    /// As shown: without the values of the call.
    message: Box<str>,
    /// What is rarely there, in a box of its own so that errors stay small.
    about: Option<Box<About>>,
    /// Whether the reply proves that nothing ran, for what it answered ([`refusal`]).
    refusal: bool,
}

/// The script a [`ServerError`] is about, and its message as the server sent it when values of the
/// call were taken out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct About {
    script: Option<ScriptLabel>,
    unredacted: Option<Box<str>>,
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerError")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("script", &self.script())
            .field("refusal", &self.refusal)
            .finish()
    }
}

impl ServerError {
    /// The error code, the first word of the reply: `NOSCRIPT`, `ERR`, `BUSY`, `NOAUTH`, ...
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The rest of the reply after the code, without the keys and arguments of the call where the
    /// server echoed them (`No such key '<redacted>' or consumer group '<redacted>'`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The rest of the reply after the code exactly as the server sent it, keys and arguments of the
    /// call included: for a log that may hold them. [`message`](Self::message) and `Display` never
    /// show them.
    pub fn unredacted_message(&self) -> &str {
        self.about
            .as_ref()
            .and_then(|about| about.unredacted.as_deref())
            .unwrap_or(&self.message)
    }

    fn script(&self) -> Option<&ScriptLabel> {
        self.about.as_ref()?.script.as_ref()
    }

    fn redact<'v>(&mut self, values: impl IntoIterator<Item = &'v [u8]>) {
        if let Some(redacted) = redact::redact(self.unredacted_message(), values) {
            let original = std::mem::replace(&mut self.message, redacted.into());
            let about = self.about.get_or_insert_default();
            about.unredacted.get_or_insert(original);
        }
    }

    /// True for the server's own "script not cached" reply to EVALSHA / EVALSHA_RO.
    ///
    /// The code must be `NOSCRIPT` and the message Redis's own `No matching script...`: a script that
    /// returns `redis.error_reply("NOSCRIPT ...")` with any other text is not taken for a missing script.
    /// (One that returns Redis's exact text can not be told apart on the wire; `lua_script!` rejects
    /// scripts that can return a NOSCRIPT error at all.)
    pub fn is_noscript(&self) -> bool {
        &*self.code == "NOSCRIPT" && self.unredacted_message().starts_with("No matching script")
    }

    /// True for `ERR Function not found`, the server's reply to FCALL of a function no library it has
    /// registers. Matched exactly: `lua_library!` refuses functions that return that text themselves.
    pub fn is_function_not_found(&self) -> bool {
        &*self.code == "ERR" && self.unredacted_message() == "Function not found"
    }

    /// The command the server does not know, from its `unknown command` reply: `FCALL`, `FCALL_RO`
    /// or `FUNCTION` from a server without Redis Functions (Redis 6), `EVAL_RO` or `EVALSHA_RO` from
    /// one without read-only scripts. Nothing ran.
    pub fn unknown_command(&self) -> Option<&str> {
        let quoted = self.unredacted_message().strip_prefix("unknown command ")?;
        if &*self.code != "ERR" {
            return None;
        }
        // Redis 6 quotes the name in backticks, Redis 7+ in single quotes.
        let close = match quoted.chars().next()? {
            '`' => '`',
            '\'' => '\'',
            _ => return None,
        };
        let name = quoted.get(1..)?;
        name.find(close).map(|end| &name[..end])
    }

    /// What to do about an unknown command this crate sends, if this is one.
    fn unknown_command_hint(&self) -> Option<&'static str> {
        let name = self.unknown_command()?;
        if ["FCALL", "FCALL_RO", "FUNCTION"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            Some(
                "this server has no Redis Functions, which need Redis 7.0 or later, Valkey or \
                 Upstash: upgrade it, or call the code as a script (lua_script!)",
            )
        } else if ["EVAL_RO", "EVALSHA_RO"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            Some(
                "this server has no read-only script commands, which need Redis 7.0 or later, \
                 Valkey or Upstash: upgrade it, or call the script as a Script (EVALSHA)",
            )
        } else {
            None
        }
    }

    /// True when this reply proves that nothing ran: one of Redis's refusals before it runs a
    /// command, which a running script can not pass through from its own commands.
    ///
    /// NOSCRIPT, BUSY, NOAUTH, NOPERM, WRONGPASS, LOADING, MOVED, ASK, CROSSSLOT, TRYAGAIN,
    /// CLUSTERDOWN, MASTERDOWN; the checks before a script runs (`allow-oom flag is not set`, a
    /// write-flagged script on a replica or with `_RO`, `Writable scripts are blocked`, a bad
    /// shebang, `Function not found`, an unknown command, a script command with the wrong number of
    /// arguments); and `OOM`, `READONLY`, `MISCONF`, `NOREPLICAS` for a script that declares flags (a
    /// `#!lua` shebang) or a function, which the server checks before running it. The same four
    /// codes for a script without a shebang may come from inside it (`return redis.pcall(..)` of a
    /// write the server refused), after it wrote: they count as "may have run", and so does every
    /// other error (`ERR This Redis command is not allowed from script` among them). For a plain
    /// command of a batch, its own refusals count too (a wrong number of arguments, a write on a
    /// replica).
    ///
    /// A script that returns one of these codes itself (`redis.error_reply("BUSY ...")`) can not be
    /// told apart; don't.
    pub fn is_refusal(&self) -> bool {
        self.refusal
    }

    /// Classifies the reply again, now that what it answered is known.
    pub(crate) fn answered(&mut self, answered: Answered<'_>) {
        self.refusal = refusal::is_refusal(&self.code, self.unredacted_message(), answered);
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server error {}", self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if self.is_noscript() {
            f.write_str(" (the script is not in this server's script cache)")?;
        }
        if let Some(hint) = self.unknown_command_hint() {
            write!(f, " ({hint})")?;
        }
        match self.script() {
            Some(script) => write!(f, " ({script})"),
            None => Ok(()),
        }
    }
}

/// An error raised while a script ran (or while Redis compiled it).
///
/// Redis 7 appends `script: <sha1>, on @user_script:<line>.` to errors raised inside a script (Valkey
/// `script: on @user_script:<line>.`); that suffix is parsed into [`sha1`](Self::sha1) and
/// [`line`](Self::line) and removed from the message.
///
/// Its message never shows a key or argument of the call (a script's own `error('no ' .. ARGV[1])`
/// included); see [`unredacted_message`](ScriptError::unredacted_message). `Debug` neither.
#[derive(Clone, PartialEq, Eq)]
pub struct ScriptError {
    code: String,
    message: String,
    sha1: Option<String>,
    line: Option<u32>,
    script: Label,
    /// The message as the server sent it, when values of the call were taken out of `message`.
    unredacted: Option<String>,
}

impl fmt::Debug for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptError")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("sha1", &self.sha1)
            .field("line", &self.line)
            .field("script", &self.script)
            .finish()
    }
}

impl ScriptError {
    /// An error reply that the script itself returned although it reads like one of Redis's refusals
    /// (NOSCRIPT from a script that is cached): it ran.
    pub(crate) fn returned_by(script_sha1: &str, reply: &ServerError) -> ScriptError {
        ScriptError {
            code: reply.code.to_string(),
            message: format!(
                "{} (returned by the script itself: it is in the server's cache, so this is not a \
                 missing script)",
                reply.message
            ),
            sha1: Some(script_sha1.to_owned()),
            line: None,
            script: None,
            unredacted: None,
        }
    }

    fn parse(code: &str, message: &str) -> Option<ScriptError> {
        const SUFFIX_START: &str = " script: ";
        if let Some(at) = message.rfind(SUFFIX_START) {
            let suffix = &message[at + SUFFIX_START.len()..];
            // Redis names the script (`<sha1>, on @user_script:3.`), Valkey does not (`on @user_script:3.`).
            // A function: `<function>, on @user_function:3.`; the function is known to the caller.
            let located = match suffix.split_once(", on @user_script:") {
                Some((sha1, place)) => Some((Some(sha1), place)),
                None => suffix
                    .strip_prefix("on @user_script:")
                    .or_else(|| {
                        suffix
                            .split_once("on @user_function:")
                            .map(|(_, place)| place)
                    })
                    .map(|place| (None, place)),
            };
            if let Some((sha1, place)) = located {
                let line = place.trim_end_matches('.').parse().ok();
                return Some(ScriptError {
                    code: code.to_owned(),
                    message: message[..at].to_owned(),
                    sha1: sha1.map(str::to_owned),
                    line,
                    script: None,
                    unredacted: None,
                });
            }
        }
        // Lua runtime errors without the suffix (Redis < 7) and compile errors name `user_script:<line>:`.
        let located = message
            .strip_prefix("Error compiling script (new function): ")
            .or_else(|| message.strip_prefix("Error running script (call to f_"))
            .or_else(|| message.strip_prefix("Error compiling function: "))
            .unwrap_or(message);
        if let Some(rest) = located
            .split_once("user_script:")
            .or_else(|| located.split_once("user_function:"))
            .map(|(_, r)| r)
        {
            let line = rest.split(':').next().and_then(|n| n.parse().ok());
            return Some(ScriptError {
                code: code.to_owned(),
                message: message.to_owned(),
                sha1: None,
                line,
                script: None,
                unredacted: None,
            });
        }
        None
    }

    /// The error code: `ERR` for Lua errors, or the code of the failing command or `error_reply`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error message, without the `script: ..., on @user_script:N.` suffix and without the keys
    /// and arguments of the call where it held them.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error message (without the suffix) exactly as the server sent it, keys and arguments of
    /// the call included: for a log that may hold them. [`message`](Self::message) and `Display`
    /// never show them.
    pub fn unredacted_message(&self) -> &str {
        self.unredacted.as_deref().unwrap_or(&self.message)
    }

    fn redact<'v>(&mut self, values: impl IntoIterator<Item = &'v [u8]>) {
        if let Some(redacted) = redact::redact(self.unredacted_message(), values) {
            let original = std::mem::replace(&mut self.message, redacted);
            self.unredacted.get_or_insert(original);
        }
    }

    /// The SHA-1 of the script that failed: the one the server named, or, where it names none (Valkey,
    /// compile errors), the script `exec` or the batch entry ran.
    pub fn sha1(&self) -> Option<&str> {
        self.sha1.as_deref()
    }

    /// True when Redis could not compile the script or library (a syntax error): nothing ran.
    pub fn is_compile_error(&self) -> bool {
        let message = self.unredacted_message();
        message.starts_with("Error compiling script")
            || message.starts_with("Error compiling function")
    }

    /// The line of the script where the error was raised, when the server named it.
    pub fn line(&self) -> Option<u32> {
        self.line
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "script error {}: {}", self.code, self.message)?;
        match (self.line, &self.script, &self.sha1) {
            (Some(line), Some(script), _) => write!(f, " ({script}, line {line})"),
            (None, Some(script), _) => write!(f, " ({script})"),
            (Some(line), None, Some(sha1)) => write!(f, " (script {sha1}, line {line})"),
            (Some(line), None, None) => write!(f, " (line {line})"),
            (None, None, Some(sha1)) => write!(f, " (script {sha1})"),
            (None, None, None) => Ok(()),
        }
    }
}

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
    kind: TransportErrorKind,
    message: Box<str>,
    may_have_run: bool,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
    script: Label,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Shared;

    #[test]
    fn noscript_from_evalsha_is_recognised() {
        let e = Error::from_reply_text("NOSCRIPT No matching script. Please use EVAL.");
        assert!(e.is_noscript());
        assert!(!e.may_have_run());
        assert_eq!(e.code(), Some("NOSCRIPT"));
    }

    #[test]
    fn an_unknown_command_names_itself_and_says_what_the_server_lacks() {
        // Redis 6.2 quotes in backticks, Redis 7 in single quotes.
        let redis6 = "ERR unknown command `FCALL`, with args beginning with: `f`, `0`, ";
        let redis7 = "ERR unknown command 'EVALSHA_RO', with args beginning with: ";
        let (fcall, ro) = (
            Error::from_reply_text(redis6),
            Error::from_reply_text(redis7),
        );
        let Error::Server(server) = &fcall else {
            panic!("{fcall:?}")
        };
        assert_eq!(server.unknown_command(), Some("FCALL"));
        assert!(fcall.is_unknown_command() && !fcall.may_have_run());
        assert!(fcall.to_string().contains("no Redis Functions"), "{fcall}");
        assert!(ro.is_unknown_command());
        assert!(
            ro.to_string().contains("no read-only script commands"),
            "{ro}"
        );
        let other = Error::from_reply_text("ERR unknown command 'FOO', with args beginning with: ");
        assert!(other.is_unknown_command());
        assert!(!other.to_string().contains("need Redis 7.0"), "{other}");
        assert!(!Error::from_reply_text("ERR unknown command").is_unknown_command());
        assert!(!Error::from_reply_text("ERR Function not found").is_unknown_command());
    }

    #[test]
    fn noscript_raised_by_a_script_is_not_a_missing_script() {
        // What Redis 7 sends for `error(...)` and failing calls inside a script.
        let e = Error::from_reply_text(
            "NOSCRIPT No matching script script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        );
        assert!(!e.is_noscript());
        assert!(matches!(e, Error::Script(_)));
        // `redis.error_reply('NOSCRIPT x')` arrives bare: the message decides.
        assert!(!Error::from_reply_text("NOSCRIPT x").is_noscript());
    }

    #[test]
    fn valkey_suffix_without_sha1_is_parsed_and_the_caller_names_the_script() {
        let e = Error::from_reply_text(
            "READONLY You can't write against a read only replica. script: on @user_script:2.",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (s.code(), s.message(), s.line(), s.sha1()),
            (
                "READONLY",
                "You can't write against a read only replica.",
                Some(2),
                None
            )
        );
        let sha1 = "c9db597066bf775182928ed96dd47a8e575cbc33";
        let source = |sha1| Source {
            text: Shared::Static("return 1"),
            sha1: Shared::Static(sha1),
            name: Some(Shared::Static("lua/replica.lua")),
            function: false,
        };
        let named = e.for_script(&source(sha1));
        assert_eq!(
            (named.script_name(), named.script_sha1()),
            (Some("lua/replica.lua"), Some(sha1))
        );
        let Error::Script(s) = &named else { panic!() };
        assert_eq!(s.sha1(), Some(sha1));
        assert!(
            named
                .to_string()
                .ends_with(&format!("(script \"lua/replica.lua\" ({sha1}), line 2)")),
            "{named}"
        );
        // A SHA-1 the server gave stays.
        let redis = Error::from_reply_text(&format!("ERR boom script: {sha1}, on @user_script:1."));
        let other = redis.for_script(&source("0000000000000000000000000000000000000000"));
        let Error::Script(kept) = &other else {
            panic!()
        };
        assert_eq!(kept.sha1(), Some(sha1));
    }

    #[test]
    fn script_errors_keep_code_message_and_line() {
        let e = Error::from_reply_text(
            "WRONGTYPE Operation against a key holding the wrong kind of value script: c9db597066bf775182928ed96dd47a8e575cbc33, on @user_script:3.",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.code(), "WRONGTYPE");
        assert_eq!(
            s.message(),
            "Operation against a key holding the wrong kind of value"
        );
        assert_eq!(s.line(), Some(3));
        assert_eq!(s.sha1(), Some("c9db597066bf775182928ed96dd47a8e575cbc33"));
        assert_eq!(
            e.to_string(),
            "script error WRONGTYPE: Operation against a key holding the wrong kind of value \
             (script c9db597066bf775182928ed96dd47a8e575cbc33, line 3)"
        );
    }

    #[test]
    fn compile_errors_are_script_errors() {
        let e = Error::from_reply_text(
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
        );
        let Error::Script(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.line(), Some(1));
    }

    #[test]
    fn read_only_violations_are_recognised() {
        let e = Error::from_reply_text(
            "ERR Write commands are not allowed from read-only scripts. script: ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1.",
        );
        assert!(e.is_read_only_violation());
        let e = Error::from_reply_text(
            "ERR Can not execute a script with write flag using *_ro command.",
        );
        assert!(e.is_read_only_violation());
        assert!(matches!(e, Error::Server(_)));
    }

    #[test]
    fn refusals_did_not_run_but_returned_errors_may_have() {
        let refused = [
            "NOSCRIPT No matching script. Please use EVAL.",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "CROSSSLOT Keys in request don't hash to the same slot",
            "MOVED 3999 127.0.0.1:6381",
            "ERR Unexpected flag in script shebang: x",
            "ERR Can not execute a script with write flag using *_ro command.",
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
        ];
        for text in refused {
            let e = Error::from_reply_text(text);
            assert!(!e.may_have_run(), "{text}");
        }
        // What a script returns itself, after it may have written: `redis.error_reply("LIMITED ...")`,
        // or `redis.pcall(..)` of a command that failed (SINTERCARD's own refusal, here).
        for text in [
            "LIMITED too many requests",
            "ERR plain",
            "NOSCRIPT x",
            "ERR Number of keys can't be greater than number of args",
            "ERR This Redis command is not allowed from script",
        ] {
            let e = Error::from_reply_text(text);
            assert!(matches!(e, Error::Server(_)), "{text}");
            assert!(e.may_have_run(), "{text}");
        }
        let e = Error::from_reply_text(
            "ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        );
        assert!(e.may_have_run());
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

    #[test]
    fn text_without_a_code_gets_err() {
        let e = Error::from_reply_text("something odd");
        assert_eq!(e.code(), Some("ERR"));
        assert_eq!(e.to_string(), "server error ERR: something odd");
    }
}
