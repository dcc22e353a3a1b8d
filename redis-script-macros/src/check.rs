//! The checks of `redis-script-check` on the file the macro read, each problem a compile error at the
//! path literal.

use crate::parse::{Input, LibraryInput};
use crate::resolve::ScriptFile;

/// Runs every check; all problems are reported together. Should the checker ever panic, that too is a
/// compile error naming the file, not a crash of the macro.
pub(crate) fn check_script(input: &Input, file: &ScriptFile) -> syn::Result<()> {
    let options = options(input);
    let checked =
        std::panic::catch_unwind(|| redis_script_check::check(&file.shown, &file.text, &options));
    report(input, checked).map(|_| ())
}

/// What the script needs of a call (see `redis_script_check::Arity`); nothing, should the
/// analysis fail.
pub(crate) fn arity(file: &ScriptFile) -> redis_script_check::Arity {
    std::panic::catch_unwind(|| redis_script_check::arity(&file.text)).unwrap_or_default()
}

fn options(input: &Input) -> redis_script_check::Options {
    let names = |list: &[syn::LitStr]| list.iter().map(syn::LitStr::value).collect();
    let mut options = redis_script_check::Options::default();
    options.readonly = input.readonly;
    options.commands = names(&input.commands);
    options.readonly_commands = names(&input.readonly_commands);
    options.allow_key_locking = input.allow_key_locking;
    options.servers = names(&input.servers);
    options.keys_from_keys = input.keys_from_keys;
    options
}

/// Checks the library file, then each function the caller names against what it registers: a name
/// it does not register, or `FunctionRO` for a function without `no-writes`, is an error at that
/// function.
pub(crate) fn check_library(
    input: &LibraryInput,
    file: &ScriptFile,
) -> syn::Result<redis_script_check::Library> {
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
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(library),
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
