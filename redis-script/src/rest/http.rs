//! One HTTP exchange with the REST API: headers, the read-your-writes token, retries, and the
//! classification of failures into [`Error`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use super::RetryPolicy;
use super::auto::{AutoPipeline, Queue};
use super::decode::Encoding;
use super::http1;
use crate::{BatchCommand, Command, CommandName, Error, TransportError, TransportErrorKind};

/// The header that carries the read-your-writes position, in both directions.
pub(crate) const SYNC_TOKEN: HeaderName = HeaderName::from_static("upstash-sync-token");
const ENCODING: HeaderName = HeaderName::from_static("upstash-encoding");

/// Longest excerpt of an unexpected body kept in an error message.
const EXCERPT_CHARS: usize = 200;

/// How much of an unexpected body is searched for secrets; the excerpt comes from this prefix only, so
/// a huge body costs no more than this.
const EXCERPT_SCAN_BYTES: usize = 4 * 1024;

/// Secrets shorter than this are left in excerpts: replacing every `e` or `1` would shred the text
/// (and cut longer secrets apart) while hiding nothing worth hiding.
const MIN_REDACTED_LEN: usize = 4;

/// Lines of a script shorter than this are left in excerpts (`end`, `else`, `return x`): they are
/// in every script, and hide nothing.
const MIN_REDACTED_LINE_LEN: usize = 12;

/// The routes of the REST API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// One command, at the base URL.
    Single,
    /// `/pipeline`.
    Pipeline,
    /// `/multi-exec`.
    MultiExec,
}

/// The values of a request that no error message may contain (besides the token), collected only
/// when an error message is written: keys, arguments, command words, and the text of every script
/// and library the request carries (EVAL, SCRIPT LOAD, FUNCTION LOAD: often business logic).
#[derive(Clone, Copy)]
pub(crate) enum Secrets<'a> {
    /// One script command: its keys and arguments, and its script text when it is EVAL / EVAL_RO.
    Command(Command<'a>),
    /// The keys, arguments, words and script texts of every command of a batch.
    Batch(&'a [BatchCommand<'a>]),
    /// Script commands already written as JSON arrays (`[name, body, numkeys, keys.., args..]`): their
    /// keys, arguments and script texts, read back from the JSON when an error message is written.
    Bodies(&'a [bytes::Bytes]),
}

