//! The entries of a batch: calls of scripts and functions, and raw commands, in the order they were added, with their
//! keys, arguments and words encoded into one list for the whole batch.

use std::ops::Range;

use crate::command_table::{self as commands, Kind, Refusal};
use crate::script::Source;
use crate::transport::KeysOfEntries;
use crate::{ArgList, Args, BatchCommand, Command, CommandName, EntryKeys, Error, Reply, Values};

/// What a call entry calls: a script, or a function of a library.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Callee<'a> {
    /// A [`Script`](crate::Script) or [`ScriptRO`](crate::ScriptRO): EVALSHA, SCRIPT LOAD of its text.
    Script(&'a Source),
    /// A [`Function`](crate::Function) or [`FunctionRO`](crate::FunctionRO): FCALL of `name`,
    /// FUNCTION LOAD of its library (loaded as `library`), whose code and SHA-1 `source` holds.
    Function {
        source: &'a Source,
        name: &'a str,
        library: &'a str,
        /// Declared in `lua_library!` (which checked that the library registers it) in a library
        /// whose name holds its version, so a server that has the library has this very code.
        registered: bool,
    },
}

impl<'a> Callee<'a> {
    /// The script, or the function's library, as errors and traces name it.
    pub(crate) fn source(&self) -> &'a Source {
        match *self {
            Callee::Script(source) | Callee::Function { source, .. } => source,
        }
    }

    /// What a load of it is known by in a batch: scripts by their SHA-1, libraries by theirs.
    pub(crate) fn load_key(&self) -> LoadKey<'a> {
        let source = self.source();
        (matches!(self, Callee::Function { .. }), &source.sha1)
    }

    /// The command that loads it: SCRIPT LOAD or FUNCTION LOAD.
    pub(crate) fn load(&self) -> BatchCommand<'a> {
        match *self {
            Callee::Script(source) => BatchCommand::Load(&source.text),
            Callee::Function { source, .. } => BatchCommand::LoadLibrary(&source.text),
        }
    }

    /// The call: EVALSHA (EVALSHA_RO) or FCALL (FCALL_RO).
    pub(crate) fn command(
        &self,
        read_only: bool,
        keys: Values<'a>,
        args: Values<'a>,
    ) -> Command<'a> {
        let (name, body, sha1) = match *self {
            Callee::Script(source) if read_only => {
                (CommandName::EvalShaRo, &*source.text, &*source.sha1)
            }
            Callee::Script(source) => (CommandName::EvalSha, &*source.text, &*source.sha1),
            Callee::Function { source, name, .. } if read_only => {
                (CommandName::FcallRo, name, &*source.sha1)
            }
            Callee::Function { source, name, .. } => (CommandName::Fcall, name, &*source.sha1),
        };
        Command::new(name, body, sha1, keys, args)
    }

    /// True when `other` calls the same script object, or the same function of the same library.
    fn is(&self, other: &Callee<'_>) -> bool {
        use std::ptr::eq;
        match (*self, *other) {
            (Callee::Script(a), Callee::Script(b)) => eq(a, b),
            (
                Callee::Function {
                    source,
                    name,
                    library,
                    ..
                },
                Callee::Function {
                    source: other_source,
                    name: other_name,
                    library: other_library,
                    ..
                },
            ) => eq(source, other_source) && eq(name, other_name) && eq(library, other_library),
            _ => false,
        }
    }

    /// True when `error` says the server lacks it: NOSCRIPT, or `ERR Function not found`.
    pub(crate) fn is_missing(&self, error: &Error) -> bool {
        match self {
            Callee::Script(_) => error.is_noscript(),
            Callee::Function { .. } => error.is_function_not_found(),
        }
    }

    /// The error of a call answered "Function not found" although its library is there (loaded in
    /// front of it, or already): a function the library registers returned that text itself, from
    /// its data, and may have run (unless another client deleted the library in between: either
    /// way, may have run); any other is missing from its library, and did not run.
    pub(crate) fn not_found_though_loaded(&self, error: Error) -> Error {
        match self {
            Callee::Function {
                registered: true, ..
            } => error.unproven(),
            _ => error,
        }
    }

    /// Why a call found nothing when its load failed with `failed`: the load's error (a script the
    /// server can not compile, NOPERM), for a library as [`Error::Preload`], as for one call.
    pub(crate) fn load_failed(&self, failed: Error) -> Error {
        match *self {
            Callee::Script(source) => failed.for_script(source),
            Callee::Function {
                source, library, ..
            } => crate::PreloadError::library_refused(library, &source.sha1, failed),
        }
    }

    /// The error of a load's `reply`, if it failed: a library that already exists is loaded.
    pub(crate) fn load_error(key: LoadKey<'_>, reply: Result<Reply, Error>) -> Option<Error> {
        match reply {
            Ok(_) => None,
            Err(e) if key.0 && e.is_library_exists() => None,
            Err(e) => Some(e),
        }
    }
}

