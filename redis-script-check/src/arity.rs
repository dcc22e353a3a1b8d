//! How many keys and arguments a script needs: the `KEYS[n]` / `ARGV[n]` it reads with a literal
//! index where a nil would make it fail on every run that gets there. The rule is on [`Arity`].

use crate::lua::ast::{
    Block, Call, Expression, Field, FunctionArgs, FunctionBody, FunctionCall, Index, LastStmt,
    Prefix, Stmt, Suffix, TableConstructor, UnOp, Var, punctuated::Punctuated,
};
use crate::lua::tokenizer::TokenReference;

use crate::calls::{Place, identifier, literal_value, place_of};

/// What a script reads of `KEYS` and `ARGV`: the fewest keys and arguments a call must pass.
///
/// A read counts towards the minimum ([`Arity::keys`], [`Arity::args`]) when both hold:
///
/// - **it is reached on every run that ends without an error**: it is evaluated in the chunk's
///   top-level statements (or a `do` block among them), before the first statement that holds a
///   `return` (in any branch), and not inside an `if` / `elseif` / `else` branch, a loop body (a
///   `while` or `for` condition and range are evaluated, a `repeat` body is not counted), a function
///   body, or the right operand of `and` / `or`;
/// - **a nil there is an error**, so a call with fewer values can not succeed: the value is an
///   argument of `redis.call` ("Lua redis lib command arguments must be strings or integers"), an
///   operand of `..`, of arithmetic (`+ - * / % ^`, unary `-`), of an order comparison (`< <= > >=`)
///   or of `#`, indexed or called (`KEYS[1]:sub(1, 3)`), the first argument of a `string.*`
///   function or of `cjson.decode`, an argument of `math.floor` / `ceil` / `abs` / `max` / `min`,
///   or the start, limit or step of a numeric `for`.
///   The value may have gone through `tonumber` (nil stays nil) and through a local that holds it
///   unchanged (`local key = KEYS[1]`: not assigned again in a branch, a loop or a function).
///
/// A read that tolerates nil (`ARGV[3] or '10'`, `if ARGV[2] then`, `tonumber(ARGV[2]) or 0`,
/// `redis.pcall`, a function of the script's own) sets no minimum: a check that refuses a correct
/// call is worse than none. When `KEYS` (or `ARGV`) is changed or leaves the analysis (assigned,
/// passed to a function other than `ipairs` / `pairs` / `unpack` / `table.concat` /
/// `cjson.encode`, `KEYS[i] = x`), or the script reaches its environment (`_G`, `getfenv`,
/// `setfenv`, `rawset`, `loadstring`, `load`, `debug`), that table gets no minimum. Reading `#KEYS`
/// or iterating it ([`Arity::keys_variadic`]) adds nothing to the minimum either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arity {
    keys: usize,
    args: usize,
    highest_key: usize,
    highest_arg: usize,
    keys_variadic: bool,
    args_variadic: bool,
}

impl Arity {
    /// The fewest keys a call can pass without the script failing on every run: the highest `n` of
    /// a `KEYS[n]` it reads unconditionally where nil is an error; 0 when there is none.
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// The same for arguments (`ARGV[n]`).
    pub fn args(&self) -> usize {
        self.args
    }

    /// The highest literal index of `KEYS` the script reads anywhere (conditionally or not).
    pub fn highest_key(&self) -> usize {
        self.highest_key
    }

    /// The highest literal index of `ARGV` the script reads anywhere.
    pub fn highest_arg(&self) -> usize {
        self.highest_arg
    }

    /// The script reads `#KEYS`, iterates `KEYS` (`ipairs`, `pairs`, `unpack`, `table.concat`) or
    /// reads it with a computed index.
    pub fn keys_variadic(&self) -> bool {
        self.keys_variadic
    }

    /// The same for `ARGV`.
    pub fn args_variadic(&self) -> bool {
        self.args_variadic
    }
}

/// `KEYS` or `ARGV`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Keys,
    Argv,
}

impl Table {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Keys => "KEYS",
            Table::Argv => "ARGV",
        }
    }
}

