//! Where a script's values come from: one pass over its statements, in order, that records for every
//! local whether it holds `KEYS[n]`, `ARGV[n]`, `tonumber(ARGV[n])`, something built from them, a
//! literal, a reply of Redis, or what can not be told; and, for every key argument of a
//! `redis.call` / `redis.pcall` with a literal command (the key specs of the command table say which
//! arguments are keys), where that argument comes from.
//!
//! The rule is deliberately one-sided: a value is [`Origin::Unknown`] as soon as it could be either
//! (a parameter, a global, a local assigned in a branch or a loop), so that what the pass says of a
//! value is true on every path.

use crate::lua::ast::{
    Block, Call, Expression, FunctionArgs, FunctionBody, FunctionCall, Index, LastStmt, Prefix,
    Stmt, Suffix, Var, punctuated::Punctuated,
};
use crate::lua::node::Node;
use crate::lua::tokenizer::TokenReference;

use crate::calls::{identifier, index_name, literal_value, place_of};
use crate::commands;

/// Where a value comes from. `n` counts from 1, as Lua does; `None` when the index is computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `KEYS[n]` itself, or an element of `KEYS` (`for _, key in ipairs(KEYS)`).
    Key(Option<usize>),
    /// Built from `KEYS[n]`: `KEYS[1] .. ':suffix'`, `string.format('%s:x', KEYS[1])`.
    FromKey(Option<usize>),
    /// `ARGV[n]` itself, or an element of `ARGV`.
    Arg(Option<usize>),
    /// `tonumber(ARGV[n])`.
    ArgNumber(Option<usize>),
    /// Built from `ARGV` values and no `KEYS` value: `'counter:' .. ARGV[1]`.
    FromArgs,
    /// A literal string or number, or one built from literals only.
    Literal,
    /// A reply of `redis.call` / `redis.pcall`, or something built from one.
    Reply,
    /// `redis.call` or `redis.pcall` itself (`local rcall = redis.call`).
    RedisCall(&'static str),
    /// Can not be told: a parameter, a global, a table, a value assigned on only some paths.
    Unknown,
}

impl Origin {
    /// What a concatenation (or a string function) of values from `parts` holds.
    fn joined(parts: impl IntoIterator<Item = Origin>) -> Origin {
        let mut out = Origin::Literal;
        for part in parts {
            out = match (out, part) {
                (Origin::Key(n) | Origin::FromKey(n), _)
                | (_, Origin::Key(n) | Origin::FromKey(n)) => Origin::FromKey(n),
                (Origin::Unknown, _) | (_, Origin::Unknown | Origin::RedisCall(_)) => {
                    Origin::Unknown
                }
                (Origin::FromArgs, _)
                | (_, Origin::Arg(_) | Origin::ArgNumber(_) | Origin::FromArgs) => Origin::FromArgs,
                (Origin::Reply, _) | (_, Origin::Reply) => Origin::Reply,
                (other, Origin::Literal) => other,
            };
        }
        out
    }
}

/// A local as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Local {
    pub(crate) name: String,
    pub(crate) line: usize,
    /// What it holds when declared (later assignments are not recorded here).
    pub(crate) origin: Origin,
}

/// A key argument of a call with a literal command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyUse {
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// The command as shown in messages: `GET`, `XGROUP CREATE`.
    pub(crate) command: String,
    /// The argument's position after the command's name, from 1.
    pub(crate) position: usize,
    /// The argument as written (shortened).
    pub(crate) text: String,
    /// The key itself, when the argument is a literal string or integer.
    pub(crate) value: Option<String>,
    pub(crate) origin: Origin,
}

/// What the pass finds.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    /// Every `local` declared, in order (function parameters and loop variables aside): what a
    /// script's parameters are (`local bucket = KEYS[1]`), for checks and messages that name them.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) locals: Vec<Local>,
    pub(crate) key_uses: Vec<KeyUse>,
}

/// Runs the pass over a script's tree.
pub(crate) fn analyse(block: &Block) -> Origins {
    let mut pass = Pass::default();
    pass.block(block);
    Origins {
        locals: pass.locals,
        key_uses: pass.key_uses,
    }
}

