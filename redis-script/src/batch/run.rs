//! The runner: splits a batch over the servers it goes to, sends each part in one round trip, runs again
//! what did not run where that keeps the order, and puts the results back in the order entries were
//! added.

use super::ScriptLoading;
use super::entry::{Callee, Entries, Entry};
use super::plan::{self, Order, Plan, Slots};
use crate::error::{BatchError, BatchErrorKind};
use crate::{
    ArgList, Batch, BatchCommand, BatchGroup, BatchKeys, Error, Reply, ScriptError, Transport,
    TransportError, TransportErrorKind,
};

/// Runs `entries` on `conn`: one result per entry, in order (each `Some`, for the caller to take).
pub(crate) async fn run<C: Transport + ?Sized>(
    conn: &C,
    entries: &Entries<'_>,
    atomic: bool,
    loading: ScriptLoading,
) -> Result<Slots, Error> {
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
    let mut results = match conn.split_batch(BatchKeys::new(entries), atomic).await? {
        None => runner.run(Order::All(entries.len()), None).await?,
        Some(groups) => runner.run_groups(&groups).await?,
    };
    for result in &mut results {
        if result.is_none() {
            *result = Some(Err(unanswered(entries.len())));
        }
    }
    Ok(results)
}

/// What every part of one batch shares.
struct Runner<'r, 'e, C: ?Sized> {
    conn: &'r C,
    entries: &'r Entries<'e>,
    atomic: bool,
    read_only: bool,
    loading: ScriptLoading,
}

impl<C: Transport + ?Sized> Runner<'_, '_, C> {
    /// Runs the groups at once (one per cluster node) and puts their results in the order of the batch.
    /// A group that failed as a whole fails its entries. When none was answered at all and every group
    /// failed alike (all may have run, or none did), the first group's error is the batch's error;
    /// groups that failed differently (one before sending, one after) keep their errors per entry, so
    /// that no entry that may have run is reported as not run.
    async fn run_groups(&self, groups: &[BatchGroup]) -> Result<Slots, Error> {
        let runs = groups
            .iter()
            .map(|g| self.run(Order::List(g.entries.clone()), Some(g)));
        let done = futures_util::future::join_all(runs).await;
        let alike = done
            .iter()
            .filter_map(|outcome| outcome.as_ref().err().map(Error::may_have_run))
            .collect::<Vec<_>>()
            .windows(2)
            .all(|pair| pair[0] == pair[1]);
        let mut results = plan::slots(self.entries.len());
        let (mut failure, mut answered) = (None, !alike);
        for (group, outcome) in groups.iter().zip(done) {
            match outcome {
                Ok(slots) => {
                    answered = true;
                    for (&position, slot) in group.entries.iter().zip(slots) {
                        if let Some(result) = results.get_mut(position) {
                            *result = slot;
                        }
                    }
                }
                Err(e) => {
                    // The part's error (a redirect a script returned, a reply the server echoed
                    // into) stands for each of its entries.
                    let e = self.redacted_for(e, group.entries.iter().copied());
                    for &position in &group.entries {
                        if let Some(result) = results.get_mut(position) {
                            *result = Some(Err(e.clone()));
                        }
                    }
                    failure.get_or_insert(e);
                }
            }
        }
        match failure {
            Some(e) if !answered => Err(e),
            _ => Ok(results),
        }
    }

    /// Runs the entries of `order` on one server: the plan in one round trip, then, for a pipeline,
    /// the calls answered NOSCRIPT that can still run in order (or, with [`ScriptLoading::AfterBatch`],
    /// all of them) in a second one. The results are in the order of `order`.
    async fn run(&self, order: Order, group: Option<&BatchGroup>) -> Result<Slots, Error> {
        let mut plan = Plan::new(self.entries, order, self.loading);
        let (mut slots, missing) = self.round(&mut plan, group).await?;
        if missing.is_empty() {
            return Ok(slots);
        }
        if self.atomic {
            // Each script was loaded inside the transaction, in front of its calls, and nothing can run
            // between: a NOSCRIPT there is the script's own reply, and it ran.
            for &index in &missing {
                self.returned_by_script(&plan, &mut slots, index);
            }
            return Ok(slots);
        }
        let mut again = plan::rerunnable(&slots, &missing, self.loading);
        if !again.is_empty() {
            again = self
                .returned_by_scripts(&plan, &mut slots, again, group)
                .await;
        }
        if !again.is_empty() {
            let positions = again.iter().map(|&index| plan.position(index)).collect();
            let mut retry = Plan::new(self.entries, Order::List(positions), ScriptLoading::InBatch);
            let redone = match self.round(&mut retry, group).await {
                Ok((mut redone, lost)) => {
                    for index in lost {
                        if let Some(Some(Err(e))) = redone.get_mut(index).map(Option::take) {
                            redone[index] = Some(Err(plan::not_run(retry.position(index), e)));
                        }
                    }
                    redone
                }
                Err(e) => {
                    let e = self.redacted_for(e, retry.positions());
                    (0..retry.len()).map(|_| Some(Err(e.clone()))).collect()
                }
            };
            for (index, result) in again.into_iter().zip(redone) {
                slots[index] = result;
            }
        }
        // What still reads NOSCRIPT was left out to keep the order.
        for index in missing {
            if let Some(Some(Err(e))) = slots.get(index)
                && e.is_noscript()
                && let Some(Some(Err(e))) = slots.get_mut(index).map(Option::take)
            {
                slots[index] = Some(Err(plan::not_run(plan.position(index), e)));
            }
        }
        Ok(slots)
    }

