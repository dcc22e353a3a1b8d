//! One request to the REST API, body in and replies out: a single command at the base URL, or a batch
//! at `/pipeline` or `/multi-exec`.

use bytes::Bytes;

use super::decode;
use super::http::{Idempotence, Inner, Response, Route, Secrets};
use crate::{BatchReplies, Error, Reply, TransportError, TransportErrorKind};

/// POSTs one command (a JSON array) to the base URL and reads its reply.
pub(crate) async fn single(
    inner: &Inner,
    body: Bytes,
    idempotence: Idempotence,
    secrets: Secrets<'_>,
) -> Result<Reply, Error> {
    let response = inner
        .post(Route::Single, body, idempotence, secrets)
        .await?;
    match decode::single(&response.body, inner.encoding) {
        Ok(reply) => reply.map_err(|e| inner.redacted(e, secrets)),
        Err(e) => Err(body_error(inner, &response, e, secrets)),
    }
}

/// POSTs `count` commands (a JSON array of arrays) to `route` and reads one reply per command. A 400
/// is the error of the whole batch (a transaction refused as a whole).
pub(crate) async fn batch(
    inner: &Inner,
    route: Route,
    body: Bytes,
    count: usize,
    idempotence: Idempotence,
    secrets: Secrets<'_>,
) -> BatchReplies {
    let response = inner.post(route, body, idempotence, secrets).await?;
    if !response.status.is_success() {
        return match decode::error_message(&response.body) {
            Some(message) => Err(inner.redacted(Error::from_reply_text(&message), secrets)),
            None => Err(inner.bad_body(&response, "the REST API refused the batch", secrets)),
        };
    }
    let replies = decode::batch(&response.body, inner.encoding)
        .map_err(|e| body_error(inner, &response, e, secrets))?;
    if replies.len() != count {
        return Err(inner.bad_body(
            &response,
            "the batch reply has a different number of entries than commands sent",
            secrets,
        ));
    }
    if replies.iter().all(Result::is_ok) {
        return Ok(replies);
    }
    let values = secrets.values();
    Ok(replies
        .into_iter()
        .map(|reply| reply.map_err(|e| inner.redacted_with(e, &values)))
        .collect())
}

fn body_error(
    inner: &Inner,
    response: &Response,
    e: decode::BodyError,
    secrets: Secrets<'_>,
) -> Error {
    match e {
        decode::BodyError::NotJson => inner.bad_body(
            response,
            "the REST API sent a body that is not JSON",
            secrets,
        ),
        // The body is JSON from the server; only the shape is named, values could be user data.
        decode::BodyError::Shape(what) => Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            format!("{what} (HTTP {})", response.status),
            true,
        )),
    }
}
