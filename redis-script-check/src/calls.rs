//! Finds what the Redis checks need in the Lua AST: `redis.call`/`redis.pcall` with a literal command
//! name, and error replies with a literal text (the rules look for NOSCRIPT, a library for "ERR
//! Function not found").

use full_moon::ast::{
    Assignment, Ast, Call, Expression, Field, FunctionArgs, FunctionCall, Index, LocalAssignment,
    Prefix, Suffix, TableConstructor, Var,
};
use full_moon::tokenizer::{TokenReference, TokenType};
use full_moon::visitors::Visitor;

/// `redis.call("NAME", "SUB"?, ...)` with a literal name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CommandCall {
    pub(crate) line: usize,
    /// The command name as written.
    pub(crate) name: String,
    /// The second argument when it is a literal (a subcommand for containers such as XGROUP).
    pub(crate) sub: Option<String>,
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

/// Everything found in one script.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) commands: Vec<CommandCall>,
    pub(crate) error_replies: Vec<ErrorReply>,
    /// Names bound to `redis.call` / `redis.pcall` (`local rcall = redis.call`), with what they stand for.
    aliases: Vec<(String, &'static str)>,
}

/// Walks the whole AST.
pub(crate) fn collect(ast: &Ast) -> Found {
    let mut found = Found::default();
    found.visit_ast(ast);
    found
}

impl Visitor for Found {
    fn visit_local_assignment(&mut self, assignment: &LocalAssignment) {
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
        let Some((function, line, args)) = redis_function(call).or_else(|| self.alias_call(call))
        else {
            return;
        };
        let first = args.first().copied().flatten();
        match function {
            "call" | "pcall" => {
                if let Some(name) = first {
                    self.commands.push(CommandCall {
                        line,
                        name: name.to_owned(),
                        sub: args.get(1).copied().flatten().map(str::to_owned),
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
    fn alias_call<'a>(
        &self,
        call: &'a FunctionCall,
    ) -> Option<(&'static str, usize, Vec<Option<&'a str>>)> {
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
        Some((function, line_of(prefix), call_args(args)))
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

/// Each argument's literal text (None where the argument is not a plain string literal).
fn call_args(args: &FunctionArgs) -> Vec<Option<&str>> {
    match args {
        FunctionArgs::Parentheses { arguments, .. } => {
            arguments.iter().map(expression_literal).collect()
        }
        FunctionArgs::String(token) => vec![token_literal(token)],
        _ => Vec::new(),
    }
}

/// For `redis.<function>(args)`: the function name, the line, and each argument's literal text (None
/// where the argument is not a plain string literal).
fn redis_function(call: &FunctionCall) -> Option<(&str, usize, Vec<Option<&str>>)> {
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
    Some((function, line_of(prefix), call_args(args)))
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
