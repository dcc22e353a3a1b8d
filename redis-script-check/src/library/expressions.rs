//! The load run's expressions: the values they give, and what Lua or Redis refuses while they are
//! evaluated (globals and `redis` fields the load run lacks, calls, type errors).

use crate::lua::ast::punctuated::Pair;
use crate::lua::ast::{
    BinOp, Call, Expression, Field, FunctionArgs, FunctionBody, FunctionCall, LastStmt, Parameter,
    Prefix, Suffix, TableConstructor, UnOp, Var,
};
use crate::lua::node::Node;
use crate::lua::tokenizer::TokenReference;

use crate::calls::{expression_literal, identifier, index_name};

use super::load::{Load, returns_values_in};
use super::lua::{Named, Operand, Value, binary_type_error, numeral, numeral_value, type_message};

/// How deep calls of local functions are followed while a library loads: each level walks the
/// function's body again, on the walk's stack, so a chain of calls is followed this far and what it
/// calls deeper is taken as unknown code (a call chain this deep at load time is rare; one built to
/// be deep would otherwise overflow the stack and crash rustc).
const MAX_RUNNING: usize = 8;

/// The fields of `redis` while a library loads (`luaEngineInitEngine`): the code may touch no other,
/// and no other global.
const LOAD_API: [&str; 8] = [
    "register_function",
    "log",
    "LOG_DEBUG",
    "LOG_VERBOSE",
    "LOG_NOTICE",
    "LOG_WARNING",
    "REDIS_VERSION",
    "REDIS_VERSION_NUM",
];

/// Why only the load run has `redis.call` and the other globals functions have.
const ONLY_IN_FUNCTIONS: &str = "the code outside functions runs while the library loads, where the \
     only global is redis, with only register_function, log and the LOG_* and REDIS_VERSION* constants";

/// The functions of Lua's string library, which strings have as methods.
const STRING_LIBRARY: [&str; 15] = [
    "byte", "char", "dump", "find", "format", "gfind", "gmatch", "gsub", "len", "lower", "match",
    "rep", "reverse", "sub", "upper",
];

