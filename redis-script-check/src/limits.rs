//! The bounds on what the checks take in, so that no input makes them crash or run for minutes.
//!
//! Redis has none of these limits; each is far above any script written by hand, and each guards a
//! cost that grows faster than the text:
//!
//! - [`MAX_SCRIPT_BYTES`]: the whole file. Parsing and walking are linear, about a second per MiB
//!   unoptimized, as a proc macro runs.
//! - [`MAX_OPERATOR_DEPTH`]: binary operators in one expression, those of the expressions around it
//!   included. The syntax tree nests one level per operator of a chain (`a + a + ... + a`), and the
//!   walks over it recurse per level: three million terms overflow any stack, which no `catch_unwind`
//!   can catch. Lua's compiler takes time quadratic in the length of a chain of `and` / `or` (each
//!   one walks the list of jumps before it: 200,000 of them take minutes).
//! - [`MAX_ELSEIFS`] in one `if`, and [`MAX_BREAKS`] in one loop: quadratic in Lua's compiler for
//!   the same reason (the jumps to the end of the `if`, or out of the loop, form one list).
//!
//! The count is lexical, before anything compiles (the compiler is what takes the time): tokens, with
//! a stack of what encloses them (brackets, `function`, `if`, loops, `do`), as Lua's own parser nests
//! them. The tokens are read here, after Lua 5.1's `llex.c`, rather than by [`crate::lua`]'s
//! tokenizer: this pass runs on any text, before the compiler has accepted it, reads past an
//! unfinished string or comment where that tokenizer stops, and counts lines as Lua does.

use crate::{Kind, Problem};

/// The largest script or library the checks take, in bytes: 1 MiB. Redis has no limit below
/// `proto-max-bulk-len` (512 MB), but a script of megabytes is a mistake (a generated table, data
/// that belongs in a key), and every one of them is sent on each `EVAL`.
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// The most binary operators in one expression, counting those of the expressions that enclose it.
pub const MAX_OPERATOR_DEPTH: usize = 1000;

/// The most `elseif` branches of one `if`.
pub const MAX_ELSEIFS: usize = 1000;

/// The most `break` statements of one loop.
pub const MAX_BREAKS: usize = 1000;

/// The size limit, as a problem of the file `written` of `len` bytes. The macro asks before it reads
/// the file, so that it reads no more than that.
pub fn check_size(written: &str, len: u64) -> Result<(), Problem> {
    if len <= MAX_SCRIPT_BYTES as u64 {
        return Ok(());
    }
    Err(Problem::new(
        Kind::Limit,
        None,
        format!(
            "{written:?} has {len} bytes, more than the {MAX_SCRIPT_BYTES} bytes (1 MiB) the \
                 checks take; Redis would run it, but a script that large is sent whole with every \
                 EVAL. Keep data in keys and pass it in ARGV, or split the script"
        ),
    ))
}

/// What encloses a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// `(`, `[` or `{`, closed by its bracket.
    Bracket,
    /// A function body, closed by `end`.
    Function,
    /// `if ... end`.
    If,
    /// `while ... do ... end`, `for ... do ... end`, `repeat ... until`.
    Loop,
    /// `do ... end`.
    Block,
}

#[derive(Debug)]
struct Frame {
    scope: Scope,
    /// Binary operators of the expression being read in this frame so far.
    chain: usize,
    /// The deepest frame closed inside that expression so far: every operator of the chain may
    /// enclose it (a left operand nests under all the operators after it).
    nested: usize,
    /// The deepest expression of this frame so far.
    deepest: usize,
    /// `elseif`s of an `if`, `break`s of a loop.
    jumps: usize,
    /// A `while` or `for` whose `do` is still to come.
    awaits_do: bool,
}

impl Frame {
    fn new(scope: Scope) -> Frame {
        Frame {
            scope,
            chain: 0,
            nested: 0,
            deepest: 0,
            jumps: 0,
            awaits_do: false,
        }
    }

    /// How deep the current expression nests so far.
    fn depth(&self) -> usize {
        self.chain + self.nested
    }

    /// The current expression ends.
    fn end_expression(&mut self) {
        self.deepest = self.deepest.max(self.depth());
        self.chain = 0;
        self.nested = 0;
    }
}

/// The first limit `body` goes past, with the line it does so on.
pub(crate) fn check(body: &str) -> Option<Problem> {
    let mut stack = vec![Frame::new(Scope::Block)];
    let mut tokens = Tokens {
        bytes: body.as_bytes(),
        at: 0,
        line: 1,
    };
    while let Some(token) = tokens.next_token() {
        if let Some(exceeded) = step(&mut stack, token) {
            return Some(problem(tokens.line, exceeded));
        }
    }
    None
}

