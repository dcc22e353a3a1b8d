//! A script's declared parameters: its keys and arguments, by name and type, in order.
//!
//! They are written in the comment block at the top of the file, in the shape of the Lua language
//! server's `---@param name type description`:
//!
//! ```lua
//! --- A fixed-window rate limiter.
//! ---@key bucket string the counter's key
//! ---@arg limit integer requests allowed per window
//! ---@arg window integer the window, in seconds
//! ```
//!
//! `---@key` lines declare `KEYS[1]`, `KEYS[2]`, ... in order, `---@arg` lines `ARGV[1]`, ...; the type
//! of a key is `string` (which may be left out) or `bytes`, that of an argument one of `string`,
//! `integer`, `number`, `boolean`, `bytes`. The language server takes a tag it does not know for an
//! ordinary comment, so editors keep working; `---@param` is not used because it binds to the next
//! `function`.
//!
//! The last key and the last argument may be optional, `---@arg ttl? integer` (the language
//! server's spelling), or variadic, `---@key members... string`: the language server's variadic is a
//! bare `...`, which names no field, so the dots follow the name, where `?` goes. Anywhere else
//! either would move the later values to other positions, so a key or argument after one is a
//! problem ([`Presence`]).
//!
//! A variadic argument's items may be tuples, the language server's `[number, string]`: each item
//! is sent as its values in order, for a tail of pairs such as ZADD's `score member ...`
//! ([`Param::tuple`]).
//!
//! Without annotations the parameters are inferred from the common pattern, when it is unambiguous
//! ([`infer`]): every read of `KEYS` and `ARGV` has a literal index, and every index read is bound, by
//! exactly one `local name = KEYS[n]` / `ARGV[n]` / `tonumber(ARGV[n])` at the top level of the script,
//! from 1 up without a gap.

use crate::lua::ast::{
    Assignment, Ast, Block, Call, Expression, Field, FunctionArgs, FunctionBody,
    FunctionDeclaration, Index, Parameter, Prefix, Stmt, Suffix, TableConstructor, Var,
    punctuated::Punctuated,
};
use crate::lua::node::Node;
use crate::lua::tokenizer::{Symbol, Token, TokenType};
use crate::lua::visitors::Visitor;

use crate::arity::{self, Names, Table};
use crate::{Arity, Kind, Problem};

/// The type of a parameter, as the annotation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Type {
    /// `string`: any text (and, for a key, the default).
    String,
    /// `integer`: sent in decimal; `tonumber(ARGV[n])` reads it back exactly.
    Integer,
    /// `number`: a float, sent in the shortest text that reads back the same value.
    Number,
    /// `boolean`: sent as `1` or `0`.
    Boolean,
    /// `bytes`: any bytes, sent as they are (binary-safe; a key may be one too).
    Bytes,
}

impl Type {
    pub(crate) fn parse(word: &str) -> Option<Type> {
        match word {
            "string" => Some(Type::String),
            "integer" => Some(Type::Integer),
            "number" => Some(Type::Number),
            "boolean" => Some(Type::Boolean),
            "bytes" => Some(Type::Bytes),
            _ => None,
        }
    }

    /// The name the annotation uses: `string`, `integer`, `number`, `boolean`, `bytes`.
    pub fn lua_name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Boolean => "boolean",
            Type::Bytes => "bytes",
        }
    }
}

/// How many values a parameter stands for.
///
/// Only the last key and the last argument may be optional or variadic: Redis passes `KEYS` and
/// `ARGV` by position, so a value left out anywhere else would move every later one to its place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Presence {
    /// `name`: exactly one value.
    #[default]
    Required,
    /// `name?`: one value or none; none ends `KEYS` / `ARGV` before it.
    Optional,
    /// `name...`: any number of values, from its position to the end of `KEYS` / `ARGV`.
    Variadic,
}

/// One declared key or argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    name: String,
    ty: Type,
    /// The types of each item's values, for a variadic tuple; empty otherwise.
    tuple: Vec<Type>,
    presence: Presence,
    doc: String,
    line: usize,
}

impl Param {
    pub(crate) fn new(name: &str, ty: Type, doc: &str, line: usize) -> Param {
        Param {
            name: name.to_owned(),
            ty,
            tuple: Vec::new(),
            presence: Presence::Required,
            doc: doc.to_owned(),
            line,
        }
    }

    /// Its name: a Lua name that is no Rust keyword, so that it can name a field.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its type (of each value, when it is variadic; of the first value of each item, when it is
    /// a variadic tuple).
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// For a variadic argument whose items are tuples (`---@arg entries... [number, string]`, the
    /// language server's tuple type): the types of each item's values, in the order they are sent;
    /// empty for any other parameter.
    pub fn tuple(&self) -> &[Type] {
        &self.tuple
    }

    /// Whether it is one value, an optional one or any number of them.
    pub fn presence(&self) -> Presence {
        self.presence
    }

    /// What the annotation says of it after the type (empty when nothing).
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// The line of the annotation (or of the `local` it was inferred from).
    pub fn line(&self) -> usize {
        self.line
    }
}

/// The keys and arguments of a script, in the order of `KEYS` and `ARGV`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declaration {
    keys: Vec<Param>,
    args: Vec<Param>,
    reply: Option<Vec<Param>>,
    inferred: bool,
}

impl Declaration {
    /// `KEYS[1]`, `KEYS[2]`, ...
    pub fn keys(&self) -> &[Param] {
        &self.keys
    }

    /// `ARGV[1]`, `ARGV[2]`, ...
    pub fn args(&self) -> &[Param] {
        &self.args
    }

    /// The fields of the reply, in the order of its items, when a `---@return {name: type, ...}`
    /// line declares them.
    pub fn reply(&self) -> Option<&[Param]> {
        self.reply.as_deref()
    }

    /// True when the names come from `local name = KEYS[n]` lines, not from annotations.
    pub fn inferred(&self) -> bool {
        self.inferred
    }
}

/// What [`declaration`] finds: the annotations, or why a declaration can not be inferred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// `---@key` / `---@arg` lines, or an unambiguous inference.
    Found(Declaration),
    /// No annotations, and the parameters can not be inferred, for this reason.
    Undeclared(String),
}

