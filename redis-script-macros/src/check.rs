//! The checks of `redis-script-check` on the file the macro read, each problem a compile error at the
//! path literal.

use crate::parse::{Input, Item, LibraryInput};
use crate::resolve::ScriptFile;

/// Runs every check; all problems are reported together. Should the checker ever panic, that too is a
/// compile error naming the file, not a crash of the macro. `declared`: the item form of a script
/// that declares (or infers) its parameters, whose keys must come from KEYS unless it opts out.
pub(crate) fn check_script(input: &Input, file: &ScriptFile, declared: bool) -> syn::Result<()> {
    let mut options = options(input);
    options.keys_from_keys = input.keys_from_keys.unwrap_or(declared);
    let checked =
        std::panic::catch_unwind(|| redis_script_check::check(&file.shown, &file.text, &options));
    report(input, checked).map(|_| ()).map_err(|errors| {
        if !declared || input.keys_from_keys.is_some() {
            return errors;
        }
        // A declared script checks its keys' origins without being asked: say how to stop it.
        let mut errors = errors.into_iter().map(|error| {
            let message = error.to_string().replace(
                "or drop keys_from_keys",
                "or opt out with `keys_from_keys = false` (a declared script's keys must come \
                 from KEYS unless it does)",
            );
            syn::Error::new(error.span(), message)
        });
        let mut first = errors
            .next()
            .unwrap_or_else(|| syn::Error::new(input.path.span(), "failed"));
        first.extend(errors);
        first
    })
}

/// What the script needs of a call (see `redis_script_check::Arity`); nothing, should the
/// analysis fail.
pub(crate) fn arity(file: &ScriptFile) -> redis_script_check::Arity {
    std::panic::catch_unwind(|| redis_script_check::arity(&file.text)).unwrap_or_default()
}

/// What each function of a library needs of a call, by name (see
/// `redis_script_check::function_arity`): none for one the analysis could not read.
pub(crate) type Arities = Vec<(String, redis_script_check::Arity)>;

fn options(input: &Input) -> redis_script_check::Options {
    let names = |list: &[syn::LitStr]| list.iter().map(syn::LitStr::value).collect();
    let mut options = redis_script_check::Options::default();
    options.readonly = input.readonly;
    options.commands = names(&input.commands);
    options.readonly_commands = names(&input.readonly_commands);
    options.allow_key_locking = input.allow_key_locking;
    options.servers = names(&input.servers);
    options.keys_from_keys = input.keys_from_keys.unwrap_or(false);
    options
}

