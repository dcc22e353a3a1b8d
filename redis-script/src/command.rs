//! The script commands (EVALSHA, EVAL and their read-only forms) and the function calls (FCALL,
//! FCALL_RO), as handed to a [`Transport`](crate::Transport): all take a name or a text, then
//! `numkeys key.. arg..`.

use crate::Values;

/// Which script command is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandName {
    /// `EVAL script numkeys key.. arg..`
    Eval,
    /// `EVALSHA sha1 numkeys key.. arg..`
    EvalSha,
    /// `EVAL_RO script numkeys key.. arg..` (Redis 7+)
    EvalRo,
    /// `EVALSHA_RO sha1 numkeys key.. arg..` (Redis 7+)
    EvalShaRo,
    /// `FCALL function numkeys key.. arg..` (Redis 7+): a function of a library.
    Fcall,
    /// `FCALL_RO function numkeys key.. arg..` (Redis 7+): a function flagged `no-writes`.
    FcallRo,
}

impl CommandName {
    /// The command as Redis spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommandName::Eval => "EVAL",
            CommandName::EvalSha => "EVALSHA",
            CommandName::EvalRo => "EVAL_RO",
            CommandName::EvalShaRo => "EVALSHA_RO",
            CommandName::Fcall => "FCALL",
            CommandName::FcallRo => "FCALL_RO",
        }
    }

    /// True for EVAL_RO, EVALSHA_RO and FCALL_RO: the server refuses any write, so the command may be
    /// retried or routed to a replica.
    pub const fn is_read_only(self) -> bool {
        matches!(
            self,
            CommandName::EvalRo | CommandName::EvalShaRo | CommandName::FcallRo
        )
    }

    /// True for FCALL and FCALL_RO, which name a function of a library.
    pub const fn is_function(self) -> bool {
        matches!(self, CommandName::Fcall | CommandName::FcallRo)
    }

    /// True for EVALSHA and EVALSHA_RO, which name the script by its SHA-1.
    pub const fn is_by_sha(self) -> bool {
        matches!(self, CommandName::EvalSha | CommandName::EvalShaRo)
    }
}

impl std::fmt::Display for CommandName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One script command or function call: its name, the script text or SHA-1 (or the function's name),
/// the keys and the arguments.
///
/// Its `Debug` form shows the name, the SHA-1 (never the script text) and the number of keys and
/// arguments, never their values, so it is safe to log.
#[derive(Clone, Copy)]
pub struct Command<'a> {
    name: CommandName,
    body: &'a str,
    sha1: &'a str,
    keys: Values<'a>,
    args: Values<'a>,
}

impl<'a> Command<'a> {
    /// A command for a script with text `script` and SHA-1 `sha1`: `body()` is the text for EVAL and
    /// EVAL_RO, the SHA-1 for EVALSHA and EVALSHA_RO. For FCALL and FCALL_RO, `script` is the name of
    /// the function and `sha1` the SHA-1 of its library.
    pub fn new(
        name: CommandName,
        script: &'a str,
        sha1: &'a str,
        keys: Values<'a>,
        args: Values<'a>,
    ) -> Self {
        let body = if name.is_by_sha() { sha1 } else { script };
        Command {
            name,
            body,
            sha1,
            keys,
            args,
        }
    }

    /// The command name.
    pub fn name(&self) -> CommandName {
        self.name
    }

    /// The first argument: the script text (EVAL, EVAL_RO), its SHA-1 (EVALSHA, EVALSHA_RO), or the
    /// function's name (FCALL, FCALL_RO).
    pub fn body(&self) -> &'a str {
        self.body
    }

    /// The SHA-1 of the script (of the library, for FCALL), whichever command this is.
    pub fn sha1(&self) -> &'a str {
        self.sha1
    }

    /// The keys (`KEYS` in Lua); their count is the `numkeys` argument.
    pub fn keys(&self) -> Values<'a> {
        self.keys
    }

    /// The arguments (`ARGV` in Lua).
    pub fn args(&self) -> Values<'a> {
        self.args
    }

    /// True when the server refuses writes for this command.
    pub fn is_read_only(&self) -> bool {
        self.name.is_read_only()
    }
}

impl std::fmt::Debug for Command<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("name", &self.name)
            .field("sha1", &self.sha1)
            .field("keys", &self.keys.len())
            .field("args", &self.args.len())
            .finish()
    }
}
