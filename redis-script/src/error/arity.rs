//! [`ArityError`]: a call refused before anything was sent, because it passes fewer keys or
//! arguments than its script (or function) reads on every run.

use std::fmt;

use crate::label::{Label, about};

/// A call that passes fewer keys or arguments than its script reads on every run where a nil
/// fails (`redis.call('GET', KEYS[2])` with one key): refused before anything was sent, so nothing
/// ran ([`Error::may_have_run`](super::Error::may_have_run) is false).
///
/// [`lua_script!`](crate::lua_script) finds what a script needs (see [arity](crate::script#arity)),
/// and [`lua_library!`](crate::lua_library) what each function needs that it can tell the code of
/// (the same rule, over the function's body, its first two parameters in place of `KEYS` and
/// `ARGV`); scripts and functions built at run time ([`Script::new`](crate::Script::new),
/// [`Library::function`](crate::Library::function)) need nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArityError {
    keys: (usize, usize),
    args: (usize, usize),
    /// The callee is a function of a library, which reads its keys and arguments by position.
    function: bool,
    pub(crate) script: Label,
}

impl ArityError {
    /// The error for a call passing `keys` and `args` to a script that needs `needed`, if it is
    /// short of either.
    #[inline]
    pub(crate) fn check(keys: usize, args: usize, needed: (usize, usize)) -> Option<ArityError> {
        if keys < needed.0 || args < needed.1 {
            Some(ArityError {
                keys: (keys, needed.0),
                args: (args, needed.1),
                function: false,
                script: None,
            })
        } else {
            None
        }
    }

    /// The same error, about a function (`function` true) rather than a script.
    pub(crate) fn of_function(mut self, function: bool) -> ArityError {
        self.function = function;
        self
    }

    /// How many keys the call passed.
    pub fn keys_passed(&self) -> usize {
        self.keys.0
    }

    /// How many keys the script needs: it reads `KEYS[n]` for this `n` on every run.
    pub fn keys_needed(&self) -> usize {
        self.keys.1
    }

    /// How many arguments the call passed.
    pub fn args_passed(&self) -> usize {
        self.args.0
    }

    /// How many arguments the script needs: it reads `ARGV[n]` for this `n` on every run.
    pub fn args_needed(&self) -> usize {
        self.args.1
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl fmt::Display for ArityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = [(self.keys, "key", "KEYS"), (self.args, "argument", "ARGV")];
        let short: Vec<_> = short
            .iter()
            .filter(|((passed, needed), _, _)| passed < needed)
            .collect();
        let passed: Vec<String> = short.iter().map(|((p, _), w, _)| count(*p, w)).collect();
        let needed: Vec<String> = short.iter().map(|((_, n), w, _)| count(*n, w)).collect();
        // A function's parameters have the names its code gives them: say which one it reads.
        let reads: Vec<String> = short
            .iter()
            .map(|((_, n), what, table)| {
                if self.function {
                    format!("{what} {n}")
                } else {
                    format!("{table}[{n}]")
                }
            })
            .collect();
        write!(
            f,
            "too few keys or arguments: the call passes {}, but the {} needs {}: it reads {} on \
             every run, where a nil fails; nothing was sent",
            passed.join(" and "),
            if self.function { "function" } else { "script" },
            needed.join(" and "),
            reads.join(" and "),
        )?;
        about(f, &self.script)
    }
}

impl std::error::Error for ArityError {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_both_counts_of_what_is_short() {
        assert_eq!(ArityError::check(2, 1, (2, 1)), None);
        assert_eq!(ArityError::check(5, 0, (0, 0)), None);
        let keys = ArityError::check(1, 3, (2, 1)).unwrap();
        assert_eq!((keys.keys_passed(), keys.keys_needed()), (1, 2));
        assert_eq!((keys.args_passed(), keys.args_needed()), (3, 1));
        assert_eq!(
            keys.to_string(),
            "too few keys or arguments: the call passes 1 key, but the script needs 2 keys: it \
             reads KEYS[2] on every run, where a nil fails; nothing was sent"
        );
        let both = ArityError::check(0, 1, (1, 3)).unwrap();
        assert_eq!(
            both.to_string(),
            "too few keys or arguments: the call passes 0 keys and 1 argument, but the script \
             needs 1 key and 3 arguments: it reads KEYS[1] and ARGV[3] on every run, where a nil \
             fails; nothing was sent"
        );
        assert_eq!(
            both.of_function(true).to_string(),
            "too few keys or arguments: the call passes 0 keys and 1 argument, but the function \
             needs 1 key and 3 arguments: it reads key 1 and argument 3 on every run, where a nil \
             fails; nothing was sent"
        );
    }
}