/// Checks the library file, then each function the caller names against what it registers: a name
/// it does not register, or `FunctionRO` for a function without `no-writes`, is an error at that
/// function.
pub(crate) fn check_library(
    input: &LibraryInput,
    file: &ScriptFile,
) -> syn::Result<(redis_script_check::Library, Vec<Typed>, Arities)> {
    let written = input.options.path.value();
    let options = options(&input.options);
    let checked = std::panic::catch_unwind(|| {
        redis_script_check::check_library(&file.shown, &file.text, &options)
    });
    if input.library.type_name().as_deref() != Some("Library") {
        return Err(syn::Error::new_spanned(
            &input.library.ty,
            "the first item of lua_library! is the library: `static NAME: Library = \"lib.lua\";`",
        ));
    }
    let library = report(&input.options, checked)?;
    let registered: Vec<&str> = library.functions().iter().map(|f| f.name()).collect();
    let mut errors: Vec<syn::Error> = Vec::new();
    // One reading of each function of the file: what a call must pass, and its `keys[0]` /
    // `args[0]`, refused as `KEYS[0]` in a script.
    let mut arities = Arities::new();
    for function in library.functions() {
        let reads = std::panic::catch_unwind(|| {
            redis_script_check::function_reads(&file.shown, &file.text, function.line())
        })
        .unwrap_or_default();
        errors.extend(
            reads
                .zero_reads()
                .iter()
                .map(|p| syn::Error::new(input.options.path.span(), p.message())),
        );
        arities.push((function.name().to_owned(), reads.arity()));
    }
    for item in &input.functions {
        let name = item.literal.value();
        let read_only = match item.type_name().as_deref() {
            Some("Function") => false,
            Some("FunctionRO") => true,
            _ => {
                errors.push(syn::Error::new_spanned(
                    &item.ty,
                    "a function of a library is a `Function<T>` (FCALL) or a `FunctionRO<T>` \
                     (FCALL_RO, for functions flagged no-writes)",
                ));
                continue;
            }
        };
        match library.function(&name) {
            None => errors.push(syn::Error::new(
                item.literal.span(),
                format!(
                    "{written:?} registers no function {name:?}; it registers {}",
                    if registered.is_empty() {
                        "none the macro can see".to_owned()
                    } else {
                        registered.join(", ")
                    }
                ),
            )),
            Some(function) if read_only && !function.no_writes() => errors.push(syn::Error::new_spanned(
                &item.ty,
                format!(
                    "function {name:?} is not flagged no-writes (line {}), so Redis refuses FCALL_RO on \
                     it (\"Can not execute a script with write flag using *_ro command\"); register it \
                     with flags = {{ 'no-writes' }}, or make this a Function<T>",
                    function.line()
                ),
            )),
            Some(_) => {}
        }
    }
    let mut declared = Vec::new();
    for item in &input.functions {
        let function = library.function(&item.literal.value());
        let (params, function) = match (params_of(&item.ty), function) {
            (Ok(params), Some(function)) => (params, function),
            (Err(error), _) => {
                errors.push(error);
                declared.push(Typed::Positional);
                continue;
            }
            (Ok(_), None) => {
                declared.push(Typed::Positional);
                continue;
            }
        };
        // The annotations above the registration, held to the code whether or not a struct reads
        // them: a `Function<T>` keeps the positional call, as the expression form of `lua_script!`
        // does, and has its annotations checked all the same.
        let found = std::panic::catch_unwind(|| {
            redis_script_check::function_declaration(&file.shown, &file.text, function.line())
        });
        let problems = |problems: Vec<redis_script_check::Problem>| {
            problems
                .iter()
                .map(|p| syn::Error::new(item.literal.span(), p.message()))
                .collect::<Vec<_>>()
        };
        // A block of annotations belongs to the one registration below it.
        let sharing = library
            .functions()
            .iter()
            .filter(|f| f.line() == function.line())
            .count();
        if sharing > 1 && matches!(found, Ok(Ok(Some(_)))) {
            errors.push(syn::Error::new(
                item.literal.span(),
                format!(
                    "{sharing} functions are registered on line {}, below one block of `---@` \
                     annotations: register each on a line of its own, under its own annotations",
                    function.line()
                ),
            ));
            declared.push(Typed::Positional);
            continue;
        }
        // What the function reads on every run, as the checks tell it.
        let reads = arities
            .iter()
            .find(|(name, _)| name == function.name())
            .map_or((0, 0), |(_, arity)| (arity.keys(), arity.args()));
        let params = match params {
            Second::Params(params) => params,
            Second::None | Second::Arity(..) => {
                if let Ok(Err(found)) = found {
                    errors.extend(problems(found));
                }
                // `Undeclared<KEYS, ARGS>` in the type holds calls to it when they compile: it must
                // be what the function reads (or nothing, as `Function<T>`), never more.
                if let Second::Arity(written, span) = params
                    && written != (0, 0)
                    && written != reads
                {
                    let ty = item.type_name().unwrap_or_default();
                    let message = if reads == (0, 0) {
                        // Also what a callback the checks can not read (a field of a table, say)
                        // gets: nothing can be held to it.
                        format!(
                            "function {:?} reads no key and no argument on every run, as far as \
                             the checks can tell its code: its type is `{ty}<T>`",
                            function.name(),
                        )
                    } else {
                        format!(
                            "function {:?} reads {} on every run: its type is `{ty}<T, {}>`, or \
                             `{ty}<T>` to check its calls when they are made",
                            function.name(),
                            counts(reads),
                            arity_type(reads),
                        )
                    };
                    errors.push(syn::Error::new_spanned(span, message));
                }
                declared.push(Typed::Positional);
                continue;
            }
        };
        match found {
            Ok(Ok(Some(declaration))) => match reply_ident(&item.ty, &declaration) {
                Ok(reply) => declared.push(Typed::Declared(params, reply, declaration)),
                Err(error) => {
                    errors.push(error);
                    declared.push(Typed::Positional);
                }
            },
            Ok(Ok(None)) => {
                errors.push(syn::Error::new_spanned(
                    &item.ty,
                    format!(
                        "function {:?} declares no parameters: add `---@key NAME` and `---@arg \
                         NAME TYPE` lines, in the order of its keys and args, right above its \
                         redis.register_function (line {}); or call it positionally, as a `{}` \
                         (it reads {} on every run, as far as the checks can tell its code)",
                        item.literal.value(),
                        function.line(),
                        positional_type(&item.type_name().unwrap_or_default(), reads),
                        counts(reads),
                    ),
                ));
                declared.push(Typed::Positional);
            }
            Ok(Err(found)) => {
                errors.extend(problems(found));
                declared.push(Typed::Positional);
            }
            Err(_) => {
                errors.push(syn::Error::new(
                    item.literal.span(),
                    "reading the function's parameters failed inside the checker; this is a bug \
                     of redis-script, please report it with the file",
                ));
                declared.push(Typed::Positional);
            }
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok((library, declared, arities)),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

/// The problems of a check as compile errors at the path literal, all of them.
fn report<T>(
    input: &Input,
    checked: std::thread::Result<Result<T, Vec<redis_script_check::Problem>>>,
) -> syn::Result<T> {
    let written = input.path.value();
    let error = |message: &str| syn::Error::new(input.path.span(), message);
    let problems = match checked {
        Ok(Ok(checked)) => return Ok(checked),
        Ok(Err(problems)) => problems,
        Err(_) => {
            return Err(error(&format!(
                "checking {written:?} failed inside the checker; this is a bug of redis-script, please \
                 report it with the file"
            )));
        }
    };
    let mut errors = problems.iter().map(|problem| error(problem.message()));
    let mut first = errors
        .next()
        .unwrap_or_else(|| error(&format!("{written:?} failed its checks")));
    first.extend(errors);
    Err(first)
}

/// The script's declared (or inferred) parameters, or why it has none, for the item form. In the
/// expression form the annotations are checked as well, but the call stays positional
/// (`exec(conn, keys, args)`).
pub(crate) fn declaration(
    input: &Input,
    file: &ScriptFile,
) -> syn::Result<Option<redis_script_check::Declared>> {
    let written = input.path.value();
    let error = |message: &str| syn::Error::new(input.path.span(), message);
    if input.item.is_none()
        && !["---@key", "---@arg", "---@return"]
            .iter()
            .any(|tag| file.text.contains(tag))
    {
        return Ok(None);
    }
    let found =
        std::panic::catch_unwind(|| redis_script_check::declaration(&file.shown, &file.text));
    let declared = match found {
        Ok(Ok(declared)) => declared,
        Ok(Err(problems)) => {
            let mut errors = problems.iter().map(|problem| error(problem.message()));
            let mut first = errors
                .next()
                .unwrap_or_else(|| error(&format!("{written:?}: its declaration is wrong")));
            first.extend(errors);
            return Err(first);
        }
        Err(_) => {
            return Err(error(&format!(
                "reading the parameters of {written:?} failed inside the checker; this is a bug of \
                 redis-script, please report it with the file"
            )));
        }
    };
    match &input.item {
        // The item form: a struct, or when nothing is declared or can be inferred, the arity.
        Some(_) => Ok(Some(declared)),
        // The expression form keeps the positional call; its annotations are checked all the same.
        None => Ok(None),
    }
}

/// The item form of a script that declares no parameters and whose names can not be inferred
/// (`reason`): how to declare them, or to call it positionally.
pub(crate) fn undeclared_item(
    input: &Input,
    reason: &str,
    arity: redis_script_check::Arity,
) -> syn::Error {
    let written = input.path.value();
    let ty = if input.readonly { "ScriptRO" } else { "Script" };
    syn::Error::new(
        input.path.span(),
        format!(
            "{written:?} declares no parameters, and they can not be inferred ({reason}); declare \
             them at the top of the file, one line per KEYS and ARGV entry, in order: `---@key \
             bucket string`, `---@arg limit integer` (string, integer, number, boolean or bytes), \
             the last key or argument variadic when the script reads any number of them \
             (`---@key members... string`, a slice) or optional (`---@arg ttl? integer`); or call \
             it positionally, as `static NAME: {} = lua_script!({written:?}{});` (it reads {} \
             on every run)",
            positional_type(ty, (arity.keys(), arity.args())),
            if input.readonly { ", readonly" } else { "" },
            counts((arity.keys(), arity.args())),
        ),
    )
}

/// What the macro defines for a function of a library, beside its static, in the order of the
/// library's items.
pub(crate) enum Typed {
    /// `Function<T>` (or `Function<T, Undeclared<KEYS, ARGS>>`): nothing; the call is positional.
    Positional,
    /// `Function<T, Params>` of a declared function: the struct of its parameters, its reply's
    /// struct when it declares one, and its declaration.
    Declared(
        syn::Ident,
        Option<syn::Ident>,
        redis_script_check::Declaration,
    ),
}

/// The second type argument of a function's type.
enum Second<'a> {
    /// `Function<T>`.
    None,
    /// `Function<T, Params>`: the struct the macro defines.
    Params(syn::Ident),
    /// `Function<T, Undeclared<KEYS, ARGS>>`: what the function reads on every run, as written.
    Arity((usize, usize), &'a syn::TypePath),
}

/// For a function's type: `Function<T, Params>`, `Function<T, Undeclared<KEYS, ARGS>>` or
/// `Function<T>`.
fn params_of(ty: &syn::Type) -> syn::Result<Second<'_>> {
    let usage = "a declared function is a `Function<T, Params>` (or `FunctionRO<T, Params>`), \
         `Params` the name of the struct of its keys and arguments, which the macro defines; one \
         that declares none is a `Function<T>`, or a `Function<T, Undeclared<KEYS, ARGS>>` naming \
         what it reads on every run";
    let syn::Type::Path(path) = ty else {
        return Ok(Second::None);
    };
    let Some(last) = path.path.segments.last() else {
        return Ok(Second::None);
    };
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return Ok(Second::None);
    };
    match arguments.args.iter().collect::<Vec<_>>().as_slice() {
        [_] => Ok(Second::None),
        [_, syn::GenericArgument::Type(syn::Type::Path(params))]
            if params.qself.is_none()
                && params.path.leading_colon.is_none()
                && params.path.segments.len() == 1
                && params.path.segments[0].arguments.is_none()
                && params.path.segments[0].ident != "Undeclared" =>
        {
            own_name(&params.path.segments[0].ident, "Function<T, RateLimit>").map(Second::Params)
        }
        [_, syn::GenericArgument::Type(syn::Type::Path(params))]
            if params.qself.is_none()
                && params
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Undeclared") =>
        {
            undeclared_arity(params).map(|arity| Second::Arity(arity, params))
        }
        _ => Err(syn::Error::new_spanned(ty, usage)),
    }
}

/// `Undeclared<2, 1>` (and `Undeclared<2>`, `Undeclared`, as Rust's defaults read them): the keys
/// and arguments, as integer literals.
fn undeclared_arity(ty: &syn::TypePath) -> syn::Result<(usize, usize)> {
    let usage = "in lua_library!, write what the function reads on every run as two integer \
         literals, `Undeclared<KEYS, ARGS>` (the macro reads them; an alias or a constant it can not)";
    let Some(last) = ty.path.segments.last() else {
        return Err(syn::Error::new_spanned(ty, usage));
    };
    let counts: Vec<usize> = match &last.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .map(|argument| match argument {
                syn::GenericArgument::Const(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                })) => n
                    .base10_parse::<usize>()
                    .map_err(|_| syn::Error::new_spanned(argument, usage)),
                _ => Err(syn::Error::new_spanned(argument, usage)),
            })
            .collect::<syn::Result<_>>()?,
        syn::PathArguments::Parenthesized(_) => return Err(syn::Error::new_spanned(ty, usage)),
    };
    match counts.as_slice() {
        [] => Ok((0, 0)),
        [keys] => Ok((*keys, 0)),
        [keys, args] => Ok((*keys, *args)),
        _ => Err(syn::Error::new_spanned(ty, usage)),
    }
}

