//! The serde `Deserializer` over a reply. It works on `&mut Reply` and moves strings and byte strings
//! out of the reply into the value being built, so decoding copies no data.

use std::str::FromStr;

use serde::de::{self, Visitor};

use super::access::{Bytes, Entries, Items, Pairs, Variant};
use super::decode_error::DecodeError;
use super::reply_serde::{self, REPLY_TOKEN};
use crate::Reply;
use crate::reply::TAKEN;

type Result<T, E = DecodeError> = std::result::Result<T, E>;

/// Deserializes the reply it points to, leaving [`TAKEN`] where it moved a value out.
pub(crate) struct ReplyDeserializer<'a> {
    reply: &'a mut Reply,
}

impl<'a> ReplyDeserializer<'a> {
    pub(crate) fn new(reply: &'a mut Reply) -> Self {
        ReplyDeserializer { reply }
    }

    fn mismatch(&self, what: &str) -> DecodeError {
        DecodeError::mismatch(what, self.reply)
    }

    /// The reply as text, borrowed: a UTF-8 bulk string, a status, a verbatim string or a big number.
    fn text(&self) -> Option<&str> {
        match &*self.reply {
            Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok(),
            Reply::Status(s) | Reply::BigNumber(s) | Reply::Verbatim { text: s, .. } => Some(s),
            _ => None,
        }
    }

    /// The reply as owned text, moved out when it is a string; integers and doubles are formatted.
    fn take_string(self) -> Result<String> {
        match self.reply {
            Reply::Bulk(bytes) => match String::from_utf8(std::mem::take(bytes)) {
                Ok(text) => {
                    *self.reply = TAKEN;
                    Ok(text)
                }
                Err(e) => {
                    *bytes = e.into_bytes();
                    Err(self.mismatch("a string"))
                }
            },
            Reply::Status(_) | Reply::BigNumber(_) | Reply::Verbatim { .. } => {
                match std::mem::replace(self.reply, TAKEN) {
                    Reply::Status(s) | Reply::BigNumber(s) | Reply::Verbatim { text: s, .. } => {
                        Ok(s)
                    }
                    _ => Err(DecodeError::new("reply changed while decoded")),
                }
            }
            Reply::Int(i) => Ok(i.to_string()),
            Reply::Double(d) => Ok(d.to_string()),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn integer<N>(&self) -> Result<N>
    where
        N: TryFrom<i64> + FromStr,
    {
        let ty = std::any::type_name::<N>();
        match &*self.reply {
            Reply::Int(i) => N::try_from(*i)
                .map_err(|_| DecodeError::new(format!("integer {i} does not fit in {ty}"))),
            Reply::Double(d) => {
                const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
                if d.fract() == 0.0 && (-LIMIT..LIMIT).contains(d) {
                    let i = *d as i64;
                    N::try_from(i)
                        .map_err(|_| DecodeError::new(format!("integer {i} does not fit in {ty}")))
                } else {
                    Err(self.mismatch(&format!("an integer ({ty})")))
                }
            }
            _ => match self.text() {
                Some(text) => text.parse().map_err(|_| {
                    if text.parse::<i128>().is_ok() || text.parse::<u128>().is_ok() {
                        DecodeError::new(format!("integer {text} does not fit in {ty}"))
                    } else {
                        self.mismatch(&format!("an integer ({ty})"))
                    }
                }),
                None => Err(self.mismatch(&format!("an integer ({ty})"))),
            },
        }
    }

    fn float<F>(&self) -> Result<F>
    where
        F: FromStr + FromReplyNumber,
    {
        match &*self.reply {
            Reply::Double(d) => Ok(F::from_f64(*d)),
            Reply::Int(i) => Ok(F::from_i64(*i)),
            _ => match self.text().map(str::parse) {
                Some(Ok(f)) => Ok(f),
                _ => Err(self.mismatch("a float")),
            },
        }
    }

    fn sequence<'de, V: Visitor<'de>>(self, visitor: V, len: Option<usize>) -> Result<V::Value> {
        match self.reply {
            // A sequence of any length reads flat pairs as pairs.
            Reply::Array(items) | Reply::Set(items) if len.is_none() => {
                visitor.visit_seq(Items::with_pairs(items))
            }
            _ => self.items(visitor, len, &[]),
        }
    }

    /// Visits an array or set as a sequence; `len` is the exact length wanted (tuples), `fields` the
    /// names of the struct fields read by position.
    fn items<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        len: Option<usize>,
        fields: &'static [&'static str],
    ) -> Result<V::Value> {
        let what = match len {
            Some(len) => format!("an array of {len} items"),
            None => "an array".to_owned(),
        };
        match self.reply {
            Reply::Array(items) | Reply::Set(items) => {
                if let Some(len) = len
                    && items.len() != len
                {
                    return Err(DecodeError::mismatch(&what, self.reply));
                }
                visitor.visit_seq(Items::new(items, fields))
            }
            Reply::Nil if len.is_none() => visitor.visit_seq(Items::new(&mut [], fields)),
            Reply::Map(pairs) if len.is_none() => visitor.visit_seq(Pairs {
                iter: pairs.iter_mut(),
                index: 0,
            }),
            Reply::Bulk(bytes) if len.is_none() => visitor.visit_seq(Bytes {
                iter: bytes.iter(),
                bytes,
            }),
            _ => Err(DecodeError::mismatch(&what, self.reply)),
        }
    }
}

