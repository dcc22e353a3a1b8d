//! Decoding a [`Reply`] into any `serde::Deserialize` type.

use crate::Reply;

/// A reply that does not fit the requested Rust type.
#[derive(Debug, thiserror::Error)]
#[error("can not decode reply {reply} as {expected}: {reason}")]
pub struct DecodeError {
    expected: &'static str,
    reply: String,
    reason: String,
}

/// Decodes `reply` into `T`.
pub fn from_reply<T: serde::de::DeserializeOwned>(reply: Reply) -> Result<T, DecodeError> {
    let _ = reply;
    Err(DecodeError {
        expected: std::any::type_name::<T>(),
        reply: String::new(),
        reason: "not implemented".into(),
    })
}
