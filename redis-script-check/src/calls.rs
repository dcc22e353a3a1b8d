//! Finds what the Redis checks need in the Lua AST: `redis.call`/`redis.pcall` with a literal command
//! name, and error replies with a literal text (the rules look for NOSCRIPT, a library for "ERR
//! Function not found").

use crate::lua::ast::{
    Assignment, Ast, Call, Expression, Field, FunctionArgs, FunctionBody, FunctionCall, GenericFor,
    Index, LocalAssignment, LocalFunction, NumericFor, Parameter, Prefix, Suffix, TableConstructor,
    Var,
};
use crate::lua::tokenizer::{TokenReference, TokenType};
use crate::lua::visitors::Visitor;

/// `redis.call("NAME", "SUB"?, ...)` with a literal name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CommandCall {
    pub(crate) line: usize,
    /// The column of `redis` (or of the alias), in characters from 1.
    pub(crate) column: usize,
    /// The command name as written.
    pub(crate) name: String,
    /// The second argument when it is a literal (a subcommand for containers such as XGROUP).
    pub(crate) sub: Option<String>,
    /// How many arguments Redis gets, the name included; `None` when the last one can expand to
    /// any number of values (`unpack(t)`, `f()`, `...`).
    pub(crate) argc: Option<usize>,
    /// Each argument as Redis gets it when it is a literal (a string, or an integer numeral), the
    /// name at 0.
    pub(crate) args: Vec<Option<String>>,
}

/// Where a script produces an error reply with a literal text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ErrorReply {
    pub(crate) line: usize,
    /// `{err = ...}` rather than `redis.error_reply(...)`.
    pub(crate) table: bool,
    pub(crate) text: String,
}

impl ErrorReply {
    /// How the reply is written, with `text` in place of its text.
    pub(crate) fn construct(&self, text: &str) -> String {
        if self.table {
            format!("{{err = \"{text}\"}}")
        } else {
            format!("redis.error_reply(\"{text}\")")
        }
    }
}

/// A use of a Lua global that security releases removed (`getfenv`, `setfenv`, `newproxy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GlobalUse {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) name: String,
}

/// The globals [`GlobalUse`] is about.
const REMOVED_GLOBALS: [&str; 3] = ["getfenv", "setfenv", "newproxy"];

/// Everything found in one script.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) commands: Vec<CommandCall>,
    pub(crate) error_replies: Vec<ErrorReply>,
    /// Uses of removed globals, unless the script declares a local of that name anywhere.
    pub(crate) globals: Vec<GlobalUse>,
    /// Locals and parameters named like a removed global.
    shadowed: Vec<String>,
    /// Names bound to `redis.call` / `redis.pcall` (`local rcall = redis.call`), with what they stand for.
    aliases: Vec<(String, &'static str)>,
}

/// Walks the whole AST.
pub(crate) fn collect(ast: &Ast) -> Found {
    let mut found = Found::default();
    found.visit_ast(ast);
    let shadowed = std::mem::take(&mut found.shadowed);
    found.globals.retain(|g| !shadowed.contains(&g.name));
    found
}

impl Visitor for Found {
    fn visit_prefix(&mut self, prefix: &Prefix) {
        if let Prefix::Name(name) = prefix {
            self.global_use(name);
        }
    }

    fn visit_var(&mut self, var: &Var) {
        if let Var::Name(name) = var {
            self.global_use(name);
        }
    }

    fn visit_function_body(&mut self, body: &FunctionBody) {
        for parameter in body.parameters() {
            if let Parameter::Name(name) = parameter {
                self.shadow(name);
            }
        }
    }

    fn visit_local_function(&mut self, function: &LocalFunction) {
        self.shadow(function.name());
    }

    fn visit_numeric_for(&mut self, numeric: &NumericFor) {
        self.shadow(numeric.index_variable());
    }

    fn visit_generic_for(&mut self, generic: &GenericFor) {
        for name in generic.names() {
            self.shadow(name);
        }
    }

    fn visit_local_assignment(&mut self, assignment: &LocalAssignment) {
        for name in assignment.names() {
            self.shadow(name);
        }
        let values: Vec<&Expression> = assignment.expressions().iter().collect();
        for (i, name) in assignment.names().iter().enumerate() {
            self.bind(name, values.get(i).copied());
        }
    }

    fn visit_assignment(&mut self, assignment: &Assignment) {
        let values: Vec<&Expression> = assignment.expressions().iter().collect();
        for (i, var) in assignment.variables().iter().enumerate() {
            if let Var::Name(name) = var {
                self.bind(name, values.get(i).copied());
            }
        }
    }

