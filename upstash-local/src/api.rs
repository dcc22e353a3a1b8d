//! The HTTP surface: routes, authentication, encoding and the sync token.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value as Json;

use crate::backend::{Backend, Transaction, Unreachable};
use crate::command::{self, Command};
use crate::config::Config;
use crate::error::{ApiError, json_response};
use crate::record::{RecordedRequest, RequestLog};
use crate::reply::{self, Encoding};

/// Header carrying the read-your-writes token, on requests and responses.
pub(crate) const SYNC_TOKEN: &str = "upstash-sync-token";

/// Request header asking for base64 strings in results.
const ENCODING: &str = "upstash-encoding";

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    token: String,
    record_requests: bool,
    max_body_bytes: usize,
    backend: Backend,
    log: RequestLog,
    /// Last sync token handed out; every response gets a larger one.
    sync_token: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("token", &"<redacted>")
            .field("record_requests", &self.record_requests)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("backend", &self.backend)
            .field("sync_token", &self.sync_token)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub(crate) fn new(config: &Config) -> redis::RedisResult<Self> {
        Ok(Self {
            shared: Arc::new(Shared {
                token: config.token.clone(),
                record_requests: config.record_requests,
                max_body_bytes: config.max_body_bytes,
                backend: Backend::new(config)?,
                log: RequestLog::new(config.request_log_capacity),
                sync_token: AtomicU64::new(0),
            }),
        })
    }

    pub(crate) fn log(&self) -> RequestLog {
        self.shared.log.clone()
    }
}

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", post(single))
        .route("/pipeline", post(pipeline))
        .route("/multi-exec", post(multi_exec));
    if state.shared.record_requests {
        router = router.route("/__requests", get(list_requests).delete(clear_requests));
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            stamp_sync_token,
        ))
        .with_state(state)
}

/// `POST /`: one command, answered `{"result": ..}` or 400 `{"error": ..}`.
async fn single(State(state): State<AppState>, request: Request) -> Response {
    let (headers, body) = match accept(&state, request).await {
        Ok(accepted) => accepted,
        Err(err) => return err.into_response(),
    };
    let command = match command::parse_single(&body) {
        Ok(command) => command,
        Err(err) => return ApiError::bad_request(err.0).into_response(),
    };
    if let Err(message) = command::check_allowed(&command) {
        return ApiError::bad_request(message).into_response();
    }
    match state.shared.backend.command(&command).await {
        Ok(redis::Value::ServerError(err)) => {
            ApiError::bad_request(reply::error_text(&err)).into_response()
        }
        Ok(value) => json_response(StatusCode::OK, reply::entry(value, encoding(&headers))),
        Err(err) => unreachable_response(err),
    }
}

/// `POST /pipeline`: commands in order, not atomic; a failing command is an
/// `{"error": ..}` entry inside a 200.
async fn pipeline(State(state): State<AppState>, request: Request) -> Response {
    let (headers, commands) = match accept_batch(&state, request).await {
        Ok(accepted) => accepted,
        Err(err) => return err.into_response(),
    };
    let encoding = encoding(&headers);
    let mut entries: Vec<Option<Json>> = vec![None; commands.len()];
    let (mut indices, mut to_send) = (Vec::new(), Vec::new());
    for (index, command) in commands.into_iter().enumerate() {
        match command::check_allowed(&command) {
            Ok(()) => {
                indices.push(index);
                to_send.push(command);
            }
            Err(message) => entries[index] = Some(serde_json::json!({ "error": message })),
        }
    }
    let values = match state.shared.backend.pipeline(&to_send).await {
        Ok(values) => values,
        Err(err) => return unreachable_response(err),
    };
    for (index, value) in indices.into_iter().zip(values) {
        entries[index] = Some(reply::entry(value, encoding));
    }
    json_response(
        StatusCode::OK,
        Json::Array(entries.into_iter().flatten().collect()),
    )
}

/// `POST /multi-exec`: commands in one `MULTI`/`EXEC`. A command that fails
/// while the others run is an `{"error": ..}` entry; a transaction Redis
/// refuses as a whole (nothing ran) is a single 400 `{"error": ..}`; one whose
/// MULTI Redis refused (its commands ran one by one) a 500 that says so.
async fn multi_exec(State(state): State<AppState>, request: Request) -> Response {
    let (headers, commands) = match accept_batch(&state, request).await {
        Ok(accepted) => accepted,
        Err(err) => return err.into_response(),
    };
    for command in &commands {
        if let Err(message) = command::check_allowed(command) {
            return ApiError::bad_request(format!(
                "EXECABORT Transaction discarded because of previous errors: {message}"
            ))
            .into_response();
        }
    }
    let encoding = encoding(&headers);
    match state.shared.backend.transaction(&commands).await {
        Ok(Transaction::Executed(values)) => json_response(
            StatusCode::OK,
            Json::Array(
                values
                    .into_iter()
                    .map(|v| reply::entry(v, encoding))
                    .collect(),
            ),
        ),
        Ok(Transaction::Rejected(message)) => ApiError::bad_request(message).into_response(),
        // The commands ran, one by one: not an answer of the transaction, and not nothing either.
        Ok(Transaction::NotAtomic(multi)) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Redis refused MULTI ({multi}), so the commands of the transaction ran one by one, \
                 not atomically"
            ),
        )
        .into_response(),
        Err(err) => unreachable_response(err),
    }
}

