//! Auto-pipelining: script commands issued while a request is on its way (or at the same moment) travel
//! together in the next request, `/pipeline` for several and the base URL for one.
//!
//! A command that finds no request on its way waits one turn of the scheduler, so that commands issued
//! at the same time join it; if none did, it goes alone, from its caller's own task (no hop to another
//! task, which is what a lone caller pays for most). Otherwise a task takes every waiting command, sends
//! them in requests of at most [`AutoPipeline::max_entries`] commands and [`AutoPipeline::max_bytes`]
//! bytes, all at once, hands each its own reply, and goes on while commands are waiting: a command
//! issued while the task's requests are on their way waits for them and goes in the next. Nothing ever
//! waits for a command sent from its caller's task (that caller may stop polling it): commands issued
//! while one is on its way go to the task at once. Each command keeps its
//! own semantics: its own reply (NOSCRIPT included, so `exec` falls back with an EVAL of its own, in a
//! later request), read-your-writes (a request carries the sync token of every answer before it), and
//! retries. Read-only commands (EVALSHA_RO, EVAL_RO) travel in requests of their own, apart from those
//! that may write, as the official SDK (1.38+) does: a read-only request that failed after it may have
//! reached the server is sent again whole, and a failed write request is an error with
//! `may_have_run` for each of its commands. A burst that mixes both takes at most one request more.
//!
//! A command whose caller gave up on it (its future dropped: a timeout, a `select!`) while it waited
//! in the queue is never sent: the task skips it. One that already left in a request goes on; the
//! server may run it. The queue is bounded ([`AutoPipeline::QUEUED_REQUESTS`] requests' worth of
//! commands and bytes): a command that finds it full waits for room, holding nothing, so dropping it
//! then sends nothing either.
//!
//! The task runs on the Tokio runtime of the command that started it, so a client shared by several
//! runtimes needs each of them to keep running while calls are on their way: a runtime driven only
//! by `block_on` now and then would leave the task, and the calls it carries, waiting until the next
//! `block_on` (`BlockingUpstash` calls never use the queue for this reason). Turn auto-pipelining
//! off for such a client.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot};

use super::http::{Idempotence, Inner, Route, Secrets};
use super::request;
use crate::{Error, Reply, TransportError, TransportErrorKind};

/// How commands issued together are gathered into shared requests
/// ([`UpstashBuilder::auto_pipeline`](super::UpstashBuilder::auto_pipeline)); on by default with
/// [`AutoPipeline::DEFAULT`].
///
/// A burst of `n` commands issued at the same moment takes `ceil(n / max_entries)` requests (more when
/// `max_bytes` is reached first), sent at once, its read-only commands (`ScriptRO`) apart from the
/// others: `ceil(reads / max_entries) + ceil(writes / max_entries)`. (On a multi-threaded runtime the
/// task that sends may start on another thread while a burst is still being issued there, from
/// several tasks or from `block_on`: what was issued by then leaves first, the rest in the next
/// requests.) A command issued while such requests are on their way waits for them and goes
/// with the others that did. A command alone (none on its way, none issued with it) is sent from its
/// caller's task; nothing waits for it.
///
/// At most [`QUEUED_REQUESTS`](Self::QUEUED_REQUESTS) requests' worth of commands wait at a time
/// (`16 * max_entries` commands and `16 * max_bytes` bytes); a command that finds the queue full waits
/// for room before it joins (holding none meanwhile, and not necessarily served in the order it came). A command whose future is dropped while it waits, for room or in the
/// queue, is never sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AutoPipeline {
    /// The most commands in one request (at least 1).
    pub max_entries: usize,
    /// The most bytes of request body in one request; a single command larger than this goes alone.
    pub max_bytes: usize,
}

impl AutoPipeline {
    /// 1,000 commands and 1 MB per request (Upstash refuses larger requests on its smaller plans).
    pub const DEFAULT: AutoPipeline = AutoPipeline::new(1000, 1_000_000);

    /// How many requests' worth of commands (and bytes) may wait in the queue.
    pub const QUEUED_REQUESTS: usize = 16;

    /// At most `max_entries` commands and `max_bytes` bytes per request.
    pub const fn new(max_entries: usize, max_bytes: usize) -> Self {
        AutoPipeline {
            max_entries,
            max_bytes,
        }
    }
}

