//! The planner: which commands a batch sends to one server, and what their replies mean for its entries.
//!
//! Loading (the default, [`ScriptLoading::InBatch`]): `SCRIPT LOAD` goes in front of the first call of each
//! script, inside the batch, and again after a `SCRIPT FLUSH` among the entries; every call is EVALSHA
//! (EVALSHA_RO). So a call finds its script whatever the cache held when the batch began, and a
//! NOSCRIPT can only come from a flush by someone else while the batch runs. [`ScriptLoading::AfterBatch`]
//! sends no load: calls answered NOSCRIPT run again after the batch.
//!
//! `SCRIPT LOAD` rather than a first EVAL: its script is never evicted (Redis 7.4+ evicts scripts that
//! EVAL loaded once there are 500 of them), and the entry keeps one command of its own whose reply is
//! its result.

use super::ScriptLoading;
use super::commands::Refusal;
use super::entry::Entry;
use crate::error::{BatchError, BatchErrorKind, positions};
use crate::{BatchCommand, Command, CommandName, Error, Reply};

/// What one command of a plan is for.
#[derive(Clone, Copy, Debug)]
enum Part<'e> {
    /// `SCRIPT LOAD` of the script with this SHA-1.
    Load(&'e str),
    /// The entry at this position.
    Entry(usize),
}

/// The commands for some entries of a batch, and which entry each is for.
#[derive(Debug)]
pub(crate) struct Plan<'e> {
    commands: Vec<BatchCommand<'e>>,
    parts: Vec<Part<'e>>,
}

/// What became of an entry, before the runner decides on what did not run.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Its reply, or the error of the load its script needed.
    Done(Result<Reply, Error>),
    /// NOSCRIPT: its script was not in the cache, so it did not run.
    Missing(Error),
}

impl Outcome {
    /// True when the entry may have had effects.
    fn ran(&self) -> bool {
        match self {
            Outcome::Done(Ok(_)) => true,
            Outcome::Done(Err(e)) => e.may_have_run(),
            Outcome::Missing(_) => false,
        }
    }
}

impl<'e> Plan<'e> {
    /// The plan for the entries at `positions` (in that order) of `entries`.
    pub(crate) fn new(
        entries: &'e [Entry<'_>],
        positions: &[usize],
        loading: ScriptLoading,
    ) -> Self {
        let mut plan = Plan {
            commands: Vec::with_capacity(positions.len() + 2),
            parts: Vec::with_capacity(positions.len() + 2),
        };
        // SHA-1s loaded since the start or the last SCRIPT FLUSH; batches call few distinct scripts.
        let mut loaded: Vec<&str> = Vec::new();
        for &position in positions {
            let Some(entry) = entries.get(position) else {
                continue;
            };
            match entry {
                Entry::Script {
                    text,
                    sha1,
                    read_only,
                    keys,
                    args,
                } => {
                    if loading == ScriptLoading::InBatch && !loaded.contains(sha1) {
                        loaded.push(sha1);
                        plan.commands.push(BatchCommand::Load(text));
                        plan.parts.push(Part::Load(sha1));
                    }
                    let name = if *read_only {
                        CommandName::EvalShaRo
                    } else {
                        CommandName::EvalSha
                    };
                    let command = Command::new(name, text, sha1, keys, args);
                    plan.commands.push(BatchCommand::Script(command));
                    plan.parts.push(Part::Entry(position));
                }
                Entry::Command { words, .. } => {
                    plan.commands.push(BatchCommand::Raw(words));
                    plan.parts.push(Part::Entry(position));
                    if entry.flushes_scripts() {
                        loaded.clear();
                    }
                }
            }
        }
        plan
    }

    /// The commands to send, in order.
    pub(crate) fn commands(&self) -> &[BatchCommand<'e>] {
        &self.commands
    }

    /// The entry a command is for: a load counts for the call it precedes.
    pub(crate) fn entry_of(&self, command: usize) -> Option<usize> {
        self.parts
            .get(command..)?
            .iter()
            .find_map(|part| match part {
                Part::Entry(position) => Some(*position),
                Part::Load(_) => None,
            })
    }

    /// What the replies (one per command) mean for each entry, in the order of the plan.
    pub(crate) fn interpret(
        &self,
        entries: &[Entry<'_>],
        replies: Vec<Result<Reply, Error>>,
    ) -> Vec<(usize, Outcome)> {
        let mut outcomes = Vec::with_capacity(replies.len());
        // The latest load of each script and its error, if it failed.
        let mut loads: Vec<(&str, Option<Error>)> = Vec::new();
        for (part, reply) in self.parts.iter().zip(replies) {
            match *part {
                Part::Load(sha1) => {
                    let failed = reply.err();
                    match loads.iter_mut().find(|(s, _)| *s == sha1) {
                        Some(load) => load.1 = failed,
                        None => loads.push((sha1, failed)),
                    }
                }
                Part::Entry(position) => {
                    let sha1 = match entries.get(position) {
                        Some(Entry::Script { sha1, .. }) => Some(*sha1),
                        _ => None,
                    };
                    let outcome = match (reply, sha1) {
                        (Err(e), Some(sha1)) if e.is_noscript() => {
                            match loads.iter().find(|(s, _)| *s == sha1) {
                                // The load failed (a script Redis can not compile, NOPERM): that is why.
                                Some((_, Some(failed))) => Outcome::Done(Err(failed.clone())),
                                _ => Outcome::Missing(e),
                            }
                        }
                        (reply, _) => Outcome::Done(reply),
                    };
                    outcomes.push((position, outcome));
                }
            }
        }
        outcomes
    }
}

