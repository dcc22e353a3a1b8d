//! The serde accesses that walk arrays, sets, maps, byte strings and enums of a reply.

use serde::de::{self, DeserializeSeed, IntoDeserializer as _, Visitor};

use super::decode_error::{DecodeError, Segment};
use super::deserializer::ReplyDeserializer;
use crate::Reply;

type Result<T, E = DecodeError> = std::result::Result<T, E>;

/// The items of an array or set, in order; `fields` names the struct fields read by position.
pub(crate) struct Items<'a> {
    items: &'a mut [Reply],
    /// The position of the next item.
    index: usize,
    fields: &'static [&'static str],
    /// A sequence of any length: an element read as a pair (a 2-tuple) from an item that is not
    /// an array is that item and the next one, as ZRANGE ... WITHSCORES and HGETALL return them
    /// under RESP2 (flat pairs).
    pairs: bool,
}

impl<'a> Items<'a> {
    pub(crate) fn new(items: &'a mut [Reply], fields: &'static [&'static str]) -> Self {
        Items {
            items,
            index: 0,
            fields,
            pairs: false,
        }
    }

    /// The items of a sequence of any length, which reads flat pairs as pairs.
    pub(crate) fn with_pairs(items: &'a mut [Reply]) -> Self {
        Items {
            pairs: true,
            ..Items::new(items, &[])
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let index = self.index;
        let Some((item, rest)) = self
            .items
            .get_mut(index..)
            .and_then(<[Reply]>::split_first_mut)
        else {
            return Ok(None);
        };
        if !self.pairs {
            self.index += 1;
            return seed
                .deserialize(ReplyDeserializer::new(item))
                .map(Some)
                .map_err(|e| e.at(Segment::Index(index, self.fields.get(index).copied())));
        }
        let paired = std::cell::Cell::new(false);
        let element = Element {
            item,
            next: rest.first_mut(),
            index,
            paired: &paired,
        };
        let result = seed.deserialize(element).map(Some);
        if paired.get() {
            self.index += 2;
            // Each item of the pair already says where it is.
            result
        } else {
            self.index += 1;
            result.map_err(|e| e.at(Segment::Index(index, None)))
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len().saturating_sub(self.index))
    }
}

/// An element of a sequence that may be a flat pair: asked for a pair (a tuple or tuple struct of
/// 2) while its item is not an array, it reads its item and the next one; anything else reads its
/// item alone.
struct Element<'a, 'p> {
    item: &'a mut Reply,
    next: Option<&'a mut Reply>,
    /// The item's position in the array.
    index: usize,
    /// Set when the element took the next item too.
    paired: &'p std::cell::Cell<bool>,
}

impl Element<'_, '_> {
    fn pair<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let scalar = !matches!(
            self.item,
            Reply::Array(_) | Reply::Set(_) | Reply::Map(_) | Reply::Nil | Reply::Error(_)
        );
        match (scalar, self.next) {
            (true, Some(value)) => {
                self.paired.set(true);
                let pair = [
                    Positioned(self.index, self.item),
                    Positioned(self.index + 1, value),
                ];
                visitor.visit_seq(de::value::SeqDeserializer::new(pair.into_iter()))
            }
            (true, None) => Err(DecodeError::mismatch(
                "an array of 2 items, or a key followed by its value (this flat array of keys and \
                 values has an odd number of items)",
                self.item,
            )),
            (false, _) => {
                de::Deserializer::deserialize_tuple(ReplyDeserializer::new(self.item), 2, visitor)
            }
        }
    }
}

macro_rules! element {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            ReplyDeserializer::new(self.item).$method($($arg,)* visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Element<'_, '_> {
    type Error = DecodeError;

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if len == 2 {
            self.pair(visitor)
        } else {
            ReplyDeserializer::new(self.item).deserialize_tuple(len, visitor)
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        if len == 2 {
            self.pair(visitor)
        } else {
            ReplyDeserializer::new(self.item).deserialize_tuple_struct(name, len, visitor)
        }
    }

    element! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit(); deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str); deserialize_seq();
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }
}

/// The entries of a map read as a sequence of `(key, value)` pairs.
pub(crate) struct Pairs<'a> {
    pub(crate) iter: std::slice::IterMut<'a, (Reply, Reply)>,
    pub(crate) index: usize,
}