/// What the count needs to know of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A binary operator (and unary minus, which counts the same: over-counting is safe).
    Operator,
    /// Part of an operand: a name, a literal, `.`, `:`, `...`, `not`, `#`.
    Operand,
    /// `(`, `[`, `{`.
    Open,
    /// `)`, `]`, `}`.
    Close,
    /// A keyword that matters: `function`, `if`, `elseif`, `while`, ...
    Keyword(&'static str),
    /// Anything else, which ends an expression: `=`, `,`, `;`, `local`, `return`, ...
    Other,
}

/// Lua 5.1's tokens, as `llex.c` reads them; comments and blanks are skipped, lines counted as Lua
/// counts them (`\n`, `\r`, `\r\n` and `\n\r` each end one).
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Tokens<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Steps over the line break at `at`.
    fn newline(&mut self) {
        let first = self.bytes[self.at];
        self.at += 1;
        if let Some(next @ (b'\n' | b'\r')) = self.peek(0)
            && next != first
        {
            self.at += 1;
        }
        self.line += 1;
    }

    /// At `[`: the level of a long bracket `[==[` opening here.
    fn long_open(&self) -> Option<usize> {
        let level = self.bytes[self.at + 1..]
            .iter()
            .take_while(|&&b| b == b'=')
            .count();
        (self.peek(level + 1) == Some(b'[')).then_some(level)
    }

    /// Skips a long string or comment of `level` whose opening is at `at`, to after its closing.
    fn skip_long(&mut self, level: usize) {
        self.at += level + 2;
        while let Some(b) = self.peek(0) {
            match b {
                b'\n' | b'\r' => self.newline(),
                b']' if self.bytes[self.at + 1..]
                    .iter()
                    .take(level)
                    .all(|&b| b == b'=')
                    && self.peek(level + 1) == Some(b']') =>
                {
                    self.at += level + 2;
                    return;
                }
                _ => self.at += 1,
            }
        }
    }

    /// Skips a short string whose quote is at `at`.
    fn skip_short(&mut self, quote: u8) {
        self.at += 1;
        while let Some(b) = self.peek(0) {
            match b {
                b'\n' | b'\r' => return,
                b'\\' => {
                    self.at += 1;
                    match self.peek(0) {
                        Some(b'\n' | b'\r') => self.newline(),
                        Some(_) => self.at += 1,
                        None => return,
                    }
                }
                _ if b == quote => {
                    self.at += 1;
                    return;
                }
                _ => self.at += 1,
            }
        }
    }

    fn word_end(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(self.bytes.len(), |n| from + n)
    }

    fn next_token(&mut self) -> Option<Token> {
        loop {
            let b = self.peek(0)?;
            match b {
                b'\n' | b'\r' => self.newline(),
                b' ' | b'\t' | b'\x0b' | b'\x0c' => self.at += 1,
                b'-' if self.peek(1) == Some(b'-') => {
                    self.at += 2;
                    match (self.peek(0), self.peek(0).and(self.long_open_here())) {
                        (Some(b'['), Some(level)) => self.skip_long(level),
                        _ => {
                            while self.peek(0).is_some_and(|b| b != b'\n' && b != b'\r') {
                                self.at += 1;
                            }
                        }
                    }
                }
                b'[' => {
                    return Some(match self.long_open() {
                        Some(level) => {
                            self.skip_long(level);
                            Token::Operand
                        }
                        None => {
                            self.at += 1;
                            Token::Open
                        }
                    });
                }
                b'"' | b'\'' => {
                    self.skip_short(b);
                    return Some(Token::Operand);
                }
                b'0'..=b'9' => {
                    self.number();
                    return Some(Token::Operand);
                }
                b'.' if self.peek(1).is_some_and(|b| b.is_ascii_digit()) => {
                    self.number();
                    return Some(Token::Operand);
                }
                b'.' => {
                    // Lua's lexer reads a NUL after a dot as another dot (`strchr` finds the
                    // terminator of the set it looks in): `.\0` is `..`.
                    let dots = 1 + self.bytes[self.at + 1..]
                        .iter()
                        .take(2)
                        .take_while(|&&b| b == b'.' || b == 0)
                        .count();
                    self.at += dots;
                    return Some(if dots == 2 {
                        Token::Operator
                    } else {
                        Token::Operand
                    });
                }
                b'=' | b'<' | b'>' | b'~' => {
                    let pair = self.peek(1) == Some(b'=');
                    self.at += 1 + usize::from(pair);
                    return Some(if b == b'=' && !pair {
                        Token::Other
                    } else {
                        Token::Operator
                    });
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'^' => {
                    self.at += 1;
                    return Some(Token::Operator);
                }
                b'#' | b':' => {
                    self.at += 1;
                    return Some(Token::Operand);
                }
                b'(' | b'{' => {
                    self.at += 1;
                    return Some(Token::Open);
                }
                b')' | b']' | b'}' => {
                    self.at += 1;
                    return Some(Token::Close);
                }
                _ if b.is_ascii_alphabetic() || b == b'_' => {
                    let end = self.word_end(self.at);
                    let word = &self.bytes[self.at..end];
                    self.at = end;
                    return Some(keyword(word));
                }
                _ => {
                    self.at += 1;
                    return Some(Token::Other);
                }
            }
        }
    }

    /// The level of a long bracket opening at `at`, if one does.
    fn long_open_here(&self) -> Option<usize> {
        (self.peek(0) == Some(b'['))
            .then(|| self.long_open())
            .flatten()
    }

    /// A numeral as `read_numeral` takes it: digits and dots, an exponent sign, letters and digits.
    fn number(&mut self) {
        while self
            .peek(0)
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        {
            self.at += 1;
        }
        if self.peek(0).is_some_and(|b| b == b'e' || b == b'E')
            && self.peek(1).is_some_and(|b| b == b'+' || b == b'-')
        {
            self.at += 2;
        }
        self.at = self.word_end(self.at);
    }
}

