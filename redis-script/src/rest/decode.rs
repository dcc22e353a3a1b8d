//! Response bodies: `{"result": ..}` / `{"error": ..}` envelopes into [`Reply`] or [`Error`].
//!
//! With `Upstash-Encoding: base64` every string of a result is base64 and is decoded to raw bytes, so
//! binary values survive. A top-level `"OK"` may come back unencoded (the REST API documents that
//! exception) and is read as the status `OK`: a plain `"OK"` can not be base64, whose text is always a
//! multiple of four characters long.

use base64::Engine as _;
use serde_json::Value;

use crate::{Error, Reply};

/// How strings in a result are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `Upstash-Encoding: base64` was sent.
    Base64,
    /// Strings are plain JSON text.
    Plain,
}

/// Why a body could not be read; the caller turns it into a protocol error with the HTTP status.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// The body is not JSON at all.
    NotJson,
    /// JSON, but not the shape the REST API sends; says what was wrong.
    Shape(&'static str),
}

/// The body of a single-command response: its reply, or the server's error reply.
pub(crate) fn single(body: &[u8], encoding: Encoding) -> Result<Result<Reply, Error>, BodyError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::NotJson)?;
    envelope(value, encoding)
}

/// The body of a `/pipeline` or `/multi-exec` response: one envelope per command, in order.
pub(crate) fn batch(
    body: &[u8],
    encoding: Encoding,
) -> Result<Vec<Result<Reply, Error>>, BodyError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::NotJson)?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| envelope(item, encoding))
            .collect(),
        _ => Err(BodyError::Shape("a batch response is not a JSON array")),
    }
}

/// The error message of an `{"error": msg}` body, if that is what `body` is.
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(mut map) => match map.remove("error")? {
            Value::String(message) => Some(message),
            _ => None,
        },
        _ => None,
    }
}

fn envelope(value: Value, encoding: Encoding) -> Result<Result<Reply, Error>, BodyError> {
    let Value::Object(mut map) = value else {
        return Err(BodyError::Shape("the response is not a JSON object"));
    };
    if let Some(result) = map.remove("result") {
        return top_level(result, encoding).map(Ok);
    }
    match map.remove("error") {
        // Error messages are never encoded.
        Some(Value::String(message)) => Ok(Err(Error::from_reply_text(&message))),
        Some(_) => Err(BodyError::Shape(
            "the error of the response is not a string",
        )),
        None => Err(BodyError::Shape(
            "the response has neither `result` nor `error`",
        )),
    }
}

fn top_level(value: Value, encoding: Encoding) -> Result<Reply, BodyError> {
    match value {
        Value::String(s) if encoding == Encoding::Base64 && s == "OK" => Ok(Reply::Status(s)),
        other => reply(other, encoding),
    }
}

fn reply(value: Value, encoding: Encoding) -> Result<Reply, BodyError> {
    Ok(match value {
        Value::Null => Reply::Nil,
        Value::Bool(b) => Reply::Boolean(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Reply::Int(i),
            None => match n.as_f64() {
                Some(f) => Reply::Double(f),
                None => return Err(BodyError::Shape("a number in the result is out of range")),
            },
        },
        Value::String(s) => match encoding {
            Encoding::Plain => Reply::Bulk(s.into_bytes()),
            Encoding::Base64 => Reply::Bulk(
                base64::engine::general_purpose::STANDARD
                    .decode(s.as_bytes())
                    .map_err(|_| BodyError::Shape("a string in the result is not valid base64"))?,
            ),
        },
        Value::Array(items) => Reply::Array(
            items
                .into_iter()
                .map(|item| reply(item, encoding))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(_) => return Err(BodyError::Shape("the result contains a JSON object")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(body: &str, encoding: Encoding) -> Reply {
        single(body.as_bytes(), encoding).unwrap().unwrap()
    }

    #[test]
    fn base64_strings_decode_to_raw_bytes_recursively() {
        let all: Vec<u8> = (0..=255).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&all);
        let body = format!(r#"{{"result":["{encoded}",[1,null,"aGk="],-3]}}"#);
        assert_eq!(
            ok(&body, Encoding::Base64),
            Reply::Array(vec![
                Reply::Bulk(all),
                Reply::Array(vec![Reply::Int(1), Reply::Nil, Reply::Bulk(b"hi".to_vec())]),
                Reply::Int(-3),
            ])
        );
    }

    #[test]
    fn top_level_ok_is_accepted_plain_or_encoded() {
        assert_eq!(
            ok(r#"{"result":"OK"}"#, Encoding::Base64),
            Reply::Status("OK".into())
        );
        assert_eq!(
            ok(r#"{"result":"T0s="}"#, Encoding::Base64),
            Reply::Bulk(b"OK".to_vec())
        );
        // Only at the top level: inside an array "OK" must be base64 like every other string.
        assert!(single(br#"{"result":["OK"]}"#, Encoding::Base64).is_err());
        assert!(single(br#"{"result":"not base64!"}"#, Encoding::Base64).is_err());
    }

    #[test]
    fn plain_strings_are_their_utf8_bytes() {
        assert_eq!(
            ok(r#"{"result":["é","OK"]}"#, Encoding::Plain),
            Reply::Array(vec![
                Reply::Bulk("é".as_bytes().to_vec()),
                Reply::Bulk(b"OK".to_vec())
            ])
        );
        assert_eq!(ok(r#"{"result":null}"#, Encoding::Plain), Reply::Nil);
        assert_eq!(ok(r#"{"result":7}"#, Encoding::Plain), Reply::Int(7));
    }

    #[test]
    fn errors_are_classified_like_resp_errors_and_never_decoded() {
        let err = single(
            br#"{"error":"NOSCRIPT No matching script. Please use EVAL."}"#,
            Encoding::Base64,
        )
        .unwrap()
        .unwrap_err();
        assert!(err.is_noscript());
        let err = single(br#"{"error":"ERR boom"}"#, Encoding::Base64)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.code(), Some("ERR"));
    }

    #[test]
    fn malformed_bodies_are_reported() {
        assert!(matches!(
            single(b"<html>", Encoding::Plain),
            Err(BodyError::NotJson)
        ));
        assert!(matches!(
            single(br#"{"foo":1}"#, Encoding::Plain),
            Err(BodyError::Shape(_))
        ));
        assert!(matches!(
            single(br#"{"result":{"a":1}}"#, Encoding::Plain),
            Err(BodyError::Shape(_))
        ));
        assert!(matches!(
            single(br#"[1]"#, Encoding::Plain),
            Err(BodyError::Shape(_))
        ));
    }

    #[test]
    fn batches_keep_order_and_per_entry_errors() {
        let replies = batch(
            br#"[{"result":"T0s="},{"error":"WRONGTYPE bad"},{"result":2}]"#,
            Encoding::Base64,
        )
        .unwrap();
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[0].as_ref().unwrap(), &Reply::Bulk(b"OK".to_vec()));
        assert_eq!(replies[1].as_ref().unwrap_err().code(), Some("WRONGTYPE"));
        assert_eq!(replies[2].as_ref().unwrap(), &Reply::Int(2));
        assert!(batch(br#"{"error":"x"}"#, Encoding::Base64).is_err());
        assert_eq!(
            error_message(br#"{"error":"EXECABORT x"}"#).as_deref(),
            Some("EXECABORT x")
        );
        assert_eq!(error_message(br#"{"result":1}"#), None);
    }
}
