//! KEYS and ARGV: how Rust values become the byte strings a script receives.
//!
//! Redis hands every key and argument to Lua as a string, so each value is encoded once, into one
//! buffer, and the same encoding serves EVALSHA and a fallback EVAL.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use smallvec::SmallVec;

/// A single key or argument: encoded as the bytes the script sees in `KEYS[i]` / `ARGV[i]`.
///
/// Strings and bytes are sent as they are (binary-safe); integers and floats in decimal (`f64` in the
/// shortest form that reads back to the same value, so `tonumber(ARGV[1])` recovers it); `bool` as `1` or
/// `0`, as the `redis` crate does.
pub trait Arg {
    /// Appends the encoding of `self` to `out`.
    fn write_arg(&self, out: &mut Vec<u8>);
}

/// A list of keys or of arguments: `()` for none, an array, slice or `Vec` of one [`Arg`] type, or a
/// tuple of up to twelve values of different types.
///
/// ```
/// # fn takes(_: impl redis_script::Args) {}
/// takes(());                        // none, no annotation needed
/// takes(["page:views"]);            // array
/// takes(("user:1", 100, 2.5, true)); // mixed types
/// takes(vec![b"\x00\xff".to_vec()]); // binary
/// ```
pub trait Args {
    /// How many values every value of this type writes, when the type alone says (an array, a
    /// tuple, `()`); `None` when only the value knows (a slice, a `Vec`). A positional call of a
    /// script whose type carries its [arity](crate::script#arity) is checked against it when it
    /// compiles.
    const COUNT: Option<usize> = None;

    /// Appends each value to `out`.
    fn write_args(&self, out: &mut ArgList);
}

/// The keys and arguments of one call of a declared script, by name: the struct
/// [`lua_script!`](crate::lua_script) generates from the script's `---@key` / `---@arg` lines.
///
/// Its fields are the parameters; writing it encodes the keys in the order the script declares
/// them, then the arguments, so a call can neither swap two of them nor put a key among the
/// arguments. Implemented by the generated code; nothing stops a hand-written one, which the macro
/// then has not checked against the script.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the keys and arguments of a declared script",
    label = "a declared script takes the struct its `lua_script!` defines, `Name {{ key: .., arg: .. }}`, in place of `keys, args`"
)]
pub trait Params {
    /// This struct with every lifetime `'static`: the type a [`Script<T, P>`](crate::Script) names
    /// as `P`, so that the values of one call can borrow for that call alone.
    type Static: 'static;
    /// Appends the keys, `KEYS[1]` first.
    fn write_keys(&self, out: &mut ArgList);
    /// Appends the arguments, `ARGV[1]` first.
    fn write_args(&self, out: &mut ArgList);
}

/// The keys of a declared call, as [`Args`].
pub(crate) struct KeysOf<'p, P: ?Sized>(pub(crate) &'p P);

/// The arguments of a declared call, as [`Args`].
pub(crate) struct ArgvOf<'p, P: ?Sized>(pub(crate) &'p P);

impl<P: Params + ?Sized> Args for KeysOf<'_, P> {
    fn write_args(&self, out: &mut ArgList) {
        self.0.write_keys(out);
    }
}

impl<P: Params + ?Sized> Args for ArgvOf<'_, P> {
    fn write_args(&self, out: &mut ArgList) {
        self.0.write_args(out);
    }
}

/// Encoded values (keys, arguments, command words): one buffer and the end offset of each value.
///
/// A call writes its keys and then its arguments into one list, and a batch all of its entries into
/// one, so that a call costs no allocation per value; [`Values`] names a run of values inside it.
/// `Debug` shows how many values and bytes, never the bytes themselves.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ArgList {
    bytes: Vec<u8>,
    /// Kept inline for the few values of a typical call, so that it costs one allocation, not two.
    ends: SmallVec<[usize; 6]>,
}

/// A run of values inside an [`ArgList`]: the keys or the arguments of a call, or the words of a
/// command, as transports read them. Cheap to copy; `Debug` shows only how many values there are.
#[derive(Clone, Copy)]
pub struct Values<'a> {
    list: &'a ArgList,
    /// The positions of the values in `list`: `first..end`.
    first: usize,
    end: usize,
}

