//! Compile-time checks of the script: its shebang, its Lua 5.1 syntax, and the Redis commands it calls.
//!
//! Every error is spanned at the path literal and names the line in the Lua file.

mod calls;
mod rules;
mod shebang;
mod syntax;

use crate::parse::Input;
use crate::resolve::ScriptFile;

/// Runs every check. Errors from the command rules are all reported together.
pub(crate) fn check_script(input: &Input, file: &ScriptFile) -> syn::Result<()> {
    let written = input.path.value();
    let error = |message: String| syn::Error::new(input.path.span(), message);
    let shebang =
        shebang::parse(&file.text).map_err(|message| error(format!("{written:?}: {message}")))?;
    if input.readonly && shebang.as_ref().is_some_and(|s| !s.no_writes()) {
        return Err(error(format!(
            "{written:?} is readonly, but its shebang lacks no-writes, so Redis refuses EVAL_RO on it \
             (\"Can not execute a script with write flag using *_ro command\"); \
             start the file with \"#!lua flags=no-writes\""
        )));
    }
    let body = shebang::lua_body(&file.text, shebang.as_ref());
    let ast = syntax::parse(body).map_err(|e| error(syntax::render(&written, &file.text, &e)))?;
    let found = calls::collect(&ast);
    let policy = rules::Policy::new(input, shebang.as_ref());
    let mut errors = rules::check(&policy, &found).into_iter().map(error);
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}
