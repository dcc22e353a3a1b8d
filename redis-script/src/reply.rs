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
