//! The library's code as Lua reads it, which the tree does not: line breaks Lua counts otherwise,
//! its line numbers, and the NUL where Valkey stops reading it.

use crate::{Kind, Options, Problem};

use super::{Function, check_library};

/// True when Valkey is among the servers the library must load on: none named, or a Valkey.
pub(super) fn covers_valkey(options: &Options) -> bool {
    options.servers.is_empty() || options.servers.iter().any(|s| s.starts_with("valkey"))
}

/// `body` for the tree with each line break Lua counts (`\n`, `\r`, `\r\n`, `\n\r`) one `\n`, the
/// tree's only one (a lone `\r` ends a comment for Lua), one byte for one so that positions hold.
/// (NUL bytes the tree reads as Lua does itself: [`crate::syntax::tree`].)
pub(super) fn as_lexed(body: &str) -> std::borrow::Cow<'_, str> {
    if !body.contains('\r') {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = body.as_bytes().to_vec();
    let mut i = 0;
    while i < out.len() {
        let first = out[i];
        if first == b'\n' || first == b'\r' {
            out[i] = b'\n';
            if out
                .get(i + 1)
                .is_some_and(|&next| (next == b'\n' || next == b'\r') && next != first)
            {
                out[i + 1] = b' ';
                i += 1;
            }
        }
        i += 1;
    }
    // ASCII bytes replaced by ASCII bytes: still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| body.to_owned()))
}

/// Valkey 9.1 compiles a library's code only up to its first NUL byte (Redis, like Lua, reads on):
/// the problem when the text before `nul` is not the same library to it.
pub(super) fn valkey_before_nul(
    written: &str,
    text: &str,
    nul: usize,
    functions: &[Function],
    options: &Options,
) -> Option<Problem> {
    let line = lua_line_starts(text).partition_point(|&start| start <= nul);
    let what = match check_library(written, &text[..nul], options) {
        Err(problems) => {
            let refused = problems.iter().find(|p| p.redis_refuses_loading())?;
            let said = refused.message().lines().next().unwrap_or_default();
            format!("refuses what comes before it: {said}")
        }
        Ok(before) => {
            let seen = |functions: &[Function]| {
                functions
                    .iter()
                    .map(|f| (f.name.clone(), f.flags.clone()))
                    .collect::<Vec<_>>()
            };
            if seen(before.functions()) == seen(functions) {
                return None;
            }
            let names: Vec<&str> = before.functions().iter().map(Function::name).collect();
            format!("registers only what comes before it: {}", names.join(", "))
        }
    };
    Some(Problem::new(
        Kind::Library,
        Some(line),
        format!(
            "the code holds a NUL byte, and Valkey 9.1 reads a library's code only up to \
             its first one, so it {what}. Write the byte as \\0 in a string"
        ),
    ))
}

/// Where each line of `body` starts, as Lua counts lines (`\n`, `\r`, `\r\n` and `\n\r` each end
/// one), so that lines are Redis's.
pub(super) fn lua_line_starts(body: &str) -> Vec<usize> {
    let bytes = body.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            let pair = bytes
                .get(i + 1)
                .is_some_and(|&next| (next == b'\n' || next == b'\r') && next != b);
            i += if pair { 2 } else { 1 };
            starts.push(i);
        } else {
            i += 1;
        }
    }
    starts
}