fn keyword(word: &[u8]) -> Token {
    match word {
        b"and" | b"or" => Token::Operator,
        b"not" | b"nil" | b"true" | b"false" => Token::Operand,
        b"function" => Token::Keyword("function"),
        b"if" => Token::Keyword("if"),
        b"elseif" => Token::Keyword("elseif"),
        b"while" | b"for" => Token::Keyword("while"),
        b"repeat" => Token::Keyword("repeat"),
        b"do" => Token::Keyword("do"),
        b"end" | b"until" => Token::Keyword("end"),
        b"break" => Token::Keyword("break"),
        b"else" | b"then" | b"local" | b"return" | b"in" => Token::Other,
        _ => Token::Operand,
    }
}

/// Which limit a token went past.
#[derive(Debug)]
enum Exceeded {
    Operators,
    Elseifs,
    Breaks,
}

/// Reads one token: the frame it opens or closes, the chain it extends or ends.
fn step(stack: &mut Vec<Frame>, token: Token) -> Option<Exceeded> {
    let top = stack.len() - 1;
    match token {
        Token::Operator => {
            stack[top].chain += 1;
            return (stack[top].depth() > MAX_OPERATOR_DEPTH).then_some(Exceeded::Operators);
        }
        Token::Operand => return None,
        Token::Open => {
            stack.push(Frame::new(Scope::Bracket));
            return None;
        }
        Token::Keyword("function") => {
            stack.push(Frame::new(Scope::Function));
            return None;
        }
        Token::Close => {
            return if stack[top].scope == Scope::Bracket {
                close(stack)
            } else {
                None
            };
        }
        Token::Keyword(_) | Token::Other => {}
    }
    // Any other token ends the expression being read in this frame.
    stack[top].end_expression();
    let Token::Keyword(keyword) = token else {
        return None;
    };
    match keyword {
        "if" => stack.push(Frame::new(Scope::If)),
        "while" => {
            let mut frame = Frame::new(Scope::Loop);
            frame.awaits_do = true;
            stack.push(frame);
        }
        "repeat" => stack.push(Frame::new(Scope::Loop)),
        "do" if stack[top].awaits_do => stack[top].awaits_do = false,
        "do" => stack.push(Frame::new(Scope::Block)),
        "end" => return close(stack),
        "elseif" if stack[top].scope == Scope::If => {
            stack[top].jumps += 1;
            if stack[top].jumps > MAX_ELSEIFS {
                return Some(Exceeded::Elseifs);
            }
        }
        "break" => {
            let enclosing = stack
                .iter_mut()
                .rev()
                .take_while(|frame| frame.scope != Scope::Function)
                .find(|frame| frame.scope == Scope::Loop);
            if let Some(found) = enclosing {
                found.jumps += 1;
                if found.jumps > MAX_BREAKS {
                    return Some(Exceeded::Breaks);
                }
            }
        }
        _ => {}
    }
    None
}

/// Closes the innermost frame (never the chunk's own): what it nests counts in the expression that
/// holds it.
fn close(stack: &mut Vec<Frame>) -> Option<Exceeded> {
    if stack.len() < 2 {
        return None;
    }
    let mut closed = stack.pop()?;
    closed.end_expression();
    let outer = stack.last_mut()?;
    outer.nested = outer.nested.max(closed.deepest);
    (outer.depth() > MAX_OPERATOR_DEPTH).then_some(Exceeded::Operators)
}

