//! Redis Functions libraries: the `#!lua name=<lib>` line, parsed as Redis parses it
//! (`functionExtractLibMetaData`), the functions `redis.register_function` registers, and what Redis
//! refuses when it loads the library (`FUNCTION LOAD`) or runs one of its functions (`FCALL`).

use std::ops::Range;

use full_moon::ast::{
    Ast, Call, Expression, Field, FunctionArgs, FunctionBody, FunctionCall, LocalAssignment,
    LocalFunction, Parameter, Prefix, Suffix, TableConstructor, Var,
};
use full_moon::node::Node;
use full_moon::tokenizer::TokenReference;
use full_moon::visitors::Visitor;

use crate::calls::{self, expression_literal, identifier, index_name, line_of, token_literal};
use crate::shebang::{UPSTASH_KEY_LOCKING, VALID_FLAGS, first_line_len, split_words};
use crate::{Kind, Options, Problem, rules, syntax};

/// A library Redis would load, as the file declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    name: String,
    shebang_len: usize,
    functions: Vec<Function>,
}

/// One function the library registers with a literal name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    name: String,
    flags: Vec<String>,
    line: usize,
    /// Where the name is written, in bytes of the file (inside its quotes).
    name_at: Range<usize>,
}

impl Library {
    /// The library's name, from `#!lua name=<name>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The functions it registers, in the order of the file.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// The function registered as `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The library as loaded under a version: `text` (the file it was checked from) with the library
    /// and every function named `<name>__<version>`. Only the shebang line and the name literals change,
    /// so lines stay where they were.
    pub fn versioned(&self, text: &str, version: &str) -> String {
        let mut out = format!("#!lua name={}__{version}", self.name);
        let mut at = self.shebang_len;
        for function in &self.functions {
            out.push_str(text.get(at..function.name_at.start).unwrap_or_default());
            out.push_str(&format!("{}__{version}", function.name));
            at = function.name_at.end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }
}

impl Function {
    /// The name it is registered under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its flags, as written.
    pub fn flags(&self) -> &[String] {
        &self.flags
    }

    /// True when flagged `no-writes`: FCALL_RO may call it.
    pub fn no_writes(&self) -> bool {
        self.flags.iter().any(|flag| flag == "no-writes")
    }

