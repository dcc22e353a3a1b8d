//! KEYS and ARGV: how Rust values become the byte strings a script receives.
//!
//! Redis hands every key and argument to Lua as a string, so each value is encoded once, into one
//! buffer, and the same encoding serves EVALSHA and a fallback EVAL.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

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
    /// Appends each value to `out`.
    fn write_args(&self, out: &mut ArgList);
}

/// Encoded keys or arguments: one buffer and the end offset of each value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArgList {
    bytes: Vec<u8>,
    ends: Vec<usize>,
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
        if self.ends.capacity() == 0 {
            // Room for a typical call (a few short values) at once, instead of growing from nothing;
            // an empty list allocates nothing.
            self.ends.reserve(4);
            self.bytes.reserve(64);
        }
        arg.write_arg(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The total size of the encoded values, in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The encoded values, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + Clone + '_ {
        (0..self.ends.len()).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.bytes[start..self.ends[i]]
        })
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

macro_rules! display_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                // Writing into a Vec can not fail.
                let _ = write!(Bytes(out), "{}", self);
            }
        }
    )*};
}
display_arg!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, char
);

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
    fn write_args(&self, _: &mut ArgList) {}
}

impl<A: Args + ?Sized> Args for &A {
    fn write_args(&self, out: &mut ArgList) {
        (**self).write_args(out)
    }
}

impl<A: Arg, const N: usize> Args for [A; N] {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl<A: Arg> Args for [A] {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl<A: Arg> Args for Vec<A> {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

impl Args for ArgList {
    fn write_args(&self, out: &mut ArgList) {
        self.iter().for_each(|a| out.push(a));
    }
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: Arg),+> Args for ($($name,)+) {
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
