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
//!
//! Functions the same way: FUNCTION LOAD in front of the first call of each library (again after a
//! FUNCTION FLUSH, DELETE or RESTORE entry), every call FCALL (FCALL_RO). "Already exists" is a
//! load; a function answered "Function not found" although its library loaded in the same plan is
//! not a reason to run it again: it is missing from that library, which is its error (nothing ran),
//! or, when the library registers it, the function's own error text (it may have run).

use super::ScriptLoading;
use super::entry::{Callee, Entries, Entry, LoadKey};
use crate::command_table::Refusal;
use crate::error::{BatchError, BatchErrorKind, positions};
use crate::{BatchCommand, Error, Reply};

/// What one command of a plan is for.
#[derive(Clone, Copy, Debug)]
enum Part {
    /// `SCRIPT LOAD` of a script or `FUNCTION LOAD` of a library: that of the batch's callee at this
    /// position.
    Load(usize),
    /// The plan's entry with this index.
    Entry(usize),
}

/// Which entries of the batch a plan is for, in its order: all of them, or those listed.
#[derive(Clone, Debug)]
pub(crate) enum Order {
    /// Entries `0..n`.
    All(usize),
    /// These entries, by position.
    List(Vec<usize>),
}

impl Order {
    fn len(&self) -> usize {
        match self {
            Order::All(n) => *n,
            Order::List(positions) => positions.len(),
        }
    }

    /// The position in the batch of the plan's `index`-th entry.
    fn position(&self, index: usize) -> usize {
        match self {
            Order::All(_) => index,
            Order::List(positions) => positions.get(index).copied().unwrap_or(index),
        }
    }
}

/// The results of a plan's entries, by their index in the plan; `None` until answered.
pub(crate) type Slots = Vec<Option<Result<Reply, Error>>>;

/// `n` empty slots.
pub(crate) fn slots(n: usize) -> Slots {
    std::iter::repeat_with(|| None).take(n).collect()
}

/// The commands for some entries of a batch, and which entry each is for.
#[derive(Debug)]
pub(crate) struct Plan<'e> {
    commands: Vec<BatchCommand<'e>>,
    parts: Vec<Part>,
    order: Order,
    loads_library: bool,
}

impl<'e> Plan<'e> {
    /// The plan for the entries of `order`.
    pub(crate) fn new(entries: &'e Entries<'_>, order: Order, loading: ScriptLoading) -> Self {
        let room = order.len() + 2;
        let mut plan = Plan {
            commands: Vec::with_capacity(room),
            parts: Vec::with_capacity(room),
            order,
            loads_library: false,
        };
        // Scripts and libraries loaded since the start or the last flush; batches call few of them.
        let mut loaded: Vec<LoadKey<'e>> = Vec::new();
        // The callee of the call before, when it is loaded already: most batches call one script.
        let mut last_loaded = None;
        for index in 0..plan.order.len() {
            let Some(entry) = entries.get(plan.order.position(index)) else {
                continue;
            };
            match (entry, entries.callee_of(entry)) {
                (
                    Entry::Call {
                        callee: at,
                        read_only,
                        keys,
                        args,
                    },
                    Some(callee),
                ) => {
                    if loading == ScriptLoading::InBatch && last_loaded != Some(*at) {
                        let key = callee.load_key();
                        if !loaded.iter().any(|k| same_load(*k, key)) {
                            loaded.push(key);
                            plan.loads_library |= key.0;
                            plan.commands.push(callee.load());
                            plan.parts.push(Part::Load(*at));
                        }
                        last_loaded = Some(*at);
                    }
                    let command =
                        callee.command(*read_only, entries.values(keys), entries.values(args));
                    plan.commands.push(BatchCommand::Script(command));
                    plan.parts.push(Part::Entry(index));
                }
                (Entry::Command { words, .. }, _) => {
                    plan.commands.push(BatchCommand::Raw(entries.values(words)));
                    plan.parts.push(Part::Entry(index));
                    if entry.flushes_scripts() {
                        loaded.retain(|(library, _)| *library);
                        last_loaded = None;
                    }
                    if entry.flushes_functions() {
                        loaded.retain(|(library, _)| !*library);
                        last_loaded = None;
                    }
                }
                // A call whose callee is not among the batch's: it can not be, and sends nothing.
                (Entry::Call { .. }, None) => {}
            }
        }
        plan
    }

    /// True when the plan loads a library: FUNCTION LOAD writes, so the plan must go to a primary
    /// even if every entry only reads.
    pub(crate) fn loads_library(&self) -> bool {
        self.loads_library
    }

