//! A bounded log of received requests, so tests can see what a client sent
//! (its `upstash-sync-token` above all) without a proxy in between.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::HeaderMap;
use serde::Serialize;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request path, e.g. `/pipeline`.
    pub path: String,
    /// Headers by lowercase name, in arrival order; `authorization` is left out.
    pub headers: Vec<(String, String)>,
    /// The `upstash-sync-token` request header, if the client sent one.
    pub sync_token: Option<String>,
    /// The `upstash-sync-token` the server put on this request's response.
    pub response_sync_token: String,
    /// The HTTP status of the response.
    pub status: u16,
    /// The body, parsed as JSON when it is JSON, else as lossy UTF-8 text.
    pub body: serde_json::Value,
}

impl RecordedRequest {
    pub(crate) fn new(
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        response_sync_token: u64,
    ) -> Self {
        let headers: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| *name != axum::http::header::AUTHORIZATION)
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let sync_token = headers
            .iter()
            .find(|(name, _)| name == crate::api::SYNC_TOKEN)
            .map(|(_, value)| value.clone());
        let body = serde_json::from_slice(body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(body).into_owned())
        });
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
            sync_token,
            response_sync_token: response_sync_token.to_string(),
            status: 0,
            body,
        }
    }

    /// The value of header `name` (lowercase), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Shared handle to the request log; clones see the same log.
#[derive(Debug, Clone)]
pub struct RequestLog {
    inner: Arc<Mutex<Log>>,
}

#[derive(Debug)]
struct Log {
    capacity: usize,
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Log {
                capacity,
                entries: VecDeque::new(),
            })),
        }
    }

    pub(crate) fn push(&self, request: RecordedRequest) {
        let mut log = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if log.capacity == 0 {
            return;
        }
        while log.entries.len() >= log.capacity {
            log.entries.pop_front();
        }
        log.entries.push_back(request);
    }

    /// The recorded requests in the order they were answered (for a client
    /// that waits for each answer, the order it sent them).
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        let log = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        log.entries.iter().cloned().collect()
    }

    /// Forgets every recorded request.
    pub fn clear(&self) {
        let mut log = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        log.entries.clear();
    }
}