/// Any other path or method.
async fn not_found(State(state): State<AppState>, request: Request) -> Response {
    if let Err(err) = accept_body(&state, request).await {
        return err.into_response();
    }
    ApiError::new(StatusCode::NOT_FOUND, "Endpoint not found").into_response()
}

/// `GET /__requests` (only with request recording on): the request log as JSON. It holds request
/// bodies, so it asks for the same token as every other route.
async fn list_requests(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(err) = authorize(&state.shared.token, &headers) {
        return err.into_response();
    }
    match serde_json::to_value(state.shared.log.snapshot()) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(err) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
        }
    }
}

/// `DELETE /__requests` (only with request recording on): empties the log.
async fn clear_requests(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(err) = authorize(&state.shared.token, &headers) {
        return err.into_response();
    }
    state.shared.log.clear();
    json_response(StatusCode::OK, serde_json::json!({ "result": "OK" }))
}

/// Reads the body, then checks the bearer token.
async fn accept(state: &AppState, request: Request) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    let (headers, body) = accept_body(state, request).await?;
    authorize(&state.shared.token, &headers)?;
    Ok((headers, body))
}

async fn accept_batch(
    state: &AppState,
    request: Request,
) -> Result<(HeaderMap, Vec<Command>), ApiError> {
    let (headers, body) = accept(state, request).await?;
    let commands = command::parse_batch(&body).map_err(|err| ApiError::bad_request(err.0))?;
    Ok((headers, commands))
}

async fn accept_body(state: &AppState, request: Request) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read_body(state, body).await?;
    Ok((parts.headers, bytes.to_vec()))
}

async fn read_body(state: &AppState, body: Body) -> Result<Bytes, ApiError> {
    to_bytes(body, state.shared.max_body_bytes)
        .await
        .map_err(|err| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("ERR Request body could not be read: {err}"),
            )
        })
}

/// Missing or malformed `Authorization` is 400; a token that does not match is 401.
fn authorize(expected: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    let malformed = || ApiError::bad_request("Missing/Invalid authorization header");
    let value = headers.get(AUTHORIZATION).ok_or_else(malformed)?;
    let value = value.to_str().map_err(|_| malformed())?;
    let token = match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(malformed()),
    };
    if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn encoding(headers: &HeaderMap) -> Encoding {
    match headers.get(ENCODING).map(HeaderValue::as_bytes) {
        Some(value) if value.eq_ignore_ascii_case(b"base64") => Encoding::Base64,
        _ => Encoding::Utf8,
    }
}

fn unreachable_response(err: Unreachable) -> Response {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, err.0).into_response()
}

/// Puts a fresh `upstash-sync-token` on every response, errors included (tokens
/// increase in the order requests arrive), and records the exchange when asked to.
async fn stamp_sync_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let token = state.shared.sync_token.fetch_add(1, Ordering::SeqCst) + 1;
    let mut response = if state.shared.record_requests {
        record(&state, token, request, next).await
    } else {
        next.run(request).await
    };
    response
        .headers_mut()
        .insert(SYNC_TOKEN, HeaderValue::from(token));
    response
}

/// Runs the request with its body read up front, and logs it with its answer.
async fn record(state: &AppState, token: u64, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match read_body(state, body).await {
        Ok(bytes) => bytes,
        Err(err) => return err.into_response(),
    };
    let mut recorded = RecordedRequest::new(
        parts.method.as_str(),
        parts.uri.path(),
        &parts.headers,
        &bytes,
        token,
    );
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    recorded.status = response.status().as_u16();
    state.shared.log.push(recorded);
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        map
    }

    #[test]
    fn authorization_statuses() {
        assert!(authorize("t", &headers("Bearer t")).is_ok());
        assert!(authorize("t", &headers("bearer t")).is_ok());
        let wrong = authorize("t", &headers("Bearer x")).unwrap_err();
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let malformed = authorize("t", &headers("Basic t")).unwrap_err();
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        let missing = authorize("t", &HeaderMap::new()).unwrap_err();
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    }
}