/// A local in scope: its name, what it holds, and the block depth it was declared at.
#[derive(Debug)]
struct Binding {
    name: String,
    origin: Origin,
    depth: usize,
}

#[derive(Debug, Default)]
struct Pass {
    scope: Vec<Binding>,
    /// Blocks entered; a loop body or a branch counts as one.
    depth: usize,
    locals: Vec<Local>,
    key_uses: Vec<KeyUse>,
}

impl Pass {
    fn block(&mut self, block: &Block) {
        let scope = self.scope.len();
        self.depth += 1;
        for stmt in block.stmts() {
            self.stmt(stmt);
        }
        if let Some(last) = block.last_stmt()
            && let LastStmt::Return(ret) = last
        {
            for value in ret.returns() {
                self.expression(value);
            }
        }
        self.depth -= 1;
        self.scope.truncate(scope);
    }

    fn declare(&mut self, name: &TokenReference, origin: Origin, record: bool) {
        let Some(text) = identifier(name) else {
            return;
        };
        if record {
            self.locals.push(Local {
                name: text.to_owned(),
                line: place_of(name).0,
                origin: origin.clone(),
            });
        }
        self.scope.push(Binding {
            name: text.to_owned(),
            origin,
            depth: self.depth,
        });
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scope.iter().rev().find(|b| b.name == name)
    }