/// `Undeclared<2, 1>`, as a script's or function's `arity` is written in its type.
pub(crate) fn arity_type(arity: (usize, usize)) -> String {
    match arity {
        (0, 0) => "Undeclared".to_owned(),
        (keys, 0) => format!("Undeclared<{keys}>"),
        (keys, args) => format!("Undeclared<{keys}, {args}>"),
    }
}

/// `Script<T>` for what reads nothing on every run, else `Script<T, Undeclared<2, 1>>` (with
/// `Undeclared` from `redis_script::script`).
fn positional_type(ty: &str, reads: (usize, usize)) -> String {
    if reads == (0, 0) {
        return format!("{ty}<T>");
    }
    format!("{ty}<T, redis_script::script::{}>", arity_type(reads))
}

/// `1 key and 2 arguments`, `no key and no argument`.
pub(crate) fn counts((keys, args): (usize, usize)) -> String {
    let count = |n: usize, one: &str| match n {
        0 => format!("no {one}"),
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    format!("{} and {}", count(keys, "key"), count(args, "argument"))
}

/// The name of the parameters' struct: the second type argument of `Script<T, Params>`.
pub(crate) fn params_ident(item: &Item) -> syn::Result<syn::Ident> {
    let usage = "name the type of the script's parameters, which the macro defines: \
         `Script<T, RateLimit>` (or `ScriptRO<T, RateLimit>`); the struct of its keys and arguments \
         when the file declares them, else what it reads on every run (`Undeclared<KEYS, ARGS>`)";
    let syn::Type::Path(path) = &item.ty else {
        return Err(syn::Error::new_spanned(&item.ty, usage));
    };
    let Some(last) = path.path.segments.last() else {
        return Err(syn::Error::new_spanned(&item.ty, usage));
    };
    if last.ident != "Script" && last.ident != "ScriptRO" {
        return Err(syn::Error::new_spanned(
            &last.ident,
            "a script is a `Script<T, Params>` (EVALSHA) or a `ScriptRO<T, Params>` (EVALSHA_RO)",
        ));
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return Err(syn::Error::new_spanned(&item.ty, usage));
    };
    let types: Vec<&syn::Type> = arguments
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [_, syn::Type::Path(params)]
            if params.qself.is_none()
                && params.path.leading_colon.is_none()
                && params.path.segments.len() == 1
                && params.path.segments[0].arguments.is_none()
                && arguments.args.len() == 2 =>
        {
            own_name(&params.path.segments[0].ident, "Script<T, RateLimit>")
        }
        _ => Err(syn::Error::new_spanned(&item.ty, usage)),
    }
}

