//! [`BatchError`]: a batch refused before it was sent, a transaction refused as a whole, or an entry that
//! did not run.

use std::fmt;

use super::Error;
use crate::Reply;

/// Why a batch, or one entry of it, did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchErrorKind {
    /// The batch has more entries, or more bytes, than its [`Limits`](crate::Limits): nothing was sent.
    TooLarge,
    /// An entry can not be part of a batch (an empty command, or one that would change the state of the
    /// connection, such as SELECT, MULTI, WATCH or SUBSCRIBE): nothing was sent.
    NotAllowed,
    /// An entry passes fewer keys or arguments than its script reads on every run (the
    /// [`ArityError`](super::ArityError) is the error's [`source`](std::error::Error::source)):
    /// nothing of the batch was sent.
    Arity,
    /// The keys of a cluster transaction are not all in one hash slot, or those of one entry are not:
    /// nothing was sent.
    CrossSlot,
    /// The server refused the transaction as a whole (EXECABORT): nothing of it ran.
    Aborted,
    /// This entry did not run, although others of its batch did; see [`BatchError::entries`].
    NotRun,
    /// A [`Queued`](crate::Queued) handle was given to the [`Replies`](crate::Replies) of another batch.
    ForeignEntry,
    /// The server refused MULTI itself (an ACL user without `multi`, a `rename-command MULTI ""`, a
    /// proxy without transactions), so the commands of the transaction ran one by one, not
    /// atomically: [`Error::may_have_run`] is true, and [`BatchError::results`] has each entry's own
    /// result.
    NotAtomic,
}

/// A batch refused before it was sent, a transaction the server refused as a whole, an entry that
/// did not run, or a transaction that ran without MULTI. Whatever it names did not run
/// ([`Error::may_have_run`] is false), except for [`BatchErrorKind::NotAtomic`]: those entries ran,
/// one by one.
///
/// Entries are named by their position in the batch, counted from 0 in the order they were added
/// ([`Queued::index`](crate::Queued::index)), never by their keys or arguments.
#[derive(Clone, Debug)]
pub struct BatchError {
    kind: BatchErrorKind,
    message: String,
    entries: Vec<usize>,
    source: Option<Box<Error>>,
    /// For [`BatchErrorKind::Aborted`]: the commands refused while queued, with the server's errors.
    refused: Vec<(usize, Error)>,
    /// For a command a transport can not send ([`BatchError::unsendable`]): why.
    unsendable: Option<String>,
    /// For [`BatchErrorKind::NotAtomic`]: the result of each command (from a transport) or entry.
    results: Vec<Result<Reply, Error>>,
    /// The script of the entry it is about, for an entry's own error.
    pub(crate) script: crate::label::Label,
}

impl BatchError {
    pub(crate) fn new(
        kind: BatchErrorKind,
        message: impl Into<String>,
        entries: Vec<usize>,
    ) -> Self {
        BatchError {
            kind,
            message: message.into(),
            entries,
            source: None,
            refused: Vec::new(),
            unsendable: None,
            results: Vec::new(),
            script: None,
        }
    }

    /// A command of the [`Batch`](crate::Batch) sent (by its position there) that the transport can not
    /// carry, and why (never with its keys or arguments): the batch is refused and nothing is sent.
    pub fn unsendable(command: usize, why: impl Into<String>) -> Self {
        let mut error = BatchError::new(BatchErrorKind::NotAllowed, String::new(), vec![command]);
        error.unsendable = Some(why.into());
        error.message = error.unsendable_message();
        error
    }

    fn unsendable_message(&self) -> String {
        format!(
            "{} can not be sent: {}; nothing was sent",
            positions(&self.entries),
            self.unsendable.as_deref().unwrap_or_default()
        )
    }

    /// A transaction the server refused as a whole (`exec`, its EXECABORT reply), because of the commands
    /// it refused while queuing them: `refused` holds their positions in the [`Batch`](crate::Batch) sent
    /// and the server's errors (empty when the transport can not tell). Nothing of the transaction ran.
    pub fn aborted(exec: Error, refused: Vec<(usize, Error)>) -> Self {
        let entries = refused.iter().map(|(position, _)| *position).collect();
        let mut error = BatchError::new(BatchErrorKind::Aborted, String::new(), entries);
        error.refused = refused;
        error.source = Some(Box::new(exec));
        error.message = error.aborted_message();
        error
    }

    fn aborted_message(&self) -> String {
        let mut message =
            "the server refused the transaction as a whole, so nothing of it ran".to_owned();
        if self.refused.is_empty()
            && let Some(exec) = &self.source
        {
            message.push_str(&format!(": {exec}"));
        }
        for (position, error) in &self.refused {
            message.push_str(&format!("; entry {position}: {error}"));
        }
        message
    }