/// A read of `KEYS[0]` or `ARGV[0]`, which is always nil.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ZeroRead {
    pub(crate) table: Table,
    pub(crate) place: Place,
}

/// A read of `KEYS[n]` or `ARGV[n]` with a literal `n` of 1 or more, at the table's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LiteralRead {
    pub(crate) table: Table,
    pub(crate) index: usize,
    pub(crate) place: Place,
}

/// What the pass finds.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    pub(crate) arity: Arity,
    pub(crate) zero_reads: Vec<ZeroRead>,
    /// Every literal read, in the order of the walk.
    pub(crate) literal: Vec<LiteralRead>,
}

/// The names the code reads its keys and arguments by: `KEYS` and `ARGV` in a script; a
/// function's own parameters (`function(keys, args)`, whatever they are called), `None` for one it
/// does not name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Names<'a> {
    pub(crate) keys: Option<&'a str>,
    pub(crate) args: Option<&'a str>,
}

impl Names<'_> {
    /// A script's: the globals `KEYS` and `ARGV`.
    pub(crate) const SCRIPT: Names<'static> = Names {
        keys: Some("KEYS"),
        args: Some("ARGV"),
    };

    fn table(&self, name: &str) -> Option<Table> {
        if self.keys == Some(name) {
            Some(Table::Keys)
        } else if self.args == Some(name) {
            Some(Table::Argv)
        } else {
            None
        }
    }
}

/// Runs the pass over a script's tree.
pub(crate) fn analyse(block: &Block) -> Reads {
    analyse_as(block, Names::SCRIPT)
}

/// Runs the pass over `block` as the code of a script or a function: `names` are what it reads its
/// keys and arguments by, and the rule of [`Arity`] holds with them in place of `KEYS` and `ARGV`
/// (the block's top level is the function body's, and its `return` ends what every run reaches).
pub(crate) fn analyse_as(block: &Block, names: Names<'_>) -> Reads {
    let mut pass = Pass {
        region: true,
        names,
        scope: Vec::new(),
        depth: 0,
        function_floor: 0,
        required: [0; 2],
        highest: [0; 2],
        variadic: [false; 2],
        escapes: [false; 2],
        unknowable: false,
        zero_reads: Vec::new(),
        literal: Vec::new(),
    };
    pass.block(block);
    let usable = |t: usize| !pass.unknowable && !pass.escapes[t];
    let arity = Arity {
        keys: if usable(0) { pass.required[0] } else { 0 },
        args: if usable(1) { pass.required[1] } else { 0 },
        highest_key: pass.highest[0],
        highest_arg: pass.highest[1],
        keys_variadic: pass.variadic[0],
        args_variadic: pass.variadic[1],
    };
    let zero_reads = pass
        .zero_reads
        .into_iter()
        .filter(|read| !pass.escapes[read.table as usize] && !pass.unknowable)
        .collect();
    Reads {
        arity,
        zero_reads,
        literal: pass.literal,
    }
}

/// A value as far as arity goes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    /// `KEYS[n]` / `ARGV[n]` (or `tonumber` of it): nil when the call passes fewer than `n`.
    Read(Table, usize),
    /// A global of the standard library or of Redis, by its path (`string.len`, `redis.call`),
    /// also through a local (`local rcall = redis.call`).
    Global(String),
    /// Anything else.
    Other,
}

/// A local in scope: its name, what it holds, and the block depth it was declared at.
#[derive(Debug)]
struct Binding {
    name: String,
    value: Value,
    depth: usize,
}

/// Globals through which a script can reach `KEYS` and `ARGV` unseen.
const ENVIRONMENT: [&str; 7] = [
    "_G",
    "getfenv",
    "setfenv",
    "rawset",
    "loadstring",
    "load",
    "debug",
];

/// Functions that read a whole table without changing it or letting it out.
const READ_WHOLE: [&str; 6] = [
    "ipairs",
    "pairs",
    "unpack",
    "table.unpack",
    "table.concat",
    "cjson.encode",
];

/// Functions that fail on a nil in any argument.
const NUMBER_FUNCTIONS: [&str; 5] = [
    "math.floor",
    "math.ceil",
    "math.abs",
    "math.max",
    "math.min",
];

