//! Which error replies prove that nothing ran: Redis's refusals before it runs a command, told apart
//! from the errors a script passes through.
//!
//! A script that writes and then `return redis.pcall(..)` of a command that fails replies with that
//! command's error exactly as Redis would send it, bare (no `script: ...` suffix). So an error reply
//! to EVAL, EVALSHA or FCALL counts as "nothing ran" only when a script can not produce it that way:
//!
//! - its code is one the server gives a script's commands in another form (`NOPERM` is `ERR ACL
//!   failure in script: ..` inside a script, `ERR The user executing the script can't ..` on Redis 7.0;
//!   `MOVED`, `ASK`, `CROSSSLOT`, `TRYAGAIN`, `CLUSTERDOWN` are `ERR Script attempted to ..`;
//!   `MASTERDOWN` is `ERR Can not execute the command on a stale replica`), or never gives it
//!   (`BUSY`, `NOAUTH`, `WRONGPASS`, `LOADING`, `NOSCRIPT` with its own text);
//! - or its text is one only the server's checks before running a script use (`allow-oom flag is not
//!   set on the script`, `Writable scripts are blocked`, a bad shebang, `Function not found`, an
//!   arity error naming the script command itself);
//! - or it is `OOM`, `READONLY`, `MISCONF` or `NOREPLICAS` in answer to a script that declares flags
//!   (a `#!lua` shebang) or a function: the server checks memory, replication and disk before running
//!   those, and never refuses one of their commands for these reasons once they run. A script without
//!   a shebang is checked at its first write instead, from inside, and may have written by the time it
//!   returns such an error (`redis.call('DEL', ..)` is allowed over `maxmemory` and lifts the check).
//!
//! Everything else may come from a running script, and counts as "may have run": `ERR This Redis
//! command is not allowed from script` and `ERR Number of keys can't be greater than number of args`
//! (SINTERCARD) among them, though they read like refusals. What a script returns on purpose
//! (`redis.error_reply('BUSY ..')`) can not be told apart from the real thing, except where the
//! server never sends it: a cluster redirects or refuses a transaction as a whole, so a `MOVED`,
//! `ASK`, `TRYAGAIN`, `CROSSSLOT` or `CLUSTERDOWN` among EXEC's results is a script's own, and may
//! have run (the cluster transports also ask the node before they believe a redirect).

/// The whole of the server's reply (after `ERR`) to FCALL of a function no library registers.
pub(super) const FUNCTION_NOT_FOUND: &str = "Function not found";

/// What an error reply answered, as far as telling a refusal from a passed-through error goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answered<'a> {
    /// Not known: read as carefully as a script without flags (the reply may have come through one).
    Unknown,
    /// A call of a script or function; `flagged` when it declares flags (a shebang, or a function).
    Script {
        /// A shebang (or a function): the server checks memory, replication and disk first.
        flagged: bool,
    },
    /// A command other than a script or function call, by its name.
    Command(&'a [u8]),
}

/// The commands that run scripts and functions: a script can not call them, so an arity error naming
/// one of them is the server's own refusal.
const SCRIPT_COMMANDS: [&str; 6] = [
    "eval",
    "evalsha",
    "eval_ro",
    "evalsha_ro",
    "fcall",
    "fcall_ro",
];

/// True when `name` runs a script or a function.
pub(crate) fn runs_a_script(name: &[u8]) -> bool {
    SCRIPT_COMMANDS
        .iter()
        .any(|c| c.as_bytes().eq_ignore_ascii_case(name))
}

