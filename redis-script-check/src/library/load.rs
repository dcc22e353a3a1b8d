//! The load run: the code outside every function, walked as `FUNCTION LOAD` runs it, in order and
//! in scope; its state, and its statements.

use crate::lua::ast::punctuated::{Pair, Punctuated};
use crate::lua::ast::{
    Block, Expression, LastStmt, LocalAssignment, LocalFunction, Stmt, Suffix, TableConstructor,
    Var,
};
use crate::lua::node::Node;
use crate::lua::tokenizer::{Symbol, TokenReference, TokenType};

use crate::calls::{expression_literal, identifier};
use crate::{Kind, Problem};

use super::Registered;
use super::expressions::method_name_line;
use super::lua::{Named, Value, type_message};

/// The code outside every function, walked as `FUNCTION LOAD` runs it: in order, in scope, into the
/// local functions it calls; what it may not touch and the functions it registers, with the checks of
/// `luaRegisterFunction`.
pub(super) struct Load<'a> {
    pub(super) body: &'a str,
    pub(super) line_starts: Vec<usize>,
    pub(super) allow_key_locking: bool,
    pub(super) valkey: bool,
    /// The locals in scope, innermost last, each with a number of its own.
    pub(super) locals: Vec<(&'a str, Value<'a>, usize)>,
    /// How many locals were declared.
    pub(super) declared: usize,
    /// Where the locals of the function being run start: those before are its upvalues.
    pub(super) function_base: usize,
    /// How many branches or loops enclose the code walked: what it assigns may or may not be.
    pub(super) conditional: usize,
    /// A table made by a constructor went where the walk does not follow it (another variable, a
    /// function): from then on no constructor says what a table holds.
    pub(super) tables_escaped: bool,
    /// The fields written into tables made by a constructor (by where it starts; `None`: a key the
    /// walk can not name).
    pub(super) written: Vec<(usize, Option<String>, Value<'a>)>,
    /// The arguments walked go to a function that only reads them (`redis.register_function`).
    pub(super) arguments_read_only: bool,
    /// Where Lua reads the name the next chain starts with, when not at the name (a look-ahead).
    pub(super) prefix_line: Option<usize>,
    /// How many loops enclose the code walked.
    pub(super) loops: usize,
    /// The functions the walk already ran, by where their code starts.
    pub(super) run: Vec<usize>,
    /// How many of them enclose the code walked.
    pub(super) running: usize,
    /// The first value the last `return` walked gives.
    pub(super) returned: Option<Value<'a>>,
    /// `redis.register_function` calls run, whether Redis takes them or not.
    pub(super) registrations: usize,
    /// Every name Redis registers, typed or not (a function name is registered once).
    pub(super) names: Vec<String>,
    pub(super) registered: Vec<Registered>,
    pub(super) problems: Vec<Problem>,
}

impl<'a> Load<'a> {
    /// True for an expression that gives any number of values: a call, or `...` in a function (the
    /// load run passes the chunk none).
    pub(super) fn open_ended(&self, expression: &Expression) -> bool {
        matches!(expression, Expression::FunctionCall(_))
            || self.running > 0 && is_vararg(expression)
    }