impl<'a> Values<'a> {
    /// How many values there are.
    pub fn len(&self) -> usize {
        self.end - self.first
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.end == self.first
    }

    /// The total size of the values, in bytes.
    pub fn byte_len(&self) -> usize {
        self.list.offset(self.end) - self.list.offset(self.first)
    }

    /// The values, in order.
    #[inline]
    pub fn iter(self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + 'a {
        ValueIter {
            bytes: &self.list.bytes,
            start: self.list.offset(self.first),
            ends: self
                .list
                .ends
                .get(self.first..self.end)
                .unwrap_or_default()
                .iter(),
        }
    }

    /// These values and then `next`, as one run, when `next` follows them in the same list (as a
    /// call's arguments follow its keys).
    #[inline]
    #[cfg(feature = "resp")]
    pub(crate) fn followed_by(self, next: Values<'a>) -> Option<Values<'a>> {
        (std::ptr::eq(self.list, next.list) && self.end == next.first).then_some(Values {
            list: self.list,
            first: self.first,
            end: next.end,
        })
    }

    /// The first value (a command's name).
    pub fn first(self) -> Option<&'a [u8]> {
        self.iter().next()
    }
}

/// The values of a run, each from the end of the one before it to its own end.
#[derive(Clone)]
struct ValueIter<'a> {
    bytes: &'a [u8],
    /// Where the next value begins.
    start: usize,
    ends: std::slice::Iter<'a, usize>,
}

impl<'a> Iterator for ValueIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let end = *self.ends.next()?;
        let value = self.bytes.get(self.start..end).unwrap_or_default();
        self.start = end;
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for ValueIter<'_> {}

impl std::fmt::Debug for Values<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Values({} values, {} bytes)",
            self.len(),
            self.byte_len()
        )
    }
}

impl std::fmt::Debug for ArgList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ArgList({} values, {} bytes)",
            self.len(),
            self.byte_len()
        )
    }
}

impl ArgList {
    /// Encodes a list of values.
    pub fn new(args: &(impl Args + ?Sized)) -> Self {
        let mut list = ArgList::default();
        args.write_args(&mut list);
        list
    }

    /// Appends one value.
    pub fn push(&mut self, arg: &(impl Arg + ?Sized)) {
        if self.bytes.capacity() == 0 {
            // Room for a typical call (a few short values) at once, instead of growing from nothing;
            // an empty list allocates nothing.
            self.bytes.reserve(64);
        }
        arg.write_arg(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// How many values there are.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The total size of the encoded values, in bytes.
    #[inline]
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The encoded values, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + Clone + '_ {
        self.values().iter()
    }

    /// All the values, as a [`Values`] run.
    pub fn values(&self) -> Values<'_> {
        self.values_in(0..self.ends.len())
    }

    /// The values at positions `range` (clamped to those there are).
    #[inline]
    pub(crate) fn values_in(&self, range: std::ops::Range<usize>) -> Values<'_> {
        let end = range.end.min(self.ends.len());
        Values {
            list: self,
            first: range.start.min(end),
            end,
        }
    }

    /// Where the value at position `i` begins (the end of the list for `i == len()`).
    #[inline]
    fn offset(&self, i: usize) -> usize {
        match i.checked_sub(1) {
            Some(previous) => self.ends[previous],
            None => 0,
        }
    }
}

impl<A: Arg + ?Sized> Arg for &A {
    fn write_arg(&self, out: &mut Vec<u8>) {
        (**self).write_arg(out)
    }
}

macro_rules! bytes_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                let bytes: &[u8] = self.as_ref();
                out.extend_from_slice(bytes);
            }
        }
    )*};
}
bytes_arg!(str, String, [u8], Vec<u8>, Box<[u8]>, Arc<[u8]>, Rc<[u8]>);

macro_rules! str_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(self.as_bytes());
            }
        }
    )*};
}
str_arg!(Box<str>, Rc<str>, Arc<str>);

impl<const N: usize> Arg for [u8; N] {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl Arg for Cow<'_, str> {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Arg for Cow<'_, [u8]> {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

/// Writes through `fmt` without an intermediate `String`.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

macro_rules! integer_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}
integer_arg!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl Arg for char {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

macro_rules! float_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                // Rust prints the shortest text that parses back to the same value; infinities as Redis
                // spells them in ZADD and friends.
                if self.is_infinite() {
                    out.extend_from_slice(if *self > 0.0 { b"inf" } else { b"-inf" });
                } else {
                    let _ = write!(Bytes(out), "{}", self);
                }
            }
        }
    )*};
}
float_arg!(f32, f64);

