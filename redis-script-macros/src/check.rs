//! The checks of `redis-script-check` on the file the macro read, each problem a compile error at the
//! path literal.

use crate::parse::Input;
use crate::resolve::ScriptFile;

/// Runs every check; all problems are reported together. Should the checker ever panic, that too is a
/// compile error naming the file, not a crash of the macro.
pub(crate) fn check_script(input: &Input, file: &ScriptFile) -> syn::Result<()> {
    let written = input.path.value();
    let names = |list: &[syn::LitStr]| list.iter().map(syn::LitStr::value).collect();
    let mut options = redis_script_check::Options::default();
    options.readonly = input.readonly;
    options.commands = names(&input.commands);
    options.readonly_commands = names(&input.readonly_commands);
    options.allow_key_locking = input.allow_key_locking;
    options.servers = names(&input.servers);
    let checked =
        std::panic::catch_unwind(|| redis_script_check::check(&written, &file.text, &options));
    let error = |message: &str| syn::Error::new(input.path.span(), message);
    let problems = match checked {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(problems)) => problems,
        Err(_) => {
            return Err(error(&format!(
                "checking {written:?} failed inside the checker; this is a bug of redis-script, please \
                 report it with the file"
            )));
        }
    };
    let mut errors = problems.iter().map(|problem| error(problem.message()));
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}