    fn values(&mut self, expressions: &Punctuated<Expression>, count: usize) -> Vec<Origin> {
        let mut out: Vec<Origin> = expressions.iter().map(|e| self.expression(e)).collect();
        out.resize(count.max(out.len()), Origin::Unknown);
        out
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::LocalAssignment(local) => {
                let origins = self.values(local.expressions(), local.names().len());
                for (name, origin) in local.names().iter().zip(origins) {
                    self.declare(name, origin, true);
                }
            }
            Stmt::Assignment(assignment) => {
                let origins = self.values(assignment.expressions(), assignment.variables().len());
                for (var, origin) in assignment.variables().iter().zip(origins) {
                    match var {
                        Var::Name(name) => {
                            let depth = self.depth;
                            if let Some(name) = identifier(name)
                                && let Some(binding) =
                                    self.scope.iter_mut().rev().find(|b| b.name == name)
                            {
                                // Assigned in a nested block: true on some paths only.
                                binding.origin = if binding.depth == depth {
                                    origin
                                } else {
                                    Origin::Unknown
                                };
                            }
                        }
                        Var::Expression(var) => {
                            self.var_expression(var.prefix(), var.suffixes());
                        }
                    }
                }
            }
            Stmt::FunctionCall(call) => {
                self.call(call);
            }
            Stmt::Do(block) => self.block(block.block()),
            Stmt::While(looped) => {
                self.expression(looped.condition());
                self.loop_block(looped.block());
            }
            Stmt::Repeat(looped) => {
                self.loop_block(looped.block());
                self.expression(looped.until());
            }
            Stmt::If(branches) => {
                self.expression(branches.condition());
                self.block(branches.block());
                for branch in branches.else_if().into_iter().flatten() {
                    self.expression(branch.condition());
                    self.block(branch.block());
                }
                if let Some(block) = branches.else_block() {
                    self.block(block);
                }
            }
            Stmt::NumericFor(numeric) => {
                self.expression(numeric.start());
                self.expression(numeric.end());
                if let Some(step) = numeric.step() {
                    self.expression(step);
                }
                self.depth += 1;
                let scope = self.scope.len();
                self.declare(numeric.index_variable(), Origin::Unknown, false);
                self.loop_block(numeric.block());
                self.scope.truncate(scope);
                self.depth -= 1;
            }
            Stmt::GenericFor(generic) => {
                let element = self.iterated(generic.expressions());
                self.depth += 1;
                let scope = self.scope.len();
                for (i, name) in generic.names().iter().enumerate() {
                    let origin = if i == 1 {
                        element.clone()
                    } else {
                        Origin::Unknown
                    };
                    self.declare(name, origin, false);
                }
                self.loop_block(generic.block());
                self.scope.truncate(scope);
                self.depth -= 1;
            }
            Stmt::LocalFunction(function) => {
                self.declare(function.name(), Origin::Unknown, false);
                self.function_body(function.body());
            }
            Stmt::FunctionDeclaration(function) => self.function_body(function.body()),
        }
    }

    /// A loop body: what it assigns holds on some iterations only, as in a branch.
    fn loop_block(&mut self, block: &Block) {
        self.block(block);
    }

    /// `ipairs(KEYS)` / `pairs(ARGV)`: what the second loop variable holds.
    fn iterated(&mut self, expressions: &Punctuated<Expression>) -> Origin {
        let mut values = expressions.iter();
        let (Some(Expression::FunctionCall(call)), None) = (values.next(), values.next()) else {
            for value in expressions {
                self.expression(value);
            }
            return Origin::Unknown;
        };
        let iterator = match call.prefix() {
            Prefix::Name(name) => identifier(name),
            _ => None,
        };
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        let mut table = None;
        if let (Some("ipairs" | "pairs"), [Suffix::Call(Call::AnonymousCall(args))]) =
            (iterator, suffixes.as_slice())
            && let FunctionArgs::Parentheses { arguments, .. } = &**args
            && arguments.len() == 1
            && let Some(Expression::Var(Var::Name(name))) = arguments.iter().next()
        {
            table = identifier(name);
        }
        self.call(call);
        match table {
            Some("KEYS") if self.lookup("KEYS").is_none() => Origin::Key(None),
            Some("ARGV") if self.lookup("ARGV").is_none() => Origin::Arg(None),
            _ => Origin::Unknown,
        }
    }

    fn function_body(&mut self, body: &FunctionBody) {
        let outer = std::mem::take(&mut self.scope);
        // The enclosing locals are upvalues: their values when the function runs are not known.
        self.scope = outer
            .iter()
            .map(|b| Binding {
                name: b.name.clone(),
                origin: match b.origin {
                    Origin::RedisCall(f) => Origin::RedisCall(f),
                    _ => Origin::Unknown,
                },
                depth: 0,
            })
            .collect();
        self.depth += 1;
        for parameter in body.parameters() {
            if let crate::lua::ast::Parameter::Name(name) = parameter {
                self.declare(name, Origin::Unknown, false);
            }
        }
        self.block(body.block());
        self.depth -= 1;
        self.scope = outer;
    }

    fn expression(&mut self, expression: &Expression) -> Origin {
        match expression {
            Expression::String(_) | Expression::Number(_) => Origin::Literal,
            Expression::Parentheses { expression, .. } => self.expression(expression),
            Expression::BinaryOperator { lhs, binop, rhs } => {
                let left = self.expression(lhs);
                let right = self.expression(rhs);
                if binop.token().to_string().trim() == ".." {
                    Origin::joined([left, right])
                } else if left == Origin::Literal && right == Origin::Literal {
                    Origin::Literal
                } else {
                    Origin::Unknown
                }
            }
            Expression::UnaryOperator { expression, .. } => {
                self.expression(expression);
                Origin::Unknown
            }
            Expression::Function(function) => {
                self.function_body(function.body());
                Origin::Unknown
            }
            Expression::FunctionCall(call) => self.call(call),
            Expression::TableConstructor(table) => {
                for field in table.fields() {
                    match field {
                        crate::lua::ast::Field::ExpressionKey { key, value, .. } => {
                            self.expression(key);
                            self.expression(value);
                        }
                        crate::lua::ast::Field::NameKey { value, .. } => {
                            self.expression(value);
                        }
                        crate::lua::ast::Field::NoKey(value) => {
                            self.expression(value);
                        }
                    }
                }
                Origin::Unknown
            }
            Expression::Var(Var::Name(name)) => identifier(name)
                .and_then(|name| self.lookup(name))
                .map_or(Origin::Unknown, |b| b.origin.clone()),
            Expression::Var(Var::Expression(var)) => {
                self.var_expression(var.prefix(), var.suffixes())
            }
            _ => Origin::Unknown,
        }
    }

    /// `KEYS[n]`, `ARGV[n]`, `redis.call`; walks the index expressions.
    fn var_expression<'a>(
        &mut self,
        prefix: &Prefix,
        suffixes: impl Iterator<Item = &'a Suffix>,
    ) -> Origin {
        let suffixes: Vec<&Suffix> = suffixes.collect();
        let base = match prefix {
            Prefix::Name(name) => identifier(name),
            Prefix::Expression(expression) => {
                self.expression(expression);
                None
            }
        };
        for suffix in &suffixes {
            self.suffix(suffix);
        }
        let shadowed = |pass: &Pass, name: &str| pass.lookup(name).is_some();
        match (base, suffixes.as_slice()) {
            (
                Some(table @ ("KEYS" | "ARGV")),
                [Suffix::Index(Index::Brackets { expression, .. })],
            ) if !shadowed(self, table) => {
                let n = match &**expression {
                    Expression::Number(token) => token.token().to_string().trim().parse().ok(),
                    _ => None,
                };
                if table == "KEYS" {
                    Origin::Key(n)
                } else {
                    Origin::Arg(n)
                }
            }
            (Some("redis"), [suffix]) if !shadowed(self, "redis") => match index_name(suffix) {
                Some("call") => Origin::RedisCall("call"),
                Some("pcall") => Origin::RedisCall("pcall"),
                _ => Origin::Unknown,
            },
            _ => Origin::Unknown,
        }
    }

    fn suffix(&mut self, suffix: &Suffix) {
        match suffix {
            Suffix::Index(Index::Brackets { expression, .. }) => {
                self.expression(expression);
            }
            Suffix::Call(Call::AnonymousCall(args)) => {
                self.arguments(args);
            }
            Suffix::Call(Call::MethodCall(method)) => {
                self.arguments(method.args());
            }
            _ => {}
        }
    }

    fn arguments(&mut self, args: &FunctionArgs) -> Vec<Origin> {
        match args {
            FunctionArgs::Parentheses { arguments, .. } => {
                arguments.iter().map(|a| self.expression(a)).collect()
            }
            FunctionArgs::String(_) => vec![Origin::Literal],
            FunctionArgs::TableConstructor(table) => {
                let table = Expression::TableConstructor(table.clone());
                vec![self.expression(&table)]
            }
        }
    }

    /// A call: what it returns, and the key arguments of `redis.call` / `redis.pcall`.
    fn call(&mut self, call: &FunctionCall) -> Origin {
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        // The callee: `redis.call`, an alias of it, `tonumber`, `tostring`, `string.format`, a
        // string method (`key:sub(1, 3)`), or something else.
        let (callee, args_at) = match (call.prefix(), suffixes.as_slice()) {
            (Prefix::Name(name), [Suffix::Index(index), Suffix::Call(_), ..]) => {
                let table = identifier(name);
                let field = match index {
                    Index::Dot { name, .. } => identifier(name),
                    Index::Brackets { expression, .. } => {
                        crate::calls::expression_literal(expression)
                    }
                };
                let callee = match (table, field) {
                    (Some("redis"), Some("call")) if self.lookup("redis").is_none() => {
                        Callee::Redis
                    }
                    (Some("redis"), Some("pcall")) if self.lookup("redis").is_none() => {
                        Callee::Redis
                    }
                    (Some("string"), Some(_)) => Callee::StringFunction,
                    _ => Callee::Other,
                };
                (callee, 1)
            }
            (Prefix::Name(name), [Suffix::Call(Call::MethodCall(_)), ..])
                if identifier(name).is_some() =>
            {
                (Callee::Other, 0)
            }
            (Prefix::Name(name), [Suffix::Call(_), ..]) => {
                let name = identifier(name).unwrap_or_default();
                let callee = match self.lookup(name).map(|b| &b.origin) {
                    Some(Origin::RedisCall(_)) => Callee::Redis,
                    Some(_) => Callee::Other,
                    None => match name {
                        "tonumber" => Callee::ToNumber,
                        "tostring" => Callee::StringFunction,
                        _ => Callee::Other,
                    },
                };
                (callee, 0)
            }
            _ => (Callee::Other, usize::MAX),
        };
        if args_at == usize::MAX {
            if let Prefix::Expression(expression) = call.prefix() {
                self.expression(expression);
            }
            for suffix in &suffixes {
                self.suffix(suffix);
            }
            return Origin::Unknown;
        }
        // A method on a local string (`key:sub(1, 3)`, `prefix:format(x)`): built from it.
        if let (Prefix::Name(name), [Suffix::Call(Call::MethodCall(method)), rest @ ..]) =
            (call.prefix(), suffixes.as_slice())
        {
            let base = identifier(name)
                .and_then(|n| self.lookup(n))
                .map_or(Origin::Unknown, |b| b.origin.clone());
            let args = self.arguments(method.args());
            for suffix in rest {
                self.suffix(suffix);
            }
            return if rest.is_empty() {
                Origin::joined(std::iter::once(base).chain(args))
            } else {
                Origin::Unknown
            };
        }
        let Some(Suffix::Call(Call::AnonymousCall(args))) = suffixes.get(args_at) else {
            for suffix in &suffixes {
                self.suffix(suffix);
            }
            return Origin::Unknown;
        };
        let origins = self.arguments(args);
        for suffix in suffixes.iter().skip(args_at + 1) {
            self.suffix(suffix);
        }
        let called_further = suffixes.len() > args_at + 1;
        let result = match callee {
            Callee::Redis => {
                self.redis_call(args, &origins);
                Origin::Reply
            }
            Callee::ToNumber => match origins.first() {
                Some(Origin::Arg(n)) => Origin::ArgNumber(*n),
                Some(Origin::Literal) => Origin::Literal,
                _ => Origin::Unknown,
            },
            Callee::StringFunction => Origin::joined(origins),
            Callee::Other => Origin::Unknown,
        };
        if called_further {
            Origin::Unknown
        } else {
            result
        }
    }

    /// Records where each key argument of a `redis.call` comes from.
    fn redis_call(&mut self, args: &FunctionArgs, origins: &[Origin]) {
        let FunctionArgs::Parentheses { arguments, .. } = args else {
            return;
        };
        let expressions: Vec<&Expression> = arguments.iter().collect();
        let values: Vec<Option<String>> = expressions.iter().map(|e| literal_value(e)).collect();
        let Some(Some(name)) = values.first() else {
            return;
        };
        let open_ended = expressions.last().is_some_and(|last| {
            matches!(last, Expression::FunctionCall(_))
                || matches!(last, Expression::Symbol(token) if token.to_string().trim() == "...")
        });
        let name = name.to_ascii_lowercase();
        let Some(mut command) = commands::lookup(&name) else {
            return;
        };
        let mut shown = name.to_ascii_uppercase();
        if command.flags.iter().any(|f| f & commands::CONTAINER != 0) {
            let Some(Some(sub)) = values.get(1) else {
                return;
            };
            let Some(sub_command) =
                commands::lookup(&format!("{name}|{}", sub.to_ascii_lowercase()))
            else {
                return;
            };
            command = sub_command;
            shown = format!("{shown} {}", sub.to_ascii_uppercase());
        }
        let refs: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        let Some(positions) = command.key_positions(&refs) else {
            return;
        };
        for position in positions {
            // Past an argument that expands, positions are not known.
            if open_ended && position + 1 >= expressions.len() {
                break;
            }
            let (Some(expression), Some(origin)) =
                (expressions.get(position), origins.get(position))
            else {
                continue;
            };
            let (line, column) = expression
                .start_position()
                .map_or((0, 0), |p| (p.line(), p.character()));
            let mut text = expression.to_string().trim().to_owned();
            if text.chars().count() > 40 {
                text = text.chars().take(39).collect::<String>() + "…";
            }
            self.key_uses.push(KeyUse {
                line,
                column,
                command: shown.clone(),
                position,
                text,
                value: values.get(position).cloned().flatten(),
                origin: origin.clone(),
            });
        }
    }
}

