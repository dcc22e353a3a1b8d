//! Lua 5.1 syntax, the language Redis embeds, through `full_moon` with every later Lua version off.

use full_moon::LuaVersion;
use full_moon::ast::Ast;

/// A syntax error: 1-based line and column, and the parser's message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// Parses `body` as Lua 5.1.
pub(crate) fn parse(body: &str) -> Result<Ast, SyntaxError> {
    let body = mask_hex_exponents(body);
    match full_moon::parse_fallible(&body, LuaVersion::lua51()).into_result() {
        Ok(ast) => Ok(ast),
        Err(errors) => {
            let first = errors.into_iter().next();
            let (line, column, message) = match first {
                Some(error) => {
                    let (start, _) = error.range();
                    (
                        start.line(),
                        start.character(),
                        without_position(&error.error_message()).to_owned(),
                    )
                }
                None => (1, 1, "unknown syntax error".to_owned()),
            };
            Err(SyntaxError {
                line,
                column,
                message,
            })
        }
    }
}

/// Replaces numerals such as `0x1p4` by a decimal of the same length.
///
/// Lua 5.1 reads a numeral as every letter and digit that follows it and hands it to C's `strtod`,
/// which accepts a hexadecimal mantissa with a binary exponent, so Redis runs `0x1p4` (16); full_moon
/// does not know that form. (A signed exponent, `0x1p-2`, stops Lua's scan at the sign and is an
/// error there as here.) Masking keeps lines and columns, so positions in errors stay true; a match
/// inside a string or comment is harmless, as only the syntax is checked on the masked text.
fn mask_hex_exponents(body: &str) -> std::borrow::Cow<'_, str> {
    let bytes = body.as_bytes();
    let mut masked: Option<Vec<u8>> = None;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let starts_numeral = bytes[i] == b'0'
            && matches!(bytes[i + 1], b'x' | b'X')
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b'.'));
        if !starts_numeral {
            i += 1;
            continue;
        }
        // The numeral as Lua scans it: letters, digits and underscores.
        let end = bytes[i..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(bytes.len(), |n| i + n);
        let numeral = &bytes[i + 2..end];
        let is_hex_exponent = numeral
            .iter()
            .position(|b| matches!(b, b'p' | b'P'))
            .is_some_and(|p| {
                p > 0
                    && numeral[..p].iter().all(u8::is_ascii_hexdigit)
                    && p + 1 < numeral.len()
                    && numeral[p + 1..].iter().all(u8::is_ascii_digit)
            });
        if is_hex_exponent {
            let out = masked.get_or_insert_with(|| bytes.to_vec());
            out[i] = b'1';
            out[i + 1..end].fill(b' ');
        }
        i = end;
    }
    match masked {
        // Only ASCII bytes were replaced by ASCII bytes, so the text is still UTF-8.
        Some(out) => {
            std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| body.to_owned()))
        }
        None => std::borrow::Cow::Borrowed(body),
    }
}

/// Tokenizer messages end in `(1:26 to 1:27)`; the rendered error shows the position its own way.
fn without_position(message: &str) -> &str {
    match message.rfind(" (") {
        Some(at) if message.ends_with(')') && message[at..].contains(" to ") => &message[..at],
        _ => message,
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

/// The compile error text: the file as written, the position, the source line and a caret.
pub(crate) fn render(written: &str, text: &str, error: &SyntaxError) -> String {
    let source = text
        .lines()
        .nth(error.line.saturating_sub(1))
        .unwrap_or_default();
    let source = source.strip_suffix('\r').unwrap_or(source);
    let caret: String = source
        .chars()
        .take(error.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let number = error.line.to_string();
    let gutter = " ".repeat(number.len());
    let mut rendered = format!(
        "Lua syntax error in {written:?} at line {}, column {}: {}\n{gutter} |\n{number} | {source}\n{gutter} | {caret}^",
        error.line, error.column, error.message
    );
    if let Some(hint) = later_lua_hint(source) {
        rendered.push_str(&format!("\n{gutter} = help: {hint}"));
    }
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_lua51_corners() {
        let lua = r#"#
local s = [==[ long ]] string ]==] .. [[x]]
--[[ block
comment ]] --[==[ another ]] ]==]
local function f(...) local n = select('#', ...) return n, ... end
local nums = {0x1F, 1e-3, .5, 3., 0xA}
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
        assert!(parse(lua).is_ok(), "{:?}", parse(lua).err());
    }

    #[test]
    fn hex_numerals_with_a_binary_exponent_are_lua51() {
        // Accepted by Redis 7.0 (`EVAL "return 0x1p4" 0` is 16).
        for ok in [
            "return 0x1p4",
            "return 0X10P2 + 0xAp0",
            "local s = '0x1p4' return s",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok).err());
        }
        // Refused by Redis 7.0 too: Lua 5.1 stops the numeral at the sign or the dot.
        for bad in ["return 0x1p-2", "return 0x1.8p1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_hex_exponents("x=0x1p4;y=a0x1p4"), "x=1    ;y=a0x1p4");
    }

    #[test]
    fn parse_rejects_lua52_and_later() {
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
            assert!(parse(lua).is_err(), "accepted as Lua 5.1: {lua}");
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
            let error = parse(lua).unwrap_err();
            let rendered = render("x.lua", lua, &error);
            assert!(rendered.contains(hint), "{rendered}");
            assert!(!rendered.contains(" to 1:"), "{rendered}");
        }
        let plain = "if x then";
        assert!(!render("x.lua", plain, &parse(plain).unwrap_err()).contains("help:"));
    }

    #[test]
    fn render_points_at_the_column() {
        let text = "local a = 1\n\tlocal b = = 2\n";
        let error = parse(text).unwrap_err();
        assert_eq!(
            (error.line, error.column),
            (2, 10),
            "at the `=` after which an expression is missing"
        );
        let rendered = render("x.lua", text, &error);
        assert!(
            rendered.starts_with("Lua syntax error in \"x.lua\" at line 2, column 10: "),
            "{rendered}"
        );
        assert!(
            rendered.ends_with("2 | \tlocal b = = 2\n  | \t        ^"),
            "{rendered}"
        );
    }
}