#[derive(Debug)]
struct Pass<'n> {
    /// What `KEYS` and `ARGV` are called in this code.
    names: Names<'n>,
    scope: Vec<Binding>,
    depth: usize,
    /// `scope.len()` where the innermost function body starts: bindings below are its upvalues.
    function_floor: usize,
    /// The current point is reached on every run that ends without an error.
    region: bool,
    /// Per table (`Table as usize`): the minimum, the highest literal index, variadic use, escape.
    required: [usize; 2],
    highest: [usize; 2],
    variadic: [bool; 2],
    escapes: [bool; 2],
    unknowable: bool,
    zero_reads: Vec<ZeroRead>,
    literal: Vec<LiteralRead>,
}

impl Pass<'_> {
    fn block(&mut self, block: &Block) {
        let scope = self.scope.len();
        self.depth += 1;
        for stmt in block.stmts() {
            self.stmt(stmt);
            if stmt_returns(stmt) {
                self.region = false;
            }
        }
        if let Some(LastStmt::Return(ret)) = block.last_stmt() {
            for value in ret.returns() {
                self.expression(value);
            }
        }
        self.depth -= 1;
        self.scope.truncate(scope);
    }

    /// Walks what `walk` walks as code that runs on some runs only.
    fn conditionally(&mut self, walk: impl FnOnce(&mut Self)) {
        let region = std::mem::replace(&mut self.region, false);
        walk(self);
        self.region = region;
    }

    /// `value` is used where nil is an error.
    fn need(&mut self, value: &Value) {
        if let Value::Read(table, n) = value
            && self.region
        {
            let required = &mut self.required[*table as usize];
            *required = (*required).max(*n);
        }
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.scope.iter().rposition(|b| b.name == name)
    }

    fn declare(&mut self, name: &TokenReference, value: Value) {
        if let Some(name) = identifier(name) {
            self.scope.push(Binding {
                name: name.to_owned(),
                value,
                depth: self.depth,
            });
        }
    }

    /// A bare `KEYS` / `ARGV` (not shadowed by a local) in `expression`.
    fn bare_table(&self, expression: &Expression) -> Option<Table> {
        match expression {
            Expression::Var(Var::Name(name)) => identifier(name)
                .filter(|name| self.lookup(name).is_none())
                .and_then(|name| self.names.table(name)),
            Expression::Parentheses { expression, .. } => self.bare_table(expression),
            _ => None,
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::LocalAssignment(local) => {
                let values = self.values(local.expressions(), local.names().len());
                for (name, value) in local.names().iter().zip(values) {
                    self.declare(name, value);
                }
            }
            Stmt::Assignment(assignment) => {
                let values = self.values(assignment.expressions(), assignment.variables().len());
                for (var, value) in assignment.variables().iter().zip(values) {
                    self.assign(var, value);
                }
            }
            Stmt::FunctionCall(call) => {
                self.call(call);
            }
            Stmt::Do(block) => self.block(block.block()),
            Stmt::While(looped) => {
                self.expression(looped.condition());
                self.conditionally(|pass| pass.block(looped.block()));
            }
            Stmt::Repeat(looped) => self.conditionally(|pass| {
                pass.block(looped.block());
                pass.expression(looped.until());
            }),
            Stmt::If(branches) => {
                self.expression(branches.condition());
                self.conditionally(|pass| {
                    pass.block(branches.block());
                    for branch in branches.else_if().into_iter().flatten() {
                        pass.expression(branch.condition());
                        pass.block(branch.block());
                    }
                    if let Some(block) = branches.else_block() {
                        pass.block(block);
                    }
                });
            }
            Stmt::NumericFor(numeric) => {
                // A nil start, limit or step is an error ("'for' limit must be a number").
                let start = self.expression(numeric.start());
                self.need(&start);
                let end = self.expression(numeric.end());
                self.need(&end);
                if let Some(step) = numeric.step() {
                    let step = self.expression(step);
                    self.need(&step);
                }
                self.conditionally(|pass| {
                    pass.depth += 1;
                    let scope = pass.scope.len();
                    pass.declare(numeric.index_variable(), Value::Other);
                    pass.block(numeric.block());
                    pass.scope.truncate(scope);
                    pass.depth -= 1;
                });
            }
            Stmt::GenericFor(generic) => {
                for expression in generic.expressions() {
                    self.expression(expression);
                }
                self.conditionally(|pass| {
                    pass.depth += 1;
                    let scope = pass.scope.len();
                    for name in generic.names() {
                        pass.declare(name, Value::Other);
                    }
                    pass.block(generic.block());
                    pass.scope.truncate(scope);
                    pass.depth -= 1;
                });
            }
            Stmt::LocalFunction(function) => {
                self.declare(function.name(), Value::Other);
                self.function_body(function.body());
            }
            Stmt::FunctionDeclaration(function) => {
                // `function KEYS.f() end` changes KEYS.
                if let Some(first) = function.name().names().iter().next()
                    && let Some(name) = identifier(first)
                {
                    self.assign_name(name, Value::Other);
                }
                self.function_body(function.body());
            }
        }
    }

    /// The values of an expression list, one per name (what a call or `...` at the end adds is
    /// unknown).
    fn values(&mut self, expressions: &Punctuated<Expression>, count: usize) -> Vec<Value> {
        let mut out: Vec<Value> = expressions.iter().map(|e| self.expression(e)).collect();
        out.resize(count.max(out.len()), Value::Other);
        out
    }

    fn assign(&mut self, var: &Var, value: Value) {
        match var {
            Var::Name(name) => {
                if let Some(name) = identifier(name) {
                    self.assign_name(name, value);
                }
            }
            Var::Expression(var) => {
                // `KEYS[1] = x`, `KEYS.x = y`: the table changes.
                if let Prefix::Name(name) = var.prefix()
                    && let Some(table) = identifier(name)
                        .filter(|name| self.lookup(name).is_none())
                        .and_then(|name| self.names.table(name))
                {
                    self.escapes[table as usize] = true;
                }
                let suffixes: Vec<&Suffix> = var.suffixes().collect();
                self.chain(var.prefix(), &suffixes);
            }
        }
    }

    fn assign_name(&mut self, name: &str, value: Value) {
        match self.lookup(name) {
            Some(at) => {
                let same_path =
                    at >= self.function_floor && self.scope[at].depth == self.depth && self.region;
                self.scope[at].value = if same_path { value } else { Value::Other };
            }
            None => {
                if let Some(table) = self.names.table(name) {
                    self.escapes[table as usize] = true;
                }
                if ENVIRONMENT.contains(&name) {
                    self.unknowable = true;
                }
            }
        }
    }

    fn function_body(&mut self, body: &FunctionBody) {
        let floor = std::mem::replace(&mut self.function_floor, self.scope.len());
        let scope = self.scope.len();
        self.conditionally(|pass| {
            pass.depth += 1;
            for parameter in body.parameters() {
                if let crate::lua::ast::Parameter::Name(name) = parameter {
                    pass.declare(name, Value::Other);
                }
            }
            pass.block(body.block());
            pass.depth -= 1;
        });
        self.scope.truncate(scope);
        self.function_floor = floor;
    }

    fn expression(&mut self, expression: &Expression) -> Value {
        match expression {
            Expression::BinaryOperator { lhs, binop, rhs } => {
                let operator = binop.token().token().to_string();
                match operator.as_str() {
                    "and" | "or" => {
                        self.expression(lhs);
                        self.conditionally(|pass| {
                            pass.expression(rhs);
                        });
                    }
                    "==" | "~=" => {
                        self.expression(lhs);
                        self.expression(rhs);
                    }
                    _ => {
                        let left = self.expression(lhs);
                        let right = self.expression(rhs);
                        self.need(&left);
                        self.need(&right);
                    }
                }
                Value::Other
            }
            Expression::UnaryOperator { unop, expression } => {
                if let (UnOp::Hash(_), Some(table)) = (unop, self.bare_table(expression)) {
                    self.variadic[table as usize] = true;
                    return Value::Other;
                }
                let value = self.expression(expression);
                if !matches!(unop, UnOp::Not(_)) {
                    self.need(&value);
                }
                Value::Other
            }
            Expression::Parentheses { expression, .. } => self.expression(expression),
            Expression::Function(function) => {
                self.function_body(function.body());
                Value::Other
            }
            Expression::FunctionCall(call) => self.call(call),
            Expression::TableConstructor(table) => self.table(table),
            Expression::Var(Var::Name(name)) => self.name(name),
            Expression::Var(Var::Expression(var)) => {
                let suffixes: Vec<&Suffix> = var.suffixes().collect();
                self.chain(var.prefix(), &suffixes)
            }
            _ => Value::Other,
        }
    }

    fn table(&mut self, table: &TableConstructor) -> Value {
        for field in table.fields() {
            match field {
                Field::ExpressionKey { key, value, .. } => {
                    self.expression(key);
                    self.expression(value);
                }
                Field::NameKey { value, .. } => {
                    self.expression(value);
                }
                Field::NoKey(value) => {
                    self.expression(value);
                }
            }
        }
        Value::Other
    }

    /// A name read as a value: what a local holds, a global by name; a bare `KEYS` / `ARGV` leaves
    /// the analysis.
    fn name(&mut self, token: &TokenReference) -> Value {
        match self.link(token) {
            Link::Table(table, _) => {
                self.escapes[table as usize] = true;
                Value::Other
            }
            Link::Value(value) => value,
        }
    }

    fn link(&mut self, token: &TokenReference) -> Link {
        let Some(name) = identifier(token) else {
            return Link::Value(Value::Other);
        };
        if let Some(at) = self.lookup(name) {
            return Link::Value(self.scope[at].value.clone());
        }
        if let Some(table) = self.names.table(name) {
            return Link::Table(table, place_of(token));
        }
        if ENVIRONMENT.contains(&name) {
            self.unknowable = true;
        }
        Link::Value(Value::Global(name.to_owned()))
    }

    fn call(&mut self, call: &FunctionCall) -> Value {
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        self.chain(call.prefix(), &suffixes)
    }

    /// `prefix` followed by indexes and calls, left to right.
    fn chain(&mut self, prefix: &Prefix, suffixes: &[&Suffix]) -> Value {
        let mut current = match prefix {
            Prefix::Name(name) => self.link(name),
            Prefix::Expression(expression) => Link::Value(self.expression(expression)),
        };
        for suffix in suffixes {
            current = Link::Value(match suffix {
                Suffix::Index(index) => self.index(current, index),
                Suffix::Call(Call::AnonymousCall(args)) => {
                    let callee = match current {
                        Link::Table(table, _) => {
                            self.escapes[table as usize] = true;
                            Value::Other
                        }
                        Link::Value(value) => value,
                    };
                    self.call_with(&callee, args)
                }
                Suffix::Call(Call::MethodCall(method)) => {
                    let receiver = match current {
                        Link::Table(table, _) => {
                            self.escapes[table as usize] = true;
                            Value::Other
                        }
                        Link::Value(value) => value,
                    };
                    self.need(&receiver);
                    self.arguments(method.args());
                    Value::Other
                }
            });
        }
        match current {
            Link::Table(table, _) => {
                self.escapes[table as usize] = true;
                Value::Other
            }
            Link::Value(value) => value,
        }
    }

    fn index(&mut self, current: Link, index: &Index) -> Value {
        match (current, index) {
            (Link::Table(table, at), Index::Brackets { expression, .. }) => {
                let literal = match &**expression {
                    Expression::Number(token) => literal_value(expression)
                        .and_then(|digits| digits.parse::<usize>().ok())
                        .map(|n| (n, place_of(token))),
                    _ => None,
                };
                let t = table as usize;
                match literal {
                    Some((0, place)) => {
                        self.zero_reads.push(ZeroRead { table, place });
                        Value::Other
                    }
                    Some((n, _)) => {
                        self.highest[t] = self.highest[t].max(n);
                        self.literal.push(LiteralRead {
                            table,
                            index: n,
                            place: at,
                        });
                        Value::Read(table, n)
                    }
                    None => {
                        self.expression(expression);
                        self.variadic[t] = true;
                        Value::Other
                    }
                }
            }
            (Link::Table(..), _) => Value::Other,
            (Link::Value(value), index) => {
                if let Index::Brackets { expression, .. } = index {
                    self.expression(expression);
                }
                let field = match index {
                    Index::Dot { name, .. } => identifier(name),
                    Index::Brackets { expression, .. } => {
                        crate::calls::expression_literal(expression)
                    }
                };
                match (&value, field) {
                    (Value::Global(path), Some(field)) if !path.contains('.') => {
                        Value::Global(format!("{path}.{field}"))
                    }
                    _ => {
                        self.need(&value);
                        Value::Other
                    }
                }
            }
        }
    }

    /// The arguments as values; a bare `KEYS` / `ARGV` leaves the analysis.
    fn arguments(&mut self, args: &FunctionArgs) -> Vec<Value> {
        match args {
            FunctionArgs::Parentheses { arguments, .. } => {
                arguments.iter().map(|a| self.expression(a)).collect()
            }
            FunctionArgs::TableConstructor(table) => vec![self.table(table)],
            _ => vec![Value::Other],
        }
    }

    fn call_with(&mut self, callee: &Value, args: &FunctionArgs) -> Value {
        let path = match callee {
            Value::Global(path) => path.as_str(),
            other => {
                self.need(other);
                self.arguments(args);
                return Value::Other;
            }
        };
        if READ_WHOLE.contains(&path)
            && let FunctionArgs::Parentheses { arguments, .. } = args
        {
            for (i, argument) in arguments.iter().enumerate() {
                match self.bare_table(argument) {
                    Some(table) if i == 0 => self.variadic[table as usize] = true,
                    _ => {
                        self.expression(argument);
                    }
                }
            }
            return Value::Other;
        }
        let values = self.arguments(args);
        match path {
            "redis.call" => {
                for value in &values {
                    self.need(value);
                }
            }
            "tonumber" if values.len() == 1 => return values[0].clone(),
            "cjson.decode" => self.need_first(&values),
            _ if path.starts_with("string.") => self.need_first(&values),
            _ if NUMBER_FUNCTIONS.contains(&path) => {
                for value in &values {
                    self.need(value);
                }
            }
            _ => {}
        }
        Value::Other
    }

    fn need_first(&mut self, values: &[Value]) {
        if let Some(first) = values.first() {
            self.need(first);
        }
    }
}