    fn visit_function_call(&mut self, call: &FunctionCall) {
        let Some((function, (line, column), args)) =
            redis_function(call).or_else(|| self.alias_call(call))
        else {
            return;
        };
        let first = args.literals.first().copied().flatten();
        match function {
            "call" | "pcall" => {
                if let Some(name) = first {
                    self.commands.push(CommandCall {
                        line,
                        column,
                        name: name.to_owned(),
                        sub: args.literals.get(1).copied().flatten().map(str::to_owned),
                        argc: (!args.open_ended).then_some(args.values.len()),
                        args: args.values,
                    });
                }
            }
            "error_reply" => {
                if let Some(text) = first {
                    self.error_replies.push(ErrorReply {
                        line,
                        table: false,
                        text: text.to_owned(),
                    });
                }
            }
            _ => {}
        }
    }

    fn visit_table_constructor(&mut self, table: &TableConstructor) {
        for field in table.fields() {
            let (is_err, value, line) = match field {
                Field::NameKey { key, value, .. } => {
                    (identifier(key) == Some("err"), value, line_of(key))
                }
                Field::ExpressionKey {
                    key, value, equal, ..
                } => (
                    expression_literal(key) == Some("err"),
                    value,
                    line_of(equal),
                ),
                _ => continue,
            };
            if is_err && let Some(text) = expression_literal(value) {
                self.error_replies.push(ErrorReply {
                    line,
                    table: true,
                    text: text.to_owned(),
                });
            }
        }
    }
}

impl Found {
    fn global_use(&mut self, name: &TokenReference) {
        if let Some(global) = identifier(name).filter(|n| REMOVED_GLOBALS.contains(n)) {
            let (line, column) = place_of(name);
            self.globals.push(GlobalUse {
                line,
                column,
                name: global.to_owned(),
            });
        }
    }

    fn shadow(&mut self, name: &TokenReference) {
        if let Some(local) = identifier(name).filter(|n| REMOVED_GLOBALS.contains(n)) {
            self.shadowed.push(local.to_owned());
        }
    }

    /// The commands on the lines `keep` accepts, without the replies.
    pub(crate) fn only(&self, keep: impl Fn(usize) -> bool) -> Found {
        Found {
            commands: self
                .commands
                .iter()
                .filter(|c| keep(c.line))
                .cloned()
                .collect(),
            ..Found::default()
        }
    }

    /// Records what `name` is bound to: an alias of `redis.call` / `redis.pcall`, or (re-bound to
    /// anything else) no longer one.
    fn bind(&mut self, name: &TokenReference, value: Option<&Expression>) {
        let Some(name) = identifier(name) else {
            return;
        };
        self.aliases.retain(|(alias, _)| alias != name);
        let function = match value {
            Some(Expression::Var(Var::Expression(var))) => match var.prefix() {
                Prefix::Name(prefix) if identifier(prefix) == Some("redis") => {
                    let mut suffixes = var.suffixes();
                    match (suffixes.next(), suffixes.next()) {
                        (Some(suffix), None) => index_name(suffix),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        match function {
            Some("call") => self.aliases.push((name.to_owned(), "call")),
            Some("pcall") => self.aliases.push((name.to_owned(), "pcall")),
            _ => {}
        }
    }

    /// For `alias(args)` where `alias` is bound to `redis.call` / `redis.pcall`.
    fn alias_call<'a>(&self, call: &'a FunctionCall) -> Option<(&'static str, Place, Args<'a>)> {
        let Prefix::Name(prefix) = call.prefix() else {
            return None;
        };
        let name = identifier(prefix)?;
        let function = self
            .aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map(|(_, function)| *function)?;
        let mut suffixes = call.suffixes();
        let Suffix::Call(Call::AnonymousCall(args)) = suffixes.next()? else {
            return None;
        };
        Some((function, place_of(prefix), call_args(args)))
    }
}

/// The name in `.name` or `["name"]`.
pub(crate) fn index_name(suffix: &Suffix) -> Option<&str> {
    match suffix {
        Suffix::Index(Index::Dot { name, .. }) => identifier(name),
        Suffix::Index(Index::Brackets { expression, .. }) => expression_literal(expression),
        _ => None,
    }
}

/// Line and column (from 1) of a token.
pub(crate) type Place = (usize, usize);

/// The arguments of a call.
pub(crate) struct Args<'a> {
    /// Each one's text when it is a plain string literal.
    pub(crate) literals: Vec<Option<&'a str>>,
    /// Each one as Redis gets it when it is a literal: a string or an integer numeral.
    pub(crate) values: Vec<Option<String>>,
    /// The last one can expand to any number of values: a call, or `...`.
    pub(crate) open_ended: bool,
}

/// The arguments of a call, as far as they are literal.
fn call_args(args: &FunctionArgs) -> Args<'_> {
    match args {
        FunctionArgs::Parentheses { arguments, .. } => {
            let open_ended = arguments.iter().last().is_some_and(|last| {
                matches!(last, Expression::FunctionCall(_))
                    || matches!(last, Expression::Symbol(token) if token.to_string().trim() == "...")
            });
            Args {
                literals: arguments.iter().map(expression_literal).collect(),
                values: arguments.iter().map(literal_value).collect(),
                open_ended,
            }
        }
        FunctionArgs::String(token) => Args {
            literals: vec![token_literal(token)],
            values: vec![token_literal(token).map(str::to_owned)],
            open_ended: false,
        },
        FunctionArgs::TableConstructor(_) => Args {
            literals: vec![None],
            values: vec![None],
            open_ended: false,
        },
    }
}

/// What Redis gets for a literal argument: a string's text, an integer numeral's digits.
pub(crate) fn literal_value(expression: &Expression) -> Option<String> {
    match expression {
        Expression::Number(token) => {
            let text = token.token().to_string();
            let digits = text.strip_prefix('-').unwrap_or(&text);
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && digits.len() < 15)
                .then(|| text.trim_start_matches('0').to_owned())
                .map(|t| if t.is_empty() { "0".to_owned() } else { t })
        }
        _ => expression_literal(expression).map(str::to_owned),
    }
}