impl Default for AutoPipeline {
    fn default() -> Self {
        AutoPipeline::DEFAULT
    }
}

/// The most byte permits of the queue (a semaphore takes at most `u32::MAX` at once).
const BYTE_PERMITS: usize = u32::MAX as usize;

/// The commands waiting for the next shared request. `Debug` shows the limits and how many wait, never
/// a command.
pub(crate) struct Queue {
    config: AutoPipeline,
    state: Mutex<State>,
    /// Room for commands, and for their bytes: taken before a command joins, given back when it leaves.
    room: Arc<Semaphore>,
    room_bytes: Arc<Semaphore>,
    /// Woken whenever room is given back.
    freed: Arc<Notify>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Waiting>,
    /// A task is sending; it takes whatever waits.
    driving: bool,
    /// A command that found the queue idle is waiting its turn to see whether others join it, or is
    /// on its way alone, sent by its caller's task. Nothing waits for it: commands issued meanwhile
    /// go to the task.
    lone: bool,
}

struct Waiting {
    body: Bytes,
    idempotence: Idempotence,
    reply: oneshot::Sender<Result<Reply, Error>>,
    /// Its room in the queue, given back when it leaves; none in a lone command's first turn.
    _room: Option<Room>,
}

/// A command's room in the queue: given back, and the commands waiting for room woken, on drop.
struct Room {
    permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
    freed: Arc<Notify>,
}

impl Drop for Room {
    fn drop(&mut self) {
        // The permits go back before the waiters look.
        drop(self.permits.take());
        self.freed.notify_waiters();
    }
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("config", &self.config)
            .field("waiting", &self.state().waiting.len())
            .finish()
    }
}

impl Queue {
    pub(crate) fn new(config: AutoPipeline) -> Self {
        let room = config
            .max_entries
            .max(1)
            .saturating_mul(AutoPipeline::QUEUED_REQUESTS);
        let room_bytes = config
            .max_bytes
            .saturating_mul(AutoPipeline::QUEUED_REQUESTS);
        Queue {
            config,
            state: Mutex::new(State::default()),
            room: Arc::new(Semaphore::new(room.min(Semaphore::MAX_PERMITS))),
            room_bytes: Arc::new(Semaphore::new(room_bytes.clamp(1, BYTE_PERMITS))),
            freed: Arc::new(Notify::new()),
        }
    }

    /// Waits until the queue has room for a command of `bytes` bytes (one larger than the whole byte
    /// room waits for all of it), and takes it.
    ///
    /// Room is only ever taken by a future being polled: a waiting command tries again each time room
    /// is given back, rather than queuing on the semaphores, which hand permits to a waiter whether or
    /// not its caller still polls it, and would let one caller that left its call hold up all others.
    /// Waiting for room is therefore not first come, first served.
    async fn room_for(&self, bytes: usize) -> Room {
        let total = u32::try_from(self.room_bytes_total()).unwrap_or(u32::MAX);
        let needed = u32::try_from(bytes.max(1)).unwrap_or(u32::MAX).min(total);
        loop {
            // Registered before trying, so that room given back in between wakes this one.
            let mut freed = std::pin::pin!(self.freed.notified());
            freed.as_mut().enable();
            // Taking room this way spends none of the task's Tokio budget either: a burst issued from
            // one task is not cut in two where its budget runs out.
            if let Ok(one) = Arc::clone(&self.room).try_acquire_owned()
                && let Ok(bytes) = Arc::clone(&self.room_bytes).try_acquire_many_owned(needed)
            {
                return Room {
                    permits: Some((one, bytes)),
                    freed: Arc::clone(&self.freed),
                };
            }
            freed.await;
        }
    }

    fn room_bytes_total(&self) -> usize {
        self.config
            .max_bytes
            .saturating_mul(AutoPipeline::QUEUED_REQUESTS)
            .clamp(1, BYTE_PERMITS)
    }

    pub(crate) fn config(&self) -> AutoPipeline {
        self.config
    }

