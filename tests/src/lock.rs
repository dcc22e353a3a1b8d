//! [`ProcessLock`]: mutual exclusion between test processes (`cargo nextest` runs every test in its own
//! process) and threads, for work on a shared folder such as `npm ci` or a probe crate build.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Held while it lives; the operating system releases it when the value is dropped or the process ends,
/// crash included, so a lock file left behind never blocks anyone. Implemented as an exclusive lock
/// (`File::try_lock`, flock/LockFileEx) on a file in the temporary directory, named after the lock.
///
/// ```no_run
/// let _lock = redis_script_tests::ProcessLock::acquire("/path/of/the/shared/folder");
/// // ... work on the folder ...
/// ```
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
}

/// How long [`ProcessLock::acquire`] waits for another holder.
const WAIT: Duration = Duration::from_secs(600);

impl ProcessLock {
    /// Waits until nobody else holds the lock called `name` (any text, e.g. the folder it guards), then
    /// takes it. Panics after 10 minutes of waiting.
    pub fn acquire(name: &str) -> ProcessLock {
        let path: PathBuf = std::env::temp_dir().join(format!(
            "redis-script-tests-{:016x}.lock",
            fnv1a(name.as_bytes())
        ));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("can not open lock file {}: {e}", path.display()));
        let deadline = Instant::now() + WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return ProcessLock { _file: file },
                Err(TryLockError::WouldBlock) => {
                    assert!(
                        Instant::now() < deadline,
                        "lock {name:?} still held by another test after {WAIT:?}"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::Error(e)) => panic!("can not take lock {name:?}: {e}"),
            }
        }
    }
}

/// A hash that is the same in every process and build (unlike `DefaultHasher`'s unspecified one).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::ProcessLock;

    #[test]
    fn a_second_holder_waits_until_the_first_lets_go() {
        let name = format!("lock-test-{}", std::process::id());
        let first = ProcessLock::acquire(&name);
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn({
            let name = name.clone();
            move || {
                let _second = ProcessLock::acquire(&name);
                tx.send(()).unwrap();
            }
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "taken twice"
        );
        drop(first);
        rx.recv_timeout(Duration::from_secs(5))
            .expect("released on drop");
        waiter.join().unwrap();
    }
}
