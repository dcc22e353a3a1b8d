//! Lua 5.1's tokens, read as `llex.c` reads them.

use std::fmt;

/// A place in the source: byte offset, 1-based line (counted at `\n`) and 1-based column in
/// characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    bytes: usize,
    line: usize,
    character: usize,
}

impl Position {
    /// The byte offset from the start of the source.
    pub(crate) fn bytes(self) -> usize {
        self.bytes
    }

    /// The line, from 1.
    pub(crate) fn line(self) -> usize {
        self.line
    }

    /// The column in characters, from 1.
    pub(crate) fn character(self) -> usize {
        self.character
    }
}

/// Generates [`Symbol`] with its text.
macro_rules! symbols {
    ($($name:ident => $text:literal,)+) => {
        /// A keyword or an operator.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Symbol {
            $($name,)+
        }

        impl Symbol {
            /// Its text.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Symbol::$name => $text,)+
                }
            }

            /// The symbol spelled `text`, if any.
            fn from_text(text: &str) -> Option<Symbol> {
                match text {
                    $($text => Some(Symbol::$name),)+
                    _ => None,
                }
            }
        }
    };
}

symbols! {
    And => "and",
    Break => "break",
    Do => "do",
    Else => "else",
    ElseIf => "elseif",
    End => "end",
    False => "false",
    For => "for",
    Function => "function",
    If => "if",
    In => "in",
    Local => "local",
    Nil => "nil",
    Not => "not",
    Or => "or",
    Repeat => "repeat",
    Return => "return",
    Then => "then",
    True => "true",
    Until => "until",
    While => "while",
    Caret => "^",
    Colon => ":",
    Comma => ",",
    Dot => ".",
    TwoDots => "..",
    Ellipsis => "...",
    Equal => "=",
    TwoEqual => "==",
    GreaterThan => ">",
    GreaterThanEqual => ">=",
    Hash => "#",
    LeftBrace => "{",
    LeftBracket => "[",
    LeftParen => "(",
    LessThan => "<",
    LessThanEqual => "<=",
    Minus => "-",
    Percent => "%",
    Plus => "+",
    RightBrace => "}",
    RightBracket => "]",
    RightParen => ")",
    Semicolon => ";",
    Slash => "/",
    Star => "*",
    TildeEqual => "~=",
}

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenType {
    /// A name.
    Identifier { identifier: String },
    /// A numeral as written (`0x10`, `1e3`).
    Number { text: String },
    /// A string: `literal` is what is between the delimiters, escapes not read (for a long string,
    /// its value: without the line break right after the opening bracket, each line break a `\n`,
    /// as Lua reads it); `multi_line_depth` is the number of `=` of a long bracket (`None` when
    /// quoted).
    StringLiteral {
        literal: String,
        multi_line_depth: Option<usize>,
    },
    /// A keyword or operator.
    Symbol { symbol: Symbol },
    /// `-- ...` to the end of the line.
    SingleLineComment,
    /// `--[[ ... ]]`.
    MultiLineComment,
    /// Spaces, tabs and line breaks.
    Whitespace,
    /// The end of the source.
    Eof,
}

impl TokenType {
    /// Whitespace or a comment: nothing the grammar reads.
    pub(crate) fn is_trivia(&self) -> bool {
        matches!(
            self,
            TokenType::SingleLineComment | TokenType::MultiLineComment | TokenType::Whitespace
        )
    }
}

/// One token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    token_type: TokenType,
    /// Its source text.
    text: String,
    start: Position,
    end: Position,
}

impl Token {
    pub(crate) fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// Where it starts.
    pub(crate) fn start_position(&self) -> Position {
        self.start
    }

    /// Just after its last character.
    pub(crate) fn end_position(&self) -> Position {
        self.end
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A token of the grammar with the whitespace and comments before it, as the tree holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TokenReference {
    /// The source text between the previous token of the grammar and this one.
    leading: String,
    token: Token,
}

impl TokenReference {
    pub(crate) fn new(leading: String, token: Token) -> TokenReference {
        TokenReference { leading, token }
    }

    pub(crate) fn token(&self) -> &Token {
        &self.token
    }
}

impl std::ops::Deref for TokenReference {
    type Target = Token;

    fn deref(&self) -> &Token {
        &self.token
    }
}

impl fmt::Display for TokenReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.leading)?;
        f.write_str(&self.token.text)
    }
}

/// Why a source could not be read into tokens: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) at: Position,
    pub(crate) message: &'static str,
}