    fn state(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Takes every waiting command whose caller still waits for it, in order, in requests within the
    /// limits, read-only commands in requests of their own; none when nothing waits, and then the
    /// task stops driving.
    fn take(&self) -> Vec<Vec<Waiting>> {
        let mut state = self.state();
        // A command whose caller dropped its future while it waited is not sent.
        state.waiting.retain(|w| !w.reply.is_closed());
        if state.waiting.is_empty() {
            state.driving = false;
            return Vec::new();
        }
        let (max_entries, max_bytes) = (self.config.max_entries.max(1), self.config.max_bytes);
        let mut requests: Vec<Vec<Waiting>> = Vec::new();
        // Per kind (may write, read-only): the request being filled and its bytes.
        let mut filling: [Option<(usize, usize)>; 2] = [None, None];
        for waiting in state.waiting.drain(..) {
            let size = waiting.body.len() + 1;
            let kind = usize::from(waiting.idempotence == Idempotence::ReadOnly);
            let at = match filling[kind] {
                Some((at, bytes))
                    if requests[at].len() < max_entries && bytes + size <= max_bytes =>
                {
                    filling[kind] = Some((at, bytes + size));
                    at
                }
                _ => {
                    requests.push(Vec::new());
                    filling[kind] = Some((requests.len() - 1, size));
                    requests.len() - 1
                }
            };
            requests[at].push(waiting);
        }
        requests
    }
}

/// Queues a command for the next shared request (once the queue has room for it), and starts the
/// task that sends it when none runs. Gives the body back when the client does not auto-pipeline, or
/// no Tokio runtime runs here.
///
/// Dropping the future before its command left in a request (while it waits for room, or in the
/// queue) sends nothing.
pub(crate) fn submit(
    inner: &Arc<Inner>,
    body: Vec<u8>,
    idempotence: Idempotence,
) -> Result<impl Future<Output = Result<Reply, Error>> + Send + use<>, Vec<u8>> {
    if inner.auto_pipeline().is_none() {
        return Err(body);
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(body);
    };
    let inner = Arc::clone(inner);
    Ok(async move {
        let Some(queue) = inner.auto_pipeline() else {
            return Err(never_sent());
        };
        // Declared before the reply's channel, so that when the future is dropped the receiver goes
        // first and the guard sees the command given up.
        let mut lone = None;
        let (reply, answer) = oneshot::channel();
        let bytes = body.len();
        let waiting = Waiting {
            body: Bytes::from(body),
            idempotence,
            reply,
            _room: None,
        };
        // A command that finds the queue idle joins it at once, taking no room: nothing ever waits
        // for room on account of a command whose caller may not poll it again.
        let lead = {
            let mut state = queue.state();
            let alone = !state.driving && !state.lone && state.waiting.is_empty();
            if alone {
                state.lone = true;
                lone = Some(Lone { queue });
                state.waiting.push_back(waiting);
                None
            } else {
                Some(waiting)
            }
        };
        if let Some(mut waiting) = lead {
            waiting._room = Some(queue.room_for(bytes).await);
            let start = {
                let mut state = queue.state();
                state.waiting.push_back(waiting);
                // Any command but a lone one's first turn starts the task when none runs: no command
                // waits for another caller's future to be polled.
                !std::mem::replace(&mut state.driving, true)
            };
            if start {
                spawn_driver(&runtime, &inner);
            }
        }
        if lone.is_some() {
            // Commands issued in the same turn join it in the queue meanwhile (the first of them
            // starts the task, which takes this one first). If none did, it takes itself back and
            // goes alone, from this task.
            tokio::task::yield_now().await;
            let own = {
                let mut state = queue.state();
                // Only a lone command's first turn leaves the task unstarted: alone in the queue
                // without a task, the command is this one.
                match !state.driving && state.waiting.len() == 1 {
                    true => state.waiting.pop_front(),
                    false => None,
                }
            };
            if let Some(own) = own {
                let Waiting {
                    body,
                    idempotence,
                    reply,
                    _room,
                } = own;
                drop((reply, _room));
                let secrets = Secrets::Bodies(std::slice::from_ref(&body));
                let reply = request::single(&inner, body.clone(), idempotence, secrets).await;
                drop(lone);
                return reply;
            }
            drop(lone.take());
        }
        answer.await.unwrap_or_else(|_| Err(abandoned()))
    })
}

/// A command on its way alone, or in its first turn, waiting to see whether others join it. When it
/// is done, or its caller gives up on it, a command that finds the queue idle may go alone again; a
/// command given up in its first turn leaves the queue.
struct Lone<'a> {
    queue: &'a Queue,
}

