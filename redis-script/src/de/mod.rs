//! Decoding a [`Reply`] into any `serde::Deserialize` type.

mod access;
mod decode_error;
mod deserializer;
mod reply_serde;
#[cfg(test)]
mod tests;

pub use decode_error::DecodeError;

use crate::Reply;

/// Decodes `reply` into `T`, moving strings out of it rather than copying them.
///
/// The decoder follows what Lua scripts return, not only what the reply types say:
///
/// - Lua numbers arrive as integers, truncated toward zero (`2.9` becomes `2`). Return a float as a
///   string: `tostring(x)` is fine for values meant for display, but Lua keeps only 14 significant
///   digits there (`0.1 + 0.2` becomes `"0.3"`); for an exact round trip return
///   `string.format('%.17g', x)`. Floats decode from strings such as `"0.15"`, `"inf"`, `"-inf"`,
///   `"nan"` as well as from integers and RESP3 doubles.
/// - Lua `true` arrives as the integer 1 and `false` as nil, so `bool` decodes from 1 / 0 / nil as well
///   as from RESP3 booleans and the strings `"1"`, `"0"`, `"true"`, `"false"`.
/// - Integers decode from integers, decimal strings and integral doubles; a value out of the range of
///   the target type is an error, never wrapped or clamped.
/// - Strings decode from UTF-8 bulk strings, status, verbatim strings and big numbers; integers and
///   doubles are formatted. Bytes (`serde_bytes`, or `Vec<u8>`) decode from any string.
/// - `Option<T>` is `None` for nil. Sequences, sets and maps read nil as empty.
/// - Sequences read arrays and sets, a RESP3 map as `(key, value)` pairs, and a bulk string as its
///   bytes (so `Vec<u8>` works without `serde_bytes`).
/// - Tuples and tuple structs read an array by position and need exactly as many items.
/// - Structs read a RESP3 map by field name and an array by position in field order. An array is read
///   as alternating field names and values (as HGETALL returns it) only when every item at an even
///   position names a field and no field is named twice (a hash missing optional fields included);
///   a positional array whose values happen to equal field names then fails on the fields it lacks,
///   never decoding into wrong values.
/// - Maps read a RESP3 map or an array of alternating keys and values.
/// - Enums read a unit variant from its name, other variants from a one-entry map.
/// - `()` and unit structs accept any reply: a script whose reply is ignored does not fail on it.
/// - An error reply nested in an array ([`Reply::Error`]) is not a value: decoding it into anything
///   but `()`, unit structs, `IgnoredAny` or `Reply` fails with `got error reply "ERR ..."`, also
///   for `Option<T>` (an error is not `None`).
/// - [`Reply`] receives the reply exactly as sent.
/// - Self-describing types (`serde_json::Value`, untagged enums) see nil as unit, integers, doubles,
///   booleans, strings (bulk, status, verbatim), arrays and sets as sequences, and maps; a bulk string
///   that is not UTF-8 is offered as bytes, which JSON can not hold, and a nested error reply fails.
///
/// # Errors
///
/// A [`DecodeError`] when the reply does not fit `T`: it names the type, shows a bounded excerpt
/// of the reply and where inside it decoding failed.
///
/// # Examples
///
/// ```
/// use redis_script::{Reply, from_reply};
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Stats {
///     views: i64,
///     likes: i64,
///     ratio: f64,
/// }
///
/// let reply = Reply::Array(vec![Reply::Int(1000), Reply::Int(150), Reply::Bulk(b"0.15".to_vec())]);
/// let stats: Stats = from_reply(reply).unwrap();
/// assert_eq!(stats, Stats { views: 1000, likes: 150, ratio: 0.15 });
/// ```
pub fn from_reply<T: serde::de::DeserializeOwned>(mut reply: Reply) -> Result<T, DecodeError> {
    T::deserialize(deserializer::ReplyDeserializer::new(&mut reply))
        .map_err(|e| e.finish(std::any::type_name::<T>(), &reply))
}
