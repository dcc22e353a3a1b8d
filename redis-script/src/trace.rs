//! Spans of script calls and batches (feature `tracing`), after OpenTelemetry's database conventions.
//! What they carry is written down where users read it: [production](crate::production#tracing).

use std::sync::OnceLock;

use tracing::field::Empty;
use tracing::{Level, Span, debug_span};

use crate::label::Named;
use crate::{CommandName, Error, Reply};

/// The target of every span and event.
const TARGET: &str = "redis_script";

/// What names a function in its span: its library's name and version and its own name, where a
/// script is named by its name and SHA-1 (a function's SHA-1 would be its library's, shared by all).
#[derive(Clone, Copy)]
pub(crate) struct FunctionId<'a> {
    pub(crate) library: &'a str,
    pub(crate) version: Option<&'a str>,
    pub(crate) function: &'a str,
}

/// The span of one script or function call, at DEBUG.
///
/// What the call ends up doing (the command that ran, whether it fell back) is recorded once, when
/// the call ends or is dropped: every field holds one value, written once.
pub(crate) struct CallSpan<'s> {
    span: Span,
    first: CommandName,
    /// The script's name, else its SHA-1; a function's `library.function`.
    label: &'s str,
    /// The command sent after the first, when the server lacked the script (EVAL, EVAL_RO) or the
    /// function (the same FCALL, after FUNCTION LOAD).
    then: OnceLock<CommandName>,
}

impl<'s> CallSpan<'s> {
    /// The span of a script's call: named by the script's name and SHA-1.
    pub(crate) fn new(
        source: &'s impl Named,
        first: CommandName,
        server: Option<(&str, u16)>,
    ) -> CallSpan<'s> {
        CallSpan::open(source, None, first, server)
    }

    /// The span of a function's call: named by its library (name, version) and its own name.
    pub(crate) fn function(
        source: &'s impl Named,
        id: FunctionId<'_>,
        first: CommandName,
        server: Option<(&str, u16)>,
    ) -> CallSpan<'s> {
        CallSpan::open(source, Some(id), first, server)
    }

    fn open(
        source: &'s impl Named,
        function: Option<FunctionId<'_>>,
        first: CommandName,
        server: Option<(&str, u16)>,
    ) -> CallSpan<'s> {
        let label = source.name().unwrap_or(source.sha1());
        let script = function.is_none();
        let span = debug_span!(
            target: TARGET,
            "redis.script",
            otel.name = Empty,
            otel.kind = "client",
            otel.status_code = Empty,
            db.system.name = "redis",
            db.operation.name = Empty,
            db.query.summary = Empty,
            db.response.status_code = Empty,
            redis.script.name = source.name().filter(|_| script),
            redis.script.sha1 = script.then(|| source.sha1()),
            redis.library.name = function.map(|f| f.library),
            redis.library.version = function.and_then(|f| f.version),
            redis.function.name = function.map(|f| f.function),
            redis.script.fallback = Empty,
            redis.script.may_have_run = Empty,
            server.address = server.map(|(host, _)| host),
            server.port = server.map(|(_, port)| port),
            error.type = Empty,
        );
        CallSpan {
            span,
            first,
            label,
            then: OnceLock::new(),
        }
    }

    /// Runs the call inside the span, then records its outcome there. A combinator, not an `async
    /// fn`: the call's future is held once, not once as the argument and again while awaited (which
    /// doubled the size of every `exec` future).
    pub(crate) fn around<'c, T, F>(
        &'c self,
        call: F,
    ) -> impl std::future::Future<Output = Result<T, Error>> + 'c
    where
        F: std::future::Future<Output = Result<T, Error>> + 'c,
    {
        use futures_util::FutureExt as _;
        tracing::Instrument::instrument(call, self.span.clone())
            .inspect(move |result| self.finish(result))
    }

    /// The server did not have the script: `to` (EVAL, EVAL_RO) is sent.
    pub(crate) fn fallback(&self, to: CommandName) {
        let _ = self.then.set(to);
        // Inside the call's span, which is entered while the call runs.
        tracing::event!(
            target: TARGET,
            Level::DEBUG,
            db.operation.name = to.as_str(),
            "NOSCRIPT: the server does not have the script cached; sending it with {}",
            to.as_str()
        );
    }

    /// The server did not have the function: its library is loaded and the function called again.
    pub(crate) fn library_loaded(&self) {
        let _ = self.then.set(self.first);
        tracing::event!(
            target: TARGET,
            Level::DEBUG,
            db.operation.name = "FUNCTION LOAD",
            "Function not found: the server does not have the library; loading it with FUNCTION LOAD \
             and calling the function again"
        );
    }

    fn finish<T>(&self, result: &Result<T, Error>) {
        if let Err(error) = result {
            failed(&self.span, error);
        }
    }
}

