//! Redis Functions libraries: the `#!lua name=<lib>` line, parsed as Redis parses it
//! (`functionExtractLibMetaData`); the code outside every function, which `FUNCTION LOAD` runs once
//! with nothing but `redis.register_function`, `redis.log` and a few constants; the functions it
//! registers; and what Redis refuses when it runs one of them (`FCALL`).

mod expressions;
mod functions;
mod load;
mod lua;
mod metadata;
mod register;
mod source;
#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::lua::ast::Ast;
use crate::lua::node::Node;
use crate::lua::visitors::Visitor;

use crate::calls;
use crate::{Kind, Options, Problem, rules, syntax};

use self::functions::Walk;
use self::load::Load;
use self::metadata::metadata;
use self::source::{as_lexed, covers_valkey, lua_line_starts, valkey_before_nul};

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

    /// Its flags, as Redis reads them (in lowercase, whatever the case written).
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

/// Checks the library `text` (the file's whole content) as Redis would load it and run its
/// functions; `path` is the file's path as messages show it (see [`crate::check`]). Every problem is
/// reported, in the order of the file.
pub fn check_library(path: &str, text: &str, options: &Options) -> Result<Library, Vec<Problem>> {
    check_located(path, text, options)
        .map_err(|problems| problems.into_iter().map(|p| p.located(path)).collect())
}

fn check_located(written: &str, text: &str, options: &Options) -> Result<Library, Vec<Problem>> {
    if let Err(problem) = crate::limits::check_size(written, text.len() as u64) {
        return Err(vec![problem.without_message_path(written)]);
    }
    let metadata_problem = |message: String| Problem::new(Kind::Shebang, Some(1), message);
    let (name, shebang_len, valkey) = metadata(text, covers_valkey(options))
        .map_err(|message| vec![metadata_problem(message)])?;
    let mut problems: Vec<Problem> = valkey.into_iter().map(metadata_problem).collect();
    let body = text.get(shebang_len..).unwrap_or_default();
    if let Some(problem) = crate::limits::check(body) {
        problems.push(problem);
        return Err(problems);
    }
    if let Err(error) = syntax::compile(body) {
        let message = syntax::render(&error)
            .replacen("user_script", "user_function", 1)
            .replacen(
                "(Redis: \"Error compiling script\")",
                "(Redis: \"Error compiling function\")",
                1,
            );
        problems.push(Problem::at(Kind::Syntax, error.line, error.column, message));
        return Err(problems);
    }
    let mut policy = rules::Policy::new(written, options, None).map_err(|p| vec![p])?;
    policy.macro_name = "lua_library!";
    let walked = crate::on_deep_stack(|| {
        syntax::tree(&as_lexed(body)).map(|tree| walk(&policy, options, &tree, body, shebang_len))
    });
    // None: a form the tree does not know; the compiler accepted it, but no function can be seen.
    let (functions, found) = walked.flatten().unwrap_or_default();
    problems.extend(found);
    if covers_valkey(options)
        && let Some(nul) = body.find('\0')
        && let Some(problem) =
            valkey_before_nul(written, text, shebang_len + nul, &functions, options)
    {
        problems.push(problem);
    }
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

/// Finds the registered functions and every problem of the library's code: what fails while it
/// loads, then what fails when its functions run.
fn walk(
    policy: &rules::Policy<'_>,
    options: &Options,
    tree: &Ast,
    body: &str,
    offset: usize,
) -> (Vec<Function>, Vec<Problem>) {
    let mut load = Load {
        body,
        line_starts: lua_line_starts(body),
        allow_key_locking: options.allow_key_locking,
        valkey: covers_valkey(options),
        locals: Vec::new(),
        declared: 0,
        function_base: 0,
        conditional: 0,
        tables_escaped: false,
        written: Vec::new(),
        arguments_read_only: false,
        prefix_line: None,
        loops: 0,
        run: Vec::new(),
        running: 0,
        returned: None,
        registrations: 0,
        names: Vec::new(),
        registered: Vec::new(),
        problems: Vec::new(),
    };
    load.block(tree.nodes());
    let mut run = Walk::default();
    run.visit_ast(tree);
    let mut problems = load.problems;
    problems.append(&mut run.problems);
    if load.registrations == 0 {
        problems.push(Problem::new(
            Kind::Library,
            None,
            "the library registers no function (Redis: \"No functions registered\"); add \
                 redis.register_function('name', function(keys, args) ... end)"
                .to_owned(),
        ));
    }
    let mut functions: Vec<Function> = Vec::new();
    let mut bodies: Vec<(String, Range<usize>)> = Vec::new();
    for registered in load.registered {
        if let Some(lines) = registered
            .callback
            .filter(|_| registered.flags.iter().any(|f| f == "no-writes"))
        {
            bodies.push((registered.name.clone(), lines));
        }
        functions.push(Function {
            name: registered.name,
            flags: registered.flags,
            line: registered.line,
            name_at: registered.name_at.start + offset..registered.name_at.end + offset,
        });
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
                "the function can return the error \"ERR Function not found\" ({}), \
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

/// A function `redis.register_function` registers with a name Redis takes.
#[derive(Debug)]
struct Registered {
    name: String,
    /// As Redis reads them: the names of [`VALID_FLAGS`](crate::shebang::VALID_FLAGS) (or
    /// Upstash's), whatever their case.
    flags: Vec<String>,
    line: usize,
    /// The name inside its literal, in bytes of the body.
    name_at: Range<usize>,
    /// The lines of the callback's code, when the walk knows which function it is.
    callback: Option<Range<usize>>,
}

/// The lines a node spans, as the tree counts them (the lines of the commands found in it).
fn lines(node: &impl Node) -> Range<usize> {
    let start = node.start_position().map_or(0, |p| p.line());
    let end = node.end_position().map_or(start, |p| p.line());
    start..end + 1
}

/// True for the reply text `call` takes for a missing function.
fn is_not_found(text: &str) -> bool {
    text.strip_prefix('-').unwrap_or(text).trim() == "ERR Function not found"
}
