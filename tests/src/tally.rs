//! What each call or batch entry claimed about itself, against what the server ran: the counts the
//! fault sweeps and the soak report (doubled, lost, false "not run", ambiguous), of which the first
//! three must be 0.

use std::fmt;

use redis_script::{BatchErrorKind, Error};

/// What a call or entry said happened to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// It answered: it ran.
    Ran,
    /// It failed, and says it may have run.
    MayHaveRun,
    /// It failed, and says it did not run.
    NotRun,
}

impl Claim {
    /// The claim of a call's result.
    pub fn of<T>(result: &Result<T, Error>) -> Claim {
        match result {
            Ok(_) => Claim::Ran,
            Err(e) if e.may_have_run() => Claim::MayHaveRun,
            Err(_) => Claim::NotRun,
        }
    }

    /// The claims of the `n` entries of a batch whose run ended with `outcome`: each entry's own, or,
    /// when the batch failed as a whole, the batch's error for all of them (a transaction that ran
    /// without MULTI: each entry's own result).
    pub fn of_batch(outcome: &Result<Vec<Result<(), Error>>, Error>, n: usize) -> Vec<Claim> {
        match outcome {
            Ok(entries) => entries.iter().map(Claim::of).collect(),
            Err(Error::Batch(b)) if b.kind() == BatchErrorKind::NotAtomic => {
                b.results().iter().map(Claim::of).collect()
            }
            Err(e) => vec![Claim::of::<()>(&Err(e.clone())); n],
        }
    }
}

/// Calls (or entries) counted by what they claimed and how often the server ran them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls counted.
    pub calls: u64,
    /// Ran once and said so.
    pub ran: u64,
    /// Ran more than once.
    pub doubled: u64,
    /// Said they ran (answered), but the server has no trace of them.
    pub lost: u64,
    /// Said they did not run, but ran.
    pub false_not_run: u64,
    /// Said they may have run (whether they did or not).
    pub ambiguous: u64,
    /// Said they did not run, and did not.
    pub not_run: u64,
}

impl Tally {
    /// Counts one call that claimed `claim` and ran `times` times.
    pub fn add(&mut self, claim: Claim, times: usize) {
        self.calls += 1;
        if times > 1 {
            self.doubled += 1;
        }
        match claim {
            Claim::Ran if times == 0 => self.lost += 1,
            Claim::Ran => self.ran += 1,
            Claim::MayHaveRun => self.ambiguous += 1,
            Claim::NotRun if times > 0 => self.false_not_run += 1,
            Claim::NotRun => self.not_run += 1,
        }
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: Tally) {
        self.calls += other.calls;
        self.ran += other.ran;
        self.doubled += other.doubled;
        self.lost += other.lost;
        self.false_not_run += other.false_not_run;
        self.ambiguous += other.ambiguous;
        self.not_run += other.not_run;
    }

    /// Prints the counts under `what` and fails the test unless none was doubled, lost or falsely
    /// said not to have run.
    pub fn assert_exactly_once(&self, what: &str) {
        eprintln!("{what}: {self}");
        assert_eq!(
            (self.doubled, self.lost, self.false_not_run),
            (0, 0, 0),
            "{what}: {self}"
        );
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} calls: {} ran, {} not run (and said so), {} doubled, {} lost, {} false \"not run\", \
             {} ambiguous (\"may have run\")",
            self.calls,
            self.ran,
            self.not_run,
            self.doubled,
            self.lost,
            self.false_not_run,
            self.ambiguous
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lie_is_counted_apart() {
        let mut tally = Tally::default();
        tally.add(Claim::Ran, 1);
        tally.add(Claim::Ran, 2);
        tally.add(Claim::Ran, 0);
        tally.add(Claim::NotRun, 1);
        tally.add(Claim::NotRun, 0);
        tally.add(Claim::MayHaveRun, 0);
        tally.add(Claim::MayHaveRun, 1);
        assert_eq!(
            tally,
            Tally {
                calls: 7,
                ran: 2,
                doubled: 1,
                lost: 1,
                false_not_run: 1,
                ambiguous: 2,
                not_run: 1,
            }
        );
    }
}
