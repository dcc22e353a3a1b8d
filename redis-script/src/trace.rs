//! Spans of script calls and batches (feature `tracing`), after OpenTelemetry's database conventions.
//! What they carry is written down where users read it: [production](crate::production#tracing).

use tracing::field::Empty;
use tracing::{Span, info_span};

use crate::label::Named;
use crate::{CommandName, Error, Reply};

/// The target of every span and event.
const TARGET: &str = "redis_script";

/// The span of one script call.
pub(crate) struct CallSpan {
    span: Span,
}

impl CallSpan {
    pub(crate) fn new(
        source: &impl Named,
        first: CommandName,
        server: Option<(&str, u16)>,
    ) -> CallSpan {
        let label = source.name().unwrap_or(source.sha1());
        let span = info_span!(
            target: TARGET,
            "redis.script",
            otel.name = format_args!("{} {label}", first.as_str()),
            otel.kind = "client",
            otel.status_code = Empty,
            db.system.name = "redis",
            db.operation.name = first.as_str(),
            db.query.summary = format_args!("{} {label}", first.as_str()),
            db.response.status_code = Empty,
            redis.script.name = source.name(),
            redis.script.sha1 = source.sha1(),
            redis.script.fallback = false,
            redis.script.may_have_run = Empty,
            server.address = server.map(|(host, _)| host),
            server.port = server.map(|(_, port)| port),
            error.type = Empty,
        );
        CallSpan { span }
    }

    /// Runs the call inside the span, then records its outcome there. A combinator, not an `async
    /// fn`: the call's future is held once, not once as the argument and again while awaited (which
    /// doubled the size of every `exec` future).
    pub(crate) fn around<'s, T, F>(
        &'s self,
        call: F,
    ) -> impl std::future::Future<Output = Result<T, Error>> + 's
    where
        F: std::future::Future<Output = Result<T, Error>> + 's,
    {
        use futures_util::FutureExt as _;
        tracing::Instrument::instrument(call, self.span.clone())
            .inspect(move |result| self.finish(result))
    }

    /// The server did not have the script: `to` (EVAL, EVAL_RO) is sent.
    pub(crate) fn fallback(&self, to: CommandName) {
        self.span.record("db.operation.name", to.as_str());
        self.span.record("redis.script.fallback", true);
        // Inside the call's span, which is entered while the call runs.
        tracing::event!(
            target: TARGET,
            tracing::Level::INFO,
            db.operation.name = to.as_str(),
            "NOSCRIPT: the server does not have the script cached; sending it with {}",
            to.as_str()
        );
    }

    /// The server did not have the function: its library is loaded and the function called again.
    pub(crate) fn library_loaded(&self) {
        self.span.record("redis.script.fallback", true);
        tracing::event!(
            target: TARGET,
            tracing::Level::INFO,
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

/// The span of one batch.
pub(crate) fn batch_span(atomic: bool, entries: usize, server: Option<(&str, u16)>) -> Span {
    let operation = if atomic { "MULTI" } else { "PIPELINE" };
    info_span!(
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

/// Records how a batch ended: the batch's own failure on its span, and an event per script entry;
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
    for (position, slot) in slots.iter().enumerate() {
        let Some(source) = script_of(position) else {
            continue;
        };
        let error = match slot {
            Some(Err(error)) => Some(error),
            _ => None,
        };
        span.in_scope(|| {
            tracing::event!(
                target: TARGET,
                tracing::Level::INFO,
                redis.batch.entry = position,
                redis.script.name = source.name(),
                redis.script.sha1 = source.sha1(),
                error.type = error.map(error_type),
                redis.script.may_have_run = error.map(Error::may_have_run),
                "{} entry {}",
                if source.is_function() { "function" } else { "script" },
                if error.is_some() { "failed" } else { "ran" }
            );
        });
    }
}