/// Conversions from the numbers of a reply into a float type.
pub(crate) trait FromReplyNumber {
    fn from_f64(f: f64) -> Self;
    fn from_i64(i: i64) -> Self;
}

impl FromReplyNumber for f64 {
    fn from_f64(f: f64) -> Self {
        f
    }
    fn from_i64(i: i64) -> Self {
        i as f64
    }
}

impl FromReplyNumber for f32 {
    fn from_f64(f: f64) -> Self {
        f as f32
    }
    fn from_i64(i: i64) -> Self {
        i as f32
    }
}

macro_rules! integers {
    ($($method:ident $visit:ident $ty:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let n: $ty = self.integer()?;
            visitor.$visit(n)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ReplyDeserializer<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.reply {
            Reply::Nil => visitor.visit_unit(),
            Reply::Int(i) => visitor.visit_i64(*i),
            Reply::Double(d) => visitor.visit_f64(*d),
            Reply::Boolean(b) => visitor.visit_bool(*b),
            Reply::Bulk(bytes) => match String::from_utf8(std::mem::take(bytes)) {
                Ok(text) => {
                    *self.reply = TAKEN;
                    visitor.visit_string(text)
                }
                // Lent, not moved: self-describing targets (JSON values) often refuse bytes, and the
                // error should still show them.
                Err(e) => {
                    *bytes = e.into_bytes();
                    visitor.visit_bytes(bytes)
                }
            },
            Reply::BigNumber(n) => match (n.parse::<i64>(), n.parse::<u64>()) {
                (Ok(i), _) => visitor.visit_i64(i),
                (_, Ok(u)) => visitor.visit_u64(u),
                _ => visitor.visit_string(self.take_string()?),
            },
            Reply::Status(_) | Reply::Verbatim { .. } => visitor.visit_string(self.take_string()?),
            Reply::Array(items) | Reply::Set(items) => visitor.visit_seq(Items::new(items, &[])),
            Reply::Map(pairs) => {
                visitor.visit_map(Entries::new(pairs.iter_mut().map(|(k, v)| (k, v)), false))
            }
            Reply::Error(_) => Err(self.mismatch("a value")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let b = match &*self.reply {
            Reply::Boolean(b) => *b,
            Reply::Nil | Reply::Int(0) => false,
            Reply::Int(1) => true,
            _ => match self.text() {
                Some("1" | "true") => true,
                Some("0" | "false") => false,
                _ => return Err(self.mismatch("a boolean")),
            },
        };
        visitor.visit_bool(b)
    }

    integers! {
        deserialize_i8 visit_i8 i8;
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
        deserialize_i128 visit_i128 i128;
        deserialize_u8 visit_u8 u8;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
        deserialize_u128 visit_u128 u128;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f32(self.float()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut chars = self.text().unwrap_or_default().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(self.mismatch("a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.text() {
            Some(text) => visitor.visit_str(text),
            None => visitor.visit_string(self.take_string()?),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.take_string()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &*self.reply {
            Reply::Bulk(bytes) => visitor.visit_bytes(bytes),
            _ => match self.text() {
                Some(text) => visitor.visit_bytes(text.as_bytes()),
                None => Err(self.mismatch("a byte string")),
            },
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.reply {
            Reply::Bulk(bytes) => {
                let bytes = std::mem::take(bytes);
                *self.reply = TAKEN;
                visitor.visit_byte_buf(bytes)
            }
            Reply::Status(_) | Reply::BigNumber(_) | Reply::Verbatim { .. } => {
                visitor.visit_byte_buf(self.take_string()?.into_bytes())
            }
            _ => Err(self.mismatch("a byte string")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.reply {
            Reply::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    /// `()` accepts any reply: a script whose reply is ignored must not fail on it.
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == REPLY_TOKEN {
            return reply_serde::hand_over(std::mem::replace(self.reply, TAKEN), visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.sequence(visitor, None)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.sequence(visitor, Some(len))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.sequence(visitor, Some(len))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.reply {
            Reply::Map(pairs) => {
                visitor.visit_map(Entries::new(pairs.iter_mut().map(|(k, v)| (k, v)), false))
            }
            Reply::Array(items) if items.len().is_multiple_of(2) => {
                visitor.visit_map(Entries::new(flat_pairs(items), true))
            }
            Reply::Nil => visitor.visit_map(Entries::new(flat_pairs(&mut []), true)),
            _ => Err(self.mismatch("a map or an array of keys and values")),
        }
    }

    /// A struct reads a map by field name, an array of field names and values (as HGETALL returns
    /// it) by name (see [`names_fields`]), and any other array by position.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.reply {
            Reply::Map(_) => self.deserialize_map(visitor),
            Reply::Array(items) if names_fields(items, fields) => {
                visitor.visit_map(Entries::new(flat_pairs(items), true))
            }
            Reply::Array(items) | Reply::Set(items) => {
                if items.len() > fields.len() {
                    let what = format!(
                        "an array of {} items (one per field) or a map",
                        fields.len()
                    );
                    return Err(DecodeError::mismatch(&what, self.reply));
                }
                visitor.visit_seq(Items::new(items, fields))
            }
            _ => Err(self.mismatch("an array or a map")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.reply {
            Reply::Map(pairs) if pairs.len() == 1 => match pairs.first_mut() {
                Some((variant, value)) => visitor.visit_enum(Variant {
                    variant,
                    value: Some(value),
                }),
                None => Err(DecodeError::new("empty map")),
            },
            _ if self.text().is_some() => visitor.visit_enum(Variant {
                variant: self.reply,
                value: None,
            }),
            _ => Err(self.mismatch("a variant name or a map of one variant to its value")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// True when `items` are to be read as alternating field names and values (as HGETALL returns them):
/// every item at an even position is a string naming one of `fields`, and no field is named twice.
/// A hash missing some optional fields is still read by name. A positional array whose even items
/// happen to equal field names is read by name too, and then fails loudly on the fields it lacks
/// rather than decoding into wrong values.
fn names_fields(items: &[Reply], fields: &[&str]) -> bool {
    if items.is_empty() || !items.len().is_multiple_of(2) {
        return false;
    }
    let mut named = Vec::with_capacity(items.len() / 2);
    for key in items.iter().step_by(2) {
        let name = match key {
            Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok(),
            Reply::Status(s) => Some(s.as_str()),
            _ => None,
        };
        match name.and_then(|name| fields.iter().position(|field| *field == name)) {
            Some(field) if !named.contains(&field) => named.push(field),
            _ => return false,
        }
    }
    true
}

fn flat_pairs(items: &mut [Reply]) -> impl Iterator<Item = (&mut Reply, &mut Reply)> {
    items.chunks_exact_mut(2).filter_map(|pair| match pair {
        [key, value] => Some((key, value)),
        _ => None,
    })
}
