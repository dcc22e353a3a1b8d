#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::{DecodeError, Reply, from_reply};

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn status(s: &str) -> Reply {
    Reply::Status(s.to_owned())
}

fn array(items: impl IntoIterator<Item = Reply>) -> Reply {
    Reply::Array(items.into_iter().collect())
}

fn ok<T: serde::de::DeserializeOwned>(reply: Reply) -> T {
    match from_reply(reply) {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(reply: Reply) -> DecodeError {
    match from_reply::<T>(reply) {
        Ok(value) => panic!("decoded into {value:?}"),
        Err(e) => e,
    }
}

fn message<T: serde::de::DeserializeOwned + std::fmt::Debug>(reply: Reply) -> String {
    err::<T>(reply).to_string()
}

/// Bytes through `deserialize_byte_buf`, as `serde_bytes::ByteBuf` asks for them.
#[derive(Debug, PartialEq)]
struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// Bytes through `deserialize_bytes` (borrowed, copied by the visitor).
#[derive(Debug, PartialEq)]
struct BorrowedBytes(Vec<u8>);

impl<'de> Deserialize<'de> for BorrowedBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BorrowedBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<BorrowedBytes, E> {
                Ok(BorrowedBytes(v.to_vec()))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Stats {
    views: i64,
    likes: i64,
    ratio: f64,
}

#[test]
fn integers_of_every_width() {
    assert_eq!(ok::<i64>(Reply::Int(-5)), -5);
    assert_eq!(ok::<i8>(Reply::Int(-128)), -128);
    assert_eq!(ok::<i16>(Reply::Int(300)), 300);
    assert_eq!(ok::<i32>(Reply::Int(70_000)), 70_000);
    assert_eq!(ok::<i128>(Reply::Int(i64::MIN)), i128::from(i64::MIN));
    assert_eq!(ok::<u8>(Reply::Int(255)), 255);
    assert_eq!(ok::<u16>(Reply::Int(65_535)), 65_535);
    assert_eq!(ok::<u32>(Reply::Int(7)), 7);
    assert_eq!(ok::<u64>(Reply::Int(i64::MAX)), i64::MAX as u64);
    assert_eq!(ok::<u128>(Reply::Int(1)), 1);
    assert_eq!(ok::<usize>(Reply::Int(3)), 3);
    assert_eq!(ok::<isize>(Reply::Int(-3)), -3);
}

#[test]
fn integers_from_strings_doubles_and_big_numbers() {
    assert_eq!(ok::<i64>(bulk("42")), 42);
    assert_eq!(ok::<i64>(bulk("-42")), -42);
    assert_eq!(ok::<u64>(status("18446744073709551615")), u64::MAX);
    assert_eq!(ok::<i64>(Reply::Double(3.0)), 3);
    assert_eq!(ok::<u8>(Reply::Double(-0.0)), 0);
    assert_eq!(
        ok::<i128>(Reply::BigNumber(
            "170141183460469231731687303715884105727".into()
        )),
        i128::MAX
    );
    assert_eq!(
        ok::<u32>(Reply::Verbatim {
            format: "txt".into(),
            text: "9".into()
        }),
        9
    );
}

#[test]
fn integer_overflow_is_an_error() {
    assert_eq!(
        message::<u8>(Reply::Int(256)),
        "can not decode reply 256 as u8: integer 256 does not fit in u8"
    );
    assert_eq!(
        message::<u64>(Reply::Int(-1)),
        "can not decode reply -1 as u64: integer -1 does not fit in u64"
    );
    assert_eq!(
        message::<i8>(bulk("128")),
        "can not decode reply \"128\" as i8: integer 128 does not fit in i8"
    );
    assert_eq!(
        message::<i64>(bulk("99999999999999999999")),
        "can not decode reply \"99999999999999999999\" as i64: \
         integer 99999999999999999999 does not fit in i64"
    );
    assert_eq!(
        message::<i16>(Reply::Double(1e6)),
        "can not decode reply 1000000.0 as i16: integer 1000000 does not fit in i16"
    );
}

#[test]
fn integers_refuse_what_is_not_an_integer() {
    assert_eq!(
        message::<i64>(bulk("abc")),
        "can not decode reply \"abc\" as i64: expected an integer (i64), got bulk string \"abc\""
    );
    assert_eq!(
        message::<i64>(Reply::Double(2.5)),
        "can not decode reply 2.5 as i64: expected an integer (i64), got double 2.5"
    );
    assert_eq!(
        message::<i64>(bulk("2.0")),
        "can not decode reply \"2.0\" as i64: expected an integer (i64), got bulk string \"2.0\""
    );
    assert_eq!(
        message::<i64>(Reply::Nil),
        "can not decode reply nil as i64: expected an integer (i64), got nil"
    );
    assert_eq!(
        message::<u32>(Reply::Boolean(true)),
        "can not decode reply true as u32: expected an integer (u32), got boolean true"
    );
    assert_eq!(
        message::<i64>(array([Reply::Int(1)])),
        "can not decode reply [1] as i64: expected an integer (i64), got array [1]"
    );
    assert!(from_reply::<i64>(Reply::Double(f64::NAN)).is_err());
    assert!(from_reply::<i64>(Reply::Double(f64::INFINITY)).is_err());
    assert!(from_reply::<i64>(Reply::Double(9.3e18)).is_err());
}

#[test]
fn floats_from_doubles_integers_and_strings() {
    assert_eq!(ok::<f64>(Reply::Double(1.5)), 1.5);
    assert_eq!(ok::<f64>(Reply::Int(2)), 2.0);
    assert_eq!(ok::<f64>(bulk("0.15")), 0.15);
    assert_eq!(ok::<f64>(bulk("1e+100")), 1e100);
    assert_eq!(ok::<f64>(bulk("inf")), f64::INFINITY);
    assert_eq!(ok::<f64>(bulk("-inf")), f64::NEG_INFINITY);
    assert!(ok::<f64>(bulk("nan")).is_nan());
    assert!(ok::<f64>(bulk("-nan")).is_nan());
    assert_eq!(ok::<f64>(status("3.25")), 3.25);
    assert_eq!(ok::<f64>(Reply::BigNumber("12".into())), 12.0);
    assert_eq!(ok::<f32>(bulk("0.5")), 0.5);
    assert_eq!(ok::<f32>(Reply::Double(0.25)), 0.25);
    assert_eq!(ok::<f32>(Reply::Int(-4)), -4.0);
}

#[test]
fn floats_refuse_what_is_not_a_number() {
    assert_eq!(
        message::<f64>(bulk("abc")),
        "can not decode reply \"abc\" as f64: expected a float, got bulk string \"abc\""
    );
    assert_eq!(
        message::<f64>(Reply::Nil),
        "can not decode reply nil as f64: expected a float, got nil"
    );
    assert_eq!(
        message::<f32>(Reply::Boolean(false)),
        "can not decode reply false as f32: expected a float, got boolean false"
    );
}

#[test]
fn booleans_follow_lua() {
    assert!(ok::<bool>(Reply::Int(1)));
    assert!(!ok::<bool>(Reply::Int(0)));
    assert!(!ok::<bool>(Reply::Nil));
    assert!(ok::<bool>(Reply::Boolean(true)));
    assert!(!ok::<bool>(Reply::Boolean(false)));
    assert!(ok::<bool>(bulk("1")));
    assert!(!ok::<bool>(bulk("0")));
    assert!(ok::<bool>(status("true")));
    assert!(!ok::<bool>(bulk("false")));
    assert_eq!(
        message::<bool>(Reply::Int(2)),
        "can not decode reply 2 as bool: expected a boolean, got integer 2"
    );
    assert_eq!(
        message::<bool>(bulk("yes")),
        "can not decode reply \"yes\" as bool: expected a boolean, got bulk string \"yes\""
    );
    assert_eq!(ok::<Option<bool>>(Reply::Nil), None);
}

#[test]
fn strings_from_text_replies_and_numbers() {
    assert_eq!(ok::<String>(bulk("héllo")), "héllo");
    assert_eq!(ok::<String>(status("OK")), "OK");
    assert_eq!(
        ok::<String>(Reply::Verbatim {
            format: "txt".into(),
            text: "some text".into()
        }),
        "some text"
    );
    assert_eq!(ok::<String>(Reply::BigNumber("123".into())), "123");
    assert_eq!(ok::<String>(Reply::Int(-7)), "-7");
    assert_eq!(ok::<String>(Reply::Double(0.5)), "0.5");
    assert_eq!(&*ok::<Box<str>>(bulk("boxed")), "boxed");
    assert_eq!(ok::<char>(bulk("é")), 'é');
}

#[test]
fn strings_refuse_other_replies() {
    assert_eq!(
        message::<String>(Reply::Bulk(vec![b'a', 0xff])),
        "can not decode reply \"a\\xff\" as String: expected a string, got bulk string \"a\\xff\""
    );
    assert_eq!(
        message::<String>(Reply::Nil),
        "can not decode reply nil as String: expected a string, got nil"
    );
    assert_eq!(
        message::<String>(Reply::Boolean(true)),
        "can not decode reply true as String: expected a string, got boolean true"
    );
    assert_eq!(
        message::<char>(bulk("ab")),
        "can not decode reply \"ab\" as char: expected a single character, got bulk string \"ab\""
    );
    assert!(from_reply::<char>(Reply::Int(1)).is_err());
}

#[test]
fn bytes_from_any_string() {
    let binary = vec![0, 159, 146, 150, 255];
    assert_eq!(ok::<ByteBuf>(Reply::Bulk(binary.clone())).0, binary);
    assert_eq!(ok::<BorrowedBytes>(Reply::Bulk(binary.clone())).0, binary);
    assert_eq!(ok::<ByteBuf>(status("OK")).0, b"OK");
    assert_eq!(ok::<BorrowedBytes>(status("OK")).0, b"OK");
    // `Vec<u8>` asks for a sequence: a bulk string gives its bytes.
    assert_eq!(ok::<Vec<u8>>(Reply::Bulk(binary.clone())), binary);
    assert_eq!(ok::<Vec<u8>>(array([Reply::Int(1), Reply::Int(2)])), [1, 2]);
    assert_eq!(
        message::<ByteBuf>(Reply::Int(1)),
        "can not decode reply 1 as redis_script::de::tests::ByteBuf: \
         expected a byte string, got integer 1"
    );
    assert_eq!(
        message::<Vec<String>>(bulk("ab")),
        "can not decode reply \"ab\" as Vec<String>: expected an array (a bulk string is read as \
         a sequence of u8 only), got bulk string \"ab\""
    );
}

#[test]
fn options_are_none_for_nil() {
    assert_eq!(ok::<Option<i64>>(Reply::Nil), None);
    assert_eq!(ok::<Option<i64>>(Reply::Int(3)), Some(3));
    assert_eq!(
        ok::<Vec<Option<String>>>(array([bulk("a"), Reply::Nil])),
        [Some("a".to_owned()), None]
    );
    assert_eq!(
        message::<Option<i64>>(bulk("x")),
        "can not decode reply \"x\" as Option<i64>: expected an integer (i64), got bulk string \"x\""
    );
}

#[test]
fn sequences_from_arrays_sets_nil_and_maps() {
    assert_eq!(
        ok::<Vec<i64>>(array([Reply::Int(1), bulk("2"), Reply::Int(3)])),
        [1, 2, 3]
    );
    assert_eq!(
        ok::<Vec<String>>(Reply::Set(vec![bulk("a"), bulk("b")])),
        ["a", "b"]
    );
    assert_eq!(
        ok::<std::collections::BTreeSet<i64>>(Reply::Set(vec![Reply::Int(2), Reply::Int(1)])),
        [1, 2].into()
    );
    assert_eq!(ok::<Vec<i64>>(Reply::Nil), Vec::<i64>::new());
    assert_eq!(ok::<Vec<i64>>(array([])), Vec::<i64>::new());
    assert_eq!(
        ok::<Vec<(String, i64)>>(Reply::Map(vec![
            (bulk("a"), Reply::Int(1)),
            (bulk("b"), Reply::Int(2))
        ])),
        [("a".to_owned(), 1), ("b".to_owned(), 2)]
    );
    assert_eq!(
        ok::<Vec<Vec<i64>>>(array([array([Reply::Int(1)]), array([])])),
        [vec![1], vec![]]
    );
}

#[test]
fn sequence_errors_name_the_item() {
    assert_eq!(
        message::<Vec<i64>>(array([Reply::Int(1), bulk("x")])),
        "can not decode reply [1, \"x\"] as Vec<i64>: at [1]: expected an integer (i64), got bulk string \"x\""
    );
    assert_eq!(
        message::<Vec<i64>>(Reply::Int(1)),
        "can not decode reply 1 as Vec<i64>: expected an array, got integer 1"
    );
    assert_eq!(
        message::<Vec<(String, i64)>>(Reply::Map(vec![(bulk("a"), bulk("x"))])),
        "can not decode reply {_: \"x\"} as Vec<(String, i64)>: at [entry 0][1]: \
         expected an integer (i64), got bulk string \"x\""
    );
    assert_eq!(
        message::<Vec<Vec<i64>>>(array([array([]), array([Reply::Int(1), Reply::Nil])])),
        "can not decode reply [[], [1, nil]] as Vec<Vec<i64>>: at [1][1]: expected an integer (i64), got nil"
    );
}

#[test]
fn moved_strings_show_as_underscores() {
    assert_eq!(
        message::<(String, i64)>(array([bulk("name"), bulk("x")])),
        "can not decode reply [_, \"x\"] as (String, i64): at [1]: expected an integer (i64), got bulk string \"x\""
    );
}

#[test]
fn tuples_need_exactly_their_length() {
    assert_eq!(
        ok::<(i64, String, f64)>(array([Reply::Int(1), bulk("a"), bulk("0.5")])),
        (1, "a".to_owned(), 0.5)
    );
    assert_eq!(
        message::<(i64, i64)>(array([Reply::Int(1)])),
        "can not decode reply [1] as (i64, i64): expected an array of 2 items, got array [1]"
    );
    assert_eq!(
        message::<(i64, i64)>(array([Reply::Int(1), Reply::Int(2), Reply::Int(3)])),
        "can not decode reply [1, 2, 3] as (i64, i64): expected an array of 2 items, got array [1, 2, 3]"
    );
    assert_eq!(
        message::<(i64, i64)>(Reply::Nil),
        "can not decode reply nil as (i64, i64): expected an array of 2 items, got nil"
    );
    assert_eq!(ok::<[u8; 2]>(array([Reply::Int(1), Reply::Int(2)])), [1, 2]);

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair(i64, String);
    assert_eq!(
        ok::<Pair>(array([Reply::Int(1), bulk("a")])),
        Pair(1, "a".to_owned())
    );
    assert!(message::<Pair>(array([Reply::Int(1)])).contains("expected an array of 2 items"));
}

#[test]
fn structs_from_arrays_by_position() {
    let reply = array([Reply::Int(1000), Reply::Int(150), bulk("0.15")]);
    assert_eq!(
        ok::<Stats>(reply),
        Stats {
            views: 1000,
            likes: 150,
            ratio: 0.15
        }
    );
}

#[test]
fn struct_errors_name_position_and_field() {
    let e = err::<Stats>(array([Reply::Int(1000), Reply::Int(150), bulk("abc")]));
    assert_eq!(
        e.to_string(),
        "can not decode reply [1000, 150, \"abc\"] as redis_script::de::tests::Stats: \
         at [2] (field `ratio`): expected a float, got bulk string \"abc\""
    );
    assert_eq!(e.expected(), "redis_script::de::tests::Stats");
    assert_eq!(e.reply(), "[1000, 150, \"abc\"]");
    assert_eq!(e.path(), "[2] (field `ratio`)");
    assert_eq!(e.reason(), "expected a float, got bulk string \"abc\"");

    assert_eq!(
        message::<Stats>(array([Reply::Int(1), Reply::Int(2)])),
        "can not decode reply [1, 2] as redis_script::de::tests::Stats: \
         expected struct Stats with 3 elements, got 2 items"
    );
    assert_eq!(
        message::<Stats>(array([
            Reply::Int(1),
            Reply::Int(2),
            Reply::Int(3),
            Reply::Int(4)
        ])),
        "can not decode reply [1, 2, 3, 4] as redis_script::de::tests::Stats: \
         expected an array of 3 items (one per field) or a map, got array [1, 2, 3, 4]"
    );
    assert_eq!(
        message::<Stats>(Reply::Int(1)),
        "can not decode reply 1 as redis_script::de::tests::Stats: \
         expected an array or a map, got integer 1"
    );
    assert_eq!(
        message::<Vec<Stats>>(array([array([Reply::Int(1), Reply::Nil, Reply::Int(1)])])),
        "can not decode reply [[1, nil, 1]] as Vec<redis_script::de::tests::Stats>: \
         at [0][1] (field `likes`): expected an integer (i64), got nil"
    );
}

#[test]
fn structs_from_maps_and_hgetall_arrays_by_name() {
    let expected = Stats {
        views: 1,
        likes: 2,
        ratio: 0.5,
    };
    let map = Reply::Map(vec![
        (bulk("ratio"), Reply::Double(0.5)),
        (bulk("views"), Reply::Int(1)),
        (bulk("extra"), Reply::Boolean(true)),
        (bulk("likes"), Reply::Int(2)),
    ]);
    assert_eq!(ok::<Stats>(map), expected);
    let flat = array([
        bulk("likes"),
        bulk("2"),
        bulk("views"),
        bulk("1"),
        bulk("ratio"),
        bulk("0.5"),
    ]);
    assert_eq!(ok::<Stats>(flat), expected);

    #[derive(Debug, Deserialize, PartialEq)]
    struct User {
        name: String,
        email: Option<String>,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Profile {
        name: String,
        email: Option<String>,
        age: Option<u32>,
    }
    // A hash without the optional fields.
    assert_eq!(
        ok::<Profile>(array([bulk("name"), bulk("ann")])),
        Profile {
            name: "ann".into(),
            email: None,
            age: None
        }
    );
    // As many items as fields, but a field name and its value: still a hash.
    assert_eq!(
        ok::<User>(array([bulk("name"), bulk("ann")])),
        User {
            name: "ann".into(),
            email: None
        }
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct Pair {
    a: String,
    b: String,
}

#[test]
fn positional_arrays_that_look_like_hashes_fail_loudly() {
    // Values that happen to equal field names make the array read by name; the fields it then lacks
    // are an error, never a silently wrong value.
    let e = err::<Pair>(array([bulk("b"), bulk("a")]));
    assert!(e.to_string().contains("missing field `a`"), "{e}");
    #[derive(Debug, Deserialize, PartialEq)]
    struct Four {
        a: String,
        x: String,
        b: String,
        y: String,
    }
    let e = err::<Four>(array([bulk("a"), bulk("x"), bulk("b"), bulk("y")]));
    assert!(e.to_string().contains("missing field"), "{e}");
    // An item that names no field keeps the array positional.
    assert_eq!(
        ok::<Four>(array([bulk("1"), bulk("2"), bulk("3"), bulk("4")])),
        Four {
            a: "1".into(),
            x: "2".into(),
            b: "3".into(),
            y: "4".into()
        }
    );
    // The same four items are field names and values for a struct of two fields.
    assert_eq!(
        ok::<Pair>(array([bulk("a"), bulk("x"), bulk("b"), bulk("y")])),
        Pair {
            a: "x".into(),
            b: "y".into()
        }
    );
    #[derive(Debug, Deserialize, PartialEq)]
    struct One {
        a: i64,
    }
    assert_eq!(ok::<One>(array([status("a"), bulk("7")])), One { a: 7 });
}

#[derive(Debug, Deserialize, PartialEq)]
struct Three {
    a: i64,
    b: i64,
    c: i64,
}

#[test]
fn arrays_are_read_by_name_only_when_every_even_item_names_a_new_field() {
    // A field named twice: positional, and too long for two fields.
    assert_eq!(
        message::<Pair>(array([bulk("a"), bulk("1"), bulk("a"), bulk("2")])),
        "can not decode reply [\"a\", \"1\", \"a\", \"2\"] as redis_script::de::tests::Pair: \
         expected an array of 2 items (one per field) or a map, got array [\"a\", \"1\", \"a\", \"2\"]"
    );
    // An even item that names no field.
    assert_eq!(
        message::<Pair>(array([bulk("a"), bulk("1"), bulk("c"), bulk("2")])),
        "can not decode reply [\"a\", \"1\", \"c\", \"2\"] as redis_script::de::tests::Pair: \
         expected an array of 2 items (one per field) or a map, got array [\"a\", \"1\", \"c\", \"2\"]"
    );
    // Names must be strings: an integer key is a value.
    assert_eq!(
        message::<Three>(array([
            Reply::Int(1),
            Reply::Int(2),
            bulk("b"),
            Reply::Int(4)
        ])),
        "can not decode reply [1, 2, \"b\", 4] as redis_script::de::tests::Three: \
         expected an array of 3 items (one per field) or a map, got array [1, 2, \"b\", 4]"
    );
    // An odd length is never read by name.
    assert_eq!(
        ok::<Three>(array([bulk("3"), bulk("2"), bulk("1")])),
        Three { a: 3, b: 2, c: 1 }
    );
}

#[test]
fn struct_from_map_errors_name_the_field() {
    assert_eq!(
        message::<Stats>(Reply::Map(vec![(bulk("views"), bulk("many"))])),
        "can not decode reply {\"views\": \"many\"} as redis_script::de::tests::Stats: \
         at .views: expected an integer (i64), got bulk string \"many\""
    );
    assert_eq!(
        message::<Stats>(Reply::Map(vec![(bulk("views"), Reply::Int(1))])),
        "can not decode reply {\"views\": 1} as redis_script::de::tests::Stats: missing field `likes`"
    );
    assert_eq!(
        message::<Stats>(array([
            bulk("views"),
            Reply::Int(1),
            bulk("likes"),
            Reply::Int(2),
            bulk("ratio"),
            Reply::Nil
        ])),
        "can not decode reply [\"views\", 1, \"likes\", 2, \"ratio\", nil] as \
         redis_script::de::tests::Stats: at .ratio: expected a float, got nil"
    );
}

#[test]
fn maps_from_resp3_maps_and_flat_arrays() {
    let hgetall = array([bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
    let map: HashMap<String, i64> = ok(hgetall);
    assert_eq!(map, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
    let resp3 = Reply::Map(vec![
        (bulk("x"), Reply::Double(1.5)),
        (Reply::Int(2), Reply::Nil),
    ]);
    let map: BTreeMap<String, Option<f64>> = ok(resp3);
    assert_eq!(
        map,
        BTreeMap::from([("x".into(), Some(1.5)), ("2".into(), None)])
    );
    assert_eq!(ok::<HashMap<String, i64>>(Reply::Nil), HashMap::new());
    let by_number: BTreeMap<i64, String> = ok(array([Reply::Int(1), bulk("one")]));
    assert_eq!(by_number, BTreeMap::from([(1, "one".into())]));
}

#[test]
fn map_errors_name_the_key() {
    assert_eq!(
        message::<HashMap<String, i64>>(array([bulk("a")])),
        "can not decode reply [\"a\"] as HashMap<String, i64>: \
         expected a map or an array of keys and values, got array [\"a\"]"
    );
    // The key was moved into the map: the position in the flat array names the value.
    assert_eq!(
        message::<HashMap<String, i64>>(array([bulk("a"), bulk("x")])),
        "can not decode reply [_, \"x\"] as HashMap<String, i64>: \
         at [1]: expected an integer (i64), got bulk string \"x\""
    );
    assert_eq!(
        message::<BTreeMap<String, i64>>(Reply::Map(vec![(bulk("k"), bulk("x"))])),
        "can not decode reply {_: \"x\"} as BTreeMap<String, i64>: \
         at [entry 0]: expected an integer (i64), got bulk string \"x\""
    );
    assert_eq!(
        message::<BTreeMap<i64, i64>>(Reply::Map(vec![
            (bulk("1"), Reply::Int(1)),
            (bulk("k"), Reply::Int(1))
        ])),
        "can not decode reply {\"1\": 1, \"k\": 1} as BTreeMap<i64, i64>: \
         at [key of entry 1]: expected an integer (i64), got bulk string \"k\""
    );
    assert_eq!(
        message::<BTreeMap<i64, i64>>(Reply::Map(vec![(Reply::Int(1), bulk("v"))])),
        "can not decode reply {1: \"v\"} as BTreeMap<i64, i64>: \
         at [1]: expected an integer (i64), got bulk string \"v\""
    );
    assert!(from_reply::<HashMap<String, i64>>(Reply::Int(1)).is_err());
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Allowed,
    Limited,
    Retry(u64),
    Moved { to: String },
}

#[test]
fn enums_from_names_and_one_entry_maps() {
    assert_eq!(ok::<Outcome>(bulk("allowed")), Outcome::Allowed);
    assert_eq!(ok::<Outcome>(status("limited")), Outcome::Limited);
    assert_eq!(
        ok::<Outcome>(Reply::Map(vec![(bulk("retry"), Reply::Int(5))])),
        Outcome::Retry(5)
    );
    assert_eq!(
        ok::<Outcome>(Reply::Map(vec![(
            bulk("moved"),
            Reply::Map(vec![(bulk("to"), bulk("b"))])
        )])),
        Outcome::Moved { to: "b".into() }
    );
    assert_eq!(
        message::<Outcome>(bulk("other")),
        "can not decode reply \"other\" as redis_script::de::tests::Outcome: \
         unknown variant `other`, expected one of `allowed`, `limited`, `retry`, `moved`"
    );
    assert_eq!(
        message::<Outcome>(bulk("retry")),
        "can not decode reply \"retry\" as redis_script::de::tests::Outcome: \
         expected a map of the variant name to its value, got a variant name alone"
    );
    assert_eq!(
        message::<Outcome>(Reply::Int(1)),
        "can not decode reply 1 as redis_script::de::tests::Outcome: \
         expected a variant name or a map of one variant to its value, got integer 1"
    );
}

#[test]
fn unit_accepts_any_reply() {
    ok::<()>(Reply::Nil);
    ok::<()>(status("OK"));
    ok::<()>(array([Reply::Int(1), bulk("x")]));
    #[derive(Debug, Deserialize)]
    struct Done;
    ok::<Done>(Reply::Int(1));
    ok::<serde::de::IgnoredAny>(Reply::Map(vec![(Reply::Nil, Reply::Nil)]));
    let (n, _): (i64, serde::de::IgnoredAny) = ok(array([Reply::Int(1), array([Reply::Nil])]));
    assert_eq!(n, 1);
}

#[derive(Debug, Deserialize, PartialEq)]
struct Views(u64);

#[test]
fn newtypes_are_transparent() {
    assert_eq!(ok::<Views>(Reply::Int(3)), Views(3));
    assert_eq!(ok::<Vec<Views>>(array([bulk("4")])), [Views(4)]);
    assert_eq!(
        message::<Views>(Reply::Int(-3)),
        "can not decode reply -3 as redis_script::de::tests::Views: integer -3 does not fit in u64"
    );
}

fn every_variant() -> Reply {
    array([
        Reply::Nil,
        Reply::Int(-1),
        Reply::Bulk(vec![0, 255, b'a']),
        bulk("text"),
        status("OK"),
        Reply::Double(1.5),
        Reply::Boolean(true),
        Reply::Map(vec![(bulk("k"), Reply::Set(vec![Reply::Int(1)]))]),
        Reply::Set(vec![bulk("m")]),
        Reply::BigNumber("123456789012345678901234567890".into()),
        Reply::Verbatim {
            format: "txt".into(),
            text: "v".into(),
        },
        array([array([])]),
    ])
}

#[test]
fn replies_decode_into_reply_exactly() {
    let reply = every_variant();
    let Reply::Array(items) = reply.clone() else {
        unreachable!()
    };
    for item in items {
        assert_eq!(ok::<Reply>(item.clone()), item);
    }
    assert_eq!(ok::<Reply>(reply.clone()), reply);
    assert_eq!(ok::<Option<Reply>>(Reply::Nil), None);
    assert_eq!(ok::<Option<Reply>>(status("OK")), Some(status("OK")));
    // Inside other types too.
    let (n, rest): (i64, Vec<Reply>) = ok(array([
        Reply::Int(1),
        Reply::Set(vec![status("a"), Reply::Double(2.0)]),
    ]));
    assert_eq!((n, rest), (1, vec![status("a"), Reply::Double(2.0)]));
    let map: HashMap<String, Reply> = ok(Reply::Map(vec![(bulk("x"), status("y"))]));
    assert_eq!(map["x"], status("y"));
}

#[test]
fn replies_decode_from_other_formats() {
    let json = r#"{"a": [1, -2, 1.5, "s", null, true, 18446744073709551615]}"#;
    let reply: Reply = serde_json::from_str(json).unwrap();
    assert_eq!(
        reply,
        Reply::Map(vec![(
            bulk("a"),
            array([
                Reply::Int(1),
                Reply::Int(-2),
                Reply::Double(1.5),
                bulk("s"),
                Reply::Nil,
                Reply::Boolean(true),
                Reply::BigNumber("18446744073709551615".into()),
            ])
        )])
    );
}

#[test]
fn json_values_decode_through_any() {
    use serde_json::json;
    // JSON has no byte strings: binary replies do not fit a `serde_json::Value`.
    assert_eq!(
        message::<serde_json::Value>(Reply::Bulk(vec![0xff])),
        "can not decode reply \"\\xff\" as serde_json::value::Value: \
         expected any valid JSON value, got byte array"
    );
    let Reply::Array(mut items) = every_variant() else {
        unreachable!()
    };
    items.remove(2);
    let value: serde_json::Value = ok(Reply::Array(items));
    assert_eq!(
        value,
        json!([
            null,
            -1,
            "text",
            "OK",
            1.5,
            true,
            {"k": [1]},
            ["m"],
            "123456789012345678901234567890",
            "v",
            [[]]
        ])
    );
    let value: serde_json::Value = ok(Reply::BigNumber("18446744073709551615".into()));
    assert_eq!(value, json!(u64::MAX));
}

#[test]
fn untagged_enums_decode_through_any() {
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    assert_eq!(ok::<Either>(Reply::Int(1)), Either::Number(1));
    assert_eq!(ok::<Either>(bulk("x")), Either::Text("x".into()));
}

#[test]
fn long_replies_are_cut_in_messages() {
    let long = "x".repeat(300);
    let items: Vec<Reply> = (0..20).map(Reply::Int).collect();
    let e = err::<i64>(array([bulk(&long), Reply::Array(items)]));
    let shown = e.reply();
    assert!(shown.starts_with(&format!("[\"{}\"...(300 bytes), [0, 1", "x".repeat(100))));
    assert!(shown.ends_with("6, 7, ...12 more]]"), "{shown}");
    let deep = (0..10).fold(Reply::Int(0), |inner, _| array([inner]));
    assert_eq!(deep.to_string(), "[[[[[...]]]]]");
}

#[test]
fn reply_display_is_like_redis_cli() {
    let shown = every_variant().to_string();
    assert_eq!(
        shown,
        "[nil, -1, \"\\0\\xff\\x61\", \"text\", OK, 1.5, true, {\"k\": ~[1]}, ...4 more]"
            .replace("\\x61", "a")
    );
    assert_eq!(Reply::Bulk(b"a\"b\n".to_vec()).to_string(), "\"a\\\"b\\n\"");
    assert_eq!(Reply::Double(f64::NEG_INFINITY).to_string(), "-inf");
}

fn nested_error() -> Reply {
    array([bulk("a"), Reply::Error("ERR x".into()), bulk("c")])
}

#[test]
fn nested_errors_are_not_values() {
    let e = err::<Vec<String>>(nested_error());
    assert_eq!(
        e.to_string(),
        "can not decode reply [_, (error) ERR x, \"c\"] as Vec<String>: \
         at [1]: expected a string, got error reply \"ERR x\""
    );
    assert_eq!(e.path(), "[1]");
    // An error is not `None`, nor any other value.
    let error = || Reply::Error("MYERR y".into());
    let reason = "got error reply \"MYERR y\"";
    assert!(err::<Option<String>>(error()).reason().ends_with(reason));
    assert!(
        err::<Vec<Option<String>>>(array([error()]))
            .reason()
            .ends_with(reason)
    );
    assert!(err::<i64>(error()).reason().ends_with(reason));
    assert!(err::<f64>(error()).reason().ends_with(reason));
    assert!(err::<bool>(error()).reason().ends_with(reason));
    assert!(err::<char>(error()).reason().ends_with(reason));
    assert!(err::<Vec<u8>>(error()).reason().ends_with(reason));
    assert!(err::<ByteBuf>(error()).reason().ends_with(reason));
    assert!(err::<Stats>(error()).reason().ends_with(reason));
    assert!(
        err::<HashMap<String, String>>(error())
            .reason()
            .ends_with(reason)
    );
    assert!(err::<Outcome>(error()).reason().ends_with(reason));
    assert!(
        err::<serde_json::Value>(array([error()]))
            .reason()
            .ends_with(reason)
    );
    assert!(
        err::<Pair>(Reply::Map(vec![(bulk("a"), error())]))
            .reason()
            .ends_with(reason)
    );
}

#[test]
fn nested_errors_are_kept_by_reply_and_ignored_by_unit() {
    assert_eq!(ok::<Reply>(nested_error()), nested_error());
    let (first, rest): (String, Vec<Reply>) =
        ok(array([bulk("a"), array([Reply::Error("E".into())])]));
    assert_eq!(
        (first.as_str(), rest),
        ("a", vec![Reply::Error("E".into())])
    );
    ok::<()>(nested_error());
    #[derive(Debug, Deserialize)]
    struct Done;
    ok::<Done>(nested_error());
    ok::<serde::de::IgnoredAny>(nested_error());
    let (a, _, c): (String, serde::de::IgnoredAny, String) = ok(nested_error());
    assert_eq!((a.as_str(), c.as_str()), ("a", "c"));
}

#[test]
fn nested_errors_display_like_redis_cli() {
    assert_eq!(nested_error().to_string(), "[\"a\", (error) ERR x, \"c\"]");
}

#[test]
fn status_big_number_verbatim_and_errors_are_cut_in_messages() {
    // 201 bytes; byte 100 falls inside an `é`, so the cut backs off to byte 99.
    let text = format!("a{}", "é".repeat(100));
    let cut = format!("a{}...(201 bytes)", "é".repeat(49));
    assert_eq!(status(&text).to_string(), cut);
    assert_eq!(
        Reply::Error(text.clone()).to_string(),
        format!("(error) {cut}")
    );
    let verbatim = Reply::Verbatim {
        format: "txt".into(),
        text: text.clone(),
    };
    assert_eq!(
        verbatim.to_string(),
        format!("\"a{}\"...(201 bytes)", "é".repeat(49))
    );
    let digits = "1".repeat(300);
    assert_eq!(
        Reply::BigNumber(digits).to_string(),
        format!("{}...(300 bytes)", "1".repeat(100))
    );
    // Short ones are shown whole.
    assert_eq!(status("OK").to_string(), "OK");
    assert_eq!(Reply::BigNumber("12".into()).to_string(), "12");
    // The decode error built from a long error reply stays bounded.
    let e = err::<i64>(Reply::Error(format!("ERR {}", "z".repeat(1000))));
    assert!(e.to_string().len() < 400, "{e}");
}

#[test]
fn errors_are_serde_errors() {
    use serde::de::Error as _;
    let e = DecodeError::custom("bad");
    assert_eq!(e.to_string(), "bad");
    assert_eq!(e.path(), "");
}

#[test]
fn flat_pairs_decode_as_pairs_in_order() {
    // ZRANGE k 0 -1 WITHSCORES under RESP2: member, score, ...
    let zrange = array([
        bulk("b"),
        bulk("1"),
        bulk("a"),
        bulk("2.5"),
        bulk("c"),
        bulk("inf"),
    ]);
    assert_eq!(
        ok::<Vec<(String, f64)>>(zrange),
        [
            ("b".to_owned(), 1.0),
            ("a".to_owned(), 2.5),
            ("c".to_owned(), f64::INFINITY)
        ]
    );
    // Under RESP3: one [member, score] array per member.
    let nested = array([
        array([bulk("b"), Reply::Double(1.0)]),
        array([bulk("a"), Reply::Double(2.5)]),
    ]);
    assert_eq!(
        ok::<Vec<(String, f64)>>(nested),
        [("b".to_owned(), 1.0), ("a".to_owned(), 2.5)]
    );
    // HGETALL, and a Lua table of names and values; tuple structs of two too.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Field(String, i64);
    let flat = array([bulk("x"), Reply::Int(1), status("y"), bulk("2")]);
    assert_eq!(
        ok::<Vec<Field>>(flat.clone()),
        [Field("x".into(), 1), Field("y".into(), 2)]
    );
    assert_eq!(
        ok::<Vec<(String, String)>>(flat),
        [
            ("x".to_owned(), "1".to_owned()),
            ("y".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(ok::<Vec<(String, i64)>>(array([])), []);
    assert_eq!(ok::<Vec<(String, i64)>>(Reply::Nil), []);
    // Sequences of anything but pairs, and tuples of other lengths, read items one by one.
    assert_eq!(
        ok::<Vec<(i64,)>>(array([array([Reply::Int(1)]), array([Reply::Int(2)])])),
        [(1,), (2,)]
    );
    assert_eq!(ok::<Vec<String>>(array([bulk("a"), bulk("b")])), ["a", "b"]);
    // A tuple of two items, exactly, is not a sequence of pairs.
    assert_eq!(
        ok::<(String, i64)>(array([bulk("a"), Reply::Int(1)])),
        ("a".to_owned(), 1)
    );
}

#[test]
fn flat_pair_errors_name_the_item() {
    assert_eq!(
        message::<Vec<(String, f64)>>(array([bulk("a"), bulk("1"), bulk("b"), bulk("x")])),
        "can not decode reply [_, \"1\", _, \"x\"] as Vec<(String, f64)>: at [3]: expected a \
         float, got bulk string \"x\""
    );
    assert_eq!(
        message::<Vec<(String, i64)>>(array([bulk("a"), Reply::Int(1), bulk("b")])),
        "can not decode reply [_, 1, \"b\"] as Vec<(String, i64)>: at [2]: \
         expected an array of 2 items, or a key followed by its value (this flat array of keys and \
         values has an odd number of items), got bulk string \"b\""
    );
}