    /// A `true`, `false`, `nil` or `...`.
    pub(super) fn symbol(&self, token: &TokenReference) -> Value<'a> {
        match symbol_value(token) {
            Value::Unknown if self.running == 0 => Value::Nil,
            value => value,
        }
    }

    pub(super) fn line_at(&self, byte: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= byte)
    }

    pub(super) fn token_line(&self, token: &TokenReference) -> usize {
        self.line_at(token.token().start_position().bytes())
    }

    /// The line of a node's last token, where Lua stores what a statement assigns.
    pub(super) fn end_line(&self, node: &impl Node) -> usize {
        node.end_position()
            .map_or(1, |p| self.line_at(p.bytes().saturating_sub(1)))
    }

    pub(super) fn refuse(&mut self, line: usize, message: &str) {
        self.problems
            .push(Problem::new(Kind::Library, Some(line), message.to_owned()));
    }

    pub(super) fn computed(&mut self, line: usize, message: &str) {
        self.problems
            .push(Problem::new(Kind::Computed, Some(line), message.to_owned()));
    }

    /// Runs a block in its own scope; true when it returns (or breaks) whatever happens.
    pub(super) fn block(&mut self, block: &'a Block) -> bool {
        let scope = self.locals.len();
        let ended = self.statements(block);
        self.locals.truncate(scope);
        ended
    }

    /// The statements of a block, in the caller's scope; true when the block ends in `return` or
    /// `break`, or a `do` block in it does.
    fn statements(&mut self, block: &'a Block) -> bool {
        for statement in block.stmts() {
            if self.statement(statement) {
                return true;
            }
        }
        match block.last_stmt() {
            Some(LastStmt::Return(returned)) => {
                let values = self.expressions(returned.returns(), None);
                self.returned = values.first().copied();
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    /// One statement; true when it leaves the block for sure (a `do` block, or a branch known to be
    /// taken, that returns or breaks).
    fn statement(&mut self, statement: &'a Stmt) -> bool {
        match statement {
            Stmt::LocalAssignment(assignment) => self.local_assignment(assignment),
            Stmt::LocalFunction(function) => self.local_function(function),
            Stmt::Assignment(assignment) => {
                let values = self.expressions(assignment.expressions(), None);
                let line = self.end_line(assignment);
                for (i, var) in assignment.variables().iter().enumerate() {
                    let value = values.get(i).copied().unwrap_or(Value::Unknown);
                    self.assign(var, value, line);
                }
            }
            Stmt::FunctionCall(call) => {
                self.call_chain(call);
            }
            Stmt::FunctionDeclaration(declaration) => {
                let line = self.token_line(declaration.function_token());
                let value = self.function_value(declaration.body());
                let name = declaration.name();
                let names: Vec<&'a TokenReference> = name.names().iter().collect();
                match (names.as_slice(), name.method_name()) {
                    ([single], None) => self.assign_name(single, value, line, "function "),
                    ([first, rest @ ..], method) => {
                        let line_of_first = self.token_line(first);
                        let base = self.name_value(first, line_of_first);
                        let mut table = (base, identifier(first).map(|n| (self.name_kind(n), n)));
                        let (fields, stored) = match method {
                            Some(method) => (rest, method),
                            None => (&rest[..rest.len() - 1], rest[rest.len() - 1]),
                        };
                        for field in fields {
                            let at = self.token_line(field);
                            let name = identifier(field);
                            table = (self.index(table, name, at), name.map(|n| ("field", n)));
                        }
                        self.store_into(table, identifier(stored), value, line);
                    }
                    _ => {}
                }
            }
            Stmt::Do(block) => return self.block(block.block()),
            Stmt::If(statement) => {
                let branches = std::iter::once((statement.condition(), statement.block())).chain(
                    statement
                        .else_if()
                        .into_iter()
                        .flatten()
                        .map(|branch| (branch.condition(), branch.block())),
                );
                // A branch whose condition the walk knows true runs for sure, and no later one.
                let mut sure = true;
                for (condition, block) in branches {
                    match self.expression(condition).truthy() {
                        Some(false) => {}
                        Some(true) if sure => return self.block(block),
                        Some(true) => {
                            self.branch(block);
                            return false;
                        }
                        None => {
                            sure = false;
                            self.branch(block);
                        }
                    }
                }
                match statement.else_block() {
                    Some(block) if sure => return self.block(block),
                    Some(block) => self.branch(block),
                    None => {}
                }
            }
            Stmt::While(statement) => {
                let forever = self.expression(statement.condition()).truthy();
                if forever != Some(false) {
                    self.in_loop(|load| load.block(statement.block()));
                }
                if forever == Some(true) && !leaves(statement.block(), true) {
                    self.endless(self.token_line(statement.while_token()));
                }
            }
            Stmt::Repeat(statement) => {
                let mut until = None;
                self.in_loop(|load| {
                    // `until` sees the locals of the block.
                    let scope = load.locals.len();
                    load.statements(statement.block());
                    until = load.expression(statement.until()).truthy();
                    load.locals.truncate(scope);
                });
                if until == Some(false) && !leaves(statement.block(), true) {
                    self.endless(self.token_line(statement.repeat_token()));
                }
            }
            Stmt::NumericFor(statement) => {
                let mut parts = vec![("initial value", statement.start())];
                parts.push(("limit", statement.end()));
                parts.extend(statement.step().map(|step| ("step", step)));
                let mut refused = None;
                for (what, part) in parts {
                    let value = self.expression(part);
                    let operand = self.operand(part, value);
                    if refused.is_none() && operand.arithmetic() == Some(false) {
                        refused = Some(what);
                    }
                }
                if let Some(what) = refused {
                    let line = self.token_line(statement.do_token());
                    self.type_error(line, &format!("'for' {what} must be a number"));
                }
                let scope = self.locals.len();
                if let Some(name) = identifier(statement.index_variable()) {
                    self.declare(name, Value::Number);
                }
                self.in_loop(|load| load.block(statement.block()));
                self.locals.truncate(scope);
            }
            Stmt::GenericFor(statement) => {
                let values = self.expressions(statement.expressions(), None);
                // Lua calls the first value, the iterator, on each turn.
                if let Some(
                    iterator @ (Value::Nil
                    | Value::Boolean(_)
                    | Value::Number
                    | Value::String(_)
                    | Value::Table(_)
                    | Value::Redis),
                ) = values.first().copied()
                {
                    let line = self.token_line(statement.for_token());
                    self.type_error(line, &type_message("call", iterator, None));
                }
                let scope = self.locals.len();
                for name in statement.names() {
                    if let Some(name) = identifier(name) {
                        self.declare(name, Value::Unknown);
                    }
                }
                self.in_loop(|load| load.block(statement.block()));
                self.locals.truncate(scope);
            }
        }
        false
    }

    /// A loop that never ends while the library loads: Redis stops it after 500 ms.
    fn endless(&mut self, line: usize) {
        self.refuse(
            line,
            "this loop never ends, and Redis stops a library that loads for more than 500 ms (Redis: \
             \"FUNCTION LOAD timeout\")",
        );
    }

    /// Walks a loop's body, which may run any number of times.
    fn in_loop<T>(&mut self, walk: impl FnOnce(&mut Self) -> T) {
        self.loops += 1;
        self.conditional += 1;
        walk(self);
        self.conditional -= 1;
        self.loops -= 1;
    }

    /// A block that may or may not run.
    fn branch(&mut self, block: &'a Block) {
        self.conditional += 1;
        self.block(block);
        self.conditional -= 1;
    }

    fn local_assignment(&mut self, assignment: &'a LocalAssignment) {
        let values = self.expressions(assignment.expressions(), None);
        for (i, name) in assignment.names().iter().enumerate() {
            if let Some(name) = identifier(name) {
                let value = values.get(i).copied().unwrap_or(Value::Unknown);
                self.declare(name, value);
            }
        }
    }

    fn local_function(&mut self, function: &'a LocalFunction) {
        if let Some(name) = identifier(function.name()) {
            // In scope inside its own code: it may call itself.
            self.declare(name, Value::Unknown);
            let value = self.function_value(function.body());
            if let Some(local) = self.locals.last_mut() {
                local.1 = value;
            }
        }
    }

    /// The values of a list of expressions; past a call or `...` at its end, unknown. Lua reads a
    /// variable in the list once the comma after it is read, and the last one once `closing` is (the
    /// `)` of a call) when there is one.
    pub(super) fn expressions(
        &mut self,
        list: &'a Punctuated<Expression>,
        closing: Option<&TokenReference>,
    ) -> Vec<Value<'a>> {
        let mut values = Vec::new();
        for pair in list.pairs() {
            let after = match pair {
                Pair::Punctuated(_, comma) => Some(comma),
                Pair::End(_) => closing,
            };
            let line = after.map(|token| self.token_line(token));
            values.push(self.expression_at(pair.value(), line));
        }
        if !list.last().is_some_and(|e| self.open_ended(e.value())) {
            // Lua fills the names past the values with nil; a few suffice.
            values.extend([Value::Nil; 8]);
        }
        values
    }

    /// `var = value`: a local takes it; a global or a field of `redis` Redis refuses to write.
    fn assign(&mut self, var: &'a Var, value: Value<'a>, line: usize) {
        match var {
            Var::Name(name) => self.assign_name(name, value, line, ""),
            Var::Expression(var) => {
                let suffixes: Vec<&'a Suffix> = var.suffixes().collect();
                let Some((last, path)) = suffixes.split_last() else {
                    return;
                };
                let mut table = self.prefix(var.prefix(), suffixes.first().copied());
                for (i, suffix) in path.iter().enumerate() {
                    let at = method_name_line(self, suffixes.get(i + 1).copied());
                    table = self.suffix(table, suffix, at, line);
                }
                let field = match last {
                    Suffix::Index(crate::lua::ast::Index::Brackets { expression, .. }) => {
                        self.expression(expression);
                        expression_literal(expression)
                    }
                    Suffix::Index(crate::lua::ast::Index::Dot { name, .. }) => identifier(name),
                    _ => None,
                };
                self.store_into(table, field, value, line);
            }
        }
    }

    fn assign_name(&mut self, name: &'a TokenReference, value: Value<'a>, line: usize, what: &str) {
        let Some(text) = identifier(name) else {
            return;
        };
        let known = self.conditional == 0;
        if let Some(local) = self.locals.iter_mut().rev().find(|(n, ..)| *n == text) {
            local.1 = if known { value } else { Value::Unknown };
            return;
        }
        self.refuse(
            line,
            &format!(
                "{what}{text} is a global, and Redis forbids new globals (Redis: \"Attempt to modify a \
                 readonly table\"); declare it local"
            ),
        );
    }

    /// A store of `value` into `field` of `table` (`None`: a key the walk can not name): Redis
    /// refuses it for `redis`, which is read-only, and Lua for what is not a table.
    fn store_into(
        &mut self,
        (table, named): (Value<'a>, Named<'a>),
        field: Option<&str>,
        value: Value<'a>,
        line: usize,
    ) {
        if !matches!(table, Value::Redis | Value::Table(_) | Value::Unknown) {
            return self.type_error(line, &type_message("index", table, named));
        }
        if let Value::Table(Some(table)) = table {
            // In a branch or a loop, the store may or may not happen.
            let value = if self.conditional == 0 {
                value
            } else {
                Value::Unknown
            };
            self.written
                .push((table_id(table), field.map(str::to_owned), value));
        }
        if matches!(table, Value::Redis) {
            self.refuse(
                line,
                "the redis table is read-only (Redis: \"Attempt to modify a readonly table\"); keep \
                 your own values in a local table",
            );
        }
    }
}

/// Which table a constructor makes, by where it starts.
pub(super) fn table_id(table: &TableConstructor) -> usize {
    table.start_position().map_or(0, |p| p.bytes())
}

/// True when `block` may return a value (its own `return`s, not those of functions it defines).
fn returns_values(block: &Block) -> bool {
    block.stmts().any(returns_values_in)
        || matches!(block.last_stmt(), Some(LastStmt::Return(returned)) if !returned.returns().is_empty())
}

/// True when a statement holds a `return` of a value (not in the functions it defines).
pub(super) fn returns_values_in(statement: &Stmt) -> bool {
    match statement {
        Stmt::Do(inner) => returns_values(inner.block()),
        Stmt::If(branching) => {
            returns_values(branching.block())
                || branching
                    .else_if()
                    .into_iter()
                    .flatten()
                    .any(|branch| returns_values(branch.block()))
                || branching.else_block().is_some_and(returns_values)
        }
        Stmt::While(inner) => returns_values(inner.block()),
        Stmt::Repeat(inner) => returns_values(inner.block()),
        Stmt::NumericFor(inner) => returns_values(inner.block()),
        Stmt::GenericFor(inner) => returns_values(inner.block()),
        _ => false,
    }
}

/// True when running `block` may leave it: a `return`, or a `break` of the loop it is the body of
/// (`own_loop`) outside the loops it holds. Code in functions it defines does not count.
fn leaves(block: &Block, own_loop: bool) -> bool {
    let inner = |statement: &Stmt| match statement {
        Stmt::Do(inner) => leaves(inner.block(), own_loop),
        Stmt::If(branching) => {
            leaves(branching.block(), own_loop)
                || branching
                    .else_if()
                    .into_iter()
                    .flatten()
                    .any(|branch| leaves(branch.block(), own_loop))
                || branching
                    .else_block()
                    .is_some_and(|block| leaves(block, own_loop))
        }
        Stmt::While(inner) => leaves(inner.block(), false),
        Stmt::Repeat(inner) => leaves(inner.block(), false),
        Stmt::NumericFor(inner) => leaves(inner.block(), false),
        Stmt::GenericFor(inner) => leaves(inner.block(), false),
        _ => false,
    };
    block.stmts().any(inner)
        || match block.last_stmt() {
            Some(LastStmt::Return(_)) => true,
            Some(_) => own_loop,
            None => false,
        }
}

pub(super) fn is_vararg(expression: &Expression) -> bool {
    matches!(expression, Expression::Symbol(token) if matches!(
        token.token_type(),
        TokenType::Symbol {
            symbol: Symbol::Ellipsis
        }
    ))
}

fn symbol_value<'a>(token: &TokenReference) -> Value<'a> {
    match token.token_type() {
        TokenType::Symbol {
            symbol: Symbol::True,
        } => Value::Boolean(Some(true)),
        TokenType::Symbol {
            symbol: Symbol::False,
        } => Value::Boolean(Some(false)),
        TokenType::Symbol {
            symbol: Symbol::Nil,
        } => Value::Nil,
        _ => Value::Unknown,
    }
}