/// The name of the reply's struct, for a script or function that declares its reply: the first
/// type argument of `Script<Reply, Params>` (`Function<Reply, Params>`); `None` when it declares no
/// reply.
pub(crate) fn reply_ident(
    ty: &syn::Type,
    declaration: &redis_script_check::Declaration,
) -> syn::Result<Option<syn::Ident>> {
    let Some(fields) = declaration.reply() else {
        return Ok(None);
    };
    let line = fields.first().map_or(0, |f| f.line());
    let syn::Type::Path(path) = ty else {
        return Err(syn::Error::new_spanned(
            ty,
            "a script or function is named by a type path",
        ));
    };
    let what = match path.path.segments.last() {
        Some(last) if last.ident.to_string().starts_with("Function") => "function",
        _ => "script",
    };
    // The example names the reply after the parameters' struct: `Script<RateLimitReply, RateLimit>`.
    let example = path
        .path
        .segments
        .last()
        .and_then(|last| match &last.arguments {
            syn::PathArguments::AngleBracketed(arguments) => arguments
                .args
                .last()
                .map(|params| (last.ident.to_string(), quote::quote!(#params).to_string())),
            _ => None,
        })
        .map_or_else(
            || "Script<RateLimitReply, RateLimit>".to_owned(),
            |(ty, params)| format!("{ty}<{params}Reply, {params}>"),
        );
    let usage = format!(
        "the {what} declares its reply (`---@return {{...}}`, line {line}): name the struct the \
         macro defines for it, `{example}`, and read its fields by name"
    );
    let first = path
        .path
        .segments
        .last()
        .and_then(|last| match &last.arguments {
            syn::PathArguments::AngleBracketed(arguments) => arguments.args.first(),
            _ => None,
        });
    match first {
        Some(syn::GenericArgument::Type(syn::Type::Path(reply)))
            if reply.qself.is_none()
                && reply.path.leading_colon.is_none()
                && reply.path.segments.len() == 1
                && reply.path.segments[0].arguments.is_none() =>
        {
            own_name(&reply.path.segments[0].ident, &example).map(Some)
        }
        Some(other) => Err(syn::Error::new_spanned(other, usage)),
        None => Err(syn::Error::new_spanned(ty, usage)),
    }
}

/// Types every Rust module already has in scope: the primitives and the prelude's.
const RUST_TYPES: &[&str] = &[
    "bool", "char", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64",
    "u128", "usize", "f32", "f64", "String", "Vec", "Option", "Result", "Box", "Self",
];

/// `ident`, when it can name a struct the macro defines: not a type Rust already has, which the
/// struct would hide from the rest of the module (`Option<u8>` there would stop building, far from
/// here).
fn own_name(ident: &syn::Ident, example: &str) -> syn::Result<syn::Ident> {
    let name = ident.to_string();
    if RUST_TYPES.contains(&name.as_str()) {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{name}` is a type Rust already has; the macro defines a struct of the name written \
                 here, which would hide Rust's `{name}` in this module: give the struct a name of its \
                 own, e.g. `{example}`"
            ),
        ));
    }
    Ok(ident.clone())
}