/// A load in a batch: whether it is a library's, and the SHA-1 of the script or library.
pub(crate) type LoadKey<'a> = (bool, &'a str);

/// A call or a raw command; its values are ranges of the batch's list, its callee a position in the
/// batch's callees (small entries: a batch of 10,000 holds 10,000 of them).
#[derive(Debug)]
pub(crate) enum Entry {
    /// A call of a script or a function.
    Call {
        /// Its position in [`Entries`]' callees.
        callee: usize,
        /// A `ScriptRO` or `FunctionRO`: sent with EVALSHA_RO or FCALL_RO.
        read_only: bool,
        keys: Range<usize>,
        args: Range<usize>,
    },
    /// Any other command, as its words.
    Command { words: Range<usize>, kind: Kind },
}

impl Entry {
    /// True when the entry can not write: a read-only call, or a command the table knows only reads.
    pub(crate) fn is_read_only(&self) -> bool {
        match self {
            Entry::Call { read_only, .. } => *read_only,
            Entry::Command { kind, .. } => kind.read_only,
        }
    }

    /// Why the entry can not be in a batch, if it can not.
    pub(crate) fn refusal(&self) -> Option<Refusal> {
        match self {
            Entry::Call { .. } => None,
            Entry::Command { kind, .. } => kind.refused,
        }
    }

    /// True for `SCRIPT FLUSH`: later calls of scripts need their script loaded again.
    pub(crate) fn flushes_scripts(&self) -> bool {
        matches!(self, Entry::Command { kind, .. } if kind.flushes_scripts)
    }

    /// True for `FUNCTION FLUSH`, `DELETE` and `RESTORE`: later calls of functions need their library
    /// loaded again.
    pub(crate) fn flushes_functions(&self) -> bool {
        matches!(self, Entry::Command { kind, .. } if kind.flushes_functions)
    }
}

/// The entries of one batch and the list their values are encoded in: adding an entry costs no
/// allocation of its own.
#[derive(Debug, Default)]
pub(crate) struct Entries<'a> {
    values: ArgList,
    list: Vec<Entry>,
    /// What the calls call: once for each run of calls of the same script or function.
    callees: Vec<Callee<'a>>,
}

/// How many of the latest callees a new call looks among for its own.
const RECENT_CALLEES: usize = 8;

impl<'a> Entries<'a> {
    /// Adds a call; returns its position.
    #[inline]
    pub(crate) fn push_call(
        &mut self,
        (callee, read_only): (Callee<'a>, bool),
        keys: &(impl Args + ?Sized),
        args: &(impl Args + ?Sized),
    ) -> usize {
        let keys = self.encode(keys);
        let args = self.encode(args);
        // One callee per script among the last few, so that calls alternating between a handful of
        // scripts (check, then update) share them too; a bounded look back keeps adding a call O(1).
        let last = self.callees.len().wrapping_sub(1);
        let callee = match self.callees.last() {
            // A run of calls of one script, the common case: one comparison.
            Some(previous) if previous.is(&callee) => last,
            _ => {
                let recent = self.callees.len().saturating_sub(RECENT_CALLEES);
                match self.callees[recent..].iter().rposition(|c| c.is(&callee)) {
                    Some(at) => recent + at,
                    None => {
                        self.callees.push(callee);
                        self.callees.len() - 1
                    }
                }
            }
        };
        self.list.push(Entry::Call {
            callee,
            read_only,
            keys,
            args,
        });
        self.list.len() - 1
    }

    /// Adds a command, classified once here; returns its position.
    pub(crate) fn push_command(&mut self, words: &(impl Args + ?Sized)) -> usize {
        let words = self.encode(words);
        let kind = commands::classify(self.values.values_in(words.clone()));
        self.list.push(Entry::Command { words, kind });
        self.list.len() - 1
    }

    #[inline]
    fn encode(&mut self, values: &(impl Args + ?Sized)) -> Range<usize> {
        let start = self.values.len();
        values.write_args(&mut self.values);
        start..self.values.len()
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The entries, in order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Entry> {
        self.list.iter()
    }

    /// The entry at `position`.
    pub(crate) fn get(&self, position: usize) -> Option<&Entry> {
        self.list.get(position)
    }

    /// What the entry at `position` calls; `None` for a command.
    pub(crate) fn callee(&self, position: usize) -> Option<Callee<'a>> {
        self.callee_of(self.list.get(position)?)
    }

    /// The callee at `at` among those the calls call.
    pub(crate) fn callee_at(&self, at: usize) -> Option<Callee<'a>> {
        self.callees.get(at).copied()
    }