    /// A transaction whose MULTI the server refused (`multi`, its error): the commands ran one by one,
    /// and `results` holds the reply of each command of the [`Batch`](crate::Batch) sent, in order.
    pub fn not_atomic(multi: Error, results: Vec<Result<Reply, Error>>) -> Self {
        let mut error = BatchError::new(BatchErrorKind::NotAtomic, String::new(), Vec::new());
        error.message = format!(
            "the server refused MULTI ({multi}), so the commands of the transaction ran one by one, \
             not atomically: each entry may have run, and its own result is in BatchError::results"
        );
        error.source = Some(Box::new(multi));
        error.results = results;
        error
    }

    /// The same error with `results` by entry (in the order entries were added) instead of by command
    /// sent, for [`BatchErrorKind::NotAtomic`].
    pub(crate) fn with_entry_results(
        mut self: Box<Self>,
        results: Vec<Result<Reply, Error>>,
    ) -> Box<Self> {
        self.entries = (0..results.len()).collect();
        self.results = results;
        self
    }

    /// Takes the results out (the commands' results of a [`BatchErrorKind::NotAtomic`] error).
    pub(crate) fn take_results(&mut self) -> Vec<Result<Reply, Error>> {
        std::mem::take(&mut self.results)
    }

    /// For [`BatchErrorKind::NotAtomic`]: each entry's own result, in the order entries were added
    /// (decode one with [`from_reply`](crate::from_reply)); empty for every other kind.
    pub fn results(&self) -> &[Result<Reply, Error>] {
        &self.results
    }

    /// Whether what this error names may have run: only for [`BatchErrorKind::NotAtomic`].
    pub fn may_have_run(&self) -> bool {
        self.kind == BatchErrorKind::NotAtomic
    }

    /// Names entries by `entry_of(position)` instead (commands sent -> entries of the batch), for a
    /// transaction refused as a whole.
    pub(crate) fn map_entries(
        mut self: Box<Self>,
        entry_of: impl Fn(usize) -> Option<usize>,
    ) -> Box<Self> {
        if self.unsendable.is_some() {
            for position in &mut self.entries {
                *position = entry_of(*position).unwrap_or(*position);
            }
            self.message = self.unsendable_message();
            return self;
        }
        if self.kind != BatchErrorKind::Aborted {
            return self;
        }
        for (position, _) in &mut self.refused {
            *position = entry_of(*position).unwrap_or(*position);
        }
        self.refused.dedup_by_key(|(position, _)| *position);
        self.entries = self.refused.iter().map(|(position, _)| *position).collect();
        self.message = self.aborted_message();
        self
    }

    /// Takes the values each refused entry sent (`values(position)`) out of the server's error for it,
    /// for a transaction refused as a whole.
    pub(crate) fn redact_refused<'v>(
        mut self: Box<Self>,
        values: impl Fn(usize) -> Vec<&'v [u8]>,
    ) -> Box<Self> {
        if self.kind != BatchErrorKind::Aborted || self.refused.is_empty() {
            return self;
        }
        self.refused = std::mem::take(&mut self.refused)
            .into_iter()
            .map(|(position, error)| (position, error.redacted(values(position))))
            .collect();
        self.message = self.aborted_message();
        self
    }

    /// For a transaction refused as a whole: the entries the server refused while queuing them, and its
    /// error for each.
    pub fn refused(&self) -> &[(usize, Error)] {
        &self.refused
    }

    /// The error of the server that caused this one (the EXECABORT reply, the NOSCRIPT of an entry).
    pub(crate) fn caused_by(mut self, source: Error) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> BatchErrorKind {
        self.kind
    }

    /// The positions of the entries concerned, from 0, in the order they were added.
    pub fn entries(&self) -> &[usize] {
        &self.entries
    }

    /// The message, without the source.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's error behind this one, if any.
    pub fn server_error(&self) -> Option<&Error> {
        self.source.as_deref()
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        crate::label::about(f, &self.script)
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `entry 3` or `entries 0, 2 and 5`, for messages.
pub(crate) fn positions(entries: &[usize]) -> String {
    match entries {
        [] => "no entry".to_owned(),
        [one] => format!("entry {one}"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(usize::to_string).collect();
            format!("entries {} and {last}", rest.join(", "))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_as_a_list() {
        assert_eq!(positions(&[]), "no entry");
        assert_eq!(positions(&[3]), "entry 3");
        assert_eq!(positions(&[0, 2]), "entries 0 and 2");
        assert_eq!(positions(&[0, 2, 5]), "entries 0, 2 and 5");
    }
}
