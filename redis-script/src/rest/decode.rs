//! Response bodies: `{"result": ..}` / `{"error": ..}` envelopes into [`Reply`] or [`Error`].
//!
//! With `Upstash-Encoding: base64` every string of a result is base64 and is decoded to raw bytes, so
//! binary values survive. A top-level `"OK"` may come back unencoded (the REST API documents that
//! exception) and is read as the status `OK`: a plain `"OK"` can not be base64, whose text is always a
//! multiple of four characters long.

use std::cell::Cell;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
    let shape = Cell::new(None);
    let seed = Envelope {
        encoding,
        shape: &shape,
    };
    read(body, seed).map_err(|()| body_error(body, &shape))
}

/// The body of a `/pipeline` or `/multi-exec` response: one envelope per command, in order.
pub(crate) fn batch(
    body: &[u8],
    encoding: Encoding,
) -> Result<Vec<Result<Reply, Error>>, BodyError> {
    let shape = Cell::new(None);
    let seed = Batch {
        encoding,
        shape: &shape,
    };
    read(body, seed).map_err(|()| body_error(body, &shape))
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

/// Reads all of `body` straight into what `seed` builds, without an intermediate JSON tree.
fn read<T>(body: &[u8], seed: impl for<'de> DeserializeSeed<'de, Value = T>) -> Result<T, ()> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut de).map_err(drop)?;
    de.end().map_err(drop)?;
    Ok(value)
}

/// Why reading failed: a body that is not JSON is [`BodyError::NotJson`] even when a wrong shape shows
/// before its syntax error does, as if the whole body had been parsed first.
fn body_error(body: &[u8], shape: &Cell<Option<&'static str>>) -> BodyError {
    match shape.get() {
        Some(what) if serde_json::from_slice::<IgnoredAny>(body).is_ok() => BodyError::Shape(what),
        _ => BodyError::NotJson,
    }
}

/// Records why the body has the wrong shape and stops reading.
fn wrong_shape<E: de::Error>(shape: &Cell<Option<&'static str>>, what: &'static str) -> E {
    shape.set(Some(what));
    E::custom(what)
}

/// `[envelope, ..]` of a batch.
struct Batch<'a> {
    encoding: Encoding,
    shape: &'a Cell<Option<&'static str>>,
}

impl<'de> DeserializeSeed<'de> for Batch<'_> {
    type Value = Vec<Result<Reply, Error>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let shape = self.shape;
        d.deserialize_any(self)
            .map_err(|e| or_shape(shape, e, "a batch response is not a JSON array"))
    }
}

impl<'de> Visitor<'de> for Batch<'_> {
    type Value = Vec<Result<Reply, Error>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of responses")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = seq.next_element_seed(Envelope {
            encoding: self.encoding,
            shape: self.shape,
        })? {
            entries.push(entry);
        }
        Ok(entries)
    }
}

/// Keeps the reason found deeper in, if any; `what` otherwise.
fn or_shape<E>(shape: &Cell<Option<&'static str>>, e: E, what: &'static str) -> E {
    if shape.get().is_none() {
        shape.set(Some(what));
    }
    e
}

/// `{"result": ..}` or `{"error": ".."}`; other fields are skipped. As in a parsed JSON object, the
/// last of repeated fields counts.
struct Envelope<'a> {
    encoding: Encoding,
    shape: &'a Cell<Option<&'static str>>,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = Result<Reply, Error>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let shape = self.shape;
        d.deserialize_any(self)
            .map_err(|e| or_shape(shape, e, "the response is not a JSON object"))
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = Result<Reply, Error>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with `result` or `error`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut result, mut error) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "result" => {
                    result = Some(map.next_value_seed(ReplySeed {
                        encoding: self.encoding,
                        top_level: true,
                        shape: self.shape,
                    })?);
                }
                // Error messages are never encoded.
                "error" => error = Some(map.next_value::<Value>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(reply) = result {
            return Ok(Ok(reply));
        }
        match error {
            Some(Value::String(message)) => Ok(Err(Error::from_reply_text(&message))),
            Some(_) => Err(wrong_shape(
                self.shape,
                "the error of the response is not a string",
            )),
            None => Err(wrong_shape(
                self.shape,
                "the response has neither `result` nor `error`",
            )),
        }
    }
}

/// A result value as a [`Reply`], strings decoded as `encoding` says.
#[derive(Clone, Copy)]
struct ReplySeed<'a> {
    encoding: Encoding,
    /// A top-level `"OK"` may come unencoded.
    top_level: bool,
    shape: &'a Cell<Option<&'static str>>,
}