impl<'a> Load<'a> {
    /// The value of a name read at `line`: a local's, `redis`, or a global Redis does not have then.
    pub(super) fn name_value(&mut self, name: &'a TokenReference, line: usize) -> Value<'a> {
        let Some(text) = identifier(name) else {
            return Value::Unknown;
        };
        if let Some((_, value, _)) = self.locals.iter().rev().find(|(n, ..)| *n == text) {
            return *value;
        }
        if text == "redis" {
            return Value::Redis;
        }
        let hint = if matches!(text, "KEYS" | "ARGV") {
            "a function gets its keys and arguments as parameters: function(keys, args) ... end"
                .to_owned()
        } else {
            format!("{ONLY_IN_FUNCTIONS}; use {text} inside a function")
        };
        self.refuse(
            line,
            &format!(
                "{text} does not exist while the library loads (Redis: \"Script attempted to access \
                 nonexistent global variable '{text}'\"); {hint}"
            ),
        );
        Value::Unknown
    }

    /// `table.field` (a field the walk can not name: `None`), read at `line`.
    pub(super) fn index(
        &mut self,
        (table, named): (Value<'a>, Named<'a>),
        field: Option<&str>,
        line: usize,
    ) -> Value<'a> {
        match (table, field) {
            (Value::Redis, Some(field)) => self.redis_field(field, line),
            (Value::String(_), Some(field)) => match STRING_LIBRARY.iter().find(|f| **f == field) {
                Some(function) => Value::StringFunction(function),
                None => Value::Nil,
            },
            (Value::Table(Some(table)), Some(field)) => self.known_field(table, field),
            (
                Value::Nil
                | Value::Boolean(_)
                | Value::Number
                | Value::Function(..)
                | Value::Register
                | Value::Log
                | Value::StringFunction(_),
                _,
            ) => {
                self.type_error(line, &type_message("index", table, named));
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    /// `redis.field` while the library loads.
    fn redis_field(&mut self, field: &str, line: usize) -> Value<'a> {
        match field {
            "register_function" => Value::Register,
            "log" => Value::Log,
            "REDIS_VERSION" => Value::String(None),
            field if LOAD_API.contains(&field) => Value::Number,
            "call" | "pcall" => {
                self.refuse(
                    line,
                    &format!(
                        "redis.{field} is used while the library loads, where Redis has none (Redis: \
                         \"Script attempted to access nonexistent global variable '{field}'\"); use it \
                         inside a function"
                    ),
                );
                Value::Unknown
            }
            _ => {
                self.refuse(
                    line,
                    &format!(
                        "redis.{field} does not exist while the library loads (Redis: \"Script \
                         attempted to access nonexistent global variable '{field}'\"); \
                         {ONLY_IN_FUNCTIONS}; use it inside a function"
                    ),
                );
                Value::Unknown
            }
        }
    }

    /// The value a chain starts from; `next`: the suffix after it.
    pub(super) fn prefix(
        &mut self,
        prefix: &'a Prefix,
        next: Option<&'a Suffix>,
    ) -> (Value<'a>, Named<'a>) {
        match prefix {
            Prefix::Name(name) => {
                let line = self
                    .prefix_line
                    .take()
                    .or_else(|| method_name_line(self, next))
                    .unwrap_or_else(|| self.token_line(name));
                let value = self.name_value(name, line);
                (
                    value,
                    identifier(name).map(|text| (self.name_kind(text), text)),
                )
            }
            Prefix::Expression(expression) => {
                self.prefix_line = None;
                (self.expression(expression), None)
            }
        }
    }

    /// How Lua names a variable in its errors.
    pub(super) fn name_kind(&self, name: &str) -> &'static str {
        match self.locals.iter().rposition(|(n, ..)| *n == name) {
            Some(at) if at >= self.function_base => "local",
            Some(_) => "upvalue",
            None => "global",
        }
    }

    /// Applies one suffix to `value`: an index read (the last one at `last_line` when given: Lua
    /// reads it only once the token after it is read), a call, a method call.
    pub(super) fn suffix(
        &mut self,
        value: (Value<'a>, Named<'a>),
        suffix: &'a Suffix,
        last_line: Option<usize>,
        call_line: usize,
    ) -> (Value<'a>, Named<'a>) {
        use crate::lua::ast::Index;
        match suffix {
            Suffix::Index(Index::Dot { name, .. }) => {
                let line = last_line.unwrap_or_else(|| self.token_line(name));
                let field = identifier(name);
                (
                    self.index(value, field, line),
                    field.map(|field| ("field", field)),
                )
            }
            Suffix::Index(Index::Brackets {
                brackets,
                expression,
            }) => {
                self.expression(expression);
                let line = last_line.unwrap_or_else(|| self.token_line(brackets.tokens().1));
                let field = expression_literal(expression);
                // Lua names a field by its key when that is a string constant, else `?`.
                let named = Some(("field", field.unwrap_or("?")));
                if field.is_some() {
                    return (self.index(value, field, line), named);
                }
                // `redis` names the key in its error as Lua writes it: `redis[1]` is '1'.
                if let (Value::Redis, Some(key)) = (value.0, self.constant_string(expression)) {
                    let key = String::from_utf8_lossy(&key).into_owned();
                    return (self.redis_field(&key, line), named);
                }
                let position = match expression.as_ref() {
                    Expression::Number(token) => numeral_value(numeral(
                        self.body
                            .get(token.token().start_position().bytes()..)
                            .unwrap_or_default(),
                    )),
                    _ => None,
                };
                let key = self.peek(expression);
                match (value.0, position) {
                    (Value::Table(Some(table)), Some(position)) if self.knows(table) => {
                        (self.table_position(table, position), named)
                    }
                    // A key no literal key can be (a table, a function, a boolean), or any key
                    // of an empty table, finds nothing.
                    (Value::Table(Some(table)), None)
                        if self.knows(table)
                            && (table.fields().is_empty()
                                || !matches!(
                                    key,
                                    Value::String(_) | Value::Number | Value::Unknown
                                ) && table
                                    .fields()
                                    .iter()
                                    .all(|f| !matches!(f, Field::ExpressionKey { .. }))) =>
                    {
                        (Value::Nil, named)
                    }
                    _ => {
                        self.index(value, None, line);
                        (Value::Unknown, named)
                    }
                }
            }
            Suffix::Call(Call::AnonymousCall(args)) => {
                (self.call(value, args, call_line, None), None)
            }
            Suffix::Call(Call::MethodCall(method)) => {
                let line = self.token_line(method.name());
                let field = identifier(method.name());
                let function = self.index(value, field, line);
                let named = field.map(|field| ("method", field));
                (
                    self.call((function, named), method.args(), call_line, Some(value.0)),
                    None,
                )
            }
        }
    }

    pub(super) fn call_chain(&mut self, call: &'a FunctionCall) -> Value<'a> {
        let line = call.start_position().map_or(1, |p| self.line_at(p.bytes()));
        let suffixes: Vec<&'a Suffix> = call.suffixes().collect();
        let mut value = self.prefix(call.prefix(), suffixes.first().copied());
        for (i, suffix) in suffixes.iter().enumerate() {
            let at = method_name_line(self, suffixes.get(i + 1).copied());
            value = self.suffix(value, suffix, at, line);
        }
        value.0
    }

    /// A call, on `line`, of `callee` with `args`, after `object` for a method call.
    fn call(
        &mut self,
        (callee, named): (Value<'a>, Named<'a>),
        args: &'a FunctionArgs,
        line: usize,
        object: Option<Value<'a>>,
    ) -> Value<'a> {
        let read_only = std::mem::replace(
            &mut self.arguments_read_only,
            matches!(callee, Value::Register | Value::Log),
        );
        let (mut values, open) = match args {
            FunctionArgs::Parentheses {
                parentheses,
                arguments,
            } => {
                let open = arguments.iter().last().is_some_and(|e| self.open_ended(e));
                let mut values = self.expressions(arguments, Some(parentheses.tokens().1));
                values.truncate(arguments.len());
                (values, open)
            }
            FunctionArgs::String(_) => (vec![Value::String(None)], false),
            FunctionArgs::TableConstructor(table) => {
                self.table(table);
                (vec![Value::Table(Some(table))], false)
            }
        };
        self.arguments_read_only = read_only;
        if matches!(object, Some(Value::Table(Some(_)))) {
            self.tables_escaped = true;
        }
        if let Some(object) = object {
            values.insert(0, object);
        }
        match callee {
            // `redis:register_function(...)` passes the redis table first, which Redis never takes.
            Value::Register if object.is_some() => {
                self.registrations += 1;
                let why = match (values.len(), open) {
                    (_, true) => None,
                    (1, false) => Some("unknown argument given to redis.register_function"),
                    (2, false) => {
                        Some("first argument to redis.register_function must be a string")
                    }
                    _ => Some("wrong number of arguments to redis.register_function"),
                };
                let message = |why| {
                    format!(
                        "redis:register_function passes the redis table as its first argument \
                         (Redis: \"{why}\"); write redis.register_function"
                    )
                };
                match why {
                    Some(why) => self.refuse(line, &message(why)),
                    None => self.computed(line, &message("...")),
                }
                return Value::Nil;
            }
            Value::Register => {
                self.register(line, args, &values);
                // It returns nothing, which a call of the result sees as nil.
                return Value::Nil;
            }
            Value::Log => {
                let first = match args {
                    FunctionArgs::Parentheses { arguments, .. } if object.is_none() => {
                        arguments.iter().next()
                    }
                    _ => None,
                };
                self.log(line, first, &values, open);
                return Value::Nil;
            }
            Value::Function(body, scope, innermost)
                if self.in_scope(scope, innermost) && self.running < MAX_RUNNING =>
            {
                return self.run_function(body, scope);
            }
            Value::StringFunction(function) => {
                return match function {
                    "format" | "gsub" | "lower" | "rep" | "reverse" | "sub" | "upper" | "char" => {
                        Value::String(None)
                    }
                    "len" => Value::Number,
                    _ => Value::Unknown,
                };
            }
            // A function called out of the scope it was written in (a closure returned), one called
            // deeper than the walk follows, or anything the walk does not know.
            Value::Unknown | Value::Function(..) => {
                // Code the walk does not see may change any local a function captured (functions
                // are kept: they matter for no more than the commands checked in them).
                for local in &mut self.locals {
                    if !matches!(local.1, Value::Function(..)) {
                        local.1 = Value::Unknown;
                    }
                }
                self.tables_escaped = true;
            }
            not_callable => {
                let at = self.token_line_of(args);
                self.type_error(at, &type_message("call", not_callable, named));
            }
        }
        Value::Unknown
    }

    pub(super) fn declare(&mut self, name: &'a str, value: Value<'a>) {
        self.declared += 1;
        self.locals.push((name, value, self.declared));
    }

    /// A function written here, with the locals it sees.
    pub(super) fn function_value(&self, body: &'a FunctionBody) -> Value<'a> {
        let innermost = self.locals.last().map_or(0, |local| local.2);
        Value::Function(body, self.locals.len(), innermost)
    }

    /// Whether the locals a function saw where it was written are those in scope now, below the
    /// ones declared since.
    fn in_scope(&self, scope: usize, innermost: usize) -> bool {
        scope == 0
            || self
                .locals
                .get(scope - 1)
                .is_some_and(|local| local.2 == innermost)
    }

    /// A local function called while the library loads: its code runs then too. What it returns:
    /// nil when it returns no value.
    fn run_function(&mut self, body: &'a FunctionBody, scope: usize) -> Value<'a> {
        let block = body.block();
        let last_returns =
            matches!(block.last_stmt(), Some(LastStmt::Return(r)) if !r.returns().is_empty());
        let other_returns = block.stmts().any(returns_values_in);
        let mut result = match (last_returns, other_returns) {
            (false, false) => Value::Nil,
            _ => Value::Unknown,
        };
        let at = body.start_position().map_or(0, |p| p.bytes());
        if self.run.contains(&at) {
            return result;
        }
        self.run.push(at);
        let outer = self.locals.clone();
        let base = std::mem::replace(&mut self.function_base, scope.min(outer.len()));
        self.locals.truncate(scope);
        for parameter in body.parameters() {
            if let Parameter::Name(name) = parameter
                && let Some(name) = identifier(name)
            {
                self.declare(name, Value::Unknown);
            }
        }
        self.running += 1;
        let outer_return = self.returned.take();
        self.block(block);
        // Its one `return`, last, gives its value.
        if last_returns && !other_returns {
            result = self.returned.unwrap_or(Value::Unknown);
        }
        self.returned = outer_return;
        self.running -= 1;
        // What it assigned to the locals it sees stays; its own go.
        let mut outer = outer;
        for (kept, now) in outer.iter_mut().zip(&self.locals).take(scope) {
            kept.1 = now.1;
        }
        self.locals = outer;
        self.function_base = base;
        result
    }

    /// A table constructor's fields. Lua reads a variable in the list part once the separator after
    /// it is read (or the `}`), and, looking ahead for `=` after a name there, reads that name at the
    /// line of the token after it.
    fn table(&mut self, table: &'a TableConstructor) {
        let closing = table.braces().tokens().1;
        for pair in table.fields().pairs() {
            match pair.value() {
                Field::ExpressionKey { key, value, .. } => {
                    self.expression(key);
                    self.expression(value);
                }
                Field::NameKey { value, .. } => {
                    self.expression(value);
                }
                Field::NoKey(value) => {
                    let after = match pair {
                        Pair::Punctuated(_, separator) => separator,
                        Pair::End(_) => closing,
                    };
                    self.prefix_line = first_suffix(value).map(|token| self.token_line(token));
                    self.expression_at(value, Some(self.token_line(after)));
                    self.prefix_line = None;
                }
            }
        }
    }

    pub(super) fn expression(&mut self, expression: &'a Expression) -> Value<'a> {
        self.expression_at(expression, None)
    }

    /// The value of an expression, reading what it reads; `last_line`: where Lua reads a variable the
    /// expression is (the line of an operator after it).
    pub(super) fn expression_at(
        &mut self,
        expression: &'a Expression,
        last_line: Option<usize>,
    ) -> Value<'a> {
        match expression {
            Expression::BinaryOperator { lhs, binop, rhs } => {
                let line = self.token_line(binop.token());
                let left = self.expression_at(lhs, Some(line));
                let skipped = match binop {
                    BinOp::And(_) => left.truthy() == Some(false),
                    BinOp::Or(_) => left.truthy() == Some(true),
                    _ => false,
                };
                let mut right = Value::Unknown;
                if !skipped {
                    right = self.expression(rhs);
                    let at = self.end_line(rhs.as_ref());
                    let (left, right) = (self.operand(lhs, left), self.operand(rhs, right));
                    if let Some(error) = binary_type_error(binop, left, right) {
                        self.type_error(at, &error);
                    }
                }
                match (binop, left.truthy()) {
                    // The left operand, or else the right one.
                    (BinOp::And(_), Some(false)) | (BinOp::Or(_), Some(true)) => left,
                    (BinOp::And(_), Some(true)) | (BinOp::Or(_), Some(false)) => right,
                    (BinOp::And(_) | BinOp::Or(_), None) => Value::Unknown,
                    _ => self.peek(expression),
                }
            }
            Expression::UnaryOperator {
                unop,
                expression: operand,
            } => {
                let value = self.expression(operand);
                let at = self.end_line(operand.as_ref());
                let operand = self.operand(operand, value);
                let error = match unop {
                    UnOp::Minus(_) if operand.arithmetic() == Some(false) => {
                        Some(operand.error("perform arithmetic on"))
                    }
                    UnOp::Hash(_)
                        if operand
                            .kind()
                            .is_some_and(|kind| kind != "string" && kind != "table") =>
                    {
                        Some(operand.error("get length of"))
                    }
                    _ => None,
                };
                if let Some(error) = error {
                    self.type_error(at, &error);
                }
                self.peek(expression)
            }
            Expression::Parentheses {
                contained,
                expression,
            } => {
                let line = self.token_line(contained.tokens().1);
                self.expression_at(expression, Some(line))
            }
            Expression::Function(function) => self.function_value(function.body()),
            Expression::FunctionCall(call) => self.call_chain(call),
            Expression::TableConstructor(table) => {
                self.table(table);
                Value::Table(Some(table))
            }
            Expression::Number(_) => Value::Number,
            Expression::String(_) => Value::String(Some(expression)),
            Expression::Symbol(token) => self.symbol(token),
            Expression::Var(Var::Name(name)) => {
                let line = last_line.unwrap_or_else(|| self.token_line(name));
                let value = self.name_value(name, line);
                // A literal table read as a whole may be changed where the walk does not look.
                if matches!(value, Value::Table(Some(_))) && !self.arguments_read_only {
                    self.tables_escaped = true;
                }
                value
            }
            Expression::Var(Var::Expression(var)) => {
                let suffixes: Vec<&'a Suffix> = var.suffixes().collect();
                let mut value = self.prefix(var.prefix(), suffixes.first().copied());
                let line = self.token_line_of(var);
                for (i, suffix) in suffixes.iter().enumerate() {
                    let at = match suffixes.get(i + 1) {
                        Some(next) => method_name_line(self, Some(next)),
                        None => last_line,
                    };
                    value = self.suffix(value, suffix, at, line);
                }
                value.0
            }
        }
    }

    /// An operation on literals of types Lua refuses for it, which fails as the library loads.
    pub(super) fn type_error(&mut self, line: usize, error: &str) {
        self.refuse(
            line,
            &format!(
                "this fails while the library loads (Redis: \"{error}\"), and Redis refuses the \
                 library"
            ),
        );
    }

    fn token_line_of(&self, node: &impl Node) -> usize {
        node.start_position().map_or(1, |p| self.line_at(p.bytes()))
    }

    /// What an expression is, without reading it (the walk already did): for the arguments of
    /// `redis.register_function`.
    pub(super) fn peek(&self, expression: &'a Expression) -> Value<'a> {
        match expression {
            Expression::Number(_) => Value::Number,
            Expression::String(_) => Value::String(Some(expression)),
            Expression::Symbol(token) => self.symbol(token),
            Expression::TableConstructor(table) => Value::Table(Some(table)),
            Expression::UnaryOperator { unop, expression } => match unop {
                UnOp::Not(_) => Value::Boolean(self.peek(expression).truthy().map(|b| !b)),
                _ => Value::Number,
            },
            Expression::BinaryOperator { binop, .. } => match binop {
                BinOp::And(_) | BinOp::Or(_) => Value::Unknown,
                BinOp::TwoDots(_) => {
                    Value::String(self.constant_string(expression).map(|_| expression))
                }
                BinOp::Plus(_)
                | BinOp::Minus(_)
                | BinOp::Star(_)
                | BinOp::Slash(_)
                | BinOp::Percent(_)
                | BinOp::Caret(_) => Value::Number,
                _ => Value::Boolean(None),
            },
            Expression::Function(function) => self.function_value(function.body()),
            Expression::Parentheses { expression, .. } => self.peek(expression),
            Expression::Var(Var::Name(name)) => self.peek_name(name),
            // redis.register_function and redis.log return nothing.
            Expression::FunctionCall(call) => {
                let suffixes: Vec<&Suffix> = call.suffixes().collect();
                let registers = match (call.prefix(), suffixes.as_slice()) {
                    (Prefix::Name(name), [field, Suffix::Call(Call::AnonymousCall(_))]) => {
                        matches!(self.peek_name(name), Value::Redis)
                            && matches!(index_name(field), Some("register_function" | "log"))
                    }
                    _ => false,
                };
                if registers {
                    Value::Nil
                } else {
                    Value::Unknown
                }
            }
            Expression::Var(Var::Expression(var)) => {
                use crate::lua::ast::Index;
                let mut value = match var.prefix() {
                    Prefix::Name(name) => self.peek_name(name),
                    Prefix::Expression(expression) => self.peek(expression),
                };
                for suffix in var.suffixes() {
                    let field = match suffix {
                        Suffix::Index(Index::Dot { name, .. }) => {
                            identifier(name).map(|name| name.as_bytes().to_vec())
                        }
                        Suffix::Index(Index::Brackets { expression, .. }) => {
                            self.constant_string(expression)
                        }
                        _ => None,
                    };
                    let field = field.and_then(|field| String::from_utf8(field).ok());
                    value = match (value, field) {
                        (Value::Table(Some(table)), Some(field)) => self.known_field(table, &field),
                        (Value::Redis, Some(field)) => match field.as_str() {
                            "register_function" => Value::Register,
                            "log" => Value::Log,
                            "REDIS_VERSION" => Value::String(None),
                            field if LOAD_API.contains(&field) => Value::Number,
                            _ => Value::Unknown,
                        },
                        _ => Value::Unknown,
                    };
                }
                value
            }
        }
    }

    fn peek_name(&self, name: &TokenReference) -> Value<'a> {
        match identifier(name) {
            Some(text) => match self.locals.iter().rev().find(|(n, ..)| *n == text) {
                Some((_, value, _)) => *value,
                None if text == "redis" => Value::Redis,
                None => Value::Unknown,
            },
            None => Value::Unknown,
        }
    }
}

impl<'a> Load<'a> {
    pub(super) fn operand(&self, expression: &'a Expression, value: Value<'a>) -> Operand<'a> {
        use crate::lua::ast::Index;
        let named = match expression {
            Expression::Parentheses { expression, .. } => {
                return Operand {
                    value,
                    ..self.operand(expression, value)
                };
            }
            Expression::Var(Var::Name(name)) => identifier(name).map(|n| (self.name_kind(n), n)),
            Expression::Var(Var::Expression(var)) => match var.suffixes().last() {
                Some(Suffix::Index(Index::Dot { name, .. })) => {
                    identifier(name).map(|n| ("field", n))
                }
                Some(Suffix::Index(Index::Brackets { expression, .. })) => {
                    expression_literal(expression).map(|n| ("field", n))
                }
                _ => None,
            },
            _ => None,
        };
        let numeric = match named {
            // redis.REDIS_VERSION is "x.y.z", never a number.
            Some(("field", "REDIS_VERSION")) => Some(false),
            _ => self
                .constant_string(expression)
                .map(|text| numeral_value(String::from_utf8_lossy(&text).trim()).is_some()),
        };
        Operand {
            value,
            named,
            numeric: numeric.filter(|_| matches!(value, Value::String(_))),
        }
    }
}

/// Lua reads what a method is called on once it has read the method's name: its line.
pub(super) fn method_name_line(load: &Load<'_>, next: Option<&Suffix>) -> Option<usize> {
    match next? {
        Suffix::Call(Call::MethodCall(method)) => Some(load.token_line(method.name())),
        _ => None,
    }
}

/// For an expression that starts with a name and goes on (`a.b`, `a(...)`), the token after the
/// name.
fn first_suffix(expression: &Expression) -> Option<&TokenReference> {
    use crate::lua::ast::Index;
    let (prefix, first) = match expression {
        Expression::Var(Var::Expression(var)) => (var.prefix(), var.suffixes().next()?),
        Expression::FunctionCall(call) => (call.prefix(), call.suffixes().next()?),
        _ => return None,
    };
    let Prefix::Name(_) = prefix else {
        return None;
    };
    match first {
        Suffix::Index(Index::Dot { dot, .. }) => Some(dot),
        Suffix::Index(Index::Brackets { brackets, .. }) => Some(brackets.tokens().0),
        Suffix::Call(Call::MethodCall(method)) => Some(method.colon_token()),
        Suffix::Call(Call::AnonymousCall(args)) => match args.as_ref() {
            FunctionArgs::Parentheses { parentheses, .. } => Some(parentheses.tokens().0),
            FunctionArgs::String(token) => Some(token),
            FunctionArgs::TableConstructor(table) => Some(table.braces().tokens().0),
        },
    }
}