/// Rust's keywords, reserved words and `_`: a parameter named so could not be a field.
const RUST_KEYWORDS: &[&str] = &[
    "_", "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The script's parameters: from its annotations, else inferred from its tree; problems are an
/// annotation that does not parse, or a literal `KEYS[n]` / `ARGV[n]` past what it declares.
/// `text` is the whole file, shebang included (it must be at most [`MAX_SCRIPT_BYTES`] long).
///
/// [`MAX_SCRIPT_BYTES`]: crate::MAX_SCRIPT_BYTES
pub fn declaration(path: &str, text: &str) -> Result<Declared, Vec<Problem>> {
    if crate::limits::check_size(path, text.len() as u64).is_err() {
        return Ok(Declared::Undeclared("the file is too large".to_owned()));
    }
    let (annotated, declaration) = annotations(text).map_err(|problems| located(problems, path))?;
    let body = body_of(text);
    if let Some(fields) = &declaration.reply {
        let problems = returns(body, fields);
        if !problems.is_empty() {
            return Err(located(problems, path));
        }
    }
    let declared = if annotated {
        let problems = optional_but_needed(&declaration, crate::arity(text), &Subject::script());
        if !problems.is_empty() {
            return Err(located(problems, path));
        }
        annotated_declaration(declaration, body, path)?
    } else {
        let reply = declaration.reply;
        match inferred_declaration(body) {
            Declared::Found(inferred) => Declared::Found(Declaration { reply, ..inferred }),
            undeclared => undeclared,
        }
    };
    Ok(declared)
}

/// An annotated declaration, held to the script's literal reads of `KEYS` and `ARGV`.
fn annotated_declaration(
    declaration: Declaration,
    body: &str,
    path: &str,
) -> Result<Declared, Vec<Problem>> {
    // The literal reads are in the tokens: no tree, and no second compile, needed.
    let reads = match crate::lua::tokenizer::tokens(body) {
        Ok(tokens) => reads_in(tokens.iter().collect()),
        Err(_) => Reads::default(),
    };
    held_to(declaration, &reads, path)
}

/// The parameters inferred from the script's tree, or why they can not be.
fn inferred_declaration(body: &str) -> Declared {
    // The tree is read only from what the compiler accepts within the checks' limits, as `check`
    // reads it: no input makes the walk deeper than it can go.
    let parses = crate::limits::check(body).is_none() && crate::syntax::compile(body).is_ok();
    let walked = parses
        .then(|| crate::on_deep_stack(|| crate::syntax::tree(body).map(|tree| infer(tree.nodes()))))
        .flatten()
        .flatten();
    match walked {
        None => Declared::Undeclared("the script could not be parsed".to_owned()),
        Some(Ok(declaration)) => Declared::Found(declaration),
        Some(Err(reason)) => Declared::Undeclared(reason),
    }
}

/// The script's literal `return {...}` sites held to its declared reply; nothing when the script
/// does not parse (the checks report that).
fn returns(body: &str, fields: &[Param]) -> Vec<Problem> {
    returns_in(body, |tree| {
        crate::reply::check_returns(tree.nodes(), fields)
    })
}

/// What `check` finds in the tree of `body`; nothing when it does not parse.
fn returns_in(body: &str, check: impl FnOnce(&Ast) -> Vec<Problem> + Send) -> Vec<Problem> {
    let parses = crate::limits::check(body).is_none() && crate::syntax::compile(body).is_ok();
    parses
        .then(|| crate::on_deep_stack(|| crate::syntax::tree(body).map(|tree| check(&tree))))
        .flatten()
        .flatten()
        .unwrap_or_default()
}

/// What the checks read of the function the `redis.register_function` call on `line` registers,
/// when they can tell which function that is: one written in the call
/// (`register_function('name', function(keys, args) ... end)`, or `callback = function ... end` in
/// the table form), or a `local function name` (`local name = function`) of the top level that the
/// call names and nothing assigns again. Any other callback, and a line with two calls, gives
/// nothing.
struct Callback {
    /// What its first two parameters are called (`keys`, `args`), `None` for one it does not name.
    names: [Option<String>; 2],
    /// Its reads of them, by the rule of [`Arity`] with these names for `KEYS` and `ARGV`.
    reads: arity::Reads,
    /// Its literal `return {...}` sites that do not have the declared reply's fields.
    returns: Vec<Problem>,
}

/// The function registered on `line` of `code` (the library's code after its metadata line), read
/// with the reply `fields` when it declares one; nothing when the code does not parse (the checks
/// report that) or the checks can not tell the function.
fn callback(code: &str, line: usize, fields: Option<&[Param]>) -> Option<Callback> {
    let parses = crate::limits::check(code).is_none() && crate::syntax::compile(code).is_ok();
    parses
        .then(|| {
            crate::on_deep_stack(|| {
                let tree = crate::syntax::tree(code)?;
                let body = registered(&tree, line)?;
                let names = parameter_names(body);
                let reads = arity::analyse_as(
                    body.block(),
                    Names {
                        keys: names[0].as_deref(),
                        args: names[1].as_deref(),
                    },
                );
                let returns = fields
                    .map(|fields| crate::reply::check_returns(body.block(), fields))
                    .unwrap_or_default();
                Some(Callback {
                    names,
                    reads,
                    returns,
                })
            })
        })
        .flatten()
        .flatten()
}

/// The body of the function the registration on `line` registers, when the checks can tell (see
/// [`Callback`]).
fn registered(tree: &Ast, line: usize) -> Option<&FunctionBody> {
    let mut found = Vec::new();
    registrations(tree.nodes(), line, true, &mut found);
    match found.as_slice() {
        [Registered::Written(body)] => Some(*body),
        [Registered::Named(name, before)] if !assigned(tree, name) => local_function(
            &tree.nodes().stmts().take(*before).collect::<Vec<_>>(),
            name,
        ),
        _ => None,
    }
}

/// The names of a function's first two parameters, the keys and the arguments Redis passes it;
/// `None` for one it leaves unnamed (absent, or `...`), and for the first when both have one name
/// (Lua then reads the second by it).
fn parameter_names(body: &FunctionBody) -> [Option<String>; 2] {
    let mut parameters = body.parameters().iter().map(|parameter| match parameter {
        Parameter::Name(name) => crate::calls::identifier(name).map(str::to_owned),
        _ => None,
    });
    let keys = parameters.next().flatten();
    let args = parameters.next().flatten();
    match (keys, args) {
        (Some(keys), Some(args)) if keys == args => [None, Some(args)],
        (keys, args) => [keys, args],
    }
}

/// The fewest keys and arguments a call of the function that the `redis.register_function` call on
/// `line` of the library `text` registers must pass: the rule of [`Arity`], with the function's own
/// parameters (`function(keys, args)`, whatever they are called) in place of `KEYS` and `ARGV`.
/// None when the checks can not tell which function that is (see [`function_declaration`]), or can
/// not read the library. [`function_reads`] gives it with what else the same reading finds.
pub fn function_arity(text: &str, line: usize) -> Arity {
    function_reads("", text, line).arity()
}

/// What one reading of the function registered on `line` of the library `text` finds: its
/// [`function_arity`] and its `keys[0]` / `args[0]` (by the parameters' own names), always nil as a
/// script's `KEYS[0]` is and a problem for the same reason; `path` names the file in those. Nothing
/// when the checks can not tell the function.
pub fn function_reads(path: &str, text: &str, line: usize) -> FunctionReads {
    if crate::limits::check_size("", text.len() as u64).is_err() {
        return FunctionReads::default();
    }
    let Some(callback) = callback(library_code(text), line, None) else {
        return FunctionReads::default();
    };
    let name = |i: usize, or: &'static str| callback.names[i].as_deref().unwrap_or(or);
    let zero_reads = crate::rules::zero_reads(
        &callback.reads.zero_reads,
        [name(0, "keys"), name(1, "args")],
    );
    FunctionReads {
        arity: callback.reads.arity,
        zero_reads: located(zero_reads, path),
    }
}

/// What [`function_reads`] finds in one function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionReads {
    arity: Arity,
    zero_reads: Vec<Problem>,
}

impl FunctionReads {
    /// The fewest keys and arguments a call must pass ([`function_arity`]).
    pub fn arity(&self) -> Arity {
        self.arity
    }

    /// A problem for each literal `keys[0]` / `args[0]`.
    pub fn zero_reads(&self) -> &[Problem] {
        &self.zero_reads
    }
}

