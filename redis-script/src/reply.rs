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
    /// An error reply nested inside an array, as its raw text `CODE message` (`ERR x`); a script's
    /// `{err = "..."}` or `redis.error_reply` inside a table becomes this.
    ///
    /// A top-level error reply is an [`Err`](crate::Error), never a `Reply`. Decoding this into anything
    /// but `Reply`, `()`, unit structs and `IgnoredAny` fails: an error is not a value (nor `None`).
    Error(String),
}

/// Longest part of a string shown by [`Reply`]'s `Display`, in bytes.
const SHOWN_BYTES: usize = 100;
/// Most items of an array, set or map shown by [`Reply`]'s `Display`.
const SHOWN_ITEMS: usize = 8;
/// Deepest nesting shown by [`Reply`]'s `Display`.
const SHOWN_DEPTH: usize = 4;

/// A short one-line rendering, in the spirit of `redis-cli`: integers and doubles bare, strings quoted
/// and escaped, `nil`, `[a, b]` for arrays, `~[a, b]` for sets, `{k: v}` for maps, status replies and
/// big numbers bare, nested errors as `(error) ERR x`.
///
/// Bounded, so that it can go into error messages and logs: strings, status, big numbers and errors are
/// cut after 100 bytes, collections after 8 items and 4 levels, each cut marked with `...`.
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
        Reply::Status(s) => write_bare(f, s),
        Reply::Double(d) => write!(f, "{d:?}"),
        Reply::Boolean(b) => write!(f, "{b}"),
        Reply::BigNumber(n) => write_bare(f, n),
        Reply::Error(e) => {
            f.write_str("(error) ")?;
            write_bare(f, e)
        }
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

/// Writes text as it is, cut after [`SHOWN_BYTES`] at a character boundary and marked with `...`.
fn write_bare(f: &mut dyn std::fmt::Write, text: &str) -> std::fmt::Result {
    if text.len() <= SHOWN_BYTES {
        return f.write_str(text);
    }
    let mut end = SHOWN_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    write!(f, "{}...({} bytes)", &text[..end], text.len())
}

/// Writes bytes as a double-quoted string with Rust escapes; invalid UTF-8 as `\xNN`.
pub(crate) fn write_quoted(f: &mut dyn std::fmt::Write, bytes: &[u8]) -> std::fmt::Result {
    f.write_char('"')?;
    let mut end = bytes.len().min(SHOWN_BYTES);
    // Back off to the start of a character cut in two (at most 3 continuation bytes).
    for _ in 0..3 {
        match bytes.get(end) {
            Some(b) if end > 0 && (b & 0xC0) == 0x80 => end -= 1,
            _ => break,
        }
    }
    let shown = &bytes[..end];
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