impl<'a> Secrets<'a> {
    /// The keys, arguments and words.
    pub(crate) fn values(self) -> Vec<Cow<'a, [u8]>> {
        match self {
            Secrets::Command(c) => c
                .keys()
                .iter()
                .chain(c.args().iter())
                .map(Cow::Borrowed)
                .collect(),
            Secrets::Batch(commands) => commands
                .iter()
                .flat_map(|command| match command {
                    BatchCommand::Script(c) => c.keys().iter().chain(c.args().iter()).collect(),
                    BatchCommand::Raw(words) => words.iter().collect(),
                    _ => Vec::new(),
                })
                .map(Cow::Borrowed)
                .collect(),
            Secrets::Bodies(bodies) => bodies
                .iter()
                .filter_map(|body| serde_json::from_slice::<Vec<serde_json::Value>>(body).ok())
                .flat_map(|words| {
                    words
                        .into_iter()
                        .skip(3)
                        .filter_map(|word| match word {
                            serde_json::Value::String(s) => Some(Cow::Owned(s.into_bytes())),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        }
    }

    /// The texts of the scripts and libraries the request carries.
    fn scripts(self) -> Vec<Cow<'a, str>> {
        let sends_text =
            |name: CommandName| matches!(name, CommandName::Eval | CommandName::EvalRo);
        match self {
            Secrets::Command(c) => match sends_text(c.name()) {
                true => vec![Cow::Borrowed(c.body())],
                false => Vec::new(),
            },
            Secrets::Batch(commands) => commands
                .iter()
                .filter_map(|command| match command {
                    BatchCommand::Script(c) if sends_text(c.name()) => Some(c.body()),
                    BatchCommand::Load(text) | BatchCommand::LoadLibrary(text) => Some(*text),
                    _ => None,
                })
                .map(Cow::Borrowed)
                .collect(),
            Secrets::Bodies(bodies) => bodies
                .iter()
                .filter_map(|body| serde_json::from_slice::<Vec<serde_json::Value>>(body).ok())
                .filter_map(|words| match (words.first(), words.get(1)) {
                    (
                        Some(serde_json::Value::String(name)),
                        Some(serde_json::Value::String(text)),
                    ) if name.eq_ignore_ascii_case("EVAL")
                        || name.eq_ignore_ascii_case("EVAL_RO") =>
                    {
                        Some(Cow::Owned(text.clone()))
                    }
                    _ => None,
                })
                .collect(),
        }
    }
}

/// May a failed request be sent again? Decided per request by what it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// EVAL_RO / EVALSHA_RO: the server refuses writes, so running it twice changes nothing.
    ReadOnly,
    /// Anything that may write: sent again only when it certainly was not sent.
    MayWrite,
}

impl Idempotence {
    /// `ReadOnly` for what can not write.
    pub(crate) fn of(read_only: bool) -> Self {
        if read_only {
            Idempotence::ReadOnly
        } else {
            Idempotence::MayWrite
        }
    }
}

/// A response whose status and body are read in full.
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

/// What requests go out through.
pub(crate) enum Http {
    /// The client's own keep-alive HTTP/1.1 connections, driven by the calling task.
    Own(http1::Pool),
    /// A `reqwest` client: the application's own, or the one built when the environment names a proxy.
    Reqwest(reqwest::Client),
}

/// The shared state of an [`Upstash`](super::Upstash) client and its clones.
pub(crate) struct Inner {
    http: Http,
    /// The base URL, where single commands go.
    single: Url,
    pipeline: Url,
    multi_exec: Url,
    /// The paths of the three routes, as the own connections send them.
    paths: [hyper::Uri; 3],
    auth: HeaderValue,
    timeout: Option<Duration>,
    read_your_writes: bool,
    pub(crate) encoding: Encoding,
    retry: RetryPolicy,
    sync_token: Mutex<Option<HeaderValue>>,
    auto_pipeline: Option<Queue>,
}

/// The options of a client, as its builder checked them.
pub(crate) struct Settings {
    pub(crate) timeout: Option<Duration>,
    pub(crate) read_your_writes: bool,
    pub(crate) encoding: Encoding,
    pub(crate) retry: RetryPolicy,
    pub(crate) auto_pipeline: Option<AutoPipeline>,
}

impl Inner {
    /// The client's state; `Err` when a route's path is no valid request target (which a parsed URL's
    /// path always is).
    pub(crate) fn new(
        http: Http,
        url: Url,
        auth: HeaderValue,
        settings: Settings,
    ) -> Result<Self, String> {
        let single = route_url(&url, None);
        let pipeline = route_url(&url, Some("pipeline"));
        let multi_exec = route_url(&url, Some("multi-exec"));
        let path = |url: &Url| {
            hyper::Uri::try_from(url.path())
                .map_err(|_| "has a path that can not be sent".to_owned())
        };
        Ok(Inner {
            http,
            paths: [path(&single)?, path(&pipeline)?, path(&multi_exec)?],
            single,
            pipeline,
            multi_exec,
            auth,
            timeout: settings.timeout,
            read_your_writes: settings.read_your_writes,
            encoding: settings.encoding,
            retry: settings.retry,
            sync_token: Mutex::new(None),
            auto_pipeline: settings.auto_pipeline.map(Queue::new),
        })
    }

    /// The host and port of the endpoint (the scheme's default port when the URL names none).
    pub(crate) fn server_address(&self) -> Option<(&str, u16)> {
        Some((
            self.single.host_str()?,
            self.single.port_or_known_default()?,
        ))
    }

    /// The queue of auto-pipelined commands, when the client gathers them.
    pub(crate) fn auto_pipeline(&self) -> Option<&Queue> {
        self.auto_pipeline.as_ref()
    }

    fn url(&self, route: Route) -> &Url {
        match route {
            Route::Single => &self.single,
            Route::Pipeline => &self.pipeline,
            Route::MultiExec => &self.multi_exec,
        }
    }

    /// The path of `route`, as a request on the own connections names it.
    fn path(&self, route: Route) -> &hyper::Uri {
        let [single, pipeline, multi_exec] = &self.paths;
        match route {
            Route::Single => single,
            Route::Pipeline => pipeline,
            Route::MultiExec => multi_exec,
        }
    }