/// True when the error reply `code message`, in answer to `answered`, proves that nothing ran.
pub(crate) fn is_refusal(code: &str, message: &str, answered: Answered<'_>) -> bool {
    // Never what a script's own commands fail with (they fail with other codes or texts there).
    const BEFORE_RUNNING: [&str; 11] = [
        "BUSY",
        "NOAUTH",
        "NOPERM",
        "WRONGPASS",
        "LOADING",
        "MOVED",
        "ASK",
        "CROSSSLOT",
        "TRYAGAIN",
        "CLUSTERDOWN",
        "MASTERDOWN",
    ];
    // The refusals of the server's checks before a script with flags runs.
    const SCRIPT_CHECKS: [&str; 3] = [
        "allow-oom flag is not set on the script",
        "Can not run script with write flag on readonly replica",
        "Writable scripts are blocked",
    ];
    // State a command is refused for before it runs, and which a script without flags meets inside.
    const STATE: [&str; 4] = ["OOM", "READONLY", "MISCONF", "NOREPLICAS"];
    // ERR texts only the checks before running a script (or function) use, as the start of the
    // server's text. (`Function not found` is the whole of it, matched as such below: a function's
    // own error that only starts so is its own.)
    const ERR_BEFORE_RUNNING: [&str; 6] = [
        "unknown command",
        "Unexpected flag in script shebang",
        "Unknown lua shebang option",
        "Could not find engine",
        "Can not execute a script with write flag using *_ro command",
        "Can not run script on cluster, 'no-cluster' flag is set",
    ];
    // ERR texts of a command's own refusal, which a script may also pass through from its commands.
    const ERR_OF_THE_COMMAND: [&str; 2] = ["wrong number of arguments", "Number of keys can't be"];

    if code == "NOSCRIPT" {
        return message.starts_with("No matching script");
    }
    if BEFORE_RUNNING.contains(&code) {
        return true;
    }
    if STATE.contains(&code) {
        return match answered {
            Answered::Script { flagged: true } | Answered::Command(_) => true,
            Answered::Script { flagged: false } | Answered::Unknown => {
                SCRIPT_CHECKS.iter().any(|text| message.contains(text))
            }
        };
    }
    if code != "ERR" {
        return false;
    }
    if message == FUNCTION_NOT_FOUND || ERR_BEFORE_RUNNING.iter().any(|p| message.starts_with(p)) {
        return true;
    }
    match answered {
        Answered::Command(_) => ERR_OF_THE_COMMAND.iter().any(|p| message.starts_with(p)),
        // A script command can have the wrong number of arguments itself; no other arity error
        // comes from the server before the script runs.
        Answered::Script { .. } | Answered::Unknown => message
            .strip_prefix("wrong number of arguments for '")
            .and_then(|rest| rest.split_once('\''))
            .is_some_and(|(name, _)| runs_a_script(name.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_FLAGS: Answered<'static> = Answered::Script { flagged: false };
    const FLAGGED: Answered<'static> = Answered::Script { flagged: true };

    fn refused(text: &str, answered: Answered<'_>) -> bool {
        let (code, message) = text.split_once(' ').unwrap_or((text, ""));
        is_refusal(code, message, answered)
    }

    #[test]
    fn what_a_script_passes_through_from_pcall_is_not_a_refusal() {
        // Each was read from Redis 7.0, 8.2 or Valkey 9.1 as the reply of a script that wrote and
        // then returned `redis.pcall(..)` of the failing command.
        for text in [
            "ERR This Redis command is not allowed from script",
            "ERR This Valkey command is not allowed from script",
            "ERR Number of keys can't be greater than number of args",
            "ERR wrong number of arguments for 'hset' command",
            "ERR ACL failure in script: User app has no permissions to run the 'set' command",
            "ERR The user executing the script can't run this command or subcommand",
            "OOM command not allowed when used memory > 'maxmemory'.",
            "READONLY You can't write against a read only replica.",
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
            "NOREPLICAS Not enough good replicas to write.",
        ] {
            assert!(!refused(text, NO_FLAGS), "{text}");
            assert!(!refused(text, Answered::Unknown), "{text}");
        }
    }

    #[test]
    fn refusals_before_any_script_runs_are_refusals() {
        for text in [
            "NOSCRIPT No matching script. Please use EVAL.",
            "NOSCRIPT No matching script.",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "NOPERM this user has no permissions to run the 'evalsha' command",
            "NOPERM No permissions to access a key",
            "MOVED 3999 127.0.0.1:6381",
            "ERR wrong number of arguments for 'evalsha' command",
            "ERR Unexpected flag in script shebang: x",
            "ERR Can not execute a script with write flag using *_ro command.",
            "ERR Function not found",
            "ERR unknown command 'FCALL', with args beginning with: ",
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
            "READONLY Can not run script with write flag on readonly replica",
        ] {
            assert!(refused(text, NO_FLAGS), "{text}");
            assert!(refused(text, FLAGGED), "{text}");
        }
        assert!(!refused("NOSCRIPT x", NO_FLAGS));
    }

    #[test]
    fn memory_replica_and_disk_refusals_depend_on_the_script_declaring_flags() {
        for text in [
            "OOM command not allowed when used memory > 'maxmemory'.",
            "READONLY You can't write against a read only replica.",
            "NOREPLICAS Not enough good replicas to write.",
        ] {
            assert!(refused(text, FLAGGED), "{text}");
            assert!(!refused(text, NO_FLAGS), "{text}");
            assert!(refused(text, Answered::Command(b"SET")), "{text}");
        }
    }

    #[test]
    fn a_command_of_a_batch_is_refused_for_its_own_arguments() {
        let sintercard = Answered::Command(b"SINTERCARD");
        assert!(refused(
            "ERR Number of keys can't be greater than number of args",
            sintercard
        ));
        assert!(refused(
            "ERR wrong number of arguments for 'hset' command",
            Answered::Command(b"HSET")
        ));
        assert!(!refused(
            "ERR value is not an integer or out of range",
            sintercard
        ));
        assert!(!refused("WRONGTYPE Operation against a key", sintercard));
    }
}