fn problem(line: usize, exceeded: Exceeded) -> Problem {
    let (what, why, fix) = match exceeded {
        Exceeded::Operators => (
            format!(
                "an expression with more than {MAX_OPERATOR_DEPTH} binary operators (counting those \
                 of the expressions around it)"
            ),
            "the checks nest one level per operator, and Lua's compiler takes quadratic time on \
             long chains of `and` / `or`",
            "compute it in steps, with locals or a loop over a table",
        ),
        Exceeded::Elseifs => (
            format!("an `if` with more than {MAX_ELSEIFS} `elseif` branches"),
            "Lua's compiler takes quadratic time on them",
            "look the case up in a table instead",
        ),
        Exceeded::Breaks => (
            format!("a loop with more than {MAX_BREAKS} `break` statements"),
            "Lua's compiler takes quadratic time on them",
            "set a flag and test it in the loop's condition",
        ),
    };
    Problem::new(
        Kind::Limit,
        Some(line),
        format!("{what}, past the limit of the checks ({why}); {fix}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(body: &str) -> Option<String> {
        check(body).map(|p| p.message().to_owned())
    }

    #[test]
    fn chains_up_to_the_limit_pass_and_one_more_is_refused() {
        let chain = |ops: usize, op: &str| format!("return a{}", format!(" {op} a").repeat(ops));
        for op in ["+", "and", "or", "..", "==", "-"] {
            assert_eq!(limit(&chain(MAX_OPERATOR_DEPTH, op)), None, "{op}");
            let refused = limit(&chain(MAX_OPERATOR_DEPTH + 1, op)).unwrap();
            assert!(
                refused.starts_with("an expression with more than 1000"),
                "{refused}"
            );
        }
        // Statements, arguments and fields each start a new expression.
        let many = "x = a + a\n".repeat(2 * MAX_OPERATOR_DEPTH);
        assert_eq!(limit(&many), None);
        let args = format!("f({})", "a + a, ".repeat(2 * MAX_OPERATOR_DEPTH));
        assert_eq!(limit(&args), None);
    }

    #[test]
    fn enclosing_expressions_count() {
        // 600 inside the parentheses, 600 around them, before or after: 1200 levels.
        let inner = format!("(a{})", " + a".repeat(600));
        for nested in [
            format!("return {inner}{}", " + a".repeat(600)),
            format!("return a{} + {inner}", " + a".repeat(600)),
            format!("return f(a, {{x = {inner}}}){}", " + a".repeat(600)),
        ] {
            let refused = limit(&nested).unwrap();
            assert!(
                refused.contains("more than 1000 binary operators"),
                "{refused}"
            );
        }
        assert_eq!(limit(&format!("return {inner}, {inner}")), None);
        // A function body inside a chain, and the chain going on after it.
        let sandwich = format!("return a{}", " + function() return 1 end".repeat(1001));
        assert!(limit(&sandwich).is_some());
        let after_body = format!(
            "return a{} + function() if x then return 1 end end{}",
            " + a".repeat(500),
            " + a".repeat(500)
        );
        assert!(limit(&after_body).is_some());
    }

    #[test]
    fn elseifs_and_breaks_per_statement() {
        let ifs = |n: usize| format!("if a then{} end", " elseif a then".repeat(n));
        assert_eq!(limit(&ifs(MAX_ELSEIFS)), None);
        assert!(
            limit(&ifs(MAX_ELSEIFS + 1))
                .unwrap()
                .contains("more than 1000 `elseif`")
        );
        assert_eq!(limit(&(ifs(MAX_ELSEIFS) + "\n").repeat(3)), None);
        let breaks = |n: usize| format!("while a do{} end", " if a then break end".repeat(n));
        assert_eq!(limit(&breaks(MAX_BREAKS)), None);
        assert!(
            limit(&breaks(MAX_BREAKS + 1))
                .unwrap()
                .contains("more than 1000 `break`")
        );
        // Nested loops and a repeat: each keeps its own count.
        let nested = format!(
            "for i = 1, 2 do{} while a do{} end repeat{} until a end",
            " if a then break end".repeat(600),
            " if a then break end".repeat(600),
            " if a then break end".repeat(600)
        );
        assert_eq!(limit(&nested), None);
    }

    #[test]
    fn size_is_counted_in_bytes() {
        assert!(check_size("a.lua", MAX_SCRIPT_BYTES as u64).is_ok());
        let refused = check_size("a.lua", MAX_SCRIPT_BYTES as u64 + 1).unwrap_err();
        assert!(
            refused
                .message()
                .contains("1048577 bytes, more than the 1048576")
        );
    }
}