    /// POSTs `body` to `route`, sending it again only as `idempotence` and the retry policy allow.
    /// `secrets` are the values no error message may contain (keys, arguments); the token is added here.
    pub(crate) async fn post(
        &self,
        route: Route,
        body: Bytes,
        idempotence: Idempotence,
        secrets: Secrets<'_>,
    ) -> Result<Response, Error> {
        let mut retry = 0;
        let response = loop {
            // Cloning `Bytes` shares the buffer; the URL was parsed once, when the client was built.
            let outcome = self.attempt(route, body.clone()).await;
            let again = retry < self.retry.max_retries
                && match &outcome {
                    Ok(response) => {
                        idempotence == Idempotence::ReadOnly && is_transient(response.status)
                    }
                    Err(failure) => {
                        failure.kind == TransportErrorKind::Connect
                            || (idempotence == Idempotence::ReadOnly
                                && failure.kind != TransportErrorKind::Config)
                    }
                };
            if !again {
                break outcome.map_err(|failure| failure.into_error(retry + 1))?;
            }
            tokio::time::sleep(self.retry.backoff(retry)).await;
            retry += 1;
        };
        self.check_status(response, secrets)
    }

    /// Keeps 2xx and 400 (whose body carries the server's error reply); turns any other status into an
    /// error.
    fn check_status(&self, response: Response, secrets: Secrets<'_>) -> Result<Response, Error> {
        let status = response.status;
        if status.is_success() || status == StatusCode::BAD_REQUEST {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Unauthorized,
                format!(
                    "the REST API refused the token (HTTP 401); check {}",
                    super::TOKEN_ENV
                ),
                false,
            )));
        }
        // A redirect or a 4xx means the request was refused as a whole; a 5xx may come after the command
        // ran.
        let may_have_run = status.is_server_error();
        Err(Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            format!(
                "HTTP {status} from the REST API: {}",
                self.excerpt(&response.body, secrets)
            ),
            may_have_run,
        )))
    }

    /// A protocol error for a body that could not be read, with the status and a bounded excerpt.
    pub(crate) fn bad_body(&self, response: &Response, what: &str, secrets: Secrets<'_>) -> Error {
        Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            format!(
                "{what} (HTTP {}): {}",
                response.status,
                self.excerpt(&response.body, secrets)
            ),
            true,
        ))
    }

    /// One try: send, record the sync token, read the whole body.
    async fn attempt(&self, route: Route, body: Bytes) -> Result<Response, Failure> {
        // Both paths need a Tokio runtime (reqwest panics without one; the own connections are kept
        // per runtime).
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(Failure::no_runtime());
        };
        let (status, token, body) = match &self.http {
            Http::Own(pool) => self.attempt_own(pool, route, body, runtime.id()).await?,
            Http::Reqwest(client) => self.attempt_reqwest(client, route, body).await?,
        };
        if let Some(token) = token.filter(|_| self.read_your_writes) {
            self.set_sync_token(token);
        }
        Ok(Response { status, body })
    }

    /// The headers every request carries: token, type, encoding, read-your-writes position.
    fn headers(&self, headers: &mut HeaderMap) {
        headers.insert(AUTHORIZATION, self.auth.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.encoding == Encoding::Base64 {
            headers.insert(ENCODING, HeaderValue::from_static("base64"));
        }
        if let Some(token) = self.sync_token().filter(|_| self.read_your_writes) {
            headers.insert(SYNC_TOKEN, token);
        }
    }

    /// One try on the own connections: status, sync token, body.
    async fn attempt_own(
        &self,
        pool: &http1::Pool,
        route: Route,
        body: Bytes,
        runtime: tokio::runtime::Id,
    ) -> Result<(StatusCode, Option<HeaderValue>, Bytes), Failure> {
        let mut request = hyper::Request::new(http_body_util::Full::new(body));
        *request.method_mut() = hyper::Method::POST;
        *request.uri_mut() = self.path(route).clone();
        self.headers(request.headers_mut());
        let mut reply = pool.send(request, self.timeout, runtime).await?;
        Ok((reply.status, reply.headers.remove(SYNC_TOKEN), reply.body))
    }

    /// One try through `reqwest`: status, sync token, body.
    async fn attempt_reqwest(
        &self,
        client: &reqwest::Client,
        route: Route,
        body: Bytes,
    ) -> Result<(StatusCode, Option<HeaderValue>, Bytes), Failure> {
        let mut headers = HeaderMap::new();
        self.headers(&mut headers);
        let mut request = client.post(self.url(route).clone()).headers(headers);
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        let response = request.body(body).send().await.map_err(Failure::from)?;
        let status = response.status();
        let token = response.headers().get(SYNC_TOKEN).cloned();
        let body = response.bytes().await.map_err(Failure::from)?;
        Ok((status, token, body))
    }

    /// The latest sync token received, if any.
    pub(crate) fn sync_token(&self) -> Option<HeaderValue> {
        match self.sync_token.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Keeps the newer of the stored token and `token`. Responses to concurrent requests can arrive
    /// out of order; when both tokens are unsigned integers (positions, as Upstash sends them) the larger
    /// one wins, so an older answer never moves the position back. Other tokens: the last one received.
    fn set_sync_token(&self, token: HeaderValue) {
        let mut guard = match self.sync_token.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let keep_stored = guard
            .as_ref()
            .and_then(|stored| {
                Some(compare_positions(stored.as_bytes(), token.as_bytes())?.is_gt())
            })
            .unwrap_or(false);
        if !keep_stored {
            *guard = Some(token);
        }
    }

    /// At most [`EXCERPT_CHARS`] characters from the start of `body`, on one line, with the token and
    /// every secret replaced, so that an echoing proxy can not leak them into an error.
    ///
    /// Only the first [`EXCERPT_SCAN_BYTES`] are looked at. The token goes first, then the secrets
    /// longest first, each also in its JSON-escaped form; a secret shorter than [`MIN_REDACTED_LEN`]
    /// bytes is shown as it is. A secret cut off by the end of the scanned prefix is cut from the
    /// excerpt too.
    /// The REST token, as the `Authorization` header carries it.
    fn token(&self) -> &str {
        self.auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
    }

    /// `e`, an error whose text came from the REST API, without the token and `secrets`' values
    /// where it echoes them (a gateway in front of the API may answer with the request it got). A
    /// batch's error is redacted with every value of the batch: with auto-pipelining it goes to
    /// every caller whose command the request carried.
    pub(crate) fn redacted(&self, e: Error, secrets: Secrets<'_>) -> Error {
        if !matches!(e, Error::Server(_) | Error::Script(_)) {
            return e;
        }
        self.redacted_with(e, &secrets.values())
    }

    /// [`redacted`](Self::redacted) with the values read once, for the errors of a batch.
    pub(crate) fn redacted_with(&self, e: Error, values: &[Cow<'_, [u8]>]) -> Error {
        let token = self.token().as_bytes();
        e.redacted(
            values
                .iter()
                .map(|v| &**v)
                .chain((!token.is_empty()).then_some(token)),
        )
    }

    fn excerpt(&self, body: &[u8], secrets: Secrets<'_>) -> String {
        let mut end = body.len().min(EXCERPT_SCAN_BYTES);
        // Back to a UTF-8 character boundary (at most three continuation bytes).
        while end < body.len() && end > 0 && body[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        let truncated = end < body.len();
        let mut text = String::from_utf8_lossy(&body[..end]).into_owned();

        let token = self.token();
        let values = secrets.values();
        let scripts = secrets.scripts();
        // A script whole, and each of its lines, for an echo that shows only part of it.
        let script_lines = scripts.iter().flat_map(|script| {
            std::iter::once(&**script).chain(
                script
                    .lines()
                    .map(str::trim)
                    .filter(|line| line.len() >= MIN_REDACTED_LINE_LEN),
            )
        });
        let mut values: Vec<&str> = values
            .iter()
            .filter_map(|s| std::str::from_utf8(s).ok())
            .filter(|s| s.len() >= MIN_REDACTED_LEN)
            .chain(script_lines)
            .collect();
        values.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut needles: Vec<String> = Vec::with_capacity(2 * values.len() + 2);
        for value in [token].into_iter().chain(values) {
            if value.is_empty() {
                continue;
            }
            needles.push(value.to_owned());
            if let Some(escaped) = json_escaped(value).filter(|e| e != value) {
                needles.push(escaped);
            }
        }
        for needle in &needles {
            if text.contains(needle.as_str()) {
                text = text.replace(needle.as_str(), "<redacted>");
            }
        }
        if truncated {
            let cut = needles
                .iter()
                .filter_map(|needle| partial_at_end(&text, needle))
                .min();
            if let Some(cut) = cut {
                text.truncate(cut);
            }
        }

        let mut excerpt: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(EXCERPT_CHARS)
            .collect();
        if truncated || text.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push_str("...");
        }
        if excerpt.trim().is_empty() {
            excerpt = "empty body".to_owned();
        }
        excerpt
    }
}

/// `value` as it appears inside a JSON string (escaped, without the quotes).
fn json_escaped(value: &str) -> Option<String> {
    let quoted = serde_json::to_string(value).ok()?;
    Some(quoted.get(1..quoted.len().saturating_sub(1))?.to_owned())
}

/// Where a proper start of `needle` ends `text`, if it does: the start of that tail.
fn partial_at_end(text: &str, needle: &str) -> Option<usize> {
    let from = text.len().saturating_sub(needle.len().saturating_sub(1));
    (from..text.len())
        .filter(|&at| text.is_char_boundary(at))
        .find(|&at| needle.as_bytes().starts_with(&text.as_bytes()[at..]))
}

/// Compares two sync tokens as unsigned integers of any length; `None` when either is not one.
fn compare_positions(a: &[u8], b: &[u8]) -> Option<std::cmp::Ordering> {
    fn digits(v: &[u8]) -> Option<&[u8]> {
        if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let zeros = v.iter().take_while(|&&d| d == b'0').count();
        Some(&v[zeros..])
    }
    let (a, b) = (digits(a)?, digits(b)?);
    Some(a.len().cmp(&b.len()).then_with(|| a.cmp(b)))
}

/// `base` with its path ending in `route` (`pipeline`, `multi-exec`), or the base itself, without a
/// trailing slash (as the official SDKs send it).
fn route_url(base: &Url, route: Option<&str>) -> Url {
    let path = base.path().trim_end_matches('/');
    let path = match route {
        Some(route) => format!("{path}/{route}"),
        None if path.is_empty() => "/".to_owned(),
        None => path.to_owned(),
    };
    let mut url = base.clone();
    url.set_path(&path);
    url
}

/// `scheme://host[:port]/path` of `url`: never user info, query or fragment.
pub(crate) fn shown_url(url: &Url) -> String {
    // What parses as another scheme may be a user and password without one (`default:TOKEN@host`
    // reads as scheme `default`, path `TOKEN@host`): nothing of it is shown.
    let host = match url.host_str() {
        Some(host) if matches!(url.scheme(), "https" | "http") && !host.is_empty() => host,
        _ => return "<not an http(s) URL>".to_owned(),
    };
    match url.port() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstash")
            .field("url", &shown_url(&self.single))
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("read_your_writes", &self.read_your_writes)
            .field("base64", &(self.encoding == Encoding::Base64))
            .field("retry", &self.retry)
            .field(
                "auto_pipeline",
                &self.auto_pipeline.as_ref().map(Queue::config),
            )
            .finish()
    }
}

/// Statuses after which a read-only request is worth sending again.
fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// A failed try, classified; it becomes an [`Error`] once no retry follows.
struct Failure {
    kind: TransportErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// What failed, when the kind alone does not say it.
    what: Option<&'static str>,
}

impl From<http1::Failure> for Failure {
    fn from(failure: http1::Failure) -> Self {
        let (kind, source) = match failure {
            http1::Failure::Connect(source) => (TransportErrorKind::Connect, source),
            http1::Failure::Timeout(source) => (TransportErrorKind::Timeout, source),
            http1::Failure::Exchange(source) => (TransportErrorKind::Io, source),
        };
        Failure {
            kind,
            source: Some(source),
            what: None,
        }
    }
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_builder() {
            TransportErrorKind::Config
        } else if e.is_connect() {
            TransportErrorKind::Connect
        } else if e.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Io
        };
        // The URL is no secret, but a user may have put one in it: keep it out of every message.
        Failure {
            kind,
            source: Some(Box::new(e.without_url())),
            what: None,
        }
    }
}

