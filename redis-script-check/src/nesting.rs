//! `[[` inside a `[[...]]` string or comment: Redis loads it, the stock Lua 5.1.5 the checker compiles
//! refuses it ("nesting of [[...]] is deprecated").
//!
//! Stock 5.1.5 is built with `LUA_COMPAT_LSTR 1`, whose lexer raises that error; the Lua inside Redis
//! 7.0 and 8.2 and Valkey 9.1 behaves as built without it (`SCRIPT LOAD "return [[ a [[ b ]]"` gives a
//! SHA-1, and the string ends at the first `]]`). So before compiling, the second `[` of every `[[`
//! inside a level-0 long bracket becomes a space: same length, same lines, same tokens, and the
//! compiler no longer sees a nesting. Finding those brackets takes the lexer's own rules for what
//! opens them: `[[` or `[=[` in code, `--[[` after a comment start, never inside a short string.

use std::borrow::Cow;
use std::ops::Range;

/// The text to compile, and the long strings it changed (their whole tokens).
pub(crate) struct Masked<'a> {
    pub(crate) text: Cow<'a, str>,
    strings: Vec<Range<usize>>,
}

/// Masks the nested `[[` of `body`.
pub(crate) fn mask(body: &str) -> Masked<'_> {
    let bytes = body.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut strings = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some((level, open)) = long_open(bytes, i) {
                    i = long_bracket(bytes, i, i + open, level, &mut out).0.end;
                } else {
                    while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                        i += 1;
                    }
                }
            }
            b'[' => match long_open(bytes, i) {
                Some((level, open)) => {
                    let (token, masked) = long_bracket(bytes, i, i + open, level, &mut out);
                    i = token.end;
                    if masked {
                        strings.push(token);
                    }
                }
                None => i += 1,
            },
            quote @ (b'"' | b'\'') => i = short_string_end(bytes, i + 1, quote),
            _ => i += 1,
        }
    }
    let text = match out {
        // Only `[` became ` `, ASCII for ASCII: still UTF-8.
        Some(out) => Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| body.to_owned())),
        None => Cow::Borrowed(body),
    };
    Masked { text, strings }
}

impl Masked<'_> {
    /// The compiler names a long string by its text (`near '[[ a [ b ]]'`): put back what was masked.
    pub(crate) fn unmask(&self, original: &str, message: &str) -> String {
        for token in &self.strings {
            let (Some(masked), Some(original)) =
                (self.text.get(token.clone()), original.get(token.clone()))
            else {
                continue;
            };
            let (masked, original) = (as_lexed(masked), as_lexed(original));
            let quoted = format!("near '{masked}'");
            if masked != original && message.contains(&quoted) {
                return message.replacen(&quoted, &format!("near '{original}'"), 1);
            }
        }
        message.to_owned()
    }
}

/// `[`, `=`s, `[` at `at`: the level and the length of the opening.
fn long_open(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    let level = bytes[at + 1..].iter().take_while(|&&b| b == b'=').count();
    (bytes.get(at + 1 + level) == Some(&b'[')).then_some((level, level + 2))
}

/// Scans a long bracket whose content starts at `from`, masking nested `[[` at level 0: the token's
/// range, to its closing bracket or the end of the text, and whether anything was masked.
fn long_bracket(
    bytes: &[u8],
    start: usize,
    from: usize,
    level: usize,
    out: &mut Option<Vec<u8>>,
) -> (Range<usize>, bool) {
    let mut masked = false;
    let mut k = from;
    while k < bytes.len() {
        let current = |k: usize, out: &Option<Vec<u8>>| out.as_ref().map_or(bytes[k], |o| o[k]);
        if bytes[k] == b']'
            && bytes[k + 1..].iter().take(level).all(|&b| b == b'=')
            && bytes.get(k + 1 + level) == Some(&b']')
        {
            return (start..k + level + 2, masked);
        }
        if level == 0 && current(k, out) == b'[' && bytes.get(k + 1) == Some(&b'[') {
            out.get_or_insert_with(|| bytes.to_vec())[k + 1] = b' ';
            masked = true;
        }
        k += 1;
    }
    (start..bytes.len(), masked)
}

/// The end of a short string whose content starts at `from`: after its closing quote, or at the line
/// break or end of text where it stops unfinished (an error either way).
fn short_string_end(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut k = from;
    while k < bytes.len() {
        match bytes[k] {
            b if b == quote => return k + 1,
            b'\n' | b'\r' => return k,
            b'\\' => {
                k += 1;
                // An escaped line break is one, whichever of \r\n, \n\r, \n, \r it is.
                if let Some(&first @ (b'\n' | b'\r')) = bytes.get(k)
                    && bytes
                        .get(k + 1)
                        .is_some_and(|&next| matches!(next, b'\n' | b'\r') && next != first)
                {
                    k += 1;
                }
                k += 1;
            }
            _ => k += 1,
        }
    }
    k
}

/// A long string's text as the lexer keeps it: a line break right after the opening dropped, every
/// line break (`\r\n`, `\n\r`, `\n`, `\r`) one `\n`.
fn as_lexed(token: &str) -> String {
    let level = token[1..].bytes().take_while(|&b| b == b'=').count();
    let (open, rest) = token.split_at((level + 2).min(token.len()));
    let mut out = String::from(open);
    let mut chars = rest.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            if chars
                .peek()
                .is_some_and(|&n| (n == '\n' || n == '\r') && n != c)
            {
                chars.next();
            }
            if !first {
                out.push('\n');
            }
        } else {
            out.push(c);
        }
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nested_openings_in_level_zero_brackets_are_masked() {
        for (body, masked) in [
            ("return [[ a [[ b ]]", "return [[ a [  b ]]"),
            ("--[[ a [[[ b", "--[[ a [ [ b"),
            ("return [=[ a [[ b ]=]", "return [=[ a [[ b ]=]"),
            ("return '[[', \"[[\" -- [[", "return '[[', \"[[\" -- [["),
            (
                "return 'it''s' .. [[ [[ ]] .. [[ ok ]]",
                "return 'it''s' .. [[ [  ]] .. [[ ok ]]",
            ),
            (
                "return 'a\\\n[[' .. [[ [[ ]]",
                "return 'a\\\n[[' .. [[ [  ]]",
            ),
            ("local t = a[[[x]]]", "local t = a[[[x]]]"),
        ] {
            assert_eq!(mask(body).text, masked, "{body:?}");
        }
    }

    #[test]
    fn messages_name_the_string_as_written() {
        let body = "return 1 [[\n a [[ b ]]";
        let masked = mask(body);
        let message = "user_script:2: '<eof>' expected near '[[ a [  b ]]'";
        assert_eq!(
            masked.unmask(body, message),
            "user_script:2: '<eof>' expected near '[[ a [[ b ]]'"
        );
    }
}