/// The entries answered NOSCRIPT that may run again without changing the order of effects: with
/// [`ScriptLoading::InBatch`] those after the last entry that ran (nothing behind them has run); with
/// [`ScriptLoading::AfterBatch`] all of them.
pub(crate) fn rerunnable(outcomes: &[(usize, Outcome)], loading: ScriptLoading) -> Vec<usize> {
    let after = match loading {
        ScriptLoading::AfterBatch => 0,
        ScriptLoading::InBatch => outcomes
            .iter()
            .rposition(|(_, outcome)| outcome.ran())
            .map_or(0, |i| i + 1),
    };
    outcomes[after..]
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Missing(_)))
        .map(|(position, _)| *position)
        .collect()
}

/// The result an entry ends with.
pub(crate) fn settle(position: usize, outcome: Outcome) -> Result<Reply, Error> {
    match outcome {
        Outcome::Done(reply) => reply,
        Outcome::Missing(e) => Err(Error::Batch(
            BatchError::new(
                BatchErrorKind::NotRun,
                format!(
                    "entry {position} did not run: its script left the server's script cache while \
                     the batch ran (SCRIPT FLUSH, a restart or a failover), after entries behind it \
                     had run, so it was not sent again: effects stay in the order the entries were \
                     added; it is safe to send again"
                ),
                vec![position],
            )
            .caused_by(e),
        )),
    }
}