/// Every token of `source`, trivia included, ending with [`TokenType::Eof`].
pub(crate) fn tokens(source: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        source,
        bytes: source.as_bytes(),
        at: Position {
            bytes: 0,
            line: 1,
            character: 1,
        },
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next()?;
        let end = token.token_type == TokenType::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    source: &'a str,
    bytes: &'a [u8],
    at: Position,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at.bytes + ahead).copied()
    }

    /// Moves past `n` bytes, counting lines and characters (a UTF-8 continuation byte is not a
    /// character of its own).
    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            let Some(&byte) = self.bytes.get(self.at.bytes) else {
                return;
            };
            self.at.bytes += 1;
            if byte == b'\n' {
                self.at.line += 1;
                self.at.character = 1;
            } else if byte & 0xC0 != 0x80 {
                self.at.character += 1;
            }
        }
    }

    fn error(&self, message: &'static str) -> LexError {
        LexError {
            at: self.at,
            message,
        }
    }

    fn next(&mut self) -> Result<Token, LexError> {
        let start = self.at;
        let Some(byte) = self.peek(0) else {
            return Ok(self.token(start, TokenType::Eof));
        };
        let token_type = match byte {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C => {
                while matches!(
                    self.peek(0),
                    Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C)
                ) {
                    self.advance(1);
                }
                TokenType::Whitespace
            }
            b'-' if self.peek(1) == Some(b'-') => {
                self.advance(2);
                if let Some(depth) = self.long_bracket() {
                    self.long_body(depth, "unfinished long comment")?;
                    TokenType::MultiLineComment
                } else {
                    while !matches!(self.peek(0), None | Some(b'\n' | b'\r')) {
                        self.advance(1);
                    }
                    TokenType::SingleLineComment
                }
            }
            b'[' if self.long_bracket_ahead().is_some() => {
                let depth = self.long_bracket().unwrap_or_default();
                let inside = self.long_body(depth, "unfinished long string")?;
                TokenType::StringLiteral {
                    literal: long_string_value(&inside),
                    multi_line_depth: Some(depth),
                }
            }
            b'"' | b'\'' => self.quoted(byte)?,
            b'0'..=b'9' => self.numeral(),
            b'.' if self.peek(1).is_some_and(|b| b.is_ascii_digit()) => self.numeral(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while self
                    .peek(0)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.advance(1);
                }
                let word = self.text(start);
                match Symbol::from_text(word) {
                    Some(symbol) if word.as_bytes()[0].is_ascii_lowercase() => {
                        TokenType::Symbol { symbol }
                    }
                    _ => TokenType::Identifier {
                        identifier: word.to_owned(),
                    },
                }
            }
            _ => {
                let three = self.source.get(start.bytes..start.bytes + 3);
                let two = self.source.get(start.bytes..start.bytes + 2);
                let one = self.source.get(start.bytes..start.bytes + 1);
                let (symbol, len) = [(three, 3), (two, 2), (one, 1)]
                    .into_iter()
                    .find_map(|(text, len)| Some((Symbol::from_text(text?)?, len)))
                    .filter(|(symbol, _)| !symbol.as_str().as_bytes()[0].is_ascii_alphabetic())
                    .ok_or_else(|| self.error("unexpected symbol"))?;
                self.advance(len);
                TokenType::Symbol { symbol }
            }
        };
        Ok(self.token(start, token_type))
    }

    fn text(&self, start: Position) -> &str {
        self.source
            .get(start.bytes..self.at.bytes)
            .unwrap_or_default()
    }

    fn token(&self, start: Position, token_type: TokenType) -> Token {
        Token {
            token_type,
            text: self.text(start).to_owned(),
            start,
            end: self.at,
        }
    }

    /// The level of the long bracket (`[[`, `[==[`) that starts here, without moving.
    fn long_bracket_ahead(&self) -> Option<usize> {
        if self.peek(0) != Some(b'[') {
            return None;
        }
        let depth = self.bytes[self.at.bytes + 1..]
            .iter()
            .take_while(|&&b| b == b'=')
            .count();
        (self.peek(depth + 1) == Some(b'[')).then_some(depth)
    }

    /// Moves past a long bracket's opening, returning its level.
    fn long_bracket(&mut self) -> Option<usize> {
        let depth = self.long_bracket_ahead()?;
        self.advance(depth + 2);
        Some(depth)
    }

    /// Reads up to and past the closing bracket of `depth`, returning what is inside.
    fn long_body(&mut self, depth: usize, unfinished: &'static str) -> Result<String, LexError> {
        let from = self.at.bytes;
        loop {
            match self.peek(0) {
                None => return Err(self.error(unfinished)),
                Some(b']')
                    if self.bytes[self.at.bytes + 1..]
                        .iter()
                        .take_while(|&&b| b == b'=')
                        .count()
                        == depth
                        && self.peek(depth + 1) == Some(b']') =>
                {
                    let inside = self.source[from..self.at.bytes].to_owned();
                    self.advance(depth + 2);
                    return Ok(inside);
                }
                Some(_) => self.advance(1),
            }
        }
    }

    fn quoted(&mut self, quote: u8) -> Result<TokenType, LexError> {
        self.advance(1);
        let from = self.at.bytes;
        loop {
            match self.peek(0) {
                None | Some(b'\n' | b'\r') => return Err(self.error("unfinished string")),
                // An escaped line break is one, whether `\n`, `\r`, `\r\n` or `\n\r`
                // (`llex.c`'s `inclinenumber`).
                Some(b'\\') => match (self.peek(1), self.peek(2)) {
                    (Some(b'\r'), Some(b'\n')) | (Some(b'\n'), Some(b'\r')) => self.advance(3),
                    (Some(_), _) => self.advance(2),
                    (None, _) => self.advance(1),
                },
                Some(b) if b == quote => {
                    let literal = self.source[from..self.at.bytes].to_owned();
                    self.advance(1);
                    return Ok(TokenType::StringLiteral {
                        literal,
                        multi_line_depth: None,
                    });
                }
                Some(_) => self.advance(1),
            }
        }
    }

    /// `llex.c`'s `read_numeral`: digits and dots, an exponent's sign, then any letters, digits and
    /// underscores (C's `strtod` judges the whole).
    fn numeral(&mut self) -> TokenType {
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        {
            self.advance(1);
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.advance(1);
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.advance(1);
            }
        }
        while self
            .peek(0)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.advance(1);
        }
        TokenType::Number {
            text: self.text(start).to_owned(),
        }
    }
}