    /// A call answered NOSCRIPT either did not find its script (not cached, or flushed by someone else
    /// after the batch loaded it), or the script returned that error itself, which reads the same. Asks
    /// the server which scripts are cached now: the calls of those that are ran, and keep their error
    /// (so none runs twice; a script loaded by someone else in between is taken for the same, on the
    /// safe side); the others are returned, to run again. When the server can not be asked, none runs
    /// again.
    ///
    /// Functions answered "Function not found" are returned as they are, to run again with their
    /// library loaded in front, as one call would.
    async fn returned_by_scripts(
        &self,
        plan: &Plan<'_>,
        slots: &mut Slots,
        again: Vec<usize>,
        group: Option<&BatchGroup>,
    ) -> Vec<usize> {
        let script = |index: usize| match self.entries.callee(plan.position(index)) {
            Some(Callee::Script(source)) => Some(&*source.sha1),
            _ => None,
        };
        let (again, functions): (Vec<usize>, Vec<usize>) = again
            .into_iter()
            .partition(|&index| script(index).is_some());
        if again.is_empty() {
            return functions;
        }
        let sha1 = |index: usize| script(index).unwrap_or_default();
        let mut shas: Vec<&str> = again.iter().map(|&index| sha1(index)).collect();
        shas.sort_unstable();
        shas.dedup();
        let mut words = ArgList::new(&("SCRIPT", "EXISTS"));
        for sha in &shas {
            words.push(*sha);
        }
        let commands = [BatchCommand::Raw(words.values())];
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
                _ => return functions,
            },
            Err(_) => return functions,
        };
        let (returned, mut lost): (Vec<usize>, Vec<usize>) = again
            .into_iter()
            .partition(|&index| cached.contains(&sha1(index)));
        for index in returned {
            self.returned_by_script(plan, slots, index);
        }
        lost.extend(functions);
        lost.sort_unstable();
        lost
    }

    /// The NOSCRIPT in the slot of the plan's `index`-th entry came from the script: it ran.
    fn returned_by_script(&self, plan: &Plan<'_>, slots: &mut Slots, index: usize) {
        let Some(source) = self.entries.source(plan.position(index)) else {
            return;
        };
        if let Some(slot) = slots.get_mut(index)
            && let Some(Err(Error::Server(e))) = slot
        {
            let returned = Error::from(ScriptError::returned_by(&source.sha1, e));
            *slot = Some(Err(returned.for_script(source)));
        }
    }

    /// `e`, an error that stands for every entry at `positions`, without any of their values.
    fn redacted_for(&self, e: Error, positions: impl IntoIterator<Item = usize>) -> Error {
        e.redacted(
            positions
                .into_iter()
                .flat_map(|position| self.entries.sent_values(position)),
        )
    }

    /// Sends one plan and returns its entries' results and the calls answered NOSCRIPT.
    async fn round(
        &self,
        plan: &mut Plan<'_>,
        group: Option<&BatchGroup>,
    ) -> Result<(Slots, Vec<usize>), Error> {
        let read_only = self.read_only && !plan.loads_library();
        let commands = plan.take_commands();
        let batch = in_group(Batch::new(&commands, self.atomic, read_only), group);
        let sent = self.conn.send_batch(batch).await;
        let count = commands.len();
        // Sent: what the commands took is free for the results.
        drop(commands);
        let replies = match sent {
            Ok(replies) if self.atomic => inside_exec(replies),
            Ok(replies) => replies,
            Err(Error::Batch(mut e)) if e.kind() == BatchErrorKind::NotAtomic => {
                // MULTI refused: each command's reply is its result, as in a pipeline.
                let commands = e.take_results();
                let (entries, _) = plan.interpret(self.entries, commands);
                let mut results: Vec<Result<Reply, Error>> = (0..self.entries.len())
                    .map(|_| Err(unanswered(self.entries.len())))
                    .collect();
                for (index, result) in entries.into_iter().enumerate() {
                    if let (Some(slot), Some(result)) =
                        (results.get_mut(plan.position(index)), result)
                    {
                        *slot = result;
                    }
                }
                return Err(Error::Batch(e.with_entry_results(results)));
            }
            Err(Error::Batch(e)) => {
                let e = e
                    .map_entries(|c| plan.entry_of(c))
                    .redact_refused(|position| self.entries.sent_values(position).collect());
                return Err(Error::Batch(e));
            }
            // The batch's own error, for all of its entries.
            Err(e) => {
                let e = self.redacted_for(e, plan.positions());
                if self.atomic && e.code() == Some("EXECABORT") {
                    return Err(BatchError::aborted(e, Vec::new()).into());
                }
                return Err(e);
            }
        };
        if replies.len() != count {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Protocol,
                format!(
                    "the server answered {} replies to a batch of {count} commands",
                    replies.len(),
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

/// An entry no part of the batch contained: a transport that split the batch left it out, so it was
/// not sent.
fn unanswered(len: usize) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Protocol,
        format!("the transport left an entry of a batch of {len} out of every part it sent"),
        false,
    ))
}

/// The results of a transaction's commands, as EXEC returned them. A server redirects, or refuses for
/// the state of the cluster, a transaction as a whole (MULTI's commands as they are queued, or EXEC
/// itself), never one command inside EXEC: an error reply there that reads like one is a script's
/// own, and the script may have run.
fn inside_exec(replies: Vec<Result<Reply, Error>>) -> Vec<Result<Reply, Error>> {
    const WHOLE_TRANSACTION: [&str; 5] = ["MOVED", "ASK", "TRYAGAIN", "CROSSSLOT", "CLUSTERDOWN"];
    replies
        .into_iter()
        .map(|reply| {
            reply.map_err(|e| match e.code() {
                Some(code) if WHOLE_TRANSACTION.contains(&code) => e.unproven(),
                _ => e,
            })
        })
        .collect()
}