    /// What `entry` (one of these) calls; `None` for a command.
    pub(crate) fn callee_of(&self, entry: &Entry) -> Option<Callee<'a>> {
        match entry {
            Entry::Call { callee, .. } => self.callees.get(*callee).copied(),
            Entry::Command { .. } => None,
        }
    }

    /// The script (or function's library) the entry at `position` calls; `None` for a command.
    pub(crate) fn source(&self, position: usize) -> Option<&'a Source> {
        self.callee(position).map(|callee| callee.source())
    }

    /// The values in `range` (keys, arguments or words of an entry).
    pub(crate) fn values(&self, range: &Range<usize>) -> Values<'_> {
        self.values.values_in(range.clone())
    }

    /// What the entry at `position` sends that an error text must not show: a call's keys and
    /// arguments, a command's words after its name.
    pub(crate) fn sent_values(&self, position: usize) -> impl Iterator<Item = &[u8]> {
        let (first, second, skip) = match self.list.get(position) {
            Some(Entry::Call { keys, args, .. }) => (keys.clone(), args.clone(), 0),
            Some(Entry::Command { words, .. }) => (words.clone(), 0..0, 1),
            None => (0..0, 0..0, 0),
        };
        self.values(&first)
            .iter()
            .skip(skip)
            .chain(self.values(&second).iter())
    }

    /// The keys, arguments and command words of all entries together, in bytes.
    pub(crate) fn byte_len(&self) -> usize {
        self.values.byte_len()
    }
}

/// What a cluster routes each entry by.
impl KeysOfEntries for Entries<'_> {
    fn len(&self) -> usize {
        self.list.len()
    }

    fn keys_at(&self, position: usize) -> EntryKeys<'_> {
        match self.list.get(position) {
            Some(Entry::Call { keys, .. }) => EntryKeys::Script(self.values(keys)),
            Some(Entry::Command { words, .. }) => EntryKeys::Command(self.values(words)),
            None => EntryKeys::Command(self.values(&(0..0))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::label::Shared;
    use crate::script::Source;

    fn source(sha1: &'static str) -> Source {
        Source {
            text: Shared::Static("return 1"),
            sha1: Shared::Static(sha1),
            name: None,
            function: false,
            arity: crate::script::Arity::NONE,
        }
    }

    #[test]
    fn an_entry_is_small_and_calls_alternating_between_scripts_share_their_callees() {
        // What a batch of 10,000 holds per entry, besides its values.
        assert!(
            std::mem::size_of::<Entry>() <= 56,
            "{}",
            std::mem::size_of::<Entry>()
        );
        let (check, update) = (source("a"), source("b"));
        let mut entries = Entries::default();
        for _ in 0..100 {
            entries.push_call((Callee::Script(&check), false), &["k"], &());
            entries.push_call((Callee::Script(&update), false), &["k"], &());
        }
        assert_eq!(entries.callees.len(), 2);
        assert_eq!(
            entries
                .callee_of(&entries.list[198])
                .unwrap()
                .source()
                .sha1
                .to_string(),
            "a"
        );
        assert_eq!(
            entries
                .callee_of(&entries.list[199])
                .unwrap()
                .source()
                .sha1
                .to_string(),
            "b"
        );
        // Beyond the look back, a script gets a callee of its own again: still right, only larger.
        let many: Vec<Source> = ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
            .into_iter()
            .map(source)
            .collect();
        let mut entries = Entries::default();
        for round in 0..2 {
            for s in &many {
                entries.push_call((Callee::Script(s), false), &["k"], &());
            }
            assert_eq!(entries.callees.len(), 9 * (round + 1));
        }
        for (i, entry) in entries.list.iter().enumerate() {
            let sha1 = entries.callee_of(entry).unwrap().source().sha1.to_string();
            assert_eq!(sha1, many[i % 9].sha1.to_string());
        }
    }
}