/// Refuses, before anything is sent, entries that can not be part of a batch.
pub(crate) fn check_entries(entries: &[Entry<'_>]) -> Result<(), Error> {
    let mut empty = Vec::new();
    let mut stateful: Vec<(usize, &str)> = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        match entry.refusal() {
            Some(Refusal::Empty) => empty.push(position),
            Some(Refusal::ConnectionState(name)) => stateful.push((position, name)),
            None => {}
        }
    }
    if !empty.is_empty() {
        let message = format!(
            "{} of the batch {} an empty command: give the command's name and arguments",
            positions(&empty),
            if empty.len() == 1 { "is" } else { "are" }
        );
        return Err(BatchError::new(BatchErrorKind::NotAllowed, message, empty).into());
    }
    if !stateful.is_empty() {
        let names: Vec<String> = stateful
            .iter()
            .map(|(position, name)| format!("{name} (entry {position})"))
            .collect();
        let message = format!(
            "{} would change the state of the connection the batch runs on, which other callers \
             share; send it on a connection of its own, not in a batch (a transaction is a \
             redis_script::Transaction, not MULTI / EXEC commands)",
            names.join(", ")
        );
        let positions = stateful.into_iter().map(|(position, _)| position).collect();
        return Err(BatchError::new(BatchErrorKind::NotAllowed, message, positions).into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ArgList;

    fn script<'a>(sha1: &'a str) -> Entry<'a> {
        Entry::Script {
            text: "return 1",
            sha1,
            read_only: false,
            keys: ArgList::new(&["k"]),
            args: ArgList::default(),
        }
    }

    fn raw(words: &[&str]) -> Entry<'static> {
        Entry::command(ArgList::new(words))
    }

    fn names(plan: &Plan<'_>) -> Vec<String> {
        plan.commands()
            .iter()
            .map(|c| match c {
                BatchCommand::Script(c) => format!("{} {}", c.name(), c.sha1()),
                BatchCommand::Load(_) => "LOAD".to_owned(),
                BatchCommand::Raw(words) => {
                    String::from_utf8_lossy(words.iter().next().unwrap_or_default()).into_owned()
                }
            })
            .collect()
    }

    fn noscript() -> Error {
        Error::from_reply_text("NOSCRIPT No matching script. Please use EVAL.")
    }

    #[test]
    fn each_script_is_loaded_before_its_first_call_and_again_after_a_flush() {
        let entries = [
            script("a"),
            script("b"),
            script("a"),
            raw(&["SCRIPT", "FLUSH"]),
            script("a"),
            raw(&["GET", "k"]),
        ];
        let plan = Plan::new(&entries, &[0, 1, 2, 3, 4, 5], ScriptLoading::InBatch);
        assert_eq!(
            names(&plan),
            [
                "LOAD",
                "EVALSHA a",
                "LOAD",
                "EVALSHA b",
                "EVALSHA a",
                "SCRIPT",
                "LOAD",
                "EVALSHA a",
                "GET"
            ]
        );
        assert_eq!(plan.entry_of(0), Some(0));
        assert_eq!(plan.entry_of(2), Some(1));
        assert_eq!(plan.entry_of(6), Some(4));
        let cheap = Plan::new(&entries, &[0, 1, 2], ScriptLoading::AfterBatch);
        assert_eq!(names(&cheap), ["EVALSHA a", "EVALSHA b", "EVALSHA a"]);
    }

    #[test]
    fn a_failed_load_explains_the_noscript_of_its_calls() {
        let entries = [script("a"), script("a")];
        let plan = Plan::new(&entries, &[0, 1], ScriptLoading::InBatch);
        let compile = Error::from_reply_text(
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near 'x'",
        );
        let outcomes = plan.interpret(
            &entries,
            vec![Err(compile), Err(noscript()), Err(noscript())],
        );
        for (_, outcome) in &outcomes {
            let Outcome::Done(Err(Error::Script(e))) = outcome else {
                panic!("{outcome:?}")
            };
            assert!(e.is_compile_error());
        }
    }

    #[test]
    fn only_noscript_entries_with_nothing_run_behind_them_run_again() {
        let entries = [script("a"), raw(&["INCR", "n"]), script("a"), script("a")];
        let plan = Plan::new(&entries, &[0, 1, 2, 3], ScriptLoading::InBatch);
        let ok = || Ok(Reply::Int(1));
        // A flush between the load and the first call: entry 0 can not run again after the INCR.
        let outcomes = plan.interpret(
            &entries,
            vec![
                ok(),
                Err(noscript()),
                ok(),
                Err(noscript()),
                Err(noscript()),
            ],
        );
        assert_eq!(rerunnable(&outcomes, ScriptLoading::InBatch), [2, 3]);
        assert_eq!(rerunnable(&outcomes, ScriptLoading::AfterBatch), [0, 2, 3]);
        let outcomes = plan.interpret(&entries, vec![ok(), ok(), ok(), ok(), ok()]);
        assert!(rerunnable(&outcomes, ScriptLoading::InBatch).is_empty());
        // An entry refused without running (a wrong arity) does not count as run.
        let refused = Error::from_reply_text("ERR wrong number of arguments for 'incr' command");
        let outcomes = plan.interpret(
            &entries,
            vec![
                ok(),
                Err(noscript()),
                Err(refused),
                Err(noscript()),
                Err(noscript()),
            ],
        );
        assert_eq!(rerunnable(&outcomes, ScriptLoading::InBatch), [0, 2, 3]);
    }

    #[test]
    fn an_entry_left_behind_did_not_run_and_says_why() {
        let e = settle(3, Outcome::Missing(noscript())).unwrap_err();
        assert!(!e.may_have_run());
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(b.kind(), BatchErrorKind::NotRun);
        assert_eq!(b.entries(), [3]);
        assert!(e.to_string().starts_with("entry 3 did not run"), "{e}");
        assert!(b.server_error().is_some_and(Error::is_noscript));
    }

    #[test]
    fn connection_commands_and_empty_commands_are_refused_by_position() {
        let e =
            check_entries(&[script("a"), raw(&["select", "2"]), raw(&["WATCH", "k"])]).unwrap_err();
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(b.kind(), BatchErrorKind::NotAllowed);
        assert_eq!(b.entries(), [1, 2]);
        assert!(
            e.to_string()
                .starts_with("SELECT (entry 1), WATCH (entry 2) would change"),
            "{e}"
        );
        let e = check_entries(&[Entry::command(ArgList::default())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "entry 0 of the batch is an empty command: give the command's name and arguments"
        );
        assert!(check_entries(&[script("a"), raw(&["GET", "k"])]).is_ok());
    }
}
