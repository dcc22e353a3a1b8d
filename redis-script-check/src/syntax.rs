//! Lua 5.1 syntax, the language Redis embeds.
//!
//! The authority is Redis's own compiler: Lua 5.1.5, built from source by the build script and called
//! through [`crate::compiler`], loading the body as Redis does (`luaL_loadbuffer` of the text after the
//! shebang line, named `@user_script`, never as a precompiled chunk). Its message is Redis's
//! (`user_script:3: '=' expected near 'x'`). [`crate::lua`] then parses the same body, with the same
//! grammar, into the tree the command checks walk: the compiler, not the tree, decides what builds.

use crate::compiler::Compiler;
use crate::lua::ast::Ast;
use crate::nesting;

/// A syntax error: 1-based line and column, the compiler's message and the source line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
    /// That line of the body, as Lua counts lines.
    pub(crate) source: String,
}

/// Compiles `body` as Redis does, without running it.
pub(crate) fn compile(body: &str) -> Result<(), SyntaxError> {
    // Redis never loads precompiled chunks: text that starts like one is read as text, where the
    // escape byte is a stray symbol.
    if body.starts_with('\x1b') {
        return Err(SyntaxError {
            line: 1,
            column: 1,
            message: "unexpected symbol near 'char(27)'".to_owned(),
            source: lua_line(body, 1).1.to_owned(),
        });
    }
    let lua = Compiler::new().ok_or_else(|| SyntaxError {
        line: 1,
        column: 1,
        message: "the Lua compiler could not start: not enough memory".to_owned(),
        source: String::new(),
    })?;
    let masked = nesting::mask(body);
    let Some(message) = lua.load(masked.text.as_bytes()) else {
        return Ok(());
    };
    let mut error = located(&lua, &masked.text, &message);
    // As Redis replies: what was masked put back, line breaks (in a string named) as spaces.
    error.message = masked
        .unmask(body, &error.message)
        .replace(['\r', '\n'], " ");
    error.source = lua_line(body, error.line).1.to_owned();
    Err(error)
}

/// `user_script:3: '=' expected near 'x'`: the line, the message, and the column of the token named.
///
/// Lua names the line and the token, not the column. Of the places on that line where the token's
/// text appears, it is the last one before which the text still compiles or fails otherwise (only at
/// its end): the text up to any later place already holds the error. That holds for errors inside a
/// token too (a bad escape: the place is the string's opening quote). Found by bisection, so that a
/// long line costs a few compilations.
fn located(lua: &Compiler, body: &str, message: &str) -> SyntaxError {
    let (line, text) = message
        .split_once("user_script:")
        .and_then(|(_, rest)| rest.split_once(": "))
        .and_then(|(line, text)| Some((line.parse::<usize>().ok()?, text)))
        .unwrap_or((1, message));
    let line = line.max(1);
    let (line_start, source) = lua_line(body, line);
    let near = text
        .rsplit_once(" near '")
        .and_then(|(_, token)| token.strip_suffix('\''));
    let at = match near {
        Some("<eof>") => Some(source.len()),
        Some(token) if !token.is_empty() => {
            let places = places(source, token);
            let before_error = places.partition_point(|&at| {
                lua.load(&body.as_bytes()[..line_start + at]).as_deref() != Some(message)
            });
            places.get(before_error.saturating_sub(1)).copied()
        }
        _ => None,
    };
    SyntaxError {
        line,
        column: at.map_or(1, |at| source[..at].chars().count() + 1),
        message: text.to_owned(),
        source: source.to_owned(),
    }
}

/// Line `n` (1-based) of `body` as Lua counts lines, where `\n`, `\r`, `\r\n` and `\n\r` each end
/// one, and the byte offset it starts at. Past the end: the end, empty.
fn lua_line(body: &str, n: usize) -> (usize, &str) {
    let bytes = body.as_bytes();
    let mut start = 0;
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            if line == n {
                return (start, &body[start..i]);
            }
            let pair = bytes
                .get(i + 1)
                .is_some_and(|&next| (next == b'\n' || next == b'\r') && next != b);
            i += if pair { 2 } else { 1 };
            start = i;
            line += 1;
        } else {
            i += 1;
        }
    }
    if line == n {
        (start, &body[start..])
    } else {
        (body.len(), "")
    }
}

/// Where on `source` the token Lua names as `near` may start: its text, or for a control character
/// (`char(1)`) that byte, or for a byte that is not text on its own (the first of a multi-byte
/// character, shown as U+FFFD) any such character.
fn places(source: &str, near: &str) -> Vec<usize> {
    let control = near
        .strip_prefix("char(")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|code| code.parse::<u8>().ok());
    match control {
        Some(byte) => source
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == byte)
            .map(|(at, _)| at)
            .collect(),
        None if near.starts_with('\u{FFFD}') => source
            .char_indices()
            .filter(|(_, c)| !c.is_ascii())
            .map(|(at, _)| at)
            .collect(),
        None => source.match_indices(near).map(|(at, _)| at).collect(),
    }
}