/// A library's code after its metadata line (no script shebang: the code starts at the newline that
/// ends it, so that lines stay the file's).
fn library_code(text: &str) -> &str {
    match text.strip_prefix("#!") {
        Some(_) => text.find('\n').map_or("", |end| &text[end..]),
        None => text,
    }
}

/// The callback of a registration.
enum Registered<'a> {
    /// A function written in the call.
    Written(&'a FunctionBody),
    /// A name, in a call that is the top-level statement at this index.
    Named(String, usize),
    /// Anything else.
    Other,
}

/// The callbacks of the `redis.register_function` calls on `line` (at the top level, or in a `do`
/// block there: `top` is false inside one).
fn registrations<'a>(block: &'a Block, line: usize, top: bool, found: &mut Vec<Registered<'a>>) {
    for (index, stmt) in block.stmts().enumerate() {
        let call = match stmt {
            Stmt::Do(inner) => {
                registrations(inner.block(), line, false, found);
                continue;
            }
            Stmt::FunctionCall(call) => call,
            _ => continue,
        };
        let Prefix::Name(redis) = call.prefix() else {
            continue;
        };
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        let [
            Suffix::Index(Index::Dot { name, .. }),
            Suffix::Call(Call::AnonymousCall(args)),
        ] = suffixes.as_slice()
        else {
            continue;
        };
        if redis.token().to_string() != "redis"
            || name.token().to_string() != "register_function"
            || redis.token().start_position().line() != line
        {
            continue;
        }
        let callback = match &**args {
            FunctionArgs::Parentheses { arguments, .. } => {
                let mut arguments = arguments.iter();
                match (arguments.next(), arguments.next()) {
                    (Some(Expression::TableConstructor(table)), None) => table_callback(table),
                    (_, callback) => callback,
                }
            }
            FunctionArgs::TableConstructor(table) => table_callback(table),
            _ => None,
        };
        found.push(match callback {
            Some(Expression::Function(function)) => Registered::Written(function.body()),
            Some(Expression::Var(Var::Name(name))) if top => {
                Registered::Named(name.token().to_string(), index)
            }
            _ => Registered::Other,
        });
    }
}

/// The `callback = ...` of a registration's table.
fn table_callback(table: &TableConstructor) -> Option<&Expression> {
    table.fields().iter().find_map(|field| match field {
        Field::NameKey { key, value, .. } if key.token().to_string() == "callback" => {
            Some(&**value)
        }
        _ => None,
    })
}

/// The function the last of `stmts` to bind `name` binds it to, when that is a `local function
/// name` or a `local name = function`.
fn local_function<'a>(stmts: &[&'a Stmt], name: &str) -> Option<&'a FunctionBody> {
    stmts.iter().rev().find_map(|stmt| match stmt {
        Stmt::LocalFunction(function) if function.name().token().to_string() == name => {
            Some(Some(function.body()))
        }
        Stmt::LocalAssignment(local)
            if local.names().iter().any(|n| n.token().to_string() == name) =>
        {
            let mut names = local.names().iter();
            let mut values = local.expressions().iter();
            Some(
                match (names.next(), names.next(), values.next(), values.next()) {
                    (Some(_), None, Some(Expression::Function(function)), None) => {
                        Some(function.body())
                    }
                    _ => None,
                },
            )
        }
        _ => None,
    })?
}

/// True when an assignment anywhere in the tree may set `name` (`name = ...`).
fn assigned(tree: &Ast, name: &str) -> bool {
    struct Assigns<'n> {
        name: &'n str,
        found: bool,
    }
    impl Visitor for Assigns<'_> {
        fn visit_assignment(&mut self, assignment: &Assignment) {
            self.found |= assignment
                .variables()
                .iter()
                .any(|var| matches!(var, Var::Name(name) if name.token().to_string() == self.name));
        }

        /// `function name() ... end` assigns `name` too.
        fn visit_function_declaration(&mut self, function: &FunctionDeclaration) {
            let names = function.name().names();
            self.found |= function.name().method_name().is_none()
                && names.len() == 1
                && names
                    .iter()
                    .next()
                    .is_some_and(|name| name.token().to_string() == self.name);
        }
    }
    let mut assigns = Assigns { name, found: false };
    assigns.visit_ast(tree);
    assigns.found
}

/// Whose declaration is held to its code, as the messages name it.
struct Subject {
    /// `script` or `function`.
    what: &'static str,
    /// What the code calls its keys and its arguments: `KEYS` and `ARGV`, or a function's
    /// parameters.
    tables: [String; 2],
    /// Where the declaration is written, with its verb: `the file declares`.
    declares: &'static str,
    /// Where a missing `---@key` / `---@arg` line goes.
    add_at: String,
}

impl Subject {
    fn script() -> Subject {
        Subject {
            what: "script",
            tables: [Table::Keys.name().to_owned(), Table::Argv.name().to_owned()],
            declares: "the file declares",
            add_at: "at the top of the file".to_owned(),
        }
    }

    /// The function registered on `line`, whose parameters are called `names`.
    fn function(names: &[Option<String>; 2], line: usize) -> Subject {
        let name = |i: usize, or: &str| names[i].clone().unwrap_or_else(|| or.to_owned());
        Subject {
            what: "function",
            tables: [name(0, "keys"), name(1, "args")],
            declares: "the lines above its registration declare",
            add_at: format!("right above its redis.register_function (line {line})"),
        }
    }
}

/// A problem for each optional parameter the code reads where a nil fails every run (see
/// [`Arity`]): a call that leaves it out could never succeed.
fn optional_but_needed(declaration: &Declaration, arity: Arity, subject: &Subject) -> Vec<Problem> {
    [
        (&declaration.keys, arity.keys(), &subject.tables[0]),
        (&declaration.args, arity.args(), &subject.tables[1]),
    ]
    .into_iter()
    .filter_map(|(list, needed, place)| {
        let param = list.get(needed.checked_sub(1)?)?;
        (param.presence == Presence::Optional).then(|| {
            Problem::new(
                Kind::Declaration,
                Some(param.line),
                format!(
                    "`{}?` is optional, but the {} reads {place}[{needed}] where a nil fails \
                     every run (an argument of redis.call, arithmetic, `..`), so a call that \
                     leaves it out could never succeed; declare it required, or read it so that \
                     nil is allowed (`{place}[{needed}] or default`, `if {place}[{needed}] then`)",
                    param.name, subject.what
                ),
            )
        })
    })
    .collect()
}

/// The declaration, or a problem for each literal `KEYS[n]` / `ARGV[n]` past it.
fn held_to(declaration: Declaration, reads: &Reads, path: &str) -> Result<Declared, Vec<Problem>> {
    let problems = past_declaration(&declaration, reads, &Subject::script());
    if problems.is_empty() {
        Ok(Declared::Found(declaration))
    } else {
        Err(located(problems, path))
    }
}

