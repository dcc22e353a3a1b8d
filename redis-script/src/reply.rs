//! The reply model: every value a RESP2 or RESP3 server (or the Upstash REST API) can send back.

/// A reply from the server, before it is decoded into a Rust type.
///
/// Covers RESP2 and RESP3. Use `Reply` itself as the `T` of a script to look at a reply as it came.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// RESP nil / RESP3 null; Lua `false` and `nil` become this.
    Nil,
    /// An integer; Lua numbers become this, truncated toward zero.
    Int(i64),
    /// A bulk string: arbitrary bytes; Lua strings become this.
    Bulk(Vec<u8>),
    /// A status reply such as `OK`; `{ok = "..."}` / `redis.status_reply` become this.
    Status(String),
    /// An array; Lua tables become this, up to their first nil.
    Array(Vec<Reply>),
    /// A RESP3 double.
    Double(f64),
    /// A RESP3 boolean.
    Boolean(bool),
    /// A RESP3 map, in the order the server sent it.
    Map(Vec<(Reply, Reply)>),
    /// A RESP3 set.
    Set(Vec<Reply>),
    /// A RESP3 big number, as its decimal text.
    BigNumber(String),
    /// A RESP3 verbatim string with its format (`txt`, `mkd`).
    Verbatim {
        /// The three-letter format.
        format: String,
        /// The text.
        text: String,
    },
}

/// Longest part of a string shown by [`Reply`]'s `Display`, in bytes.
const SHOWN_BYTES: usize = 100;
/// Most items of an array, set or map shown by [`Reply`]'s `Display`.
const SHOWN_ITEMS: usize = 8;
/// Deepest nesting shown by [`Reply`]'s `Display`.
const SHOWN_DEPTH: usize = 4;

/// A short one-line rendering, in the spirit of `redis-cli`: integers and doubles bare, strings quoted
/// and escaped, `nil`, `[a, b]` for arrays, `~[a, b]` for sets, `{k: v}` for maps, status replies bare.
///
/// Bounded, so that it can go into error messages and logs: strings are cut after 100 bytes, collections
/// after 8 items and 4 levels, each cut marked with `...`.
impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_reply(f, self, 0, false)
    }
}

/// What the decoder leaves in place of a value it moved out: a verbatim string without a format, which
/// no server sends.
pub(crate) const TAKEN: Reply = Reply::Verbatim {
    format: String::new(),
    text: String::new(),
};

/// Writes `reply`; with `taken`, values moved out by the decoder are shown as `_`.
pub(crate) fn write_reply(
    f: &mut dyn std::fmt::Write,
    reply: &Reply,
    depth: usize,
    taken: bool,
) -> std::fmt::Result {
    if taken
        && matches!(reply, Reply::Verbatim { format, text } if format.is_empty() && text.is_empty())
    {
        return f.write_str("_");
    }
    match reply {
        Reply::Nil => f.write_str("nil"),
        Reply::Int(i) => write!(f, "{i}"),
        Reply::Bulk(bytes) => write_quoted(f, bytes),
        Reply::Status(s) => f.write_str(s),
        Reply::Double(d) => write!(f, "{d:?}"),
        Reply::Boolean(b) => write!(f, "{b}"),
        Reply::BigNumber(n) => f.write_str(n),
        Reply::Verbatim { text, .. } => write_quoted(f, text.as_bytes()),
        Reply::Array(items) => write_items(f, "[", "]", items.iter().map(Item::One), depth, taken),
        Reply::Set(items) => write_items(f, "~[", "]", items.iter().map(Item::One), depth, taken),
        Reply::Map(pairs) => write_items(
            f,
            "{",
            "}",
            pairs.iter().map(|(k, v)| Item::Pair(k, v)),
            depth,
            taken,
        ),
    }
}

enum Item<'a> {
    One(&'a Reply),
    Pair(&'a Reply, &'a Reply),
}

fn write_items<'a>(
    f: &mut dyn std::fmt::Write,
    open: &str,
    close: &str,
    items: impl ExactSizeIterator<Item = Item<'a>>,
    depth: usize,
    taken: bool,
) -> std::fmt::Result {
    let len = items.len();
    f.write_str(open)?;
    if depth >= SHOWN_DEPTH && len > 0 {
        f.write_str("...")?;
        return f.write_str(close);
    }
    for (i, item) in items.take(SHOWN_ITEMS).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match item {
            Item::One(reply) => write_reply(f, reply, depth + 1, taken)?,
            Item::Pair(key, value) => {
                write_reply(f, key, depth + 1, taken)?;
                f.write_str(": ")?;
                write_reply(f, value, depth + 1, taken)?;
            }
        }
    }
    if len > SHOWN_ITEMS {
        write!(f, ", ...{} more", len - SHOWN_ITEMS)?;
    }
    f.write_str(close)
}

/// Writes bytes as a double-quoted string with Rust escapes; invalid UTF-8 as `\xNN`.
fn write_quoted(f: &mut dyn std::fmt::Write, bytes: &[u8]) -> std::fmt::Result {
    f.write_char('"')?;
    let shown = &bytes[..bytes.len().min(SHOWN_BYTES)];
    for chunk in shown.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\'' => f.write_char('\'')?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_char('"')?;
    if bytes.len() > SHOWN_BYTES {
        write!(f, "...({} bytes)", bytes.len())?;
    }
    Ok(())
}
