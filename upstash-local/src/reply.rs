//! Redis replies as the JSON values of `{"result": ..}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use redis::Value;
use serde_json::{Map, Value as Json};

/// How strings in a result are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// As text; bytes that are not UTF-8 are replaced (lossy).
    Utf8,
    /// Every string (bulk and status, `OK` included) as base64, so bytes survive.
    Base64,
}

/// One command's outcome as written in a reply: `{"result": ..}` or `{"error": ..}`.
pub(crate) fn entry(value: Value, encoding: Encoding) -> Json {
    let mut map = Map::new();
    match value {
        Value::ServerError(err) => {
            map.insert("error".to_owned(), Json::String(error_text(&err)));
        }
        other => {
            map.insert("result".to_owned(), to_json(other, encoding));
        }
    }
    Json::Object(map)
}

/// The text Redis sent for an error reply: `CODE detail`, e.g.
/// `NOSCRIPT No matching script. Please use EVAL.`
pub(crate) fn error_text(err: &redis::ServerError) -> String {
    match err.details() {
        Some(detail) => format!("{} {}", err.code(), detail),
        None => err.code().to_owned(),
    }
}

/// Converts a reply; integers and nil are never encoded, strings follow `encoding`.
pub(crate) fn to_json(value: Value, encoding: Encoding) -> Json {
    match value {
        Value::Nil => Json::Null,
        Value::Int(n) => Json::from(n),
        Value::BulkString(bytes) => string(&bytes, encoding),
        Value::SimpleString(s) => string(s.as_bytes(), encoding),
        Value::Okay => string(b"OK", encoding),
        Value::VerbatimString { text, .. } => string(text.as_bytes(), encoding),
        Value::Double(d) => string(d.to_string().as_bytes(), encoding),
        Value::Boolean(b) => Json::from(i64::from(b)),
        Value::Array(items) | Value::Set(items) => array(items, encoding),
        Value::Push { data, .. } => array(data, encoding),
        Value::Map(pairs) => Json::Array(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [to_json(k, encoding), to_json(v, encoding)])
                .collect(),
        ),
        Value::Attribute { data, .. } => to_json(*data, encoding),
        Value::ServerError(err) => string(error_text(&err).as_bytes(), encoding),
        // RESP3 big numbers (whose type depends on a `redis` feature) and any
        // future variant are shown, not dropped; the connection speaks RESP2.
        #[allow(unreachable_patterns)]
        other => string(format!("{other:?}").as_bytes(), encoding),
    }
}

fn array(items: Vec<Value>, encoding: Encoding) -> Json {
    Json::Array(items.into_iter().map(|v| to_json(v, encoding)).collect())
}

fn string(bytes: &[u8], encoding: Encoding) -> Json {
    match encoding {
        Encoding::Utf8 => Json::String(String::from_utf8_lossy(bytes).into_owned()),
        Encoding::Base64 => Json::String(STANDARD.encode(bytes)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_encodes_every_string_and_leaves_numbers_and_nil() {
        let value = Value::Array(vec![
            Value::BulkString(vec![0xff, 0x00]),
            Value::Okay,
            Value::Int(7),
            Value::Nil,
            Value::Array(vec![Value::SimpleString("PONG".into())]),
        ]);
        assert_eq!(
            to_json(value, Encoding::Base64),
            json!(["/wA=", "T0s=", 7, null, ["UE9ORw=="]])
        );
    }

    #[test]
    fn utf8_keeps_text() {
        let value = Value::Array(vec![Value::BulkString("héllo".into()), Value::Okay]);
        assert_eq!(to_json(value, Encoding::Utf8), json!(["héllo", "OK"]));
    }
}