impl<'de> de::SeqAccess<'de> for Pairs<'_> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(Pair { key, value })
            .map(Some)
            .map_err(|e| e.at(Segment::Entry(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// One map entry as a two-item sequence.
struct Pair<'a> {
    key: &'a mut Reply,
    value: &'a mut Reply,
}

impl<'de> de::Deserializer<'de> for Pair<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let pair = [self.key, self.value].into_iter().enumerate();
        visitor.visit_seq(de::value::SeqDeserializer::new(
            pair.map(|(i, reply)| Positioned(i, reply)),
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// An item that reports its position when it fails to decode.
struct Positioned<'a>(usize, &'a mut Reply);

impl<'de, 'a> de::IntoDeserializer<'de, DecodeError> for Positioned<'a> {
    type Deserializer = PositionedDeserializer<'a>;

    fn into_deserializer(self) -> Self::Deserializer {
        PositionedDeserializer(self.0, self.1)
    }
}

/// See [`Positioned`].
pub(crate) struct PositionedDeserializer<'a>(usize, &'a mut Reply);

macro_rules! positioned {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            let at = self.0;
            ReplyDeserializer::new(self.1)
                .$method($($arg,)* visitor)
                .map_err(|e| e.at(Segment::Index(at, None)))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for PositionedDeserializer<'_> {
    type Error = DecodeError;

    positioned! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit(); deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }
}

/// The bytes of a bulk string read as a sequence of `u8`.
pub(crate) struct Bytes<'b> {
    pub(crate) iter: std::slice::Iter<'b, u8>,
    pub(crate) bytes: &'b [u8],
}

impl<'de> de::SeqAccess<'de> for Bytes<'_> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(byte) = self.iter.next() else {
            return Ok(None);
        };
        seed.deserialize(byte.into_deserializer())
            .map(Some)
            .map_err(|_: DecodeError| {
                DecodeError::mismatch(
                    "an array (a bulk string is read as a sequence of u8 only)",
                    &Reply::Bulk(self.bytes.to_vec()),
                )
            })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The entries of a map, or of an array of alternating keys and values (`flat`).
pub(crate) struct Entries<'a, I> {
    iter: I,
    /// The key and value of the entry whose key was just read.
    pending: Option<(&'a mut Reply, &'a mut Reply)>,
    index: usize,
    flat: bool,
}

impl<'a, I> Entries<'a, I> {
    pub(crate) fn new(iter: I, flat: bool) -> Self {
        Entries {
            iter,
            pending: None,
            index: 0,
            flat,
        }
    }

    /// Where a key or value sits: the position in a flat array, or the entry of a map.
    fn segment(&self, index: usize, key: &Reply, of_value: bool) -> Segment {
        match key {
            Reply::Bulk(_) | Reply::Status(_) | Reply::Int(_) if of_value => {
                let text = match key {
                    Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok().map(str::to_owned),
                    Reply::Status(s) => Some(s.clone()),
                    _ => None,
                };
                match text {
                    Some(name) if is_identifier(&name) => Segment::Key(format!(".{name}")),
                    _ => Segment::Key(format!("[{key}]")),
                }
            }
            _ if self.flat => Segment::Index(2 * index + usize::from(of_value), None),
            _ if of_value => Segment::Entry(index),
            _ => Segment::KeyOf(index),
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

impl<'de, 'a, I> de::MapAccess<'de> for Entries<'a, I>
where
    I: Iterator<Item = (&'a mut Reply, &'a mut Reply)>,
{
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        match seed.deserialize(ReplyDeserializer::new(&mut *key)) {
            Ok(k) => {
                self.pending = Some((key, value));
                Ok(Some(k))
            }
            Err(e) => Err(e.at(self.segment(index, key, false))),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some((key, value)) = self.pending.take() else {
            return Err(DecodeError::new("a map value was read before its key"));
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ReplyDeserializer::new(value))
            .map_err(|e| e.at(self.segment(index, key, true)))
    }

    fn size_hint(&self) -> Option<usize> {
        self.iter.size_hint().1
    }
}

/// An enum: a variant name alone (`value` is `None`), or a one-entry map from the name to its value.
pub(crate) struct Variant<'a> {
    pub(crate) variant: &'a mut Reply,
    pub(crate) value: Option<&'a mut Reply>,
}

impl<'de, 'a> de::EnumAccess<'de> for Variant<'a> {
    type Error = DecodeError;
    type Variant = VariantValue<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant)> {
        let name = seed.deserialize(ReplyDeserializer::new(self.variant))?;
        Ok((name, VariantValue(self.value)))
    }
}

/// The value of an enum variant, if the reply had one.
pub(crate) struct VariantValue<'a>(Option<&'a mut Reply>);

fn no_value() -> DecodeError {
    DecodeError::new("expected a map of the variant name to its value, got a variant name alone")
}

impl<'de> de::VariantAccess<'de> for VariantValue<'_> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.0 {
            Some(value) => seed.deserialize(ReplyDeserializer::new(value)),
            None => Err(no_value()),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.0 {
            Some(value) => {
                de::Deserializer::deserialize_tuple(ReplyDeserializer::new(value), len, visitor)
            }
            None => Err(no_value()),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Some(value) => de::Deserializer::deserialize_struct(
                ReplyDeserializer::new(value),
                "",
                fields,
                visitor,
            ),
            None => Err(no_value()),
        }
    }
}