/// A problem for each literal read of a key or an argument past what `declaration` declares (and
/// not among the values of a variadic last one).
fn past_declaration(declaration: &Declaration, reads: &Reads, subject: &Subject) -> Vec<Problem> {
    let mut problems = Vec::new();
    for read in &reads.literal {
        let (declared, tag, what) = if read.keys {
            (&declaration.keys, "key", &subject.tables[0])
        } else {
            (&declaration.args, "arg", &subject.tables[1])
        };
        let variadic = declared
            .last()
            .is_some_and(|p| p.presence == Presence::Variadic);
        if read.index > declared.len() && !variadic {
            let names: Vec<&str> = declared.iter().map(Param::name).collect();
            problems.push(Problem::at(
                Kind::Declaration,
                read.line,
                read.column,
                format!(
                    "the {} reads {what}[{}], but {} {} ({}); add a `---@{tag} NAME TYPE` \
                     line for it {}",
                    subject.what,
                    read.index,
                    subject.declares,
                    count(declared.len(), if read.keys { "key" } else { "argument" }),
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    },
                    subject.add_at,
                ),
            ));
        }
    }
    problems
}

/// The parameters of a function of a library: the `---@key` / `---@arg` / `---@return` lines of
/// the comment block right above its `redis.register_function` call at `line`; `None` when that
/// block has none. A function receives the keys and arguments as its first two parameters, in the
/// same order. A block with only a `---@return` line declares the reply of a function that takes
/// no keys or arguments.
///
/// When the checks can tell which function the call registers (see [`function_arity`]), its code
/// is held to the declaration as a declared script's is: a literal `keys[n]` / `args[n]` (by the
/// function's own parameter names) past what the block declares, an optional parameter it reads
/// where a nil fails every run, and a literal `return {...}` without the declared reply's fields
/// are problems.
pub fn function_declaration(
    path: &str,
    text: &str,
    line: usize,
) -> Result<Option<Declaration>, Vec<Problem>> {
    let lines: Vec<&str> = text.lines().collect();
    let end = line.min(lines.len() + 1);
    let mut first = end;
    while first > 1
        && lines
            .get(first - 2)
            .is_some_and(|above| above.trim_start().starts_with("--"))
    {
        first -= 1;
    }
    let mut declaration = Declaration::default();
    let mut problems = Vec::new();
    let mut found = false;
    for number in first..end {
        let Some(tag) = lines
            .get(number - 1)
            .and_then(|l| l.trim_start().strip_prefix("---@"))
        else {
            continue;
        };
        found |= annotation(tag, number, &mut declaration, &mut problems);
    }
    if !problems.is_empty() {
        return Err(located(problems, path));
    }
    if !found && declaration.reply.is_none() {
        return Ok(None);
    }
    if crate::limits::check_size(path, text.len() as u64).is_ok()
        && let Some(callback) = callback(library_code(text), line, declaration.reply.as_deref())
    {
        let subject = Subject::function(&callback.names, line);
        let mut literal: Vec<Read> = callback
            .reads
            .literal
            .iter()
            .map(|read| Read {
                keys: read.table == Table::Keys,
                index: read.index,
                line: read.place.0,
                column: read.place.1,
            })
            .collect();
        literal.sort_by_key(|read| (read.line, read.column));
        let reads = Reads {
            literal,
            other: None,
        };
        let mut problems = callback.returns;
        problems.extend(optional_but_needed(
            &declaration,
            callback.reads.arity,
            &subject,
        ));
        problems.extend(past_declaration(&declaration, &reads, &subject));
        if !problems.is_empty() {
            return Err(located(problems, path));
        }
    }
    Ok(Some(declaration))
}

fn located(problems: Vec<Problem>, path: &str) -> Vec<Problem> {
    problems.into_iter().map(|p| p.located(path)).collect()
}