    /// The line of its `redis.register_function` call.
    pub fn line(&self) -> usize {
        self.line
    }
}

/// The message Redis answers a library or function name it refuses with.
const NAME_RULE: &str = "Library names can only contain letters, numbers, or underscores(_) and \
     must be at least one character long";

/// True for a name Redis accepts (`functionsVerifyName`).
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The library's name and the length of its first line, or what Redis answers instead.
fn metadata(text: &str) -> Result<(String, usize), String> {
    let fix = "start the file with \"#!lua name=<library>\"";
    if !text.starts_with("#!") {
        return Err(format!(
            "a library starts with its metadata line (Redis: \"Missing library metadata\"); {fix}"
        ));
    }
    let Some(len) = first_line_len(text) else {
        return Err(format!(
            "the metadata line must be followed by a newline and the library's code (Redis: \"Invalid \
             library metadata\"){}",
            if text.contains('\0') {
                "; it holds a NUL byte, where Redis stops looking for its end"
            } else {
                ""
            }
        ));
    };
    let words = split_words(&text.as_bytes()[..len])
        .filter(|words| !words.is_empty())
        .ok_or_else(|| {
            format!(
                "the metadata line has an unterminated quote, or a closing quote followed by more \
                 than a space (Redis: \"Invalid library metadata\"); {fix}"
            )
        })?;
    let mut words = words.iter().map(|word| String::from_utf8_lossy(word));
    let engine = words.next().unwrap_or_default();
    let mut name = None;
    for word in words {
        let value = word
            .get(..5)
            .filter(|key| key.eq_ignore_ascii_case("name="))
            .and_then(|_| word.get(5..));
        match value {
            Some(_) if name.is_some() => {
                return Err(
                    "the metadata line names the library twice (Redis: \"Invalid metadata \
                     value, name argument was given multiple times\"); keep one name="
                        .to_owned(),
                );
            }
            Some(value) => name = Some(value.to_owned()),
            None => {
                return Err(format!(
                    "unknown metadata \"{word}\" (Redis: \"Invalid metadata value given: {word}\"); \
                     the only one is name=, flags go on each function"
                ));
            }
        }
    }
    let Some(name) = name else {
        return Err(format!(
            "the metadata line does not name the library (Redis: \"Library name was not given\"); {fix}"
        ));
    };
    if !valid_name(&name) {
        return Err(format!(
            "the library name {name:?} is refused (Redis: \"{NAME_RULE}\"); use letters, digits and _"
        ));
    }
    if !engine
        .get(2..)
        .is_some_and(|engine| engine.eq_ignore_ascii_case("lua"))
    {
        let engine = engine.get(2..).unwrap_or_default();
        return Err(format!(
            "the library's engine is \"{engine}\", but Redis only has \"lua\" (Redis: \"Engine \
             '{engine}' not found\"); {fix}"
        ));
    }
    Ok((name, len))
}

/// Checks the library `text` (the file's whole content) as Redis would load it and run its
/// functions; `written` is its path as the user wrote it, for messages. Every problem is reported, in
/// the order of the file.
pub fn check_library(
    written: &str,
    text: &str,
    options: &Options,
) -> Result<Library, Vec<Problem>> {
    let (name, shebang_len) = metadata(text).map_err(|message| {
        vec![Problem::new(
            Kind::Shebang,
            Some(1),
            format!("{written:?}: {message}"),
        )]
    })?;
    let body = text.get(shebang_len..).unwrap_or_default();
    if let Err(error) = syntax::compile(body) {
        let message = syntax::render(written, &error)
            .replacen("user_script", "user_function", 1)
            .replacen(
                "(Redis: \"Error compiling script\")",
                "(Redis: \"Error compiling function\")",
                1,
            );
        return Err(vec![Problem::new(Kind::Syntax, Some(error.line), message)]);
    }
    let mut policy = rules::Policy::new(written, options, None).map_err(|p| vec![p])?;
    policy.macro_name = "lua_library!";
    let walked = crate::on_deep_stack(|| {
        syntax::tree(body).map(|tree| walk(written, &policy, options, &tree, shebang_len))
    });
    // None: a form the tree does not know; the compiler accepted it, but no function can be seen.
    let (functions, problems) = walked.flatten().unwrap_or_default();
    if problems.is_empty() {
        Ok(Library {
            name,
            shebang_len,
            functions,
        })
    } else {
        Err(problems)
    }
}

/// Finds the registered functions and every problem of the library's code.
fn walk(
    written: &str,
    policy: &rules::Policy<'_>,
    options: &Options,
    tree: &Ast,
    offset: usize,
) -> (Vec<Function>, Vec<Problem>) {
    let mut found = Walk {
        allow_key_locking: options.allow_key_locking,
        ..Walk::default()
    };
    found.visit_ast(tree);
    let mut problems = std::mem::take(&mut found.problems);
    let mut functions: Vec<Function> = Vec::new();
    let mut bodies: Vec<(String, Range<usize>)> = Vec::new();
    for registered in &found.registered {
        let line = registered.line;
        if functions.iter().any(|f| f.name == registered.name) {
            problems.push(Problem::new(
                Kind::Library,
                Some(line),
                format!(
                    "line {line}: function {:?} is registered twice (Redis: \"Function already exists in \
                     the library\"); rename one",
                    registered.name
                ),
            ));
            continue;
        }
        let lines = match &registered.callback {
            Callback::Inline(lines) => Some(lines.clone()),
            Callback::Named(name) => found
                .definitions
                .iter()
                .rev()
                .find(|(defined, _)| defined == name)
                .map(|(_, lines)| lines.clone()),
            Callback::Other => None,
        };
        if let Some(lines) = lines.filter(|_| registered.flags.iter().any(|f| f == "no-writes")) {
            bodies.push((registered.name.clone(), lines));
        }
        functions.push(Function {
            name: registered.name.clone(),
            flags: registered.flags.clone(),
            line,
            name_at: registered.name_at.start + offset..registered.name_at.end + offset,
        });
    }
    if functions.is_empty() && found.computed == 0 && problems.is_empty() {
        problems.push(Problem::new(
            Kind::Library,
            None,
            format!(
                "{written:?} registers no function (Redis: \"No functions registered\"); add \
                 redis.register_function('name', function(keys, args) ... end)"
            ),
        ));
    }
    // The commands: known to the servers everywhere, and no writes in a function flagged no-writes.
    let commands = calls::collect(tree);
    problems.extend(
        rules::check(policy, &commands)
            .into_iter()
            .filter(|p| p.kind() != Kind::NoscriptReply),
    );
    for reply in commands
        .error_replies
        .iter()
        .filter(|r| is_not_found(&r.text))
    {
        let line = reply.line;
        problems.push(Problem::new(
            Kind::NoscriptReply,
            Some(line),
            format!(
                "line {line}: the function can return the error \"ERR Function not found\" ({}), \
                 which `call` would take for a library not loaded yet, and load it and call the \
                 function a second time. Use another error text",
                reply.construct("ERR Function not found")
            ),
        ));
    }
    for (function, lines) in &bodies {
        let inside = commands.only(|line| lines.contains(&line));
        problems.extend(
            rules::check(&policy.no_writes(function), &inside)
                .into_iter()
                .filter(|p| p.kind() == Kind::ReadOnly),
        );
    }
    problems.sort_by_key(|problem| problem.line().unwrap_or(0));
    (functions, problems)
}

/// What a function's callback is.
#[derive(Debug)]
enum Callback {
    /// `function(keys, args) ... end`, on these lines.
    Inline(Range<usize>),
    /// A function defined elsewhere under this name.
    Named(String),
    /// Anything else (a call, a field): its code can not be found.
    Other,
}

/// A `redis.register_function` call with a literal name.
#[derive(Debug)]
struct Registered {
    name: String,
    flags: Vec<String>,
    line: usize,
    /// The name inside its literal, in bytes of the body.
    name_at: Range<usize>,
    callback: Callback,
}

#[derive(Debug, Default)]
struct Walk {
    allow_key_locking: bool,
    /// How many function bodies enclose the node visited.
    depth: usize,
    registered: Vec<Registered>,
    /// `local function f` / `function f` / `local f = function`: name and lines.
    definitions: Vec<(String, Range<usize>)>,
    /// Registrations whose name is computed (already a problem).
    computed: usize,
    /// Names declared as locals or parameters somewhere: `KEYS` or `ARGV` among them are the code's own.
    locals: Vec<String>,
    problems: Vec<Problem>,
}

/// The lines a node spans.
fn lines(node: &impl Node) -> Range<usize> {
    let start = node.start_position().map_or(0, |p| p.line());
    let end = node.end_position().map_or(start, |p| p.line());
    start..end + 1
}

impl Visitor for Walk {
    fn visit_function_body(&mut self, body: &FunctionBody) {
        self.depth += 1;
        for parameter in body.parameters() {
            if let Parameter::Name(name) = parameter
                && let Some(name) = identifier(name)
            {
                self.locals.push(name.to_owned());
            }
        }
    }