    /// The commands to send, in order.
    #[cfg(test)]
    pub(crate) fn commands(&self) -> &[BatchCommand<'e>] {
        &self.commands
    }

    /// The commands to send, in order, taken out of the plan: dropped once sent, their memory holds
    /// the replies of a large batch instead of more.
    pub(crate) fn take_commands(&mut self) -> Vec<BatchCommand<'e>> {
        std::mem::take(&mut self.commands)
    }

    /// How many entries the plan is for.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// The position in the batch of the plan's `index`-th entry.
    pub(crate) fn position(&self, index: usize) -> usize {
        self.order.position(index)
    }

    /// The positions in the batch of the plan's entries, in the plan's order.
    pub(crate) fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|index| self.position(index))
    }

    /// The batch entry a command is for: a load counts for the call it precedes.
    pub(crate) fn entry_of(&self, command: usize) -> Option<usize> {
        self.parts
            .get(command..)?
            .iter()
            .find_map(|part| match part {
                Part::Entry(index) => Some(self.order.position(*index)),
                Part::Load(_) => None,
            })
    }

    /// Each entry's result from the replies (one per command), by the entry's index in the plan
    /// (`None` for an entry that got no reply), and the indices of the calls that found neither their
    /// script nor their library (so did not run) and may run again; their error stays in their slot.
    ///
    /// A function answered "Function not found" although its library was loaded (or already there) in
    /// this plan is not one of them: its library lacks it, or it returned that text itself
    /// ([`Callee::not_found_though_loaded`]), as for one call.
    ///
    /// The results take the place of the replies, in the replies' own buffer: a large batch holds one
    /// list of results, not two.
    pub(crate) fn interpret(
        &self,
        entries: &Entries<'_>,
        replies: Vec<Result<Reply, Error>>,
    ) -> (Slots, Vec<usize>) {
        let mut missing = Vec::new();
        // The latest load of each script or library, and its error if it failed.
        let mut loads: Vec<(LoadKey<'_>, Option<Error>)> = Vec::new();
        // The plan index the next entry's result should have: results are in the order of the plan.
        let mut next = 0;
        let mut in_order = true;
        let mut slots: Slots = replies
            .into_iter()
            .zip(&self.parts)
            .filter_map(|(reply, part)| match *part {
                Part::Load(at) => {
                    let key = entries.callee_at(at)?.load_key();
                    let failed = Callee::load_error(key, reply);
                    match loads.iter_mut().find(|(k, _)| same_load(*k, key)) {
                        Some(load) => load.1 = failed,
                        None => loads.push((key, failed)),
                    }
                    None
                }
                Part::Entry(index) => {
                    in_order &= index == next;
                    next = index + 1;
                    Some(Some(self.result(
                        entries,
                        index,
                        reply,
                        &loads,
                        &mut missing,
                    )))
                }
            })
            .collect();
        if !in_order || slots.len() > self.len() {
            // Not one result per index in order (the plan left an entry out): put each by its index.
            let indices = self.parts.iter().filter_map(|part| match part {
                Part::Entry(index) => Some(*index),
                Part::Load(_) => None,
            });
            let mut placed = self::slots(self.len());
            for (index, result) in indices.zip(slots) {
                if let Some(slot) = placed.get_mut(index) {
                    *slot = result;
                }
            }
            slots = placed;
        }
        slots.resize_with(self.len(), || None);
        (slots, missing)
    }

    /// The result of the plan's `index`-th entry from its `reply`, knowing the plan's `loads` so far;
    /// a call that found neither its script nor its library joins `missing`.
    #[inline]
    fn result(
        &self,
        entries: &Entries<'_>,
        index: usize,
        reply: Result<Reply, Error>,
        loads: &[(LoadKey<'_>, Option<Error>)],
        missing: &mut Vec<usize>,
    ) -> Result<Reply, Error> {
        let e = match reply {
            Ok(reply) => return Ok(reply),
            Err(e) => e,
        };
        let position = self.order.position(index);
        // Only a call can miss its script: a raw EVALSHA keeps its NOSCRIPT.
        let result = match (e, entries.callee(position)) {
            (e, Some(callee)) if callee.is_missing(&e) => {
                let source = callee.source();
                let key = callee.load_key();
                match loads.iter().find(|(k, _)| same_load(*k, key)) {
                    // The load failed (a script Redis can not compile, NOPERM): that is why.
                    Some((_, Some(failed))) => Err(callee.load_failed(failed.clone())),
                    Some((_, None)) if key.0 => {
                        Err(callee.not_found_though_loaded(e).for_script(source))
                    }
                    _ => {
                        missing.push(index);
                        Err(e.for_script(source))
                    }
                }
            }
            (e, Some(callee)) => Err(e.for_script(callee.source())),
            (e, None) => Err(match entries.get(position) {
                Some(Entry::Command { words, .. }) => {
                    e.for_command(entries.values(words).first().unwrap_or_default())
                }
                _ => e,
            }),
        };
        result.map_err(|e| e.redacted(entries.sent_values(position)))
    }
}

/// True when `a` and `b` load the same script or library; the calls of one script share its SHA-1,
/// so most comparisons end at the pointers.
fn same_load(a: LoadKey<'_>, b: LoadKey<'_>) -> bool {
    a.0 == b.0 && (std::ptr::eq(a.1, b.1) || a.1 == b.1)
}

/// True when the entry in `slot` may have had effects.
fn ran(slot: &Option<Result<Reply, Error>>) -> bool {
    match slot {
        Some(Ok(_)) => true,
        Some(Err(e)) => e.may_have_run(),
        None => false,
    }
}

/// Of the `missing` calls (answered NOSCRIPT), those that may run again without changing the order of
/// effects: with [`ScriptLoading::InBatch`] those after the last entry that ran (nothing behind them
/// has run); with [`ScriptLoading::AfterBatch`] all of them.
pub(crate) fn rerunnable(
    slots: &[Option<Result<Reply, Error>>],
    missing: &[usize],
    loading: ScriptLoading,
) -> Vec<usize> {
    let after = match loading {
        ScriptLoading::AfterBatch => 0,
        ScriptLoading::InBatch => slots.iter().rposition(ran).map_or(0, |i| i + 1),
    };
    missing.iter().copied().filter(|&i| i >= after).collect()
}

/// The error of a call that lost its script while the batch ran and was not sent again. (A function
/// never does: its library is loaded in front of it in every plan that runs it again.)
pub(crate) fn not_run(position: usize, noscript: Error) -> Error {
    let script = noscript.script().cloned().map(Box::new);
    let mut error = BatchError::new(
        BatchErrorKind::NotRun,
        format!(
            "entry {position} did not run: its script left the server's script cache while the \
             batch ran (SCRIPT FLUSH, a restart or a failover), after entries behind it had run, so \
             it was not sent again: effects stay in the order the entries were added; it is safe to \
             send again"
        ),
        vec![position],
    )
    .caused_by(noscript);
    error.script = script;
    Error::from(error)
}

/// Refuses, before anything is sent, entries that can not be part of a batch.
pub(crate) fn check_entries(entries: &Entries<'_>) -> Result<(), Error> {
    let mut empty = Vec::new();
    let mut stateful: Vec<(usize, &str)> = Vec::new();
    let mut short: Vec<(usize, Error)> = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        if let Entry::Call { keys, args, .. } = entry
            && let Some(Callee::Script(source) | Callee::Function { source, .. }) =
                entries.callee_of(entry)
            && let Err(refused) = source.check_arity(keys.len(), args.len())
        {
            short.push((position, refused));
        }
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
    if let Some((first, error)) = short.first() {
        let at: Vec<usize> = short.iter().map(|(position, _)| *position).collect();
        let message = if short.len() == 1 {
            format!("entry {first}: {error}")
        } else {
            format!(
                "{} pass too few keys or arguments; entry {first}: {error}",
                positions(&at)
            )
        };
        let error = error.clone();
        return Err(BatchError::new(BatchErrorKind::Arity, message, at)
            .caused_by(error)
            .into());
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
    use crate::label::Shared;
    use crate::script::Source;

    /// What the entries of a test batch are.
    enum E<'a> {
        Script(&'static str),
        /// A function `f` of the library with this SHA-1, named at run time.
        Function(&'static str),
        /// The same, declared in a versioned `lua_library!` library that registers it.
        Registered(&'static str),
        Raw(&'a [&'a str]),
    }

    fn batch<'a>(list: &[E<'a>]) -> Entries<'a> {
        let mut entries = Entries::default();
        for e in list {
            // Tests name a script or library by its SHA-1 alone; the text does not matter here.
            let source = |sha1: &'static str, function: bool| -> &'static Source {
                Box::leak(Box::new(Source {
                    text: Shared::Static("return 1"),
                    sha1: Shared::Static(sha1),
                    name: None,
                    function,
                    arity: crate::script::Arity::NONE,
                }))
            };
            match e {
                E::Script(sha1) => {
                    let callee = Callee::Script(source(sha1, false));
                    entries.push_call((callee, false), &["k"], &());
                }
                E::Function(sha1) | E::Registered(sha1) => {
                    let callee = Callee::Function {
                        source: source(sha1, true),
                        name: "f",
                        library: "lib",
                        registered: matches!(e, E::Registered(_)),
                    };
                    entries.push_call((callee, false), &["k"], &());
                }
                E::Raw(words) => {
                    entries.push_command(*words);
                }
            }
        }
        entries
    }

    fn names(plan: &Plan<'_>) -> Vec<String> {
        plan.commands()
            .iter()
            .map(|c| match c {
                BatchCommand::Script(c) => format!("{} {}", c.name(), c.sha1()),
                BatchCommand::Load(_) => "LOAD".to_owned(),
                BatchCommand::LoadLibrary(_) => "FUNCTION LOAD".to_owned(),
                BatchCommand::Raw(words) => {
                    String::from_utf8_lossy(words.first().unwrap_or_default()).into_owned()
                }
            })
            .collect()
    }

    fn noscript() -> Error {
        Error::from_reply_text("NOSCRIPT No matching script. Please use EVAL.")
    }

    #[test]
    fn each_script_is_loaded_before_its_first_call_and_again_after_a_flush() {
        let entries = batch(&[
            E::Script("a"),
            E::Script("b"),
            E::Script("a"),
            E::Raw(&["SCRIPT", "FLUSH"]),
            E::Script("a"),
            E::Raw(&["GET", "k"]),
        ]);
        let plan = Plan::new(&entries, Order::All(6), ScriptLoading::InBatch);
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
        let cheap = Plan::new(
            &entries,
            Order::List(vec![0, 1, 2]),
            ScriptLoading::AfterBatch,
        );
        assert_eq!(names(&cheap), ["EVALSHA a", "EVALSHA b", "EVALSHA a"]);
    }

    #[test]
    fn each_library_is_loaded_before_its_first_call_and_again_after_a_function_flush() {
        let entries = batch(&[
            E::Function("l"),
            E::Script("l"),
            E::Function("l"),
            E::Raw(&["SCRIPT", "FLUSH"]),
            E::Function("l"),
            E::Raw(&["FUNCTION", "FLUSH"]),
            E::Function("m"),
            E::Function("l"),
        ]);
        let plan = Plan::new(&entries, Order::All(8), ScriptLoading::InBatch);
        assert_eq!(
            names(&plan),
            [
                "FUNCTION LOAD",
                "FCALL l",
                // A script whose SHA-1 is the library's is still a script of its own.
                "LOAD",
                "EVALSHA l",
                "FCALL l",
                "SCRIPT",
                "FCALL l",
                "FUNCTION",
                "FUNCTION LOAD",
                "FCALL m",
                "FUNCTION LOAD",
                "FCALL l"
            ]
        );
        assert!(plan.loads_library());
        let scripts = batch(&[E::Script("a")]);
        assert!(!Plan::new(&scripts, Order::All(1), ScriptLoading::InBatch).loads_library());
        let cheap = Plan::new(&entries, Order::List(vec![0]), ScriptLoading::AfterBatch);
        assert_eq!(names(&cheap), ["FCALL l"]);
        assert!(!cheap.loads_library());
    }

    #[test]
    fn a_library_that_exists_is_loaded_and_a_function_it_lacks_is_its_error() {
        let entries = batch(&[E::Function("l"), E::Function("l")]);
        let plan = Plan::new(&entries, Order::All(2), ScriptLoading::InBatch);
        let exists = Error::from_reply_text("ERR Library 'lib__abc' already exists");
        let not_found = || Error::from_reply_text("ERR Function not found");
        let replies = vec![Err(exists), Ok(Reply::Int(1)), Err(not_found())];
        let (got, missing) = plan.interpret(&entries, replies);
        assert!(missing.is_empty(), "the library is there: nothing to load");
        assert!(matches!(got[0], Some(Ok(Reply::Int(1)))));
        let Some(Err(e)) = &got[1] else {
            panic!("{:?}", got[1])
        };
        assert!(e.is_function_not_found() && !e.may_have_run(), "{e:?}");
        // One the library registers returned that text itself: it may have run, and does not run
        // again.
        let registered = batch(&[E::Registered("l")]);
        let plan = Plan::new(&registered, Order::All(1), ScriptLoading::InBatch);
        let exists = Error::from_reply_text("ERR Library 'lib__abc' already exists");
        let (got, missing) = plan.interpret(&registered, vec![Err(exists), Err(not_found())]);
        assert!(missing.is_empty());
        let Some(Err(e)) = &got[0] else {
            panic!("{:?}", got[0])
        };
        assert!(e.is_function_not_found() && e.may_have_run(), "{e:?}");
        let plan = Plan::new(&entries, Order::All(2), ScriptLoading::InBatch);
        // A load refused for another reason is why its calls found nothing.
        let refused = Error::from_reply_text(
            "NOPERM this user has no permissions to run the 'function|load' command",
        );
        let replies = vec![Err(refused), Err(not_found()), Err(not_found())];
        let (got, missing) = plan.interpret(&entries, replies);
        assert!(missing.is_empty());
        for slot in &got {
            let Some(Err(Error::Preload(e))) = slot else {
                panic!("{slot:?}")
            };
            assert_eq!(e.failed()[0].error.code(), Some("NOPERM"), "{e:?}");
            assert_eq!(e.failed()[0].name.as_deref(), Some("lib"));
        }
        // Without a load in the plan, a function not found runs again.
        let cheap = Plan::new(&entries, Order::All(2), ScriptLoading::AfterBatch);
        let replies = vec![Err(not_found()), Ok(Reply::Int(2))];
        assert_eq!(cheap.interpret(&entries, replies).1, [0]);
    }

    #[test]
    fn a_failed_load_explains_the_noscript_of_its_calls() {
        let entries = batch(&[E::Script("a"), E::Script("a")]);
        let plan = Plan::new(&entries, Order::All(2), ScriptLoading::InBatch);
        let compile = Error::from_reply_text(
            "ERR Error compiling script (new function): user_script:1: unexpected symbol near 'x'",
        );
        let (got, missing) = plan.interpret(
            &entries,
            vec![Err(compile), Err(noscript()), Err(noscript())],
        );
        assert!(missing.is_empty());
        for slot in &got {
            let Some(Err(Error::Script(e))) = slot else {
                panic!("{slot:?}")
            };
            assert!(e.is_compile_error());
        }
    }

    #[test]
    fn only_noscript_entries_with_nothing_run_behind_them_run_again() {
        let entries = batch(&[
            E::Script("a"),
            E::Raw(&["INCR", "n"]),
            E::Script("a"),
            E::Script("a"),
        ]);
        let plan = Plan::new(&entries, Order::All(4), ScriptLoading::InBatch);
        let ok = || Ok(Reply::Int(1));
        // A flush between the load and the first call: entry 0 can not run again after the INCR.
        let replies = vec![
            ok(),
            Err(noscript()),
            ok(),
            Err(noscript()),
            Err(noscript()),
        ];
        let (got, missing) = plan.interpret(&entries, replies);
        assert_eq!(missing, [0, 2, 3]);
        assert_eq!(rerunnable(&got, &missing, ScriptLoading::InBatch), [2, 3]);
        assert_eq!(
            rerunnable(&got, &missing, ScriptLoading::AfterBatch),
            [0, 2, 3]
        );
        let (got, missing) = plan.interpret(&entries, vec![ok(), ok(), ok(), ok(), ok()]);
        assert!(rerunnable(&got, &missing, ScriptLoading::InBatch).is_empty());
        // An entry refused without running (a wrong arity) does not count as run.
        let refused = Error::from_reply_text("ERR wrong number of arguments for 'incr' command");
        let replies = vec![
            ok(),
            Err(noscript()),
            Err(refused),
            Err(noscript()),
            Err(noscript()),
        ];
        let (got, missing) = plan.interpret(&entries, replies);
        assert_eq!(
            rerunnable(&got, &missing, ScriptLoading::InBatch),
            [0, 2, 3]
        );
    }

    #[test]
    fn an_entry_left_behind_did_not_run_and_says_why() {
        let e = not_run(3, noscript());
        assert!(!e.may_have_run());
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(b.kind(), BatchErrorKind::NotRun);
        assert_eq!(b.entries(), [3]);
        assert!(e.to_string().starts_with("entry 3 did not run"), "{e}");
        assert!(b.server_error().is_some_and(Error::is_noscript));
    }

    #[test]
    fn connection_commands_and_empty_commands_are_refused_by_position() {
        let entries = batch(&[
            E::Script("a"),
            E::Raw(&["select", "2"]),
            E::Raw(&["WATCH", "k"]),
        ]);
        let e = check_entries(&entries).unwrap_err();
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(b.kind(), BatchErrorKind::NotAllowed);
        assert_eq!(b.entries(), [1, 2]);
        assert!(
            e.to_string()
                .starts_with("SELECT (entry 1), WATCH (entry 2) would change"),
            "{e}"
        );
        let e = check_entries(&batch(&[E::Raw(&[])])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "entry 0 of the batch is an empty command: give the command's name and arguments"
        );
        assert!(check_entries(&batch(&[E::Script("a"), E::Raw(&["GET", "k"])])).is_ok());
    }
}
