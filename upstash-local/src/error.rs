//! Answers that are not a command's result: `{"error": ..}` with a status code.

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

/// An HTTP error answer; the message is never base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400: a malformed request, or a command that Redis answered with an error.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, serde_json::json!({ "error": self.message }))
    }
}

/// A JSON body with `status`.
pub(crate) fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let text = body.to_string();
    (status, [(CONTENT_TYPE, "application/json")], text).into_response()
}