/// What Lua makes of the inside of a long string (`llex.c`'s `read_long_string`): a line break
/// right after the opening bracket is skipped, and every line break (`\n`, `\r`, `\r\n`, `\n\r`)
/// is a `\n`.
fn long_string_value(inside: &str) -> String {
    let mut value = String::with_capacity(inside.len());
    let mut chars = inside.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            let pair = if c == '\n' { '\r' } else { '\n' };
            chars.next_if_eq(&pair);
            if !first {
                value.push('\n');
            }
        } else {
            value.push(c);
        }
        first = false;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<String> {
        tokens(source)
            .unwrap()
            .iter()
            .filter(|t| !t.token_type().is_trivia())
            .map(|t| t.to_string())
            .collect()
    }

    #[test]
    fn reads_lua_51_tokens() {
        assert_eq!(
            kinds("local a = KEYS[1] .. 'x\\'y' -- c\n return #a ~= 0x1p4 ... [==[s]]]==]"),
            [
                "local",
                "a",
                "=",
                "KEYS",
                "[",
                "1",
                "]",
                "..",
                "'x\\'y'",
                "return",
                "#",
                "a",
                "~=",
                "0x1p4",
                "...",
                "[==[s]]]==]",
                ""
            ]
        );
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let all = tokens("--é\n  x").unwrap();
        let x = all.iter().find(|t| t.to_string() == "x").unwrap();
        assert_eq!(
            (x.start_position().line(), x.start_position().character()),
            (2, 3)
        );
        assert_eq!(x.start_position().bytes(), 7);
    }

    #[test]
    fn strings_are_read_as_lua_reads_them() {
        let literal = |source: &str| match tokens(source).unwrap()[0].token_type() {
            TokenType::StringLiteral { literal, .. } => literal.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(literal("'a\\\r\nb'"), "a\\\r\nb");
        assert_eq!(literal("'a\\\n\rb'"), "a\\\n\rb");
        assert_eq!(literal("[[\r\nGET]]"), "GET");
        assert_eq!(literal("[==[\na\r\nb\n\rc\rd]==]"), "a\nb\nc\nd");
        assert_eq!(literal("[[\n\nx]]"), "\nx");
    }

    #[test]
    fn unfinished_input_is_an_error_not_a_panic() {
        for source in ["'abc", "[[abc", "--[[ x", "\"a\\", "@", "[=["] {
            let _ = tokens(source);
        }
        assert!(tokens("'abc").is_err());
    }
}
