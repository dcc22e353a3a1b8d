//! The runner: splits a batch over the servers it goes to, sends each part in one round trip, runs again
//! what did not run where that keeps the order, and puts the results back in the order entries were
//! added.

use super::ScriptLoading;
use super::entry::Entry;
use super::plan::{self, Outcome, Plan};
use crate::error::BatchError;
use crate::{
    ArgList, Batch, BatchCommand, BatchGroup, EntryKeys, Error, Reply, ScriptError, Transport,
    TransportError, TransportErrorKind,
};

/// Runs `entries` on `conn`: one result per entry, in order.
pub(crate) async fn run<C: Transport + ?Sized>(
    conn: &C,
    entries: &[Entry<'_>],
    atomic: bool,
    loading: ScriptLoading,
) -> Result<Vec<Result<Reply, Error>>, Error> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    plan::check_entries(entries)?;
    let runner = Runner {
        conn,
        entries,
        atomic,
        read_only: entries.iter().all(Entry::is_read_only),
        loading: if atomic {
            ScriptLoading::InBatch
        } else {
            loading
        },
    };
    let keys: Vec<EntryKeys<'_>> = entries.iter().map(Entry::keys).collect();
    let mut results: Vec<Option<Result<Reply, Error>>> = std::iter::repeat_with(|| None)
        .take(entries.len())
        .collect();
    match conn.split_batch(&keys, atomic).await? {
        None => {
            let all: Vec<usize> = (0..entries.len()).collect();
            for (position, outcome) in runner.run(&all, None).await? {
                results[position] = Some(plan::settle(position, outcome));
            }
        }
        Some(groups) => runner.run_groups(&groups, &mut results).await?,
    }
    results
        .into_iter()
        .map(|result| result.ok_or_else(|| unanswered(entries.len())))
        .collect()
}

/// What every part of one batch shares.
struct Runner<'r, 'e, C: ?Sized> {
    conn: &'r C,
    entries: &'r [Entry<'e>],
    atomic: bool,
    read_only: bool,
    loading: ScriptLoading,
}

impl<C: Transport + ?Sized> Runner<'_, '_, C> {
    /// Runs the groups at once (one per cluster node) and stores their results. A group that failed as
    /// a whole fails its entries; when none was answered at all, that is the batch's error.
    async fn run_groups(
        &self,
        groups: &[BatchGroup],
        results: &mut [Option<Result<Reply, Error>>],
    ) -> Result<(), Error> {
        let runs = groups.iter().map(|g| self.run(&g.entries, Some(g)));
        let done = futures_util::future::join_all(runs).await;
        let (mut failure, mut answered) = (None, false);
        for (group, outcome) in groups.iter().zip(done) {
            match outcome {
                Ok(outcomes) => {
                    answered = true;
                    for (position, outcome) in outcomes {
                        results[position] = Some(plan::settle(position, outcome));
                    }
                }
                Err(e) => {
                    for &position in &group.entries {
                        results[position] = Some(Err(e.clone()));
                    }
                    failure.get_or_insert(e);
                }
            }
        }
        match failure {
            Some(e) if !answered => Err(e),
            _ => Ok(()),
        }
    }

    /// Runs the entries at `positions` on one server: the plan in one round trip, then, for a pipeline,
    /// the calls answered NOSCRIPT that can still run in order (or, with [`ScriptLoading::AfterBatch`],
    /// all of them) in a second one.
    async fn run(
        &self,
        positions: &[usize],
        group: Option<&BatchGroup>,
    ) -> Result<Vec<(usize, Outcome)>, Error> {
        let plan = Plan::new(self.entries, positions, self.loading);
        let mut outcomes = self.round(&plan, group).await?;
        if self.atomic {
            // Each script was loaded inside the transaction, in front of its calls, and nothing can run
            // between: a NOSCRIPT there is the script's own reply, and it ran.
            for (position, outcome) in &mut outcomes {
                if let Outcome::Missing(Error::Server(e)) = outcome {
                    let sha1 = self.sha1(*position);
                    *outcome = Outcome::Done(Err(Error::Script(ScriptError::returned_by(sha1, e))));
                }
            }
            return Ok(outcomes);
        }
        let mut again = plan::rerunnable(&outcomes, self.loading);
        if self.loading == ScriptLoading::InBatch && !again.is_empty() {
            again = self.returned_by_scripts(&mut outcomes, again, group).await;
        }
        if again.is_empty() {
            return Ok(outcomes);
        }
        let retry = Plan::new(self.entries, &again, ScriptLoading::InBatch);
        let redone = match self.round(&retry, group).await {
            Ok(redone) => redone,
            Err(e) => again
                .iter()
                .map(|&position| (position, Outcome::Done(Err(e.clone()))))
                .collect(),
        };
        // `again` follows the order of `outcomes`: merge in one pass.
        let mut redone = redone.into_iter().peekable();
        for (position, outcome) in &mut outcomes {
            if redone.peek().is_some_and(|(p, _)| p == position)
                && let Some((_, new)) = redone.next()
            {
                *outcome = new;
            }
        }
        Ok(outcomes)
    }