/// What a called function does with its arguments, as far as origins go.
#[derive(Debug, Clone, Copy)]
enum Callee {
    Redis,
    ToNumber,
    /// `string.*`, `tostring`: a string built from the arguments.
    StringFunction,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(lua: &str) -> Origins {
        analyse(crate::syntax::tree(lua).unwrap().nodes())
    }

    fn uses(lua: &str) -> Vec<(usize, String, usize, Origin)> {
        origins(lua)
            .key_uses
            .into_iter()
            .map(|u| (u.line, u.command, u.position, u.origin))
            .collect()
    }

    #[test]
    fn locals_record_what_they_hold() {
        let found = origins(
            "local key = KEYS[1]\nlocal limit = tonumber(ARGV[2])\nlocal name = ARGV[1]\nlocal prefixed = 'counter:' .. ARGV[1]\nlocal sub = key .. ':x'\nlocal v = redis.call('GET', key)\nlocal n = 10\nlocal i = KEYS[#KEYS]",
        );
        let seen: Vec<(&str, Origin)> = found
            .locals
            .iter()
            .map(|l| (l.name.as_str(), l.origin.clone()))
            .collect();
        assert_eq!(
            seen,
            [
                ("key", Origin::Key(Some(1))),
                ("limit", Origin::ArgNumber(Some(2))),
                ("name", Origin::Arg(Some(1))),
                ("prefixed", Origin::FromArgs),
                ("sub", Origin::FromKey(Some(1))),
                ("v", Origin::Reply),
                ("n", Origin::Literal),
                ("i", Origin::Key(None)),
            ]
        );
    }