/// Parses `body` (which the compiler accepted) into the tree the command checks walk; `None` when
/// it can not be (it can be whenever the compiler accepted it: the grammar is the same).
pub(crate) fn tree(body: &str) -> Option<Ast> {
    if !body.contains('\0') {
        return crate::lua::parse(body).ok();
    }
    let mut lexed = body.as_bytes().to_vec();
    lex_nuls(&mut lexed);
    crate::lua::parse(std::str::from_utf8(&lexed).ok()?).ok()
}

/// Each NUL byte of `bytes` as Lua 5.1's lexer reads it, one byte for one so that positions hold.
/// After a `.`, the lexer tests the next byte with `strchr(".", c)`, which finds the NUL that ends
/// the C string: `.` and a NUL make `..` (and `..` and a NUL `...`), so the NUL is a dot. Elsewhere a
/// NUL in a chunk that compiles is in a string or a comment: a blank. (The tree's tokenizer refuses
/// NUL, which skipped every check that reads the tree.)
fn lex_nuls(bytes: &mut [u8]) {
    for i in 0..bytes.len() {
        if bytes[i] == 0 {
            bytes[i] = if i > 0 && bytes[i - 1] == b'.' {
                b'.'
            } else {
                b' '
            };
        }
    }
}

/// Constructs of Lua 5.2-5.4 that people write by habit, and what to use in Redis's Lua 5.1.
fn later_lua_hint(source: &str) -> Option<&'static str> {
    let code = source.split("--").next().unwrap_or_default();
    let has_word = |word: &str| {
        code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == word)
    };
    if has_word("goto") || code.contains("::") {
        Some(
            "Redis runs Lua 5.1, which has no `goto` or `::labels::` (Lua 5.2); use a nested `if` or a function",
        )
    } else if code.contains("//") {
        Some(
            "Redis runs Lua 5.1, which has no `//` floor division (Lua 5.3); use math.floor(a / b)",
        )
    } else if code.contains("<const>") || code.contains("<close>") {
        Some(
            "Redis runs Lua 5.1, which has no `<const>` / `<close>` attributes (Lua 5.4); remove them",
        )
    } else if code.contains("<<") || code.contains(">>") {
        Some(
            "Redis runs Lua 5.1, which has no shift operators (Lua 5.3); use bit.lshift / bit.rshift",
        )
    } else if code.contains('&') || code.contains('|') || code.replace("~=", "").contains('~') {
        Some(
            "Redis runs Lua 5.1, which has no bitwise operators (Lua 5.3); use bit.band / bit.bor / bit.bxor / bit.bnot",
        )
    } else {
        None
    }
}

/// Characters of a long source line shown on each side of the caret.
const WINDOW: usize = 60;