/// What a name or an index refers to: the global `KEYS` / `ARGV` itself (and where its name is
/// written), or a value.
enum Link {
    Table(Table, Place),
    Value(Value),
}

/// The statement holds a `return` outside the functions it defines: what follows it runs on some
/// runs only.
fn stmt_returns(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Do(block) => block_returns(block.block()),
        Stmt::While(looped) => block_returns(looped.block()),
        Stmt::Repeat(looped) => block_returns(looped.block()),
        Stmt::NumericFor(looped) => block_returns(looped.block()),
        Stmt::GenericFor(looped) => block_returns(looped.block()),
        Stmt::If(branches) => {
            block_returns(branches.block())
                || branches
                    .else_if()
                    .into_iter()
                    .flatten()
                    .any(|branch| block_returns(branch.block()))
                || branches.else_block().is_some_and(block_returns)
        }
        _ => false,
    }
}

fn block_returns(block: &Block) -> bool {
    matches!(block.last_stmt(), Some(LastStmt::Return(_))) || block.stmts().any(stmt_returns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arity(lua: &str) -> (usize, usize) {
        let reads = analyse(crate::syntax::tree(lua).unwrap().nodes());
        (reads.arity.keys(), reads.arity.args())
    }

    #[test]
    fn reads_where_nil_fails_on_every_run_count() {
        for (lua, expected) in [
            ("return redis.call('GET', KEYS[1])", (1, 0)),
            ("redis.call('SET', KEYS[2], ARGV[1])", (2, 1)),
            (
                "local key = KEYS[1]\nlocal n = tonumber(ARGV[2])\nreturn redis.call('INCRBY', key, n)",
                (1, 2),
            ),
            ("local rcall = redis.call\nrcall('DEL', KEYS[3])", (3, 0)),
            (
                "local limit = tonumber(ARGV[1])\nif limit + 1 > 3 then return 1 end",
                (0, 1),
            ),
            ("local prefix = ARGV[1] .. ':x'", (0, 1)),
            ("local n = #ARGV[4]", (0, 4)),
            ("local s = KEYS[1]:sub(1, 3)", (1, 0)),
            ("local s = string.len(ARGV[2])", (0, 2)),
            ("local t = cjson.decode(ARGV[1])", (0, 1)),
            ("local t = math.max(1, ARGV[2])", (0, 2)),
            ("do redis.call('GET', KEYS[1]) end", (1, 0)),
            ("while redis.call('GET', KEYS[1]) do end", (1, 0)),
            ("for i = 1, tonumber(ARGV[1]) do end", (0, 1)),
            (
                "local ok = redis.call('GET', KEYS[1]) or redis.call('GET', KEYS[2])",
                (1, 0),
            ),
            (
                "local a, b = KEYS[1], KEYS[2]\nredis.call('RENAME', a, b)",
                (2, 0),
            ),
        ] {
            assert_eq!(arity(lua), expected, "{lua}");
        }
    }

    #[test]
    fn reads_that_tolerate_nil_or_may_not_run_do_not_count() {
        for lua in [
            "local ttl = ARGV[3] or '10'\nredis.call('SET', 'k', ttl)",
            "local ttl = tonumber(ARGV[3]) or 10\nreturn ttl + 1",
            "if ARGV[1] then redis.call('SET', 'k', ARGV[1]) end",
            "if x then return 1 end\nredis.call('GET', KEYS[2])",
            "local f = function() return redis.call('GET', KEYS[1]) end",
            "local function f(k) return redis.call('GET', k) end\nf(KEYS[1])",
            "for _, key in ipairs(KEYS) do redis.call('DEL', key) end",
            "local x = KEYS[1]\nif y then x = 'fixed' end\nredis.call('GET', x)",
            "local x = KEYS[1]\nlocal function set() x = 'fixed' end\nset()\nredis.call('GET', x)",
            "local x = a and KEYS[1]\nredis.call('GET', x)",
            "redis.pcall('GET', KEYS[1])",
            "local n = tonumber(ARGV[1])\nif n == nil then n = 5 end\nreturn n + 1",
            "repeat redis.call('GET', KEYS[1]) until true",
            "table.insert(KEYS, 1, 'x')\nredis.call('GET', KEYS[2])",
            "KEYS[2] = 'x'\nredis.call('GET', KEYS[2])",
            "local keys = KEYS\nredis.call('GET', KEYS[1])",
            "_G.x = 1\nredis.call('GET', KEYS[1])",
            "local KEYS = {'a'}\nredis.call('GET', KEYS[1])",
            "local s = tostring(ARGV[1]) .. 'x'",
            "local v = ARGV[1] == nil",
        ] {
            assert_eq!(arity(lua), (0, 0), "{lua}");
        }
    }

    #[test]
    fn variadic_use_and_highest_reads_are_recorded() {
        let reads = analyse(
            crate::syntax::tree(
                "for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end\nif x then return ARGV[7] end\nredis.call('DEL', unpack(ARGV))",
            )
            .unwrap()
            .nodes(),
        );
        let arity = reads.arity;
        assert!(arity.keys_variadic() && arity.args_variadic());
        assert_eq!((arity.highest_key(), arity.highest_arg()), (0, 7));
        assert_eq!((arity.keys(), arity.args()), (0, 0));
    }

    #[test]
    fn index_zero_is_found_unless_the_table_is_changed() {
        let zero = |lua: &str| {
            analyse(crate::syntax::tree(lua).unwrap().nodes())
                .zero_reads
                .iter()
                .map(|r| (r.table.name(), r.place))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            zero("local a = KEYS[0]\nif x then return ARGV[0] end"),
            [("KEYS", (1, 16)), ("ARGV", (2, 23))]
        );
        assert!(zero("KEYS[0] = 'x'\nreturn KEYS[0]").is_empty());
        assert!(zero("local KEYS = {}\nreturn KEYS[0]").is_empty());
    }
}