    fn visit_function_body_end(&mut self, _: &FunctionBody) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn visit_local_function(&mut self, function: &LocalFunction) {
        if let Some(name) = identifier(function.name()) {
            self.definitions
                .push((name.to_owned(), lines(function.body())));
            self.locals.push(name.to_owned());
        }
    }

    fn visit_function_declaration(&mut self, declaration: &full_moon::ast::FunctionDeclaration) {
        let names = declaration.name().names();
        if names.len() == 1
            && declaration.name().method_name().is_none()
            && let Some(name) = names.iter().next().and_then(identifier)
        {
            self.definitions
                .push((name.to_owned(), lines(declaration.body())));
        }
    }

    fn visit_local_assignment(&mut self, assignment: &LocalAssignment) {
        let values: Vec<&Expression> = assignment.expressions().iter().collect();
        for (i, name) in assignment.names().iter().enumerate() {
            let Some(name) = identifier(name) else {
                continue;
            };
            self.locals.push(name.to_owned());
            if let Some(Expression::Function(function)) = values.get(i) {
                self.definitions
                    .push((name.to_owned(), lines(function.body())));
            }
        }
    }

    fn visit_var(&mut self, var: &Var) {
        match var {
            Var::Name(name) => self.global_use(name),
            Var::Expression(var) => {
                if let Prefix::Name(prefix) = var.prefix() {
                    self.global_use(prefix);
                    if let Some(suffix) = var.suffixes().next() {
                        self.at_load(prefix, index_name(suffix));
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_function_call(&mut self, call: &FunctionCall) {
        let Prefix::Name(prefix) = call.prefix() else {
            return;
        };
        if identifier(prefix) != Some("redis") {
            return;
        }
        let mut suffixes = call.suffixes();
        let Some(first) = suffixes.next() else {
            return;
        };
        self.at_load(prefix, index_name(first));
        let Some(Suffix::Call(Call::AnonymousCall(args))) = suffixes.next() else {
            return;
        };
        let line = line_of(prefix);
        if index_name(first) != Some("register_function") {
            return;
        }
        if self.depth > 0 {
            self.problem(
                line,
                "redis.register_function runs only while the library loads, not inside a function \
                 (Redis: \"attempt to call field 'register_function' (a nil value)\"); call it at the \
                 top level",
            );
            return;
        }
        self.register(line, args);
    }
}

/// True for the reply text `call` takes for a missing function.
fn is_not_found(text: &str) -> bool {
    text.strip_prefix('-').unwrap_or(text).trim() == "ERR Function not found"
}

impl Walk {
    /// `KEYS` or `ARGV`, which scripts have and functions do not, unless the code declares its own.
    fn global_use(&mut self, name: &TokenReference) {
        let Some(global @ ("KEYS" | "ARGV")) = identifier(name) else {
            return;
        };
        if self.locals.iter().any(|local| local == global) {
            return;
        }
        let line = line_of(name);
        let parameters = if global == "KEYS" {
            "keys, args"
        } else {
            "keys, argv"
        };
        self.problems.push(Problem::new(
            Kind::Command,
            Some(line),
            format!(
                "line {line}: a function has no global {global} (Redis: \"Script attempted to access \
                 nonexistent global variable '{global}'\"); it gets its keys and arguments as \
                 parameters: function({parameters}) ... end"
            ),
        ));
    }

    fn problem(&mut self, line: usize, message: &str) {
        self.problems.push(Problem::new(
            Kind::Library,
            Some(line),
            format!("line {line}: {message}"),
        ));
    }

    /// `redis.call` / `redis.pcall` outside every function runs while the library loads, where Redis
    /// has neither.
    fn at_load(&mut self, prefix: &TokenReference, field: Option<&str>) {
        if identifier(prefix) != Some("redis") {
            return;
        }
        let line = line_of(prefix);
        match field {
            Some(field @ ("call" | "pcall")) if self.depth == 0 => {
                self.problem(
                    line,
                    &format!(
                        "redis.{field} is used while the library loads, where Redis has none (Redis: \
                         \"Script attempted to access nonexistent global variable '{field}'\"); use it \
                         inside a function"
                    ),
                );
            }
            _ => {}
        }
    }

    /// One `redis.register_function(...)` at the top level.
    fn register(&mut self, line: usize, args: &FunctionArgs) {
        let arguments: Vec<&Expression> = match args {
            FunctionArgs::Parentheses { arguments, .. } => arguments.iter().collect(),
            FunctionArgs::TableConstructor(table) => return self.register_table(line, table),
            FunctionArgs::String(_) => Vec::new(),
            _ => return,
        };
        match arguments.as_slice() {
            [Expression::TableConstructor(table)] => self.register_table(line, table),
            [_] => self.problem(
                line,
                "redis.register_function takes a name and a function, or one table of named \
                 arguments (Redis: \"calling redis.register_function with a single argument is only \
                 applicable to Lua table\")",
            ),
            [name, callback] => self.registered(line, Some(name), Some(callback), Vec::new()),
            _ => self.problem(
                line,
                "redis.register_function takes a name and a function (Redis: \"wrong number of \
                 arguments to redis.register_function\")",
            ),
        }
    }

    /// `redis.register_function{function_name = .., callback = .., flags = {..}, description = ..}`.
    fn register_table(&mut self, line: usize, table: &TableConstructor) {
        let (mut name, mut callback, mut flags) = (None, None, Vec::new());
        for field in table.fields() {
            let (key, value): (_, &Expression) = match field {
                Field::NameKey { key, value, .. } => (identifier(key), value),
                Field::ExpressionKey { key, value, .. } => (expression_literal(key), value),
                _ => {
                    return self.problem(
                        line,
                        "redis.register_function takes named arguments only (Redis: \"named argument \
                         key given to redis.register_function is not a string\")",
                    );
                }
            };
            match key {
                Some("function_name") => name = Some(value),
                Some("callback") => callback = Some(value),
                Some("description") => {}
                Some("flags") => match self.flags(line, value) {
                    Some(listed) => flags = listed,
                    None => return,
                },
                _ => {
                    return self.problem(
                        line,
                        "redis.register_function takes the named arguments function_name, callback, \
                         flags and description (Redis: \"unknown argument given to \
                         redis.register_function\")",
                    );
                }
            }
        }
        self.registered(line, name, callback, flags);
    }

    /// The flags of a table form: a literal table of literal names Redis knows.
    fn flags(&mut self, line: usize, value: &Expression) -> Option<Vec<String>> {
        let Expression::TableConstructor(table) = value else {
            let message = if expression_literal(value).is_some() {
                "flags is a table of names: flags = { 'no-writes' } (Redis: \"flags argument to \
                 redis.register_function must be a table representing function flags\")"
            } else {
                "flags are written as a table of string literals, flags = { 'no-writes' }, so that the \
                 macro can check them and tell read-only functions"
            };
            self.problem(line, message);
            return None;
        };
        let mut flags = Vec::new();
        for field in table.fields() {
            let flag = match field {
                Field::NoKey(value) => expression_literal(value),
                _ => None,
            };
            let Some(flag) = flag else {
                self.problem(
                    line,
                    "each flag is a string literal, flags = { 'no-writes', 'allow-oom' }, so that the \
                     macro can check it",
                );
                return None;
            };
            if flag == UPSTASH_KEY_LOCKING && !self.allow_key_locking {
                self.problem(
                    line,
                    &format!(
                        "the flag \"{flag}\" is Upstash's (a function that names every key in keys then \
                         runs without its global lock), and Redis refuses it (\"unknown flag given\"); \
                         if this library runs only on Upstash, opt in with the option \
                         `allow_key_locking` after its path"
                    ),
                );
                return None;
            }
            if !VALID_FLAGS.contains(&flag) && flag != UPSTASH_KEY_LOCKING {
                self.problem(
                    line,
                    &format!(
                        "unknown function flag \"{flag}\" (Redis: \"unknown flag given\"); valid flags \
                         are {}",
                        VALID_FLAGS.join(", ")
                    ),
                );
                return None;
            }
            flags.push(flag.to_owned());
        }
        Some(flags)
    }

    fn registered(
        &mut self,
        line: usize,
        name: Option<&Expression>,
        callback: Option<&Expression>,
        flags: Vec<String>,
    ) {
        let Some(name) = name else {
            return self.problem(
                line,
                "redis.register_function needs function_name = 'name' (Redis: \"redis.register_function \
                 must get a function name argument\")",
            );
        };
        let Some(callback) = callback else {
            return self.problem(
                line,
                "redis.register_function needs callback = function(keys, args) ... end (Redis: \
                 \"redis.register_function must get a callback argument\")",
            );
        };
        let literal = match name {
            Expression::String(token) => token_literal(token).map(|text| (text, token)),
            _ => None,
        };
        let Some((text, token)) = literal else {
            self.computed += 1;
            return self.problem(
                line,
                "the function's name is computed, so the macro can not see it, check it or give it a \
                 type; write it as a string literal: redis.register_function('name', ...)",
            );
        };
        if !valid_name(text) {
            return self.problem(
                line,
                &format!(
                    "the function name {text:?} is refused (Redis: \"{NAME_RULE}\"); use letters, digits \
                     and _"
                ),
            );
        }
        let callback = match callback {
            Expression::Function(function) => Callback::Inline(lines(function.body())),
            Expression::Var(Var::Name(name)) => {
                Callback::Named(identifier(name).unwrap_or_default().to_owned())
            }
            Expression::String(_)
            | Expression::Number(_)
            | Expression::TableConstructor(_)
            | Expression::Symbol(_) => {
                return self.problem(
                    line,
                    "the callback of redis.register_function is a function (Redis: \"callback argument \
                     given to redis.register_function must be a function\")",
                );
            }
            _ => Callback::Other,
        };
        let start = token.token().start_position().bytes();
        let end = token.token().end_position().bytes();
        let written = token.token().to_string();
        let Some(inside) = written.find(text) else {
            return;
        };
        self.registered.push(Registered {
            name: text.to_owned(),
            flags,
            line,
            name_at: start + inside..(start + inside + text.len()).min(end),
            callback,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Library, Vec<String>> {
        check_library("lib.lua", text, &Options::default())
            .map_err(|problems| problems.iter().map(|p| p.message().to_owned()).collect())
    }

    fn refused(text: &str, expected: &str) {
        let Err(problems) = check(text) else {
            panic!("accepted: {text:?}")
        };
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{text:?}: {problems:?}"
        );
    }

    #[test]
    fn a_library_names_its_functions_and_their_flags() {
        let text = "#!lua name=counters\nlocal function get(keys) return redis.call('GET', keys[1]) end\nredis.register_function('incr_by', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\nredis.register_function{function_name = \"get\", callback = get, flags = {'no-writes'}}\n";
        let library = check(text).unwrap();
        assert_eq!(library.name(), "counters");
        let names: Vec<_> = library
            .functions()
            .iter()
            .map(|f| (f.name(), f.no_writes(), f.line()))
            .collect();
        assert_eq!(names, [("incr_by", false, 3), ("get", true, 4)]);
        let versioned = library.versioned(text, "v1");
        assert_eq!(
            versioned,
            text.replacen("name=counters", "name=counters__v1", 1)
                .replacen("'incr_by'", "'incr_by__v1'", 1)
                .replacen("\"get\"", "\"get__v1\"", 1)
        );
    }

    #[test]
    fn metadata_is_read_as_redis_reads_it() {
        assert_eq!(
            check("#!LUA NAME=x\nredis.register_function('f', function() return 1 end)")
                .unwrap()
                .name(),
            "x"
        );
        assert_eq!(
            check("#!lua name=\"q\"\nredis.register_function('f', function() return 1 end)")
                .unwrap()
                .name(),
            "q"
        );
        refused("return 1", "Missing library metadata");
        refused("#!lua name=x", "Invalid library metadata");
        refused("#!lua\nreturn 1", "Library name was not given");
        refused("#!lua name=a name=b\n", "given multiple times");
        refused(
            "#!lua name=a flags=no-writes\n",
            "Invalid metadata value given: flags=no-writes",
        );
        refused("#!lua name=a-b\n", "Library names can only contain");
        refused("#!luax name=a\n", "Engine 'luax' not found");
    }

    #[test]
    fn registrations_redis_refuses_are_problems() {
        let f = "function() return 1 end";
        refused("#!lua name=l\nlocal x = 1", "No functions registered");
        refused(
            &format!(
                "#!lua name=l\nredis.register_function('f', {f})\nredis.register_function('f', {f})"
            ),
            "registered twice",
        );
        refused(
            &format!("#!lua name=l\nredis.register_function('f-1', {f})"),
            "Library names can only contain",
        );
        refused(
            &format!("#!lua name=l\nredis.register_function('f' .. 'g', {f})"),
            "computed",
        );
        refused(
            &format!(
                "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'no-writes', 'bad'}}}}"
            ),
            "unknown function flag \"bad\"",
        );
        refused(
            &format!(
                "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags='no-writes'}}"
            ),
            "must be a table",
        );
        refused(
            &format!(
                "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, extra=1}}"
            ),
            "unknown argument",
        );
        refused(
            &format!("#!lua name=l\nredis.register_function{{callback={f}}}"),
            "function name argument",
        );
        refused(
            "#!lua name=l\nredis.register_function('f')",
            "single argument",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', 'x')",
            "must be a function",
        );
        refused(
            &format!(
                "#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'allow-key-locking'}}}}"
            ),
            "allow_key_locking",
        );
        let options = Options {
            allow_key_locking: true,
            ..Options::default()
        };
        assert!(check_library("l", &format!("#!lua name=l\nredis.register_function{{function_name='f', callback={f}, flags={{'allow-key-locking'}}}}"), &options).is_ok());
    }

    #[test]
    fn what_functions_can_not_do_is_a_problem() {
        refused(
            "#!lua name=l\nredis.call('SET', 'a', 1)\nredis.register_function('f', function() return 1 end)",
            "used while the library loads",
        );
        refused(
            "#!lua name=l\nlocal rcall = redis.call\nredis.register_function('f', function() return 1 end)",
            "used while the library loads",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', function() return KEYS[1] end)",
            "no global KEYS",
        );
        assert!(check("#!lua name=l\nredis.register_function('f', function(KEYS, ARGV) return KEYS[1] end)").is_ok());
        refused(
            "#!lua name=l\nredis.register_function{function_name='f', callback=function(keys) return redis.call('SET', keys[1], 1) end, flags={'no-writes'}}",
            "function \"f\" is flagged no-writes",
        );
        refused(
            "#!lua name=l\nlocal function w(keys) return redis.call('DEL', keys[1]) end\nredis.register_function{function_name='f', callback=w, flags={'no-writes'}}",
            "DEL writes",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', function() return redis.call('NOSUCH') end)",
            "unknown command NOSUCH",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', function() return redis.register_function('g', function() end) end)",
            "only while the library loads",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', function() return redis.error_reply('ERR Function not found') end)",
            "ERR Function not found",
        );
        refused(
            "#!lua name=l\nredis.register_function('f', function() return {err = 'ERR Function not found'} end)",
            "ERR Function not found",
        );
        refused("#!lua name=l\nlocal x = = 1", "Error compiling function");
    }
}