impl Drop for Lone<'_> {
    fn drop(&mut self) {
        let mut state = self.queue.state();
        state.lone = false;
        if !state.driving {
            state.waiting.retain(|w| !w.reply.is_closed());
        }
    }
}

/// Starts the task that sends what waits.
fn spawn_driver(runtime: &tokio::runtime::Handle, inner: &Arc<Inner>) {
    // The guard goes into the task before it is first polled, so that a task dropped unpolled (its
    // runtime shutting down) still hands the queue back.
    let driving = Driving {
        inner: Arc::clone(inner),
        done: false,
    };
    runtime.spawn(drive(driving));
}

/// Sends what waits, request after request, until nothing does.
async fn drive(mut driving: Driving) {
    let inner = Arc::clone(&driving.inner);
    let Some(queue) = inner.auto_pipeline() else {
        driving.done = true;
        return;
    };
    loop {
        // Commands issued in the same turn as the one that woke this task join it.
        tokio::task::yield_now().await;
        let requests = queue.take();
        if requests.is_empty() {
            driving.done = true;
            return;
        }
        let sends = requests.into_iter().map(|waiting| send(&inner, waiting));
        futures_util::future::join_all(sends).await;
    }
}

/// If the driving task ends early (its runtime shuts down, before or after it started), the next
/// command starts another, and the commands still waiting (never sent) get an error instead of
/// waiting for ever.
struct Driving {
    inner: Arc<Inner>,
    done: bool,
}

impl Drop for Driving {
    fn drop(&mut self) {
        let Some(queue) = self.inner.auto_pipeline().filter(|_| !self.done) else {
            return;
        };
        let waiting: Vec<Waiting> = {
            let mut state = queue.state();
            state.driving = false;
            state.waiting.drain(..).collect()
        };
        for waiting in waiting {
            let _ = waiting.reply.send(Err(never_sent()));
        }
    }
}

/// Sends `waiting` (commands of one kind: read-only, or that may write) as one request and hands each
/// command its reply. A read-only request is retried as a single read-only command is.
async fn send(inner: &Inner, mut waiting: Vec<Waiting>) {
    if let [one] = waiting.as_slice() {
        let secrets = Secrets::Bodies(std::slice::from_ref(&one.body));
        let reply = request::single(inner, one.body.clone(), one.idempotence, secrets).await;
        if let Some(one) = waiting.pop() {
            let _ = one.reply.send(reply);
        }
        return;
    }
    let bodies: Vec<Bytes> = waiting.iter().map(|w| w.body.clone()).collect();
    let read_only = waiting
        .iter()
        .all(|w| w.idempotence == Idempotence::ReadOnly);
    let secrets = Secrets::Bodies(&bodies);
    let body = join(&bodies);
    let replies = request::batch(
        inner,
        Route::Pipeline,
        body,
        bodies.len(),
        Idempotence::of(read_only),
        secrets,
    )
    .await;
    match replies {
        Ok(replies) => {
            for (waiting, reply) in waiting.into_iter().zip(replies) {
                let _ = waiting.reply.send(reply);
            }
        }
        Err(e) => {
            for waiting in waiting {
                let _ = waiting.reply.send(Err(e.clone()));
            }
        }
    }
}

/// `[body,body,..]`.
fn join(bodies: &[Bytes]) -> Bytes {
    let mut out = Vec::with_capacity(2 + bodies.iter().map(|b| b.len() + 1).sum::<usize>());
    out.push(b'[');
    for (i, body) in bodies.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(body);
    }
    out.push(b']');
    Bytes::from(out)
}

/// The task sending shared requests ended before this command was sent.
fn never_sent() -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Connect,
        "the task sending auto-pipelined requests ended before this command was sent (its Tokio \
         runtime shut down)",
        false,
    ))
}

/// The task sending shared requests ended while this command was on its way (its runtime shut down).
fn abandoned() -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Io,
        "the task sending auto-pipelined requests ended before this command was answered",
        true,
    ))
}