    #[test]
    fn key_arguments_and_their_origins() {
        let lua = "local key = KEYS[1]\nredis.call('SET', key, ARGV[1])\nredis.call('INCR', 'counter:' .. ARGV[1])\nredis.call('GET', 'fixed')\nredis.call('MSET', KEYS[2], 1, key .. ':x', 2)\nlocal other = redis.call('GET', key)\nredis.call('DEL', other)\nfor _, k in ipairs(KEYS) do redis.call('DEL', k) end\nredis.call('XGROUP', 'CREATE', ARGV[1], 'g', '$')\nredis.call('DEL', unpack(KEYS))\nredis.call('EVAL', 's', 0)";
        assert_eq!(
            uses(lua),
            [
                (2, "SET".to_owned(), 1, Origin::Key(Some(1))),
                (3, "INCR".to_owned(), 1, Origin::FromArgs),
                (4, "GET".to_owned(), 1, Origin::Literal),
                (5, "MSET".to_owned(), 1, Origin::Key(Some(2))),
                (5, "MSET".to_owned(), 3, Origin::FromKey(Some(1))),
                (6, "GET".to_owned(), 1, Origin::Key(Some(1))),
                (7, "DEL".to_owned(), 1, Origin::Reply),
                (8, "DEL".to_owned(), 1, Origin::Key(None)),
                (9, "XGROUP CREATE".to_owned(), 2, Origin::Arg(Some(1))),
            ]
        );
    }

    #[test]
    fn what_holds_on_some_paths_only_is_unknown() {
        let lua = "local key = KEYS[1]\nif x then key = 'other' end\nredis.call('GET', key)\nlocal function f(k) return redis.call('GET', k) end\nlocal rcall = redis.call\nrcall('GET', ARGV[1])\nlocal g = KEYS[1]\ng = ARGV[1]\nredis.call('GET', g)";
        assert_eq!(
            uses(lua),
            [
                (3, "GET".to_owned(), 1, Origin::Unknown),
                (4, "GET".to_owned(), 1, Origin::Unknown),
                (6, "GET".to_owned(), 1, Origin::Arg(Some(1))),
                (9, "GET".to_owned(), 1, Origin::Arg(Some(1))),
            ]
        );
    }
}