/// The compile error text: the file as written, the position, the source line and a caret.
pub(crate) fn render(error: &SyntaxError) -> String {
    let chars: Vec<char> = error.source.chars().collect();
    let at = error.column.saturating_sub(1).min(chars.len());
    // A long line (minified code) is cut to a window around the caret.
    let from = at.saturating_sub(WINDOW);
    let to = (at + WINDOW).min(chars.len());
    let mut shown: String = chars[from..to].iter().collect();
    let mut caret: String = chars[from..at]
        .iter()
        .map(|&c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    if from > 0 {
        shown.insert(0, '…');
        caret.insert(0, ' ');
    }
    if to < chars.len() {
        shown.push('…');
    }
    let number = error.line.to_string();
    let gutter = " ".repeat(number.len());
    let mut rendered = format!(
        "Lua syntax error: {} (Redis: \"Error compiling script\")\n{gutter} |\n{number} | {shown}\n{gutter} | {caret}^",
        error.message
    );
    if let Some(hint) = later_lua_hint(&error.source) {
        rendered.push_str(&format!("\n{gutter} = help: {hint}"));
    }
    rendered
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lua51_corners_compile_and_have_a_tree() {
        let lua = r#"#
local s = [==[ long ]] string ]==] .. [[x]]
--[[ block
comment ]] --[==[ another ]] ]==]
local function f(...) local n = select('#', ...) return n, ... end
local nums = {0x1F, 1e-3, .5, 3., 0xA, 0x1p4}
local esc = "tab\t nl\n quote\" \65 \\ \
continued"
local o = {} function o:m(a) return self, a end
o:m(1) o.m(o, 2)
local x = #nums % 2 ^ 3
while true do break end
repeat local y = 1 until y
for i = 1, 10, 2 do end
for k, v in pairs(o) do end
return not nil and -x or x ~= 1
"#;
        let lua = lua.strip_prefix("#\n").unwrap();
        assert_eq!(compile(lua), Ok(()));
        assert!(tree(lua).is_some());
        assert_eq!(compile("return [[ a [[ b ]], --[[ c [[ ]] 1"), Ok(()));
    }

    #[test]
    fn what_redis_refuses_is_refused_with_its_message() {
        for (lua, message) in [
            ("if ttl == -1then end", "malformed number near '1then'"),
            ("return x break", "'<eof>' expected near 'break'"),
            (
                "assert(a)\n(b)()",
                "ambiguous syntax (function call x new statement) near '('",
            ),
            ("return 0x1p-2", "malformed number near '0x1p'"),
            ("return '\\256'", "escape sequence too large near '''"),
            ("a = `", "unexpected symbol near '`'"),
            ("goto done", "'=' expected near 'done'"),
            ("return 7 // 2", "unexpected symbol near '/'"),
            ("\x1bLua", "unexpected symbol near 'char(27)'"),
            ("return 1\x01", "'<eof>' expected near 'char(1)'"),
            // Redis's Lua lets `[[` nest inside `[[...]]` (it ends at the first `]]`).
            ("--[[ a\n--[[ b", "unfinished long comment near '<eof>'"),
            (
                "return 1 [[ a [[ b ]]",
                "'<eof>' expected near '[[ a [[ b ]]'",
            ),
            (
                "return 1 [==[\nx\ny]==]",
                "'<eof>' expected near '[==[x y]==]'",
            ),
        ] {
            let error = compile(lua).unwrap_err();
            assert_eq!(error.message, message, "{lua:?}");
        }
    }

    #[test]
    fn lua52_and_later_are_refused() {
        let cases = [
            "for i = 1, 3 do\n  goto continue\n  ::continue::\nend",
            "::top::\nreturn 1",
            "return 7 // 2",
            "return 1 & 2",
            "return 1 | 2",
            "return 1 ~ 2",
            "return ~1",
            "return 1 << 2",
            "return 1 >> 2",
            "local x <const> = 1\nreturn x",
            "local f <close> = nil",
        ];
        for lua in cases {
            assert!(compile(lua).is_err(), "accepted as Lua 5.1: {lua}");
        }
    }

    #[test]
    fn render_names_the_later_lua_construct() {
        for (lua, hint) in [
            ("goto done", "`goto`"),
            ("return 1 & 2", "bit.band"),
            ("return 1 ~ 2 -- not ~=", "bit.band"),
            ("return 7 // 2", "math.floor"),
            ("return 1 << 2", "bit.lshift"),
            ("local x <const> = 1", "`<const>`"),
        ] {
            let error = compile(lua).unwrap_err();
            let rendered = render(&error);
            assert!(rendered.contains(hint), "{rendered}");
        }
        let plain = "if x then";
        assert!(!render(&compile(plain).unwrap_err()).contains("help:"));
    }

    #[test]
    fn render_points_at_the_token_named() {
        let text = "local a = 1\n\tlocal b = = 2\n";
        let error = compile(text).unwrap_err();
        assert_eq!((error.line, error.column), (2, 12), "{error:?}");
        let rendered = render(&error);
        assert!(
            rendered.starts_with(
                "Lua syntax error: unexpected symbol near '=' (Redis: \"Error compiling script\")"
            ),
            "{rendered}"
        );
        assert!(
            rendered.ends_with("2 | \tlocal b = = 2\n  | \t          ^"),
            "{rendered}"
        );
        // Lua's line breaks: \r, \n, \r\n and \n\r.
        let error = compile("a = 1\r\nb = 2\rc = 3\n\rd = = 4\n").unwrap_err();
        assert_eq!(
            (error.line, error.column, error.source.as_str()),
            (4, 5, "d = = 4")
        );
        let long = format!("local x = {{{}}} = 1", "1, ".repeat(500));
        let rendered = render(&compile(&long).unwrap_err());
        let lines: Vec<&str> = rendered.lines().collect();
        let (shown, caret) = (lines[2], lines[3]);
        assert!(
            shown.starts_with("1 | … 1, ") && shown.ends_with("} = 1"),
            "{rendered}"
        );
        assert_eq!(shown.chars().count(), "1 | ".len() + 1 + 60 + "= 1".len());
        let caret_at = caret.chars().count() - 1;
        assert_eq!(shown.chars().nth(caret_at), Some('='), "{rendered}");
        let eof = compile("if x then").unwrap_err();
        assert_eq!((eof.line, eof.column), (1, 10), "{eof:?}");
        // The first of several colons, the second of two `<`, the opening quote of a bad string.
        for (lua, column) in [
            ("::again::", 1),
            ("return 1 << 2", 11),
            ("local s = 'a' .. \"\\400\"", 18),
            ("local t = {1, 2,, 3}", 17),
            ("return 1 +\x01", 11),
            ("local x = 1 local é = 2", 19),
        ] {
            let error = compile(lua).unwrap_err();
            assert_eq!(error.column, column, "{lua:?}: {error:?}");
        }
    }
}