impl<'de> DeserializeSeed<'de> for ReplySeed<'_> {
    type Value = Reply;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Reply, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReplySeed<'_> {
    type Value = Reply;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value other than an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Reply, E> {
        Ok(Reply::Nil)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Reply, E> {
        Ok(Reply::Boolean(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Reply, E> {
        Ok(Reply::Int(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Reply, E> {
        // Beyond i64 a JSON number is read as a double, as `serde_json::Value::as_f64` does.
        #[allow(clippy::cast_precision_loss)]
        Ok(i64::try_from(u).map_or(Reply::Double(u as f64), Reply::Int))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Reply, E> {
        Ok(Reply::Double(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Reply, E> {
        match self.encoding {
            _ if self.top_level && self.encoding == Encoding::Base64 && s == "OK" => {
                Ok(Reply::Status(s.to_owned()))
            }
            Encoding::Plain => Ok(Reply::Bulk(s.as_bytes().to_vec())),
            Encoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map(Reply::Bulk)
                .map_err(|_| wrong_shape(self.shape, "a string in the result is not valid base64")),
        }
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Reply, E> {
        match self.encoding {
            // The parsed text becomes the value without a copy.
            Encoding::Plain => Ok(Reply::Bulk(s.into_bytes())),
            Encoding::Base64 => self.visit_str(&s),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Reply, A::Error> {
        let inner = ReplySeed {
            top_level: false,
            ..self
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Reply::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Reply, A::Error> {
        Err(wrong_shape(self.shape, "the result contains a JSON object"))
    }
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

    /// The tree-based reading this module did before, kept as the reference for the streaming one.
    mod reference {
        use super::super::*;

        pub(super) fn single(
            body: &[u8],
            encoding: Encoding,
        ) -> Result<Result<Reply, Error>, BodyError> {
            let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::NotJson)?;
            envelope(value, encoding)
        }

        pub(super) fn batch(
            body: &[u8],
            encoding: Encoding,
        ) -> Result<Vec<Result<Reply, Error>>, BodyError> {
            match serde_json::from_slice(body).map_err(|_| BodyError::NotJson)? {
                Value::Array(items) => items.into_iter().map(|i| envelope(i, encoding)).collect(),
                _ => Err(BodyError::Shape("a batch response is not a JSON array")),
            }
        }

        fn envelope(value: Value, encoding: Encoding) -> Result<Result<Reply, Error>, BodyError> {
            let Value::Object(mut map) = value else {
                return Err(BodyError::Shape("the response is not a JSON object"));
            };
            if let Some(result) = map.remove("result") {
                return match result {
                    Value::String(s) if encoding == Encoding::Base64 && s == "OK" => {
                        Ok(Ok(Reply::Status(s)))
                    }
                    other => reply(other, encoding).map(Ok),
                };
            }
            match map.remove("error") {
                Some(Value::String(message)) => Ok(Err(Error::from_reply_text(&message))),
                Some(_) => Err(BodyError::Shape(
                    "the error of the response is not a string",
                )),
                None => Err(BodyError::Shape(
                    "the response has neither `result` nor `error`",
                )),
            }
        }

        fn reply(value: Value, encoding: Encoding) -> Result<Reply, BodyError> {
            Ok(match value {
                Value::Null => Reply::Nil,
                Value::Bool(b) => Reply::Boolean(b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Reply::Int(i),
                    None => Reply::Double(n.as_f64().unwrap()),
                },
                Value::String(s) => match encoding {
                    Encoding::Plain => Reply::Bulk(s.into_bytes()),
                    Encoding::Base64 => Reply::Bulk(
                        base64::engine::general_purpose::STANDARD
                            .decode(s.as_bytes())
                            .map_err(|_| {
                                BodyError::Shape("a string in the result is not valid base64")
                            })?,
                    ),
                },
                Value::Array(items) => Reply::Array(
                    items
                        .into_iter()
                        .map(|item| reply(item, encoding))
                        .collect::<Result<_, _>>()?,
                ),
                Value::Object(_) => {
                    return Err(BodyError::Shape("the result contains a JSON object"));
                }
            })
        }
    }

    #[test]
    fn streaming_reads_match_the_tree_based_reference() {
        let bodies: &[&str] = &[
            r#"{"result":"OK"}"#,
            r#"{"result":"T0s="}"#,
            r#"{"result":["OK"]}"#,
            r#"{"result":"not base64!"}"#,
            r#"{"result":["aGk=",[1,null,true,false,-3,2.5,"",[]]]}"#,
            r#"{"result":18446744073709551615}"#,
            r#"{"result":-9223372036854775808}"#,
            r#"{"result":-0}"#,
            r#"{"result":1e3}"#,
            r#"{"result":"é\u00e9\n"}"#,
            r#"{"result":{"a":1}}"#,
            r#"{"result":[{"a":1}]}"#,
            r#"{"result":{"a":1}"#,
            r#"{"result":[{"a":1},"#,
            r#"{"result":"x!"} trailing"#,
            r#"{"result":"x!""#,
            r#"{"result":1,"error":5}"#,
            r#"{"error":5,"result":null}"#,
            r#"{"other":[1,{"x":2}],"error":"ERR boom"}"#,
            r#"{"error":"NOSCRIPT No matching script."}"#,
            r#"{"error":["x"]}"#,
            r#"{"foo":1}"#,
            r#"{}"#,
            r#"[1]"#,
            r#"[]"#,
            r#"[{"result":"T0s="},{"error":"WRONGTYPE bad"},{"result":2}]"#,
            r#"[{"result":"T0s="},{"error":1},{"result":2}]"#,
            r#"[{"result":"T0s="},3]"#,
            r#"[{"result":"T0s="},3"#,
            r#""text""#,
            r#"null"#,
            "",
            "<html>",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]",
        ];
        for body in bodies {
            for encoding in [Encoding::Base64, Encoding::Plain] {
                assert_eq!(
                    format!("{:?}", single(body.as_bytes(), encoding)),
                    format!("{:?}", reference::single(body.as_bytes(), encoding)),
                    "single {body} {encoding:?}"
                );
                assert_eq!(
                    format!("{:?}", batch(body.as_bytes(), encoding)),
                    format!("{:?}", reference::batch(body.as_bytes(), encoding)),
                    "batch {body} {encoding:?}"
                );
            }
        }
    }
}