    /// A call answered NOSCRIPT although its script was loaded in front of it either lost its script to a
    /// flush by someone else, or the script returned that error itself (which reads the same). Asks the
    /// server which scripts are cached now: the calls of those that are ran, and keep their error; the
    /// others are returned, to run again. When the server can not be asked, none runs again.
    async fn returned_by_scripts(
        &self,
        outcomes: &mut [(usize, Outcome)],
        again: Vec<usize>,
        group: Option<&BatchGroup>,
    ) -> Vec<usize> {
        let sha1 = |position: usize| self.sha1(position);
        let mut shas: Vec<&str> = again.iter().map(|&p| sha1(p)).collect();
        shas.sort_unstable();
        shas.dedup();
        let mut words = ArgList::new(&("SCRIPT", "EXISTS"));
        for sha in &shas {
            words.push(*sha);
        }
        let commands = [BatchCommand::Raw(&words)];
        // Asked where the group ran (so, read-only only if the group was: a replica has its own cache).
        let batch = in_group(Batch::new(&commands, false, self.read_only), group);
        let cached: Vec<&str> = match self.conn.send_batch(batch).await {
            Ok(mut replies) => match replies.pop() {
                Some(Ok(Reply::Array(flags))) if flags.len() == shas.len() => shas
                    .iter()
                    .zip(flags)
                    .filter(|(_, flag)| *flag == Reply::Int(1))
                    .map(|(sha, _)| *sha)
                    .collect(),
                _ => return Vec::new(),
            },
            Err(_) => return Vec::new(),
        };
        for (position, outcome) in outcomes.iter_mut() {
            if !cached.contains(&sha1(*position)) {
                continue;
            }
            if let Outcome::Missing(Error::Server(e)) = outcome {
                *outcome = Outcome::Done(Err(Error::Script(ScriptError::returned_by(
                    sha1(*position),
                    e,
                ))));
            }
        }
        again
            .into_iter()
            .filter(|&p| !cached.contains(&sha1(p)))
            .collect()
    }

    /// The SHA-1 of the script an entry calls ("" for a command).
    fn sha1(&self, position: usize) -> &str {
        match self.entries.get(position) {
            Some(Entry::Script { sha1, .. }) => sha1,
            _ => "",
        }
    }

    /// Sends one plan and reads what its replies mean.
    async fn round(
        &self,
        plan: &Plan<'_>,
        group: Option<&BatchGroup>,
    ) -> Result<Vec<(usize, Outcome)>, Error> {
        let batch = in_group(
            Batch::new(plan.commands(), self.atomic, self.read_only),
            group,
        );
        let replies = match self.conn.send_batch(batch).await {
            Ok(replies) => replies,
            Err(Error::Batch(e)) => return Err(e.map_entries(|c| plan.entry_of(c)).into()),
            Err(e) if self.atomic && e.code() == Some("EXECABORT") => {
                return Err(BatchError::aborted(e, Vec::new()).into());
            }
            Err(e) => return Err(e),
        };
        if replies.len() != plan.commands().len() {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Protocol,
                format!(
                    "the server answered {} replies to a batch of {} commands",
                    replies.len(),
                    plan.commands().len()
                ),
                true,
            )));
        }
        Ok(plan.interpret(self.entries, replies))
    }
}

/// `batch`, addressed to `group`'s server when the transport split the batch.
fn in_group<'a>(batch: Batch<'a>, group: Option<&'a BatchGroup>) -> Batch<'a> {
    match group {
        Some(group) => batch.for_group(group),
        None => batch,
    }
}

/// An entry no part of the batch answered: a transport that split the batch left it out.
fn unanswered(len: usize) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Protocol,
        format!("the transport left an entry of a batch of {len} unanswered"),
        true,
    ))
}