fn count(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// The Lua body after a shebang line (whose newline it keeps, so lines match the file's).
fn body_of(text: &str) -> &str {
    match crate::shebang::parse(text, true) {
        Ok(shebang) => crate::shebang::lua_body(text, shebang.as_ref()),
        Err(_) => text,
    }
}

/// The `---@key` / `---@arg` / `---@return {...}` lines of the comment block at the top of the file,
/// and whether any declares a parameter. One anywhere else is a problem, so that none is silently ignored.
fn annotations(text: &str) -> Result<(bool, Declaration), Vec<Problem>> {
    let mut declaration = Declaration::default();
    let mut problems = Vec::new();
    let mut in_header = true;
    let mut long_comment: Option<String> = None;
    let mut found = false;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim_start();
        if let Some(close) = &long_comment {
            if line.contains(close.as_str()) {
                long_comment = None;
            }
            continue;
        }
        if in_header {
            if number == 1 && trimmed.starts_with("#!") || trimmed.is_empty() {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("--") {
                if let Some(close) = long_bracket(rest)
                    && !rest.contains(close.as_str())
                {
                    long_comment = Some(close);
                    continue;
                }
                if let Some(tag) = rest.strip_prefix("-@") {
                    found |= annotation(tag, number, &mut declaration, &mut problems);
                }
                continue;
            }
            in_header = false;
        }
        if let Some(tag) = trimmed.strip_prefix("---@")
            && (word(tag, "key") || word(tag, "arg"))
        {
            problems.push(Problem::new(
                Kind::Declaration,
                Some(number),
                "parameters are declared in the comment block at the top of the file, before any \
                 code; move this line there"
                    .to_owned(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((found, declaration))
}

/// True when `text` starts with the word `tag` (followed by a blank or nothing).
fn word(text: &str, tag: &str) -> bool {
    text.strip_prefix(tag)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

/// For a comment's text after `--` that opens a long bracket (`[[`, `[==[`), the bracket that closes it.
fn long_bracket(rest: &str) -> Option<String> {
    let inner = rest.strip_prefix('[')?;
    let level = inner.chars().take_while(|&c| c == '=').count();
    inner[level..]
        .starts_with('[')
        .then(|| format!("]{}]", "=".repeat(level)))
}

/// Reads one `---@...` line (`tag` is what follows `---@`); true when it declares a parameter.
fn annotation(
    tag: &str,
    line: usize,
    declaration: &mut Declaration,
    problems: &mut Vec<Problem>,
) -> bool {
    if word(tag, "return") {
        return match crate::reply::parse(&tag["return".len()..], line) {
            None => false,
            Some(Err(problem)) => {
                problems.push(problem);
                false
            }
            Some(Ok(_)) if declaration.reply.is_some() => {
                problems.push(Problem::new(
                    Kind::Declaration,
                    Some(line),
                    "the reply is declared twice: one `---@return {...}` line names all its \
                     fields"
                        .to_owned(),
                ));
                false
            }
            // The reply alone declares no parameters: they are still inferred.
            Some(Ok(fields)) => {
                declaration.reply = Some(fields);
                false
            }
        };
    }
    let key = word(tag, "key");
    if !key && !word(tag, "arg") {
        // Another tag of the language server (`---@return`, `---@type`): a comment here.
        return false;
    }
    let what = if key { "key" } else { "arg" };
    let mut problem = |message: String| {
        problems.push(Problem::new(Kind::Declaration, Some(line), message));
        true
    };
    let rest = &tag[what.len()..];
    let mut words = rest.split_whitespace();
    let Some(name) = words.next() else {
        return problem(format!(
            "`---@{what}` names a parameter: `---@{what} {}`",
            if key {
                "bucket string"
            } else {
                "limit integer"
            }
        ));
    };
    let example = if key { "members" } else { "values" };
    if name == "..." || name.starts_with("...") {
        return problem(format!(
            "a variadic `---@{what}` is named, with the dots after the name: `---@{what} \
             {example}... {}` (the call passes it as a slice)",
            if key { "string" } else { "integer" }
        ));
    }
    let (name, presence) = if let Some(stripped) = name.strip_suffix("...") {
        (stripped, Presence::Variadic)
    } else if let Some(stripped) = name.strip_suffix('?') {
        (stripped, Presence::Optional)
    } else {
        (name, Presence::Required)
    };
    if let Some(reason) = name_problem(name) {
        return problem(format!("`---@{what} {name}`: {reason}"));
    }
    // The language server's tuple, `[number, string]`: the values of each item of a variadic
    // argument (ZADD's `score member ...`), written with blanks inside.
    let after_name = rest
        .trim_start()
        .split_once(char::is_whitespace)
        .map_or("", |(_, after)| after.trim_start());
    let (ty, tuple, doc) = if let Some(inside) = after_name.strip_prefix('[') {
        match tuple_type(key, name, presence, inside) {
            Ok(read) => read,
            Err(message) => return problem(message),
        }
    } else {
        let second = words.next();
        let (ty, doc_start) = match (key, second) {
            (_, Some(word)) if Type::parse(word).is_some() => (Type::parse(word), 1),
            (false, Some(word)) => {
                return problem(format!("`---@arg {name} {word}`: {}", type_problem(word)));
            }
            (false, None) => {
                return problem(format!(
                    "`---@arg {name}` needs a type: `---@arg {name} integer` (string, integer, number, \
                     boolean or bytes)"
                ));
            }
            (true, Some(word)) if looks_like_a_type(word) => {
                return problem(format!(
                    "`---@key {name} {word}`: a key is a string; write `---@key {name} string` or \
                     `---@key {name}`"
                ));
            }
            (true, _) => (Some(Type::String), 0),
        };
        let ty = ty.unwrap_or(Type::String);
        if key && !matches!(ty, Type::String | Type::Bytes) {
            return problem(format!(
                "`---@key {name} {}`: a key is a string; write `---@key {name} string` or `---@key \
                 {name}` (or `bytes`, for a key that is not text)",
                ty.lua_name()
            ));
        }
        let doc: Vec<&str> = rest
            .split_whitespace()
            .skip(1 + doc_start)
            .collect::<Vec<_>>();
        let doc = doc.join(" ");
        let doc = doc.trim_start_matches('#').trim().to_owned();
        (ty, Vec::new(), doc)
    };
    let taken = declaration
        .keys
        .iter()
        .chain(&declaration.args)
        .find(|p| p.name == name);
    if let Some(taken) = taken {
        return problem(format!(
            "`{name}` is declared twice (also on line {}); keys and arguments share one set of names",
            taken.line
        ));
    }
    let list = if key {
        &mut declaration.keys
    } else {
        &mut declaration.args
    };
    if let Some(last) = list.last().filter(|p| p.presence != Presence::Required) {
        let (suffix, how) = match last.presence {
            Presence::Optional => ("?", "optional: a `None` ends"),
            _ => ("...", "variadic: its values run to the end of"),
        };
        let place = if key { "KEYS" } else { "ARGV" };
        return problem(format!(
            "`---@{what} {name}` follows `{}{suffix}` (line {}), which is {how} {place}, so this \
             one would have no fixed position; only the last {} may be optional or variadic: \
             declare `{}` last, or make it required",
            last.name,
            last.line,
            if key { "key" } else { "argument" },
            last.name,
        ));
    }
    list.push(Param {
        name: name.to_owned(),
        ty,
        tuple,
        presence,
        doc,
        line,
    });
    true
}

/// The tuple type of a variadic argument, from what follows its `[`: its first type, its types,
/// and the description after the `]`; or what is wrong with it.
fn tuple_type(
    key: bool,
    name: &str,
    presence: Presence,
    inside: &str,
) -> Result<(Type, Vec<Type>, String), String> {
    let Some((inside, doc)) = inside.split_once(']') else {
        return Err(format!(
            "`---@arg {name}`: the tuple's `[` is not closed: `---@arg {name}... [number, string]`"
        ));
    };
    let written = format!("[{inside}]");
    if key {
        return Err(format!(
            "`---@key {name} {written}`: a key is a string; pairs of a key and a value go in a \
             variadic argument, `---@arg {name}... [string, string]`"
        ));
    }
    if presence != Presence::Variadic {
        return Err(format!(
            "`---@arg {name} {written}`: a tuple is the item of a variadic argument, `---@arg \
             {name}... {written}` (the call passes a slice of tuples)"
        ));
    }
    let mut tuple = Vec::new();
    for word in inside.split(',').map(str::trim) {
        match Type::parse(word) {
            Some(ty) => tuple.push(ty),
            None => {
                return Err(format!(
                    "`---@arg {name}... {written}`: {}",
                    type_problem(word)
                ));
            }
        }
    }
    let [first, _, ..] = tuple[..] else {
        return Err(format!(
            "`---@arg {name}... {written}`: a tuple has two types or more, `[number, string]`; a \
             variadic argument of one type is `---@arg {name}... {}`",
            tuple.first().map_or("string", |ty| ty.lua_name())
        ));
    };
    let doc = doc.trim().trim_start_matches('#').trim().to_owned();
    Ok((first, tuple, doc))
}

/// What is wrong with `word` as a parameter's type.
fn type_problem(word: &str) -> String {
    format!(
        "`{word}` is not a type a parameter can have; Redis passes every argument as a string, so \
         it is one of string, integer, number, boolean or bytes"
    )
}

/// A word the language server would read as a type: a known name, or one with type syntax.
fn looks_like_a_type(word: &str) -> bool {
    matches!(
        word,
        "integer" | "number" | "boolean" | "table" | "any" | "nil" | "function" | "userdata"
    ) || word.contains(['|', '[', '<', '?', '{', '('])
}

/// Why `name` can not name a parameter, if it can not.
pub(crate) fn name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Some(
            "a parameter's name is a Lua name (letters, digits and `_`, not starting with a digit)"
                .to_owned(),
        );
    }
    if RUST_KEYWORDS.contains(&name) {
        return Some(format!(
            "`{name}` is a Rust keyword, and the name becomes a field of the call; choose another"
        ));
    }
    None
}

/// A literal `KEYS[n]` / `ARGV[n]`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Read {
    keys: bool,
    index: usize,
    line: usize,
    column: usize,
}

/// How a script reads `KEYS` and `ARGV`.
#[derive(Debug, Default)]
struct Reads {
    literal: Vec<Read>,
    /// A use of `KEYS` / `ARGV` other than with a literal index (`#KEYS`, `KEYS[i]`,
    /// `ipairs(ARGV)`, `unpack(KEYS)`): the first one, as `(name, line)`.
    other: Option<(String, usize)>,
}

/// Every `KEYS` / `ARGV` in the script's tree.
fn reads(block: &Block) -> Reads {
    reads_in(block.tokens().map(|t| t.token()).collect())
}

/// Every `KEYS` / `ARGV` in `tokens`, in source order (comments and strings are not names).
fn reads_in(tokens: Vec<&Token>) -> Reads {
    let tokens: Vec<&Token> = tokens
        .into_iter()
        .filter(|t| !t.token_type().is_trivia())
        .collect();
    let mut reads = Reads::default();
    for (i, token) in tokens.iter().enumerate() {
        let name = match token.token_type() {
            TokenType::Identifier { identifier }
                if matches!(identifier.as_str(), "KEYS" | "ARGV") =>
            {
                identifier.as_str()
            }
            _ => continue,
        };
        let at = token.start_position();
        let is = |j: usize, symbol: Symbol| {
            tokens.get(j).is_some_and(
                |t| matches!(t.token_type(), TokenType::Symbol { symbol: s } if *s == symbol),
            )
        };
        let index = match tokens.get(i + 2).map(|t| t.token_type()) {
            Some(TokenType::Number { text })
                if is(i + 1, Symbol::LeftBracket) && is(i + 3, Symbol::RightBracket) =>
            {
                text.parse::<usize>().ok()
            }
            _ => None,
        };
        match index {
            Some(index) => reads.literal.push(Read {
                keys: name == "KEYS",
                index,
                line: at.line(),
                column: at.character(),
            }),
            None => {
                reads.other.get_or_insert((name.to_owned(), at.line()));
            }
        }
    }
    reads
}

/// The parameters the script binds at its top level, when that is unambiguous (see the module's
/// documentation); otherwise why not.
fn infer(block: &Block) -> Result<Declaration, String> {
    let reads = reads(block);
    if let Some((name, line)) = &reads.other {
        return Err(format!(
            "line {line} reads {name} other than as {name}[n] with a literal n (#{name}, a loop, \
             unpack), so its parameters are not a fixed list"
        ));
    }
    let mut keys: Vec<Option<Param>> = Vec::new();
    let mut args: Vec<Option<Param>> = Vec::new();
    for stmt in block.stmts() {
        let Stmt::LocalAssignment(local) = stmt else {
            continue;
        };
        let (names, values) = (local.names(), local.expressions());
        if names.len() != 1 || values.len() != 1 {
            continue;
        }
        let (Some(name), Some(value)) = (names.iter().next(), values.iter().next()) else {
            continue;
        };
        let Some((is_key, index, ty)) = bound(value) else {
            continue;
        };
        let name = name.token().to_string();
        let line = local.local_token().token().start_position().line();
        let (list, what) = if is_key {
            (&mut keys, "KEYS")
        } else {
            (&mut args, "ARGV")
        };
        if index == 0 || index > crate::MAX_SCRIPT_BYTES {
            return Err(format!("line {line} binds {what}[{index}]"));
        }
        if list.len() < index {
            list.resize(index, None);
        }
        if let Some(first) = &list[index - 1] {
            return Err(format!(
                "{what}[{index}] is bound twice (`{}` on line {}, `{name}` on line {line})",
                first.name, first.line
            ));
        }
        if let Some(reason) = name_problem(&name) {
            return Err(format!("line {line}: {reason}"));
        }
        list[index - 1] = Some(Param {
            name,
            ty,
            tuple: Vec::new(),
            presence: Presence::Required,
            doc: format!("`local` on line {line}"),
            line,
        });
    }
    for read in &reads.literal {
        let (list, what) = if read.keys {
            (&mut keys, "KEYS")
        } else {
            (&mut args, "ARGV")
        };
        if read.index == 0 || list.get(read.index - 1).is_none_or(Option::is_none) {
            return Err(format!(
                "line {} reads {what}[{}], which no `local name = {what}[{}]` at the top level \
                 names",
                read.line, read.index, read.index
            ));
        }
    }
    let complete = |list: Vec<Option<Param>>, what: &str| -> Result<Vec<Param>, String> {
        let mut out = Vec::with_capacity(list.len());
        for (i, param) in list.into_iter().enumerate() {
            match param {
                Some(param) => out.push(param),
                None => {
                    return Err(format!(
                        "{what}[{}] is never bound to a name, but a later one is",
                        i + 1
                    ));
                }
            }
        }
        Ok(out)
    };
    let declaration = Declaration {
        keys: complete(keys, "KEYS")?,
        args: complete(args, "ARGV")?,
        reply: None,
        inferred: true,
    };
    let mut names: Vec<&str> = declaration
        .keys
        .iter()
        .chain(&declaration.args)
        .map(Param::name)
        .collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(format!("`{}` names two parameters", pair[0]));
    }
    Ok(declaration)
}

/// `KEYS[n]` (a string key), `ARGV[n]` (a string) or `tonumber(ARGV[n])` (a number).
fn bound(value: &Expression) -> Option<(bool, usize, Type)> {
    if let Some((keys, index)) = indexed(value) {
        return Some((keys, index, Type::String));
    }
    let Expression::FunctionCall(call) = value else {
        return None;
    };
    let Prefix::Name(function) = call.prefix() else {
        return None;
    };
    let suffixes: Vec<&Suffix> = call.suffixes().collect();
    let ("tonumber", [Suffix::Call(Call::AnonymousCall(args))]) =
        (function.token().to_string().as_str(), suffixes.as_slice())
    else {
        return None;
    };
    let FunctionArgs::Parentheses { arguments, .. } = &**args else {
        return None;
    };
    match single(arguments).and_then(indexed) {
        Some((false, index)) => Some((false, index, Type::Number)),
        _ => None,
    }
}

fn single(arguments: &Punctuated<Expression>) -> Option<&Expression> {
    let mut iter = arguments.iter();
    let first = iter.next()?;
    iter.next().is_none().then_some(first)
}

/// `KEYS[n]` or `ARGV[n]` with a literal `n`: `(is KEYS, n)`.
fn indexed(value: &Expression) -> Option<(bool, usize)> {
    let Expression::Var(Var::Expression(var)) = value else {
        return None;
    };
    let Prefix::Name(table) = var.prefix() else {
        return None;
    };
    let keys = match table.token().to_string().as_str() {
        "KEYS" => true,
        "ARGV" => false,
        _ => return None,
    };
    let suffixes: Vec<&Suffix> = var.suffixes().collect();
    let [Suffix::Index(Index::Brackets { expression, .. })] = suffixes.as_slice() else {
        return None;
    };
    match &**expression {
        Expression::Number(token) => token
            .token()
            .to_string()
            .trim()
            .parse()
            .ok()
            .map(|n| (keys, n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(text: &str) -> Declaration {
        match declaration("s.lua", text).unwrap() {
            Declared::Found(declaration) => declaration,
            Declared::Undeclared(reason) => panic!("undeclared: {reason}"),
        }
    }

    fn undeclared(text: &str) -> String {
        match declaration("s.lua", text).unwrap() {
            Declared::Found(declaration) => panic!("declared: {declaration:?}"),
            Declared::Undeclared(reason) => reason,
        }
    }

    fn problems(text: &str) -> Vec<String> {
        declaration("s.lua", text)
            .unwrap_err()
            .iter()
            .map(|p| p.message().to_owned())
            .collect()
    }

    fn names(params: &[Param]) -> Vec<(&str, Type)> {
        params.iter().map(|p| (p.name(), p.ty())).collect()
    }

    #[test]
    fn annotations_declare_keys_and_arguments_in_order() {
        let d = declared(
            "#!lua flags=no-writes\n--- A limiter.\n---@key bucket string the counter's key\n\
             ---@arg limit integer # requests per window\n---@key other\n---@arg ratio number\n\
             ---@arg on boolean\n---@return integer\nreturn redis.call('GET', KEYS[1])",
        );
        assert_eq!(
            names(d.keys()),
            [("bucket", Type::String), ("other", Type::String)]
        );
        assert_eq!(
            names(d.args()),
            [
                ("limit", Type::Integer),
                ("ratio", Type::Number),
                ("on", Type::Boolean)
            ]
        );
        assert_eq!(d.keys()[0].doc(), "the counter's key");
        assert_eq!(d.args()[0].doc(), "requests per window");
        assert_eq!(d.keys()[0].line(), 3);
        assert!(!d.inferred());
    }

    #[test]
    fn bad_annotations_are_problems_on_their_line() {
        let cases = [
            ("---@arg limit\nreturn 1", "needs a type"),
            (
                "---@arg limit table\nreturn 1",
                "not a type a parameter can have",
            ),
            ("---@key k integer\nreturn 1", "a key is a string"),
            ("---@key\nreturn 1", "names a parameter"),
            ("---@arg type string\nreturn 1", "Rust keyword"),
            ("---@arg 9lives string\nreturn 1", "a Lua name"),
            (
                "---@arg ... string\nreturn 1",
                "`---@arg values... integer`",
            ),
            ("---@key ...ks\nreturn 1", "`---@key members... string`"),
            (
                "---@arg n? table\nreturn 1",
                "not a type a parameter can have",
            ),
            ("---@key k number\nreturn 1", "or `bytes`"),
            (
                "---@arg a? string\n---@arg b string\nreturn 1",
                "follows `a?` (line 1)",
            ),
            (
                "---@arg a? string\n---@arg b? string\nreturn 1",
                "only the last argument",
            ),
            (
                "---@key a... string\n---@key b\nreturn 1",
                "variadic: its values run",
            ),
            (
                "---@arg a? string\n---@arg b... string\nreturn 1",
                "optional: a `None` ends",
            ),
            ("---@key a\n---@arg a string\nreturn 1", "declared twice"),
            ("return 1\n---@key late\n", "comment block at the top"),
        ];
        for (text, expected) in cases {
            let found = problems(text);
            assert!(
                found
                    .iter()
                    .any(|m| m.contains(expected) && m.starts_with("s.lua:")),
                "{text:?}: {found:?}"
            );
        }
    }

    #[test]
    fn optional_variadic_and_bytes_parameters() {
        let d = declared(
            "---@key first bytes\n---@key rest... string the others\n---@arg limit integer\n\
             ---@arg ttl? integer # seconds\nreturn {KEYS[3], #KEYS, ARGV[2] or 0}",
        );
        let presence = |params: &[Param]| -> Vec<(Presence, Type)> {
            params.iter().map(|p| (p.presence(), p.ty())).collect()
        };
        assert_eq!(
            names(d.keys()),
            [("first", Type::Bytes), ("rest", Type::String)]
        );
        assert_eq!(
            presence(d.keys()),
            [
                (Presence::Required, Type::Bytes),
                (Presence::Variadic, Type::String)
            ]
        );
        assert_eq!(
            presence(d.args()),
            [
                (Presence::Required, Type::Integer),
                (Presence::Optional, Type::Integer)
            ]
        );
        assert_eq!(d.keys()[1].doc(), "the others");
        assert_eq!(d.args()[1].doc(), "seconds");
        // Reads past the variadic one are its values; ARGV has none.
        let found = problems("---@arg v... string\nreturn {ARGV[9], KEYS[1]}");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("reads KEYS[1]"), "{found:?}");
    }

    #[test]
    fn a_variadic_argument_may_be_a_tuple() {
        let d = declared(
            "---@key board\n---@arg entries... [number, string] # a score, then its member\n\
             return redis.call('ZADD', KEYS[1], unpack(ARGV))",
        );
        let entries = &d.args()[0];
        assert_eq!(entries.tuple(), [Type::Number, Type::String]);
        assert_eq!(
            (entries.ty(), entries.presence()),
            (Type::Number, Presence::Variadic)
        );
        assert_eq!(entries.doc(), "a score, then its member");
        assert!(d.keys()[0].tuple().is_empty());
        let cases = [
            (
                "---@arg e [number, string]",
                "the item of a variadic argument",
            ),
            (
                "---@arg e? [number, string]",
                "the item of a variadic argument",
            ),
            ("---@key e... [string, string]", "a key is a string"),
            ("---@arg e... [number, table]", "`table` is not a type"),
            ("---@arg e... [number]", "two types or more"),
            ("---@arg e... [number, string", "is not closed"),
        ];
        for (line, expected) in cases {
            let found = problems(&format!("{line}\nreturn 1"));
            assert!(found[0].contains(expected), "{line}: {found:?}");
        }
    }

    #[test]
    fn an_optional_parameter_the_script_needs_is_a_problem() {
        let found = problems(
            "---@key k\n---@arg ttl? integer\nreturn redis.call('EXPIRE', KEYS[1], ARGV[1])",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("s.lua:2: `ttl?` is optional, but the script reads ARGV[1]"),
            "{found:?}"
        );
        // Read so that nil is allowed, it may be left out.
        declared(
            "---@key k\n---@arg ttl? integer\nif ARGV[1] then redis.call('EXPIRE', KEYS[1], \
             ARGV[1]) end\nreturn 1",
        );
        let found = problems("---@key k?\nreturn redis.call('GET', KEYS[1])");
        assert!(
            found[0].contains("reads KEYS[1] where a nil fails"),
            "{found:?}"
        );
    }

    #[test]
    fn a_function_s_literal_returns_are_held_to_its_reply() {
        let text = "#!lua name=lib\n---@key k\n---@return {a: integer, b: integer}\n\
                    redis.register_function('f', function(keys, args)\n  if x then return {1} end\n\
                    return {1, 2}\nend)\n\
                    ---@key k\n---@return {a: integer}\nredis.register_function{function_name = 'g', \
                    callback = function(keys, args) return {1, 2} end}\n\
                    ---@key k\n---@return {a: integer}\nlocal function h() return {1, 2} end\n\
                    redis.register_function('h', h)";
        let bad = function_declaration("l.lua", text, 4).unwrap_err();
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            bad[0]
                .message()
                .starts_with("l.lua:5:20: this table returns 1 item"),
            "{bad:?}"
        );
        let bad = function_declaration("l.lua", text, 10).unwrap_err();
        assert!(
            bad[0]
                .message()
                .starts_with("l.lua:10:85: this table returns 2 items"),
            "{bad:?}"
        );
        // A callback named: the top-level local function it names, unless something assigns it.
        let named = |before: &str, register: &str| {
            let text = format!(
                "#!lua name=lib\n{before}\n---@key k\n---@return {{a: integer}}\n{register}"
            );
            let line = text.lines().count();
            function_declaration("l.lua", &text, line)
                .err()
                .map(|problems| problems[0].message().to_owned())
        };
        let h = "local function h(keys) return {1, 2} end";
        let found = named(h, "redis.register_function('h', h)").unwrap();
        assert!(
            found.starts_with("l.lua:2:31: this table returns 2 items"),
            "{found}"
        );
        let found = named(
            "local h = function() return {1, 2} end",
            "redis.register_function{function_name = 'h', callback = h}",
        );
        assert!(
            found
                .unwrap()
                .starts_with("l.lua:2:29: this table returns 2")
        );
        // Assigned again, shadowed by a later local, registered in a block: not followed.
        let reassigned = format!("{h}\nif x then h = function() return {{1}} end end");
        assert_eq!(named(&reassigned, "redis.register_function('h', h)"), None);
        let shadowed = format!("{h}\nlocal h = other");
        assert_eq!(named(&shadowed, "redis.register_function('h', h)"), None);
        assert_eq!(named(h, "do redis.register_function('h', h) end"), None);
        assert_eq!(named(h, "redis.register_function('h', g)"), None);
        assert_eq!(
            named(
                "local function h() return {1} end",
                "redis.register_function('h', h)"
            ),
            None
        );
    }

    #[test]
    fn a_function_is_held_to_its_declaration_by_its_own_parameter_names() {
        let text = "#!lua name=lib\n---@key counter\n---@arg by? integer\n\
                    redis.register_function('f', function(ks, argv)\n\
                    return redis.call('INCRBY', ks[1], argv[1]) + ks[2]\nend)\n\
                    ---@key first\n\
                    redis.register_function('g', function(keys) local keys = {} return keys[9] end)\n\
                    ---@return {n: integer}\n\
                    redis.register_function('h', function(keys, args) return {#keys} end)\n\
                    ---@return {n: integer}\n\
                    redis.register_function('i', function(keys, args) return {keys[1]} end)\n";
        let found: Vec<String> = function_declaration("l.lua", text, 4)
            .unwrap_err()
            .iter()
            .map(|p| p.message().to_owned())
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with(
                "l.lua:3: `by?` is optional, but the function reads argv[1] where a nil fails"
            ),
            "{found:?}"
        );
        assert!(
            found[1].starts_with(
                "l.lua:5:47: the function reads ks[2], but the lines above its registration \
                 declare 1 key (counter); add a `---@key NAME TYPE` line for it right above its \
                 redis.register_function (line 4)"
            ),
            "{found:?}"
        );
        // A local of the same name is not the parameter; a reply alone declares no parameters.
        let g = function_declaration("l.lua", text, 8).unwrap().unwrap();
        assert_eq!(names(g.keys()), [("first", Type::String)]);
        let h = function_declaration("l.lua", text, 10).unwrap().unwrap();
        assert!(h.keys().is_empty() && h.args().is_empty() && h.reply().is_some());
        let i = function_declaration("l.lua", text, 12).unwrap_err();
        assert!(
            i[0].message()
                .contains("reads keys[1], but the lines above"),
            "{i:?}"
        );
        // What the function needs on every run, by the same rule as a script's.
        let arity = function_arity(text, 4);
        assert_eq!((arity.keys(), arity.args()), (2, 1));
        assert_eq!(function_arity(text, 8).keys(), 0);
        let two = "#!lua name=l\nlocal function f(k, a) return redis.call('GET', k[2]) end\n\
                   redis.register_function('f', f)\n\
                   redis.register_function('g', function(...) return redis.call('GET', ...) end)";
        assert_eq!(function_arity(two, 3).keys(), 2);
        assert_eq!(function_arity(two, 4), Arity::default());
        assert_eq!(function_arity(two, 99), Arity::default());
        assert_eq!(
            function_arity("#!lua name=l\nreturn (", 2),
            Arity::default()
        );
    }

    #[test]
    fn a_literal_read_past_the_declaration_is_a_problem() {
        let found = problems(
            "#!lua\n---@key bucket\n---@arg limit integer\nlocal x = KEYS[2]\nreturn ARGV[1]",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "s.lua:4:11: the script reads KEYS[2], but the file declares 1 key (bucket)"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn long_comments_and_other_tags_in_the_header() {
        let d = declared("--[[ a\n---@key nope\n]]\n---@type string\n---@key yes\nreturn KEYS[1]");
        assert_eq!(names(d.keys()), [("yes", Type::String)]);
        // Annotations in a string are not annotations, and not misplaced ones.
        let d = declared("---@key k\nlocal s = [[\n]]\nreturn KEYS[1]");
        assert_eq!(d.keys().len(), 1);
    }

    #[test]
    fn a_function_is_declared_right_above_its_registration() {
        let text = "#!lua name=lib\n---@key other\nlocal x = 1\n-- Counts.\n---@key counter\n\
                    ---@arg by integer\nredis.register_function('incr', function(keys, args) end)\n\
                    redis.register_function('plain', function() end)";
        let d = function_declaration("l.lua", text, 7).unwrap().unwrap();
        assert_eq!(names(d.keys()), [("counter", Type::String)]);
        assert_eq!(names(d.args()), [("by", Type::Integer)]);
        assert_eq!(function_declaration("l.lua", text, 8).unwrap(), None);
        assert_eq!(function_declaration("l.lua", text, 99).unwrap(), None);
        assert_eq!(function_declaration("l.lua", "", 0).unwrap(), None);
        let bad = function_declaration("l.lua", "---@arg n\nredis.register_function('f', f)", 2);
        assert!(
            bad.unwrap_err()[0]
                .message()
                .starts_with("l.lua:1: `---@arg n` needs a type")
        );
    }

    #[test]
    fn a_declared_reply_keeps_every_problem_of_the_annotations() {
        let text = "#!lua name=l\n---@key k\n---@arg a? integer\n---@arg b integer\n---@key a\n\
                    ---@return {x: integer}\nredis.register_function('f', function(keys, args) return {1} end)";
        let problems = function_declaration("l.lua", text, 7).unwrap_err();
        assert!(problems.len() >= 2, "{problems:?}");
        // A wrong return beside them does not hide them either.
        let text = text.replace("return {1}", "return {1, 2}");
        let problems = function_declaration("l.lua", &text, 7).unwrap_err();
        assert!(problems.len() >= 2, "{problems:?}");
    }

    #[test]
    fn a_function_statement_assigns_a_named_callback_again() {
        let text = "#!lua name=l\nlocal function h(keys, args) return {1, 2} end\n\
                    function h(keys, args) return {1} end\n---@key k\n---@return {a: integer}\n\
                    redis.register_function('h', h)";
        // `h` is not known at registration: its returns are left alone, as for `h = ...`.
        assert!(function_declaration("l.lua", text, 6).unwrap().is_some());
    }

    #[test]
    fn names_are_inferred_from_top_level_locals() {
        let d = declared(
            "local bucket = KEYS[1]\nlocal limit = tonumber(ARGV[1])\nlocal id = ARGV[2]\n\
             if redis.call('GET', KEYS[1]) then return 1 end\nreturn redis.call('INCR', bucket)",
        );
        assert!(d.inferred());
        assert_eq!(names(d.keys()), [("bucket", Type::String)]);
        assert_eq!(
            names(d.args()),
            [("limit", Type::Number), ("id", Type::String)]
        );
        assert_eq!(declared("return 1").keys().len(), 0);
    }

    #[test]
    fn inference_refuses_what_is_ambiguous() {
        let cases = [
            ("for _, k in ipairs(KEYS) do end", "reads KEYS other than"),
            ("local n = #ARGV", "reads ARGV other than"),
            ("local a = KEYS[1]\nlocal b = KEYS[1]", "bound twice"),
            ("local a = KEYS[2]", "never bound"),
            (
                "local a = KEYS[1]\nreturn ARGV[1]",
                "no `local name = ARGV[1]`",
            ),
            (
                "if x then local a = KEYS[1] end",
                "no `local name = KEYS[1]`",
            ),
            (
                "local a = KEYS[1]\nlocal a = ARGV[1]",
                "names two parameters",
            ),
            ("local type = KEYS[1]", "Rust keyword"),
        ];
        for (text, expected) in cases {
            let reason = undeclared(text);
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
    }
}