impl Failure {
    /// The call was made outside a Tokio runtime, which both paths need: nothing was sent.
    fn no_runtime() -> Failure {
        Failure {
            kind: TransportErrorKind::Config,
            source: None,
            what: Some(
                "the request was not sent: the REST client runs on a Tokio runtime, and the call \
                 was made outside one",
            ),
        }
    }

    fn into_error(self, tries: u32) -> Error {
        let what = self.what.unwrap_or(match self.kind {
            TransportErrorKind::Connect => "the Upstash REST API could not be reached",
            TransportErrorKind::Timeout => "no reply from the Upstash REST API in time",
            TransportErrorKind::Config => "the request could not be built",
            _ => "the connection to the Upstash REST API failed",
        });
        let message = if tries > 1 {
            format!("{what} ({tries} tries)")
        } else {
            what.to_owned()
        };
        let may_have_run = !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Config
        );
        let error = TransportError::new(self.kind, message, may_have_run);
        Error::Transport(match self.source {
            Some(source) => error.with_source(source),
            None => error,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ArgList;
    use crate::rest::Upstash;

    const TOKEN: &str = "AXsBearerT0kenWithManyLetters";

    fn client() -> Upstash {
        Upstash::new("http://127.0.0.1:1/base/", TOKEN).unwrap()
    }

    /// No run of four bytes of `secret` (raw or JSON-escaped) is in `text`.
    fn assert_no_piece_of(text: &str, secret: &str) {
        for form in [secret.to_owned(), json_escaped(secret).unwrap()] {
            for (at, _) in form.char_indices() {
                if let Some(piece) = form.get(at..at + 4) {
                    assert!(!text.contains(piece), "{piece:?} of {secret:?} in {text}");
                }
            }
        }
    }

    /// An EVALSHA of `return 1` with these keys and arguments.
    fn evalsha<'a>(keys: crate::Values<'a>, args: crate::Values<'a>) -> Command<'a> {
        Command::new(
            CommandName::EvalSha,
            "return 1",
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
            keys,
            args,
        )
    }

    #[test]
    fn the_text_of_a_script_is_redacted_whole_and_line_by_line() {
        let upstash = client();
        let script = "-- pricing rules\nlocal discount = tonumber(ARGV[1]) * 0.15\nif discount > 10 then\n  return redis.call('SET', KEYS[1], discount)\nend\nreturn 0";
        let none = ArgList::default();
        let eval = Command::new(
            CommandName::Eval,
            script,
            "sha",
            none.values(),
            none.values(),
        );
        // The whole request echoed, raw and JSON-escaped; and an echo cut after its third line.
        let echoed = serde_json::to_string(&["EVAL", script, "0"]).unwrap();
        let cut: String = script.lines().take(3).collect::<Vec<_>>().join("\n");
        for body in [
            format!("502 Bad Gateway: {echoed}"),
            format!("proxy error, request: {script} (end)"),
            format!("upstream said: {cut}... [truncated] at line 3"),
        ] {
            let text = upstash
                .inner
                .excerpt(body.as_bytes(), Secrets::Command(eval));
            for line in script
                .lines()
                .map(str::trim)
                .filter(|l| l.len() >= MIN_REDACTED_LINE_LEN)
            {
                assert!(!text.contains(line), "{line:?} in {text}");
            }
            assert!(
                !text.contains("pricing rules") && !text.contains("tonumber"),
                "{text}"
            );
            assert!(text.contains("<redacted>"), "{text}");
        }
        // SCRIPT LOAD and FUNCTION LOAD in a batch: their texts too.
        let commands = [
            BatchCommand::Load(script),
            BatchCommand::LoadLibrary(
                "#!lua name=pricing_v2_secret\nredis.register_function('f', function() return 1 end)",
            ),
        ];
        let body = serde_json::to_string(&[
            ["SCRIPT", "LOAD", script],
            ["FUNCTION", "LOAD", "#!lua name=pricing_v2_secret"],
        ])
        .unwrap();
        let text = upstash
            .inner
            .excerpt(body.as_bytes(), Secrets::Batch(&commands));
        assert!(!text.contains("pricing"), "{text}");
    }

    #[test]
    fn short_secrets_do_not_cut_the_token_apart() {
        let upstash = client();
        let keys = ArgList::new(&["e", "key-s3cr3t"]);
        let args = ArgList::new(&("ar", "r", "a", "T", "s3cr3t \"quoted\"", "Bearer"));
        let body = format!(
            "502 Bad Gateway: Authorization: Bearer {TOKEN} body {}",
            serde_json::to_string(&[
                "EVAL",
                "return 1",
                "2",
                "e",
                "key-s3cr3t",
                "ar",
                "r",
                "a",
                "T",
                "s3cr3t \"quoted\"",
                "Bearer"
            ])
            .unwrap()
        );
        let text = upstash.inner.excerpt(
            body.as_bytes(),
            Secrets::Command(evalsha(keys.values(), args.values())),
        );
        assert_no_piece_of(&text, TOKEN);
        assert_no_piece_of(&text, "key-s3cr3t");
        assert_no_piece_of(&text, "s3cr3t \"quoted\"");
        assert!(!text.contains("Bearer\""), "{text}");
        // The short ones stay: they are no secret worth shredding the text for.
        assert!(
            text.contains(r#""e","<redacted>","ar","r","a","T""#),
            "{text}"
        );
    }

    #[test]
    fn only_a_bounded_prefix_is_read_and_a_secret_cut_by_its_end_is_cut_too() {
        let upstash = client();
        let secret: String = (0..6000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let args = ArgList::new(&[secret.as_str()]);
        let empty = ArgList::default();
        let secrets = Secrets::Command(evalsha(empty.values(), args.values()));
        let body = format!("head {secret} tail");
        let text = upstash.inner.excerpt(body.as_bytes(), secrets);
        assert_eq!(text, "head ...");
        // A multi-byte character straddling the scan limit is not split into garbage.
        let body = format!("{}é{}", "x".repeat(EXCERPT_SCAN_BYTES - 1), "y".repeat(10));
        let text = upstash.inner.excerpt(body.as_bytes(), secrets);
        assert!(
            !text.contains('\u{FFFD}') && text.ends_with("..."),
            "{text}"
        );
        // The token at the very end of a huge body is never reached.
        let body = format!("{} {TOKEN}", "z".repeat(10 << 20));
        let text = upstash.inner.excerpt(body.as_bytes(), secrets);
        assert!(!text.contains(TOKEN) && text.len() < 300, "{text}");
    }

    #[test]
    fn the_larger_numeric_sync_token_wins_otherwise_the_latest() {
        let upstash = client();
        let set = |v: &str| {
            upstash
                .inner
                .set_sync_token(HeaderValue::from_str(v).unwrap())
        };
        let got = || upstash.sync_token().unwrap();
        set("17");
        set("9");
        assert_eq!(got(), "17");
        set("100000000000000000000000000000");
        set("99999999999999999999999999999");
        assert_eq!(got(), "100000000000000000000000000000");
        set("opaque");
        assert_eq!(got(), "opaque");
        set("3");
        assert_eq!(got(), "3");
        assert_eq!(
            compare_positions(b"007", b"7"),
            Some(std::cmp::Ordering::Equal)
        );
        assert_eq!(compare_positions(b"", b"7"), None);
        assert_eq!(compare_positions(b"-1", b"7"), None);
    }

    #[test]
    fn route_urls_are_built_once_below_the_base_path() {
        let upstash = client();
        assert_eq!(
            upstash.inner.url(Route::Single).as_str(),
            "http://127.0.0.1:1/base"
        );
        assert_eq!(
            upstash.inner.url(Route::Pipeline).as_str(),
            "http://127.0.0.1:1/base/pipeline"
        );
        assert_eq!(
            upstash.inner.url(Route::MultiExec).as_str(),
            "http://127.0.0.1:1/base/multi-exec"
        );
        let root = Upstash::new("http://127.0.0.1:1", TOKEN).unwrap();
        assert_eq!(
            root.inner.url(Route::Single).as_str(),
            "http://127.0.0.1:1/"
        );
        assert_eq!(
            root.inner.url(Route::Pipeline).as_str(),
            "http://127.0.0.1:1/pipeline"
        );
    }
}