impl Drop for CallSpan<'_> {
    /// The command that ran last names the span: `EVAL rate_limit` after a fallback.
    fn drop(&mut self) {
        if self.span.is_disabled() {
            return;
        }
        let operation = self.then.get().copied().unwrap_or(self.first).as_str();
        let label = self.label;
        self.span
            .record("otel.name", format_args!("{operation} {label}"));
        self.span
            .record("db.query.summary", format_args!("{operation} {label}"));
        self.span.record("db.operation.name", operation);
        self.span
            .record("redis.script.fallback", self.then.get().is_some());
    }
}

/// Records a failure on `span`.
fn failed(span: &Span, error: &Error) {
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error_type(error));
    if let Some(code) = error.code() {
        span.record("db.response.status_code", code);
    }
    span.record("redis.script.may_have_run", error.may_have_run());
}

/// A low-cardinality name of what went wrong: the server's error code, or the kind of failure.
fn error_type(error: &Error) -> &str {
    match error {
        Error::Server(e) => e.code(),
        Error::Script(e) => e.code(),
        Error::Decode(_) => "decode",
        Error::Transport(e) => match e.kind() {
            crate::TransportErrorKind::Connect => "connect",
            crate::TransportErrorKind::Timeout => "timeout",
            crate::TransportErrorKind::Io => "io",
            crate::TransportErrorKind::Unauthorized => "unauthorized",
            crate::TransportErrorKind::Protocol => "protocol",
            crate::TransportErrorKind::Config => "config",
        },
        Error::Batch(_) => "batch",
        Error::Preload(_) => "preload",
        Error::Arity(_) => "arity",
    }
}

/// The span of one batch, at DEBUG.
pub(crate) fn batch_span(atomic: bool, entries: usize, server: Option<(&str, u16)>) -> Span {
    let operation = if atomic { "MULTI" } else { "PIPELINE" };
    debug_span!(
        target: TARGET,
        "redis.batch",
        otel.name = operation,
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = "redis",
        db.operation.name = operation,
        db.operation.batch.size = entries,
        db.response.status_code = Empty,
        redis.script.may_have_run = Empty,
        server.address = server.map(|(host, _)| host),
        server.port = server.map(|(_, port)| port),
        error.type = Empty,
    )
}

/// Records how a batch ended: the batch's own failure on its span, and an event (at TRACE, below the
/// span) per script entry;
/// `script_of` names the script (or function) an entry calls, `None` for a command.
pub(crate) fn batch_finished<'s, S: Named + 's>(
    span: &Span,
    outcome: Result<&[Option<Result<Reply, Error>>], &Error>,
    script_of: impl Fn(usize) -> Option<&'s S>,
) {
    let slots = match outcome {
        Ok(slots) => slots,
        Err(error) => return failed(span, error),
    };
    if !tracing::enabled!(target: TARGET, Level::TRACE) {
        return;
    }
    for (position, slot) in slots.iter().enumerate() {
        let Some(source) = script_of(position) else {
            continue;
        };
        let error = match slot {
            Some(Err(error)) => Some(error),
            _ => None,
        };
        // A function's label is `library.function`: neither name holds a dot.
        let function = source
            .is_function()
            .then(|| source.name().and_then(|name| name.split_once('.')))
            .flatten();
        let script = function.is_none();
        span.in_scope(|| {
            tracing::event!(
                target: TARGET,
                Level::TRACE,
                redis.batch.entry = position,
                redis.script.name = source.name().filter(|_| script),
                redis.script.sha1 = script.then(|| source.sha1()),
                redis.library.name = function.map(|(library, _)| library),
                redis.function.name = function.map(|(_, function)| function),
                error.type = error.map(error_type),
                redis.script.may_have_run = error.map(Error::may_have_run),
                "{} entry {}",
                if script { "script" } else { "function" },
                if error.is_some() { "failed" } else { "ran" }
            );
        });
    }
}
