//! `Deserialize for Reply`: a reply decoded into `Reply` arrives exactly as it was sent.
//!
//! serde's data model has no place for the difference between a status and a bulk string, a set and an
//! array, or a verbatim string and a bulk string. So when the decoder of this crate is asked for a
//! `Reply` (recognised by a private newtype name) it moves the reply whole through a thread-local slot
//! instead of describing it piece by piece: nothing is lost and nothing is copied, nested
//! [`Reply::Error`]s included. From any other deserializer (JSON, say) a `Reply` is built from what it
//! describes; serde has no kind for an error reply, so there one is never built: error text arrives
//! as the string it is.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::decode_error::DecodeError;
use crate::Reply;

/// The newtype name by which `Reply` asks the decoder for the reply itself.
pub(crate) const REPLY_TOKEN: &str = "$redis_script::private::Reply";

thread_local! {
    /// The reply on its way from [`hand_over`] to [`ReplyVisitor::visit_unit`].
    static HANDED_OVER: Cell<Option<Reply>> = const { Cell::new(None) };
}

/// Gives `reply` to the visitor of `Reply`. Any other visitor gets `()` and the reply is dropped.
pub(crate) fn hand_over<'de, V: Visitor<'de>>(
    reply: Reply,
    visitor: V,
) -> Result<V::Value, DecodeError> {
    HANDED_OVER.set(Some(reply));
    let value = visitor.visit_unit();
    HANDED_OVER.take();
    value
}

impl<'de> Deserialize<'de> for Reply {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(REPLY_TOKEN, ReplyVisitor)
    }
}

struct ReplyVisitor;

impl<'de> Visitor<'de> for ReplyVisitor {
    type Value = Reply;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Redis reply")
    }

    fn visit_unit<E>(self) -> Result<Reply, E> {
        Ok(HANDED_OVER.take().unwrap_or(Reply::Nil))
    }

    fn visit_none<E>(self) -> Result<Reply, E> {
        Ok(Reply::Nil)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Reply, D::Error> {
        Reply::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Reply, D::Error> {
        deserializer.deserialize_any(ReplyVisitor)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Reply, E> {
        Ok(Reply::Boolean(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Reply, E> {
        Ok(Reply::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Reply, E> {
        Ok(i64::try_from(u).map_or_else(|_| Reply::BigNumber(u.to_string()), Reply::Int))
    }

    fn visit_i128<E>(self, i: i128) -> Result<Reply, E> {
        Ok(i64::try_from(i).map_or_else(|_| Reply::BigNumber(i.to_string()), Reply::Int))
    }

    fn visit_u128<E>(self, u: u128) -> Result<Reply, E> {
        Ok(i64::try_from(u).map_or_else(|_| Reply::BigNumber(u.to_string()), Reply::Int))
    }

    fn visit_f64<E>(self, d: f64) -> Result<Reply, E> {
        Ok(Reply::Double(d))
    }

    fn visit_str<E>(self, s: &str) -> Result<Reply, E> {
        Ok(Reply::Bulk(s.as_bytes().to_vec()))
    }

    fn visit_string<E>(self, s: String) -> Result<Reply, E> {
        Ok(Reply::Bulk(s.into_bytes()))
    }

    fn visit_bytes<E>(self, b: &[u8]) -> Result<Reply, E> {
        Ok(Reply::Bulk(b.to_vec()))
    }

    fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<Reply, E> {
        Ok(Reply::Bulk(b))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Reply, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Reply::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Reply, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(Reply::Map(pairs))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Reply, A::Error> {
        let (name, variant): (Reply, _) = data.variant()?;
        let value = de::VariantAccess::newtype_variant::<Reply>(variant)?;
        Ok(Reply::Map(vec![(name, value)]))
    }
}