impl Arg for bool {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.push(if *self { b'1' } else { b'0' });
    }
}

impl Args for () {
    const COUNT: Option<usize> = Some(0);

    fn write_args(&self, _: &mut ArgList) {}
}

impl<A: Args + ?Sized> Args for &A {
    const COUNT: Option<usize> = A::COUNT;

    fn write_args(&self, out: &mut ArgList) {
        (**self).write_args(out)
    }
}

impl<A: Arg, const N: usize> Args for [A; N] {
    const COUNT: Option<usize> = Some(N);

    #[inline]
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl<A: Arg> Args for [A] {
    #[inline]
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl<A: Arg> Args for Vec<A> {
    #[inline]
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl Args for ArgList {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl Args for Values<'_> {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: Arg),+> Args for ($($name,)+) {
            const COUNT: Option<usize> = Some([$(stringify!($name)),+].len());

            #[allow(non_snake_case)]
            fn write_args(&self, out: &mut ArgList) {
                let ($($name,)+) = self;
                $(out.push($name);)+
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A B);
tuple_args!(A B C);
tuple_args!(A B C D);
tuple_args!(A B C D E);
tuple_args!(A B C D E F);
tuple_args!(A B C D E F G);
tuple_args!(A B C D E F G H);
tuple_args!(A B C D E F G H I);
tuple_args!(A B C D E F G H I J);
tuple_args!(A B C D E F G H I J K);
tuple_args!(A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(args: impl Args) -> Vec<Vec<u8>> {
        ArgList::new(&args).iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn values_encode_as_redis_expects() {
        assert_eq!(
            encode(("a", 42, -7i8, 2.5, 0.1f64, true, false, 'x')),
            [&b"a"[..], b"42", b"-7", b"2.5", b"0.1", b"1", b"0", b"x"]
        );
        assert_eq!(
            encode([f64::INFINITY, f64::NEG_INFINITY]),
            [b"inf".to_vec(), b"-inf".to_vec()]
        );
        assert_eq!(encode(()), Vec::<Vec<u8>>::new());
        assert_eq!(encode(["", "b"]), [b"".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn bytes_are_kept_exactly() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(encode([&all]), vec![all.clone()]);
        assert_eq!(
            encode((&all[..], String::from("é"))),
            [all, "é".as_bytes().to_vec()]
        );
    }

    #[test]
    fn runs_of_values_read_back_their_part_of_the_list() {
        let list = ArgList::new(&("k1", "k2", 42, "", "last"));
        let keys = list.values_in(0..2);
        let args = list.values_in(2..5);
        assert_eq!(keys.iter().collect::<Vec<_>>(), [&b"k1"[..], b"k2"]);
        assert_eq!(args.iter().collect::<Vec<_>>(), [&b"42"[..], b"", b"last"]);
        assert_eq!((keys.len(), keys.byte_len()), (2, 4));
        assert_eq!((args.len(), args.byte_len()), (3, 6));
        assert_eq!(args.first(), Some(&b"42"[..]));
        assert!(list.values_in(5..9).is_empty());
        assert_eq!(list.values_in(5..9).byte_len(), 0);
        assert_eq!(format!("{args:?}"), "Values(3 values, 6 bytes)");
        assert_eq!(format!("{list:?}"), "ArgList(5 values, 10 bytes)");
        assert_eq!(
            encode((i64::MIN, u128::MAX, 'é')),
            [
                b"-9223372036854775808".to_vec(),
                b"340282366920938463463374607431768211455".to_vec(),
                "é".as_bytes().to_vec()
            ]
        );
    }

    #[test]
    fn slices_vectors_and_references_work() {
        let owned = vec![String::from("k1"), String::from("k2")];
        assert_eq!(encode(&owned[..]).len(), 2);
        assert_eq!(encode(&owned).len(), 2);
        assert_eq!(
            encode(vec![1u64, 2, 3]),
            [b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
        );
    }
}