/// For `redis.<function>(args)`: the function name, the place, and its arguments.
fn redis_function(call: &FunctionCall) -> Option<(&str, Place, Args<'_>)> {
    let Prefix::Name(prefix) = call.prefix() else {
        return None;
    };
    if identifier(prefix) != Some("redis") {
        return None;
    }
    let mut suffixes = call.suffixes();
    let function = index_name(suffixes.next()?)?;
    let Suffix::Call(Call::AnonymousCall(args)) = suffixes.next()? else {
        return None;
    };
    Some((function, place_of(prefix), call_args(args)))
}

pub(crate) fn identifier(token: &TokenReference) -> Option<&str> {
    match token.token_type() {
        TokenType::Identifier { identifier } => Some(identifier.as_str()),
        _ => None,
    }
}

pub(crate) fn expression_literal(expression: &Expression) -> Option<&str> {
    match expression {
        Expression::String(token) => token_literal(token),
        _ => None,
    }
}

/// The contents of a string literal; one with escapes is treated as unknown (dynamic).
pub(crate) fn token_literal(token: &TokenReference) -> Option<&str> {
    match token.token_type() {
        TokenType::StringLiteral { literal, .. } if !literal.contains('\\') => {
            Some(literal.as_str())
        }
        _ => None,
    }
}

pub(crate) fn line_of(token: &TokenReference) -> usize {
    token.token().start_position().line()
}

pub(crate) fn place_of(token: &TokenReference) -> Place {
    let at = token.token().start_position();
    (at.line(), at.character())
}

/// The code of an error reply is its first word (a leading `-` is dropped, as Redis does).
pub(crate) fn is_noscript(text: &str) -> bool {
    let text = text.trim_start();
    let text = text.strip_prefix('-').unwrap_or(text);
    text.split_whitespace()
        .next()
        .is_some_and(|code| code.eq_ignore_ascii_case("NOSCRIPT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(lua: &str) -> Found {
        collect(&crate::syntax::tree(lua).unwrap())
    }

    #[test]
    fn collect_literal_commands_with_lines() {
        let lua = "local a = redis.call('GET', KEYS[1])\nredis.pcall(\"xgroup\", 'CREATE', k)\nredis.call(name)\nredis.call 'PING'\nreturn redis['call']('DEL', k)";
        let calls = found(lua).commands;
        let seen: Vec<_> = calls
            .iter()
            .map(|c| (c.line, c.name.as_str(), c.sub.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, "GET", None),
                (2, "xgroup", Some("CREATE")),
                (4, "PING", None),
                (5, "DEL", None)
            ]
        );
    }

    #[test]
    fn calls_through_an_alias_are_checked_like_redis_call() {
        let lua = "local rcall = redis.call\nlocal pc, other = redis.pcall, 1\nrcall('SET', k, 1)\npc('INCR', k)\nother('DEL', k)\nrcall = print\nrcall('LPUSH', k, 1)";
        let seen: Vec<_> = found(lua)
            .commands
            .iter()
            .map(|c| (c.line, c.name.clone()))
            .collect();
        // `other` was never bound to redis.call, and `rcall` stops being an alias once re-bound.
        assert_eq!(seen, [(3, "SET".to_owned()), (4, "INCR".to_owned())]);
    }

    #[test]
    fn collect_nested_and_method_calls() {
        let lua = "local function f()\n  return tostring(redis.call('INCR', k)):upper()\nend\nlocal t = {redis.call('SET', k, 1)}";
        let names: Vec<_> = found(lua)
            .commands
            .into_iter()
            .map(|c| (c.line, c.name))
            .collect();
        assert_eq!(names, [(2, "INCR".to_owned()), (4, "SET".to_owned())]);
    }

    #[test]
    fn collect_noscript_replies() {
        let lua = "if x then return redis.error_reply('NOSCRIPT gone') end\nif y then return {err = \"NOSCRIPT x\"} end\nerror({['err'] = '-noscript'})\nreturn {err = 'ERR fine'}, redis.error_reply('NOSCRIPTS'), redis.error_reply(msg)";
        let lines: Vec<_> = found(lua)
            .error_replies
            .into_iter()
            .filter(|r| is_noscript(&r.text))
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, [1, 2, 3]);
    }
}
