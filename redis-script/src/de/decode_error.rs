//! [`DecodeError`]: which type was wanted, what arrived, where inside it decoding failed, and why.

use std::fmt;

use crate::Reply;

/// A reply that does not fit the requested Rust type.
///
/// Its text names the type, shows the reply (bounded: long strings and collections are cut), the place
/// inside the reply where decoding failed and the reason:
///
/// ```text
/// can not decode reply [1000, 150, "abc"] as Stats: at [2] (field `ratio`): expected a float, got bulk string "abc"
/// ```
///
/// In the reply shown, strings already moved into the partly built value appear as `_`.
#[derive(Clone, Debug)]
pub struct DecodeError {
    expected: String,
    reply: String,
    /// Innermost first while the error travels up; reversed by [`DecodeError::finish`].
    path: Vec<Segment>,
    reason: String,
    /// The script whose reply it was, once the call has said.
    pub(crate) script: crate::label::Label,
}

/// One step into a reply.
#[derive(Clone, Debug)]
pub(crate) enum Segment {
    /// An item of an array or set, with the struct field it was read into.
    Index(usize, Option<&'static str>),
    /// The value of a map entry, by its key as shown.
    Key(String),
    /// The value of a map entry whose key was already moved out.
    Entry(usize),
    /// The key of a map entry.
    KeyOf(usize),
}

impl DecodeError {
    /// An error with this reason at the current place.
    pub(crate) fn new(reason: impl Into<String>) -> DecodeError {
        DecodeError {
            expected: String::new(),
            reply: String::new(),
            path: Vec::new(),
            reason: reason.into(),
            script: None,
        }
    }

    /// `expected <what>, got <the reply>`.
    pub(crate) fn mismatch(what: &str, got: &Reply) -> DecodeError {
        DecodeError::new(format!("expected {what}, got {}", Described(got)))
    }

    /// Adds the step through which the error travels up.
    pub(crate) fn at(mut self, segment: Segment) -> DecodeError {
        self.path.push(segment);
        self
    }

    /// Completes the error at the top: the type wanted and the reply as it is now.
    pub(crate) fn finish(mut self, expected: &'static str, reply: &Reply) -> DecodeError {
        self.path.reverse();
        self.expected = short_type_name(expected);
        let mut shown = String::new();
        let _ = crate::reply::write_reply(&mut shown, reply, 0, true);
        self.reply = shown;
        self
    }

    /// The Rust type the reply was to be decoded into, with standard library paths shortened
    /// (`Vec<String>`, `my_crate::Stats`).
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// The reply, rendered short as by [`Reply`]'s `Display`.
    pub fn reply(&self) -> &str {
        &self.reply
    }

    /// Where inside the reply decoding failed, such as `[2]`, `.ratio` or `[0].views`; empty at the top.
    pub fn path(&self) -> String {
        let mut out = String::new();
        let _ = self.write_path(&mut out);
        out
    }

    /// Why the value there did not fit.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    fn write_path(&self, f: &mut dyn fmt::Write) -> fmt::Result {
        for segment in &self.path {
            match segment {
                Segment::Index(i, _) => write!(f, "[{i}]")?,
                Segment::Key(key) => f.write_str(key)?,
                Segment::Entry(i) => write!(f, "[entry {i}]")?,
                Segment::KeyOf(i) => write!(f, "[key of entry {i}]")?,
            }
        }
        if let Some(Segment::Index(_, Some(field))) = self.path.last() {
            write!(f, " (field `{field}`)")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.expected.is_empty() {
            write!(
                f,
                "can not decode reply {} as {}: ",
                self.reply, self.expected
            )?;
        }
        if !self.path.is_empty() {
            f.write_str("at ")?;
            self.write_path(f)?;
            f.write_str(": ")?;
        }
        f.write_str(&self.reason)?;
        crate::label::about(f, &self.script)
    }
}

impl std::error::Error for DecodeError {}

impl serde::de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError::new(msg.to_string())
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        DecodeError::new(format!("expected {exp}, got {unexp}"))
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        DecodeError::new(format!("expected {exp}, got {unexp}"))
    }

    fn invalid_length(len: usize, exp: &dyn serde::de::Expected) -> Self {
        DecodeError::new(format!("expected {exp}, got {len} items"))
    }
}

/// A reply described for an error: its kind and a short rendering.
pub(crate) struct Described<'a>(pub(crate) &'a Reply);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Reply::Nil => return f.write_str("nil"),
            Reply::Int(_) => "integer",
            Reply::Bulk(_) => "bulk string",
            Reply::Status(_) => "status",
            Reply::Array(_) => "array",
            Reply::Double(_) => "double",
            Reply::Boolean(_) => "boolean",
            Reply::Map(_) => "map",
            Reply::Set(_) => "set",
            Reply::BigNumber(_) => "big number",
            Reply::Verbatim { .. } => "verbatim string",
            // Quoted: the text of an error is what a user searches for in the message.
            Reply::Error(text) => {
                f.write_str("error reply ")?;
                return crate::reply::write_quoted(f, text.as_bytes());
            }
        };
        write!(f, "{kind} {}", self.0)
    }
}

/// `alloc::vec::Vec<alloc::string::String>` -> `Vec<String>`: paths into the standard library are cut to
/// their last segment; other paths are kept, they say which crate a type is from.
fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let (path, tail) = rest.split_at(end);
        let std_path = ["alloc::", "core::", "std::"]
            .iter()
            .any(|p| path.starts_with(p));
        match path.rsplit_once("::") {
            Some((_, last)) if std_path => out.push_str(last),
            _ => out.push_str(path),
        }
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn standard_library_paths_are_shortened() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<alloc::string::String>"),
            "Vec<String>"
        );
        assert_eq!(
            short_type_name("(i64, core::option::Option<my_crate::Stats>, [u8; 4], &str)"),
            "(i64, Option<my_crate::Stats>, [u8; 4], &str)"
        );
    }
}
