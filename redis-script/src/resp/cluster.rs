//! Redis Cluster: the rules for script commands and batches, over
//! `redis::cluster_async::ClusterConnection`, [`BlockingCluster`](crate::BlockingCluster)'s
//! blocking node connections and the `redis` crate's blocking `redis::cluster::ClusterConnection`.
//!
//! A batch is split by the hash slots of its entries' keys into one part per node, each sent in one
//! round trip, all at once; entries without keys go with the entry before them. A batch whose keys are
//! all in one slot (a transaction always) goes to that slot's node at once. One that spans slots first
//! asks which node serves which slot (`CLUSTER SLOTS`): the `redis` crate keeps its own slot map but
//! does not expose it, and a map kept here could not be told apart from another cluster's in the same
//! process. Each part then goes to its node by address.
//!
//! Redirects are followed here, never by the `redis` crate (a client built with `retries(0)`), and
//! only for what provably did not run. Redis runs a pipeline command by command as it reads it, so a
//! slot can move (or a failover pause writes) between two commands of one part: the first ran on the
//! old node, the second is answered `MOVED`. A redirect therefore proves only that the command it
//! answers did not run. How much of a part can be sent again depends on what the replies show: the
//! `redis` crate's own node connections hand back only the first redirect of a part and drop every
//! other reply, so such a part is sent again only when it holds a single command that could have
//! effects; [`Cluster`](crate::Cluster)'s and [`BlockingCluster`](crate::BlockingCluster)'s
//! connections hand back every reply, and the blocking `ClusterConnection` sends a part command by
//! command, so exactly the commands answered with a redirect are sent again, when nothing behind
//! them ran. `ASK` (a slot being
//! migrated) is followed with `ASKING` in front of each command sent again.
//!
//! A script can return an error reply byte for byte the same as a redirect, after it ran. So a
//! redirect is followed only when the node that answered it bears it out in its own `CLUSTER NODES`
//! ([`cluster_nodes`](super::cluster_nodes)); otherwise it is the script's own error, with
//! `may_have_run()` true, and nothing is sent again nor sent to the address it names.
//!
//! These rules are written once, over [`NodeIo`]: the few ways they reach the nodes. A
//! `ClusterConnection` does that I/O asynchronously; [`BlockingCluster`](crate::BlockingCluster) on
//! blocking node connections of its own, and the blocking `ClusterConnection` one command at a
//! time, their futures ready when made.

use std::collections::HashMap;

use redis::aio::ConnectionLike;
use redis::cluster_async::{ClusterConnection, Connect};
use redis::cluster_routing::{
    MultipleNodeRoutingInfo, ResponsePolicy, Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr,
};
use redis::{RedisResult, Value};

use super::cluster_client::{unshelter, unshelter_all};
use super::cluster_nodes;
use super::{batch, error_from_redis, reply_from_value, to_cmd};
use crate::command_table;
use crate::error::{BatchError, BatchErrorKind, positions};
use crate::{
    Batch, BatchCommand, BatchGroup, BatchKeys, BatchReplies, Command, EntryKeys, Error, Reply,
    Transport, TransportError, TransportErrorKind,
};

/// How often one call, or one part of a batch, follows a redirect.
const MAX_REDIRECTS: u32 = 5;

/// The number of hash slots of a Redis Cluster.
const SLOTS: u16 = 16384;

/// A Redis Cluster connection.
///
/// The `redis` crate re-sends a command whose connection broke, up to the client's `retries`, which can
/// run a script again after it already ran. Build the client with
/// `ClusterClientBuilder::new(urls).retries(0)` for at most one run per call (or use
/// [`Cluster`](crate::Cluster), which does): a broken connection is then an error with `may_have_run()`
/// true, and this transport follows `MOVED` and `ASK` itself, up to five times, sending again only what
/// the redirect proves did not run. The `redis` crate hands back only the first redirect of a
/// pipeline, so a part of a batch with more than one command that could have effects is not sent again
/// after one: it fails with `may_have_run()` true. A redirect is proven only by the node that
/// answered it (a script can return the same reply); after a `MOVED` the `redis` crate reads its slot
/// map again, so a command it routed by slot can often not be asked of that node any more: the call
/// fails with `may_have_run()` true, and the next one goes to the new owner.
/// [`Cluster`](crate::Cluster) sees every reply, keeps routing to the node that answered until it is
/// asked, and sends again exactly what did not run.
impl Transport for ClusterConnection {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        let cmd = to_cmd(&command);
        let slot = command.keys().iter().next().map(slot);
        send_command(self.clone(), cmd, slot, None)
    }

    async fn send_batch(&self, batch: Batch<'_>) -> BatchReplies {
        send_part(&mut self.clone(), &batch, None).await
    }

    async fn split_batch(
        &self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        split(&mut self.clone(), entries, atomic, None).await
    }

    /// Every primary that serves slots, as `CLUSTER SLOTS` says now: each has its own script cache.
    /// Asked of every node, the first answer taken, so that a node that is down does not hide the
    /// others.
    async fn primaries(&self) -> Result<Option<Vec<String>>, Error> {
        primaries(&mut self.clone()).await
    }
}

/// Where MOVED replies said slots went, for routing the next batch in one of them there at once
/// ([`Cluster`](crate::Cluster) keeps one; the `redis` crate learns its own map only from single
/// commands). What a node was said to serve is forgotten when a connection to it fails, and all of
/// it when a slot map is read.
pub(super) type Routes = std::sync::Mutex<HashMap<u16, (String, u16)>>;

/// What the node connections of a cluster connection need to be.
pub(super) trait NodeLink:
    ConnectionLike + Connect + Clone + Send + Sync + Unpin + 'static
{
}
impl<C: ConnectionLike + Connect + Clone + Send + Sync + Unpin + 'static> NodeLink for C {}

/// Where a command or a pipeline goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// The primary that serves `slot`; with `replica`, one of its replicas may answer instead (a
    /// read-only part, when the connection reads from replicas).
    Slot { slot: u16, replica: bool },
    /// The node a command routed by `slot` went to just before: as [`Target::Slot`], by the slot map
    /// that command was routed by where the map is kept here (not one read again since).
    Answered { slot: u16, replica: bool },
    /// The node at this address.
    Node { host: String, port: u16 },
    /// Any primary.
    AnyPrimary,
    /// Any node.
    Any,
}

/// The I/O the cluster rules need, and all of it: a command routed by the slot of its keys, a
/// pipeline or a command sent to one [`Target`], and a command asked of every node until one
/// answers. An error reply to a single command may come back either as `Ok(Value::ServerError)` or
/// as the `Err` of its code; replies inside a pipeline come back as values, every one of them, or
/// (the `redis` crate's own node connections) the first redirect alone, as the `Err`.
pub(super) trait NodeIo: Send {
    /// Sends `cmd` to the node that serves `slot` (any primary without one).
    fn command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
        slot: Option<u16>,
    ) -> impl Future<Output = RedisResult<Value>> + Send + 'a;

    /// Sends `pipeline` to `to` and reads its `count` replies.
    fn pipeline(
        &mut self,
        pipeline: redis::Pipeline,
        count: usize,
        to: Target,
    ) -> impl Future<Output = RedisResult<Vec<Value>>> + Send;

    /// Sends `cmd` to `to`.
    fn command_to(
        &mut self,
        cmd: redis::Cmd,
        to: Target,
    ) -> impl Future<Output = RedisResult<Value>> + Send;

    /// Sends `cmd` to each node in turn until one answers, and returns that answer.
    fn first_answer(&mut self, cmd: redis::Cmd) -> impl Future<Output = RedisResult<Value>> + Send;
}

impl Target {
    /// The primary that serves `slot`, or any primary for a command without keys.
    pub(super) fn primary_of(slot: Option<u16>) -> Target {
        match slot {
            Some(slot) => Target::Slot {
                slot,
                replica: false,
            },
            None => Target::AnyPrimary,
        }
    }

    pub(super) fn routing(self) -> SingleNodeRoutingInfo {
        match self {
            Target::Slot { slot, replica } | Target::Answered { slot, replica } => {
                let addr = if replica {
                    SlotAddr::ReplicaOptional
                } else {
                    SlotAddr::Master
                };
                SingleNodeRoutingInfo::SpecificNode(Route::new(slot, addr))
            }
            Target::Node { host, port } => SingleNodeRoutingInfo::ByAddress { host, port },
            Target::AnyPrimary => SingleNodeRoutingInfo::RandomPrimary,
            Target::Any => SingleNodeRoutingInfo::Random,
        }
    }
}

/// The `redis` crate's async cluster connection routes by its own slot map.
impl<C: NodeLink> NodeIo for ClusterConnection<C> {
    fn command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
        _slot: Option<u16>,
    ) -> impl Future<Output = RedisResult<Value>> + Send + 'a {
        // The crate finds the same slot in the command's keys.
        self.req_packed_command(cmd)
    }

    fn pipeline(
        &mut self,
        pipeline: redis::Pipeline,
        count: usize,
        to: Target,
    ) -> impl Future<Output = RedisResult<Vec<Value>>> + Send {
        self.route_pipeline(pipeline, 0, count, to.routing())
    }

    fn command_to(
        &mut self,
        cmd: redis::Cmd,
        to: Target,
    ) -> impl Future<Output = RedisResult<Value>> + Send {
        self.route_command(cmd, RoutingInfo::SingleNode(to.routing()))
    }

    fn first_answer(&mut self, cmd: redis::Cmd) -> impl Future<Output = RedisResult<Value>> + Send {
        self.route_command(cmd, every_node_until_one_answers())
    }
}

/// The `redis` crate's routing of a command to every node, whose answer is the first that succeeded.
pub(super) fn every_node_until_one_answers() -> RoutingInfo {
    RoutingInfo::MultiNode((
        MultipleNodeRoutingInfo::AllNodes,
        Some(ResponsePolicy::OneSucceeded),
    ))
}

/// Sends one command, following `MOVED` (to the node named) and `ASK` (with `ASKING` in front) for the
/// command's own slot, at most [`MAX_REDIRECTS`] times, when the node that answered bears the
/// redirect out: a redirect is then a refusal, so nothing ran. One it does not bear out is the
/// script's own error reply.
///
/// With `routes`, a slot a MOVED said went elsewhere goes there at once.
pub(super) async fn send_command<N: NodeIo>(
    mut conn: N,
    cmd: redis::Cmd,
    slot: Option<u16>,
    routes: Option<&Routes>,
) -> Result<Reply, Error> {
    let mut to: Option<Redirect> = slot.and_then(|slot| remembered(routes, slot));
    let mut redirects = 0;
    loop {
        let reply = match &to {
            None => match conn.command(&cmd, slot).await {
                Ok(value) => reply_from_value(unshelter(value)),
                Err(e) => Err(error_from_redis(e)),
            },
            Some(redirect) => {
                let ask = redirect.ask.then_some(None);
                let commands: Vec<Option<redis::Cmd>> =
                    ask.into_iter().chain([Some(cmd.clone())]).collect();
                let count = commands.len();
                let pipeline = batch::pipeline_of(commands);
                match conn.pipeline(pipeline, count, redirect.route()).await {
                    Ok(values) => match values.into_iter().last() {
                        Some(value) => reply_from_value(unshelter(value)),
                        None => Err(batch::protocol("no reply to a redirected command".into())),
                    },
                    Err(e) => Err(error_from_redis(e)),
                }
            }
        };
        // A connection to the node a redirect named that failed is an error as it is: the command
        // is never sent again by its slot, to whichever node the map then names.
        let Err(error) = &reply else {
            return reply;
        };
        if let (Error::Transport(_), Some(to)) = (error, &to) {
            forget(routes, &to.route());
        }
        let Some(redirect) = Redirect::of(error) else {
            return reply;
        };
        let answered = match (&to, slot) {
            (Some(to), _) => to.route(),
            (None, Some(slot)) => Target::Answered {
                slot,
                replica: false,
            },
            (None, None) => return reply.map_err(Error::unproven),
        };
        let borne_out = match Some(redirect.slot) == slot {
            true => vouched(&mut conn, &answered, &redirect, &[], vec![cmd_keys(&cmd)]).await,
            false => None,
        };
        let Some(redirect) = borne_out.filter(|r| !r.host.is_empty()) else {
            return reply.map_err(Error::unproven);
        };
        if redirects >= MAX_REDIRECTS {
            return reply;
        }
        remember(routes, &redirect);
        to = Some(redirect);
        redirects += 1;
    }
}

/// True when the node that answered `redirect` (where the command went: `answered`) bears it out in
/// its own `CLUSTER NODES`: only then is it the cluster's, and is the address it names one of the
/// cluster's nodes. A redirect can not be borne out for a command sent to any node.
///
/// The redirect comes back borne out, its host given: an empty one (`MOVED 3999 :7001`, from a node
/// that names no host for its peers) is the host of the node that answered, as reached here or as
/// it says itself.
async fn vouched<N: NodeIo>(
    conn: &mut N,
    answered: &Target,
    redirect: &Redirect,
    also: &[u16],
    keys: Vec<Vec<&[u8]>>,
) -> Option<Redirect> {
    let (to, reached) = match answered {
        Target::Slot { slot, replica } | Target::Answered { slot, replica } => {
            let to = Target::Answered {
                slot: *slot,
                replica: *replica,
            };
            (to, None)
        }
        Target::Node { host, .. } => (answered.clone(), Some(host.clone())),
        Target::AnyPrimary | Target::Any => return None,
    };
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("NODES");
    let text = match conn.command_to(cmd, to.clone()).await.map(unshelter) {
        Ok(Value::BulkString(bytes)) => String::from_utf8(bytes).ok(),
        Ok(Value::VerbatimString { text, .. }) => Some(text),
        _ => None,
    };
    let nodes = text?;
    let answering = cluster_nodes::vouch_for(
        &nodes,
        redirect.ask,
        redirect.slot,
        &redirect.host,
        redirect.port,
    )?;
    // The same redirect for the other slots it is followed for: each must be borne out too, or a
    // script's own error naming its slot would be taken for one and the script sent again.
    for &slot in also {
        cluster_nodes::vouch_for(&nodes, redirect.ask, slot, &redirect.host, redirect.port)?;
    }
    // A node lists a slot as migrating for the whole migration, so an ASK needs more: that the node
    // holds none of the command's keys.
    if redirect.ask && !keys_absent(conn, &to, keys).await {
        return None;
    }
    let host = match (redirect.host.is_empty(), reached) {
        (false, _) => redirect.host.clone(),
        (true, Some(reached)) if !reached.is_empty() => reached,
        (true, _) => answering.to_owned(),
    };
    Some(Redirect {
        host,
        ..redirect.clone()
    })
}

/// True when the node at `to` holds none of the keys of each command of `keys`. A node migrating a
/// slot answers ASK only to a command none of whose keys it holds (some: TRYAGAIN; all: it runs the
/// command), and nothing can create them there while the slot migrates: a key of the command there
/// means the command ran, and the ASK is a script's own error reply. Asked with one `EXISTS` per
/// command, in one round trip; the node answers ASK again for keys it does not hold. Anything else
/// (a count above zero, no answer, another error) is not borne out.
async fn keys_absent<N: NodeIo>(conn: &mut N, to: &Target, keys: Vec<Vec<&[u8]>>) -> bool {
    let keys: Vec<Vec<&[u8]>> = keys.into_iter().filter(|k| !k.is_empty()).collect();
    if keys.is_empty() {
        return true;
    }
    let mut pipeline = redis::Pipeline::with_capacity(keys.len());
    for command in &keys {
        let mut exists = redis::cmd("EXISTS");
        for key in command {
            exists.arg(*key);
        }
        pipeline.add_command(exists);
    }
    match conn.pipeline(pipeline, keys.len(), to.clone()).await {
        Ok(values) if values.len() == keys.len() => {
            values.into_iter().map(unshelter).all(|value| match value {
                Value::Int(n) => n == 0,
                Value::ServerError(e) => e.code() == "ASK",
                _ => false,
            })
        }
        // The `redis` crate's own connections hand back a pipeline's redirect as its error: for one
        // command, that is its reply.
        Err(e) if keys.len() == 1 => error_from_redis(e).code() == Some("ASK"),
        _ => false,
    }
}

/// The keys of a script call or a command of a batch (none for a load, or for a command whose keys
/// are not known).
fn command_keys<'c>(command: &'c BatchCommand<'_>) -> Vec<&'c [u8]> {
    match command {
        BatchCommand::Load(_) | BatchCommand::LoadLibrary(_) => Vec::new(),
        BatchCommand::Script(c) => c.keys().iter().collect(),
        BatchCommand::Raw(words) => {
            command_table::keys(*words, command_table::key_positions(*words)).unwrap_or_default()
        }
    }
}

/// The keys of a script call as sent (`EVALSHA <sha1> <numkeys> <key>.. <arg>..`, or EVAL, FCALL and
/// their read-only forms).
fn cmd_keys(cmd: &redis::Cmd) -> Vec<&[u8]> {
    let words: Vec<&[u8]> = cmd
        .args_iter()
        .map(|arg| match arg {
            redis::Arg::Simple(bytes) => bytes,
            _ => &[],
        })
        .collect();
    let count = words
        .get(2)
        .and_then(|n| std::str::from_utf8(n).ok())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    words
        .get(3..3 + count)
        .map(<[_]>::to_vec)
        .unwrap_or_default()
}

/// What the `redis` crate's dropped replies leave to follow ([`follow_dropped`]), when the node
/// that answered (`route`) bears the redirect out; one it does not is the command's own error.
async fn follow_vouched<N: NodeIo>(
    conn: &mut N,
    route: &Target,
    error: Error,
    batch: &Batch<'_>,
    redirects: u32,
) -> Result<Redirect, Error> {
    let redirect = follow_dropped(error.clone(), batch, redirects)?;
    let keys = batch.commands().iter().map(command_keys).collect();
    match vouched(conn, route, &redirect, &[], keys).await {
        Some(redirect) if !redirect.host.is_empty() => Ok(redirect),
        _ => Err(error.unproven()),
    }
}

/// Sends one part of a batch to its node and follows redirects, sending again only what provably did
/// not run (see the module documentation).
pub(super) async fn send_part<N: NodeIo>(
    conn: &mut N,
    batch: &Batch<'_>,
    routes: Option<&Routes>,
) -> BatchReplies {
    if batch.is_atomic() {
        send_transaction(conn, batch, routes).await
    } else {
        send_pipeline(conn, batch, routes).await
    }
}

async fn send_transaction<N: NodeIo>(
    conn: &mut N,
    batch: &Batch<'_>,
    routes: Option<&Routes>,
) -> BatchReplies {
    let mut route = first_route(batch, routes);
    let mut asking = false;
    for redirects in 0.. {
        let (pipeline, count) = batch::to_pipeline(batch, asking);
        let values = match conn.pipeline(pipeline, count, route.clone()).await {
            Ok(values) => unshelter_all(values),
            Err(e) => {
                let error = error_from_redis(e);
                if matches!(error, Error::Transport(_)) {
                    forget(routes, &route);
                }
                let redirect = follow_vouched(conn, &route, error, batch, redirects).await?;
                (route, asking) = (redirect.route(), redirect.ask);
                continue;
            }
        };
        let values = if asking {
            values.into_iter().skip(1).collect()
        } else {
            values
        };
        // MULTI accepted and a redirect among the queued replies or as EXEC's: the server discarded
        // the transaction, nothing of it ran.
        // (Queued replies come before anything runs: a script can not make them. The check keeps
        // what is sent again on the cluster's own nodes.)
        if let Some(redirect) =
            discarded_by_redirect(batch, &values).filter(|_| redirects < MAX_REDIRECTS)
            && let Some(redirect) = vouched(conn, &route, &redirect, &[], Vec::new()).await
            && !redirect.host.is_empty()
        {
            remember(routes, &redirect);
            (route, asking) = (redirect.route(), redirect.ask);
            continue;
        }
        return batch::read_replies(batch, values);
    }
    unreachable!("the loop returns")
}

async fn send_pipeline<N: NodeIo>(
    conn: &mut N,
    batch: &Batch<'_>,
    routes: Option<&Routes>,
) -> BatchReplies {
    let commands = batch.commands();
    let mut results: Vec<Option<Result<Reply, Error>>> = std::iter::repeat_with(|| None)
        .take(commands.len())
        .collect();
    let mut route = first_route(batch, routes);
    // Where each reply came from, to ask that node about a redirect it answered.
    let mut answered_by: Vec<Option<Target>> = vec![None; commands.len()];
    // This round sends the loads in front of `from` again (harmless: the part's scripts and
    // libraries are then on the node) and every command from `from` on.
    let (mut from, mut asking) = (0, false);
    for redirects in 0.. {
        let round: Vec<usize> = (0..commands.len())
            .filter(|&i| i >= from || is_load(&commands[i]))
            .collect();
        let sent = round.iter().flat_map(|&i| {
            let ask = (asking && !is_load(&commands[i])).then_some(None);
            ask.into_iter().chain([Some(i)])
        });
        let sent: Vec<Option<usize>> = sent.collect();
        let count = sent.len();
        let pipeline = batch::pipeline_of(
            sent.iter()
                .map(|i| i.map(|i| batch::to_redis_cmd(&commands[i]))),
        );
        let values = match conn.pipeline(pipeline, count, route.clone()).await {
            Ok(values) if values.len() == count => values,
            Ok(values) => {
                return Err(batch::protocol(format!(
                    "the server answered {} replies to a pipeline of {count} commands",
                    values.len()
                )));
            }
            Err(e) => {
                let error = error_from_redis(e);
                if matches!(error, Error::Transport(_)) {
                    forget(routes, &route);
                }
                if from > 0 {
                    // A second round failed: what it sent may have run.
                    for result in &mut results[from..] {
                        *result = Some(Err(error.clone()));
                    }
                    break;
                }
                let redirect = follow_vouched(conn, &route, error, batch, redirects).await?;
                (route, asking) = (redirect.route(), redirect.ask);
                continue;
            }
        };
        for (i, value) in sent.iter().zip(values) {
            if let Some(i) = *i
                && i >= from
            {
                results[i] = Some(reply_from_value(unshelter(value)));
                answered_by[i] = Some(route.clone());
            }
        }
        let Some((cut, redirect, also)) = (redirects < MAX_REDIRECTS)
            .then(|| redirected_tail(commands, &results, from))
            .flatten()
        else {
            break;
        };
        let keys = commands[cut..].iter().map(command_keys).collect();
        let Some(redirect) = vouched(conn, &route, &redirect, &also, keys)
            .await
            .filter(|r| !r.host.is_empty())
        else {
            break;
        };
        remember(routes, &redirect);
        from = cut;
        (route, asking) = (redirect.route(), redirect.ask);
    }
    unproven_redirects(conn, commands, &mut results, &answered_by).await;
    Ok(results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Err(batch::protocol("a command of the part got no reply".into())))
        })
        .collect())
}

/// Makes each redirect left among a part's replies that its node does not bear out (or that names
/// another slot than its command's) the script's own error, which may have run.
async fn unproven_redirects<N: NodeIo>(
    conn: &mut N,
    commands: &[BatchCommand<'_>],
    results: &mut [Option<Result<Reply, Error>>],
    answered_by: &[Option<Target>],
) {
    let mut asked: Vec<(Target, Redirect, bool)> = Vec::new();
    for (i, result) in results.iter_mut().enumerate() {
        let Some(Err(error)) = result else { continue };
        let Some(redirect) = Redirect::of(error) else {
            continue;
        };
        let proven = match &answered_by[i] {
            Some(to) if command_slot(&commands[i]) == Some(redirect.slot) => {
                match asked.iter().find(|(t, r, _)| t == to && *r == redirect) {
                    Some((_, _, proven)) => *proven,
                    None => {
                        let keys = vec![command_keys(&commands[i])];
                        let proven = vouched(conn, to, &redirect, &[], keys).await.is_some();
                        asked.push((to.clone(), redirect, proven));
                        proven
                    }
                }
            }
            _ => false,
        };
        if !proven && let Some(Err(error)) = result.take() {
            *result = Some(Err(error.unproven()));
        }
    }
}

/// After the `redis` crate dropped a part's replies but `error`: the redirect to follow, when the part
/// holds a single command that can have effects and the redirect answered it (so nothing of the part
/// ran, whether MULTI, if any, was accepted or not); else the part's error. What else of the part
/// ran is unknown, so its error says it may have run.
fn follow_dropped(error: Error, batch: &Batch<'_>, redirects: u32) -> Result<Redirect, Error> {
    if !drops_replies(&error) {
        return Err(error);
    }
    match Redirect::of(&error).filter(|r| redirects < MAX_REDIRECTS && only_effect(batch, r.slot)) {
        Some(redirect) => Ok(redirect),
        None => Err(replies_dropped(error)),
    }
}

/// A redirect: `MOVED <slot> <host>:<port>` (the slot lives there now) or `ASK <slot> <host>:<port>`
/// (the slot is being migrated there; ask again with `ASKING`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Redirect {
    ask: bool,
    slot: u16,
    host: String,
    port: u16,
}

impl Redirect {
    fn of(error: &Error) -> Option<Redirect> {
        let Error::Server(e) = error else {
            return None;
        };
        let ask = match e.code() {
            "MOVED" => false,
            "ASK" => true,
            _ => return None,
        };
        let mut words = e.message().split_whitespace();
        let slot = words.next()?.parse().ok()?;
        let (host, port) = words.next()?.rsplit_once(':')?;
        Some(Redirect {
            ask,
            slot,
            host: host.to_owned(),
            port: port.parse().ok()?,
        })
    }

    fn route(&self) -> Target {
        Target::Node {
            host: self.host.clone(),
            port: self.port,
        }
    }
}

/// Forgets every slot a MOVED said went to the node `to` names, after the connection to it failed
/// (it may be down: the slot goes by the slot map again).
fn forget(routes: Option<&Routes>, to: &Target) {
    if let (Some(routes), Target::Node { host, port }) = (routes, to) {
        routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, node| (node.0.as_str(), node.1) != (host.as_str(), *port));
    }
}

/// Forgets every slot a MOVED said went elsewhere: a slot map read since knows better.
fn forget_all(routes: Option<&Routes>) {
    if let Some(routes) = routes {
        routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// Where a MOVED said `slot` went, as a redirect there.
fn remembered(routes: Option<&Routes>, slot: u16) -> Option<Redirect> {
    let routes = routes?
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (host, port) = routes.get(&slot)?;
    Some(Redirect {
        ask: false,
        slot,
        host: host.clone(),
        port: *port,
    })
}

/// Keeps where a MOVED said a slot went.
fn remember(routes: Option<&Routes>, redirect: &Redirect) {
    if let Some(routes) = routes
        && !redirect.ask
    {
        let mut routes = routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        routes.insert(redirect.slot, (redirect.host.clone(), redirect.port));
    }
}

/// True for a load (`SCRIPT LOAD`, `FUNCTION LOAD`): running it again changes nothing.
fn is_load(command: &BatchCommand<'_>) -> bool {
    matches!(
        command,
        BatchCommand::Load(_) | BatchCommand::LoadLibrary(_)
    )
}

/// The hash slot of a command's keys (the first key's), if it has keys.
fn command_slot(command: &BatchCommand<'_>) -> Option<u16> {
    match command {
        BatchCommand::Load(_) | BatchCommand::LoadLibrary(_) => None,
        BatchCommand::Script(c) => c.keys().iter().next().map(slot),
        BatchCommand::Raw(words) => {
            command_table::keys(*words, command_table::key_positions(*words))?
                .first()
                .map(|key| slot(key))
        }
    }
}

/// True when the batch holds a single command that can have effects (loads can not), with keys in
/// `slot`: a redirect for `slot` then answered it, and nothing of the batch ran.
fn only_effect(batch: &Batch<'_>, moved_slot: u16) -> bool {
    let mut effects = batch.commands().iter().filter(|c| !is_load(c));
    matches!((effects.next(), effects.next()), (Some(c), None) if command_slot(c) == Some(moved_slot))
}

/// For a transaction whose replies all came back: the redirect that made the server discard it
/// (MULTI accepted, and a command refused while queued or EXEC refused with a redirect), if any.
fn discarded_by_redirect(batch: &Batch<'_>, values: &[Value]) -> Option<Redirect> {
    let (multi, rest) = values.split_first()?;
    if matches!(multi, Value::ServerError(_)) {
        return None;
    }
    let redirect = |value: &Value| match value {
        Value::ServerError(e) => {
            Redirect::of(&Error::from_reply_text(&super::server_error_text(e)))
        }
        _ => None,
    };
    let (exec, queued) = rest.split_last()?;
    let found = queued
        .iter()
        .zip(batch.commands())
        .find_map(|(value, command)| {
            redirect(value).filter(|r| command_slot(command) == Some(r.slot))
        })
        .or_else(|| {
            redirect(exec).filter(|r| {
                batch
                    .commands()
                    .iter()
                    .any(|c| command_slot(c) == Some(r.slot))
            })
        })?;
    let discarded = matches!(exec, Value::ServerError(_) | Value::Nil);
    discarded.then_some(found)
}

/// For a pipeline whose replies all came back: where its redirected tail starts, where it goes, and
/// the other slots it is redirected for, when every command from the first one answered with a
/// redirect on either is a load or was answered with the same redirect for its own slot (so none of
/// them ran and nothing behind them did, once the node bears the redirect out for every one of those
/// slots).
fn redirected_tail(
    commands: &[BatchCommand<'_>],
    results: &[Option<Result<Reply, Error>>],
    from: usize,
) -> Option<(usize, Redirect, Vec<u16>)> {
    let redirect_at = |i: usize| match &results[i] {
        Some(Err(e)) => Redirect::of(e).filter(|r| command_slot(&commands[i]) == Some(r.slot)),
        _ => None,
    };
    let cut = (from..commands.len()).find(|&i| redirect_at(i).is_some())?;
    let first = redirect_at(cut)?;
    let same = |r: &Redirect| r.ask == first.ask && r.host == first.host && r.port == first.port;
    let mut also: Vec<u16> = Vec::new();
    for (i, command) in commands.iter().enumerate().skip(cut) {
        match redirect_at(i) {
            Some(r) if same(&r) => {
                if r.slot != first.slot && !also.contains(&r.slot) {
                    also.push(r.slot);
                }
            }
            _ if is_load(command) => {}
            _ => return None,
        }
    }
    Some((cut, first, also))
}

/// Error codes on which the `redis` crate drops the other replies of a pipeline (and retries it).
const REPLY_DROPPING: [&str; 7] = [
    "MOVED",
    "ASK",
    "TRYAGAIN",
    "CLUSTERDOWN",
    "MASTERDOWN",
    "LOADING",
    "READONLY",
];

fn drops_replies(error: &Error) -> bool {
    error
        .code()
        .is_some_and(|code| REPLY_DROPPING.contains(&code))
}

/// Where a part goes first: to the node chosen in `split_batch`, else where a MOVED said its slot
/// went, else by its slot (a replica may serve a read-only part), else to any primary (any node,
/// read-only).
fn first_route(batch: &Batch<'_>, routes: Option<&Routes>) -> Target {
    if let Some((host, port)) = batch
        .node()
        .and_then(|node| node.rsplit_once(':'))
        .and_then(|(host, port)| Some((host, port.parse().ok()?)))
    {
        return Target::Node {
            host: host.to_owned(),
            port,
        };
    }
    if let (Some(routes), Some(slot)) = (routes, batch.slot())
        && !batch.is_read_only()
    {
        let routes = routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((host, port)) = routes.get(&slot) {
            return Target::Node {
                host: host.clone(),
                port: *port,
            };
        }
    }
    match batch.slot() {
        Some(slot) => Target::Slot {
            slot,
            replica: batch.is_read_only(),
        },
        None if batch.is_read_only() => Target::Any,
        None => Target::AnyPrimary,
    }
}

/// A part whose replies the `redis` crate dropped: whatever of it ran is unknown.
///
/// The node's error is named by its code only, not kept as the source: its text may echo a value
/// of an entry (a script's own redirect), and this error stands for every entry of the part.
fn replies_dropped(error: Error) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Protocol,
        format!(
            "a cluster node answered {} to part of the batch, and the redis crate's \
             ClusterConnection then drops every other reply of that part, so what of it ran \
             (commands before the refused one, or all of them when MULTI was refused) is \
             unknown: its entries may have run (redis_script::Cluster reads every reply)",
            error.code().unwrap_or_default()
        ),
        true,
    ))
}

/// [`Transport::split_batch`] for any cluster connection.
pub(super) async fn split<N: NodeIo>(
    conn: &mut N,
    entries: BatchKeys<'_>,
    atomic: bool,
    routes: Option<&Routes>,
) -> Result<Option<Vec<BatchGroup>>, Error> {
    let count = entries.len();
    let slots = entry_slots(entries.iter())?;
    let mut distinct: Vec<u16> = slots.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > 1 && atomic {
        return Err(cross_slot_transaction(&slots, &distinct));
    }
    let all = || BatchGroup {
        entries: (0..count).collect(),
        slot: distinct.first().copied(),
        node: None,
    };
    if distinct.len() <= 1 {
        return Ok(Some(vec![all()]));
    }
    let topology = topology(conn).await?;
    forget_all(routes);
    Ok(Some(group_by_node(&slots, &topology)))
}

/// [`Transport::primaries`] for any cluster connection.
pub(super) async fn primaries<N: NodeIo>(conn: &mut N) -> Result<Option<Vec<String>>, Error> {
    Ok(Some(topology_by(conn, None).await?.nodes))
}

/// The hash slot of each entry (`None`: no keys); refuses entries whose keys span slots or can not be
/// told.
fn entry_slots<'k>(
    entries: impl ExactSizeIterator<Item = EntryKeys<'k>>,
) -> Result<Vec<Option<u16>>, Error> {
    let (mut slots, mut spanning, mut unknown) =
        (Vec::with_capacity(entries.len()), vec![], vec![]);
    for (position, entry) in entries.enumerate() {
        let keys: Option<Vec<&[u8]>> = match entry {
            EntryKeys::Script(keys) => Some(keys.iter().collect()),
            EntryKeys::Command(words) => {
                command_table::keys(words, command_table::key_positions(words))
            }
        };
        let Some(keys) = keys else {
            unknown.push(position);
            slots.push(None);
            continue;
        };
        let mut entry_slots = keys.iter().map(|key| slot(key));
        let first = entry_slots.next();
        if entry_slots.any(|s| Some(s) != first) {
            spanning.push(position);
        }
        slots.push(first);
    }
    if !unknown.is_empty() {
        let message = format!(
            "{} of the batch can not be routed in a cluster: which of its words are keys depends on its \
             arguments (or the command is unknown); send it on its own; nothing was sent",
            positions(&unknown)
        );
        return Err(BatchError::new(BatchErrorKind::NotAllowed, message, unknown).into());
    }
    if !spanning.is_empty() {
        let message = format!(
            "{} of the batch {} keys in several hash slots; a cluster runs a command only when all \
             its keys share a slot (give them a hash tag, as in {{user:1}}:a and {{user:1}}:b); \
             nothing was sent",
            positions(&spanning),
            if spanning.len() == 1 { "has" } else { "have" }
        );
        return Err(BatchError::new(BatchErrorKind::CrossSlot, message, spanning).into());
    }
    Ok(slots)
}

/// A cluster transaction must stay on one node: every key in one slot.
fn cross_slot_transaction(slots: &[Option<u16>], distinct: &[u16]) -> Error {
    let by_slot: Vec<String> = distinct
        .iter()
        .map(|&s| {
            let at: Vec<usize> = (0..slots.len()).filter(|&i| slots[i] == Some(s)).collect();
            format!("{} in slot {s}", positions(&at))
        })
        .collect();
    let message = format!(
        "a transaction in a cluster needs every key in one hash slot (give them a hash tag, as in \
         {{user:1}}:a and {{user:1}}:b), but {}; nothing was sent",
        by_slot.join(", ")
    );
    let entries = (0..slots.len()).filter(|&i| slots[i].is_some()).collect();
    BatchError::new(BatchErrorKind::CrossSlot, message, entries).into()
}

/// One group per node, each in the order entries were added, routed by the slot of its first keyed
/// entry; an entry without keys goes with the keyed entry before it (or the first one).
fn group_by_node(slots: &[Option<u16>], topology: &Topology) -> Vec<BatchGroup> {
    let mut groups: Vec<BatchGroup> = Vec::new();
    let mut group_of: HashMap<Node, usize> = HashMap::new();
    let (mut current, mut leading) = (None, Vec::new());
    for (position, slot) in slots.iter().enumerate() {
        match slot {
            Some(slot) => {
                let node = topology.node_of(*slot);
                let group = *group_of.entry(node).or_insert_with(|| {
                    groups.push(BatchGroup {
                        entries: Vec::new(),
                        slot: Some(*slot),
                        node: match node {
                            Node::Primary(i) => topology.nodes.get(i).cloned(),
                            Node::Unserved(_) => None,
                        },
                    });
                    groups.len() - 1
                });
                groups[group].entries.push(position);
                current = Some(group);
            }
            None => match current {
                Some(group) => groups[group].entries.push(position),
                None => leading.push(position),
            },
        }
    }
    if let Some(first) = groups.first_mut() {
        leading.append(&mut first.entries);
        first.entries = leading;
    }
    groups
}

/// The hash slot of `key`: CRC16 of its hash tag (the text between the first `{` and the next `}`, when
/// not empty) or of the whole key.
pub(super) fn slot(key: &[u8]) -> u16 {
    let tagged = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            let close = rest.iter().position(|&b| b == b'}')?;
            Some(&rest[..close]).filter(|tag| !tag.is_empty())
        })
        .unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(tagged) % SLOTS
}

/// A node, as the index of its primary in the map it came from; a slot no node serves is its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Primary(usize),
    Unserved(u16),
}

/// Which node serves each slot, as `CLUSTER SLOTS` said.
#[derive(Debug)]
pub(super) struct Topology {
    /// `(first slot, last slot, primary)`, sorted.
    ranges: Vec<(u16, u16, usize)>,
    /// The primaries' addresses, `host:port`.
    pub(super) nodes: Vec<String>,
}

impl Topology {
    /// The address (`host:port`) of the primary that serves `slot`, if one does.
    pub(super) fn primary_of(&self, slot: u16) -> Option<&str> {
        match self.node_of(slot) {
            Node::Primary(i) => self.nodes.get(i).map(String::as_str),
            Node::Unserved(_) => None,
        }
    }

    fn node_of(&self, slot: u16) -> Node {
        let i = self.ranges.partition_point(|&(_, last, _)| last < slot);
        match self.ranges.get(i) {
            Some(&(first, _, node)) if first <= slot => Node::Primary(node),
            _ => Node::Unserved(slot),
        }
    }

    /// Reads the reply of `CLUSTER SLOTS`: `[[first, last, [host, port, id, ..], replicas..], ..]`.
    /// A primary without a host (nil: `cluster-preferred-endpoint-type unknown-endpoint`; empty: a
    /// node not yet introduced to its peers) is at the IP its metadata gives (`[.., {ip: ..}]`),
    /// else at the host of the node that answered (`answered`, when known), as the `redis` crate
    /// reads it.
    pub(super) fn parse(value: Value, answered: Option<&str>) -> Option<Topology> {
        let Value::Array(ranges) = value else {
            return None;
        };
        let mut primaries: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let Value::Array(range) = range else {
                return None;
            };
            let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(primary))) =
                (range.first(), range.get(1), range.get(2))
            else {
                return None;
            };
            let address = match (primary.first(), primary.get(1)) {
                (Some(Value::BulkString(host)), Some(Value::Int(port))) if !host.is_empty() => {
                    format!("{}:{port}", std::str::from_utf8(host).ok()?)
                }
                (Some(Value::BulkString(_) | Value::Nil), Some(Value::Int(port))) => {
                    let host = metadata_ip(primary.get(3)).or(answered)?;
                    format!("{host}:{port}")
                }
                _ => return None,
            };
            let node = match primaries.iter().position(|p| *p == address) {
                Some(node) => node,
                None => {
                    primaries.push(address);
                    primaries.len() - 1
                }
            };
            out.push((
                u16::try_from(*first).ok()?,
                u16::try_from(*last).ok()?,
                node,
            ));
        }
        out.sort_unstable();
        Some(Topology {
            ranges: out,
            nodes: primaries,
        })
    }
}

/// The `ip` of a node's metadata in `CLUSTER SLOTS` (pairs, or a map in RESP3).
fn metadata_ip(metadata: Option<&Value>) -> Option<&str> {
    fn text(value: &Value) -> Option<&str> {
        match value {
            Value::BulkString(bytes) => std::str::from_utf8(bytes).ok(),
            Value::SimpleString(text) => Some(text.as_str()),
            _ => None,
        }
    }
    match metadata? {
        Value::Array(flat) => flat
            .chunks(2)
            .find(|pair| pair.first().and_then(text) == Some("ip"))
            .and_then(|pair| pair.get(1).and_then(text)),
        Value::Map(pairs) => pairs
            .iter()
            .find(|(key, _)| text(key) == Some("ip"))
            .and_then(|(_, value)| text(value)),
        _ => None,
    }
    .filter(|ip| !ip.is_empty())
}

/// Which node serves which slot, asked of any node now.
async fn topology<N: NodeIo>(conn: &mut N) -> Result<Topology, Error> {
    topology_by(conn, Some(Target::Any)).await
}

/// Which node serves which slot, asked of `to`, or (`None`) of every node until one answers.
pub(super) async fn topology_by<N: NodeIo>(
    conn: &mut N,
    to: Option<Target>,
) -> Result<Topology, Error> {
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let answered = match &to {
        Some(Target::Node { host, .. }) => Some(host.clone()),
        _ => None,
    };
    let value = match to {
        Some(to) => conn.command_to(cmd, to).await,
        None => conn.first_answer(cmd).await,
    };
    let value = match value.map_err(error_from_redis)? {
        Value::ServerError(e) => {
            return Err(Error::from_reply_text(&super::server_error_text(&e)));
        }
        value => value,
    };
    Topology::parse(value, answered.as_deref()).ok_or_else(|| {
        Error::Transport(TransportError::new(
            TransportErrorKind::Protocol,
            "the reply to CLUSTER SLOTS is not a slot map; nothing was sent",
            false,
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ArgList;

    #[test]
    fn slots_follow_redis_hash_tags() {
        // `CLUSTER KEYSLOT foo` is 12182, `CLUSTER KEYSLOT {user:1}:a` equals that of `user:1`.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"{user:1}:a"), slot(b"user:1"));
        assert_eq!(slot(b"{}foo"), slot(b"{}foo"));
        assert_ne!(slot(b"{}foo"), slot(b"foo"));
        assert_eq!(slot(b"a{b}c{d}"), slot(b"b"));
    }

    #[test]
    fn a_primary_without_a_host_is_at_its_metadata_ip_or_the_answering_nodes_host() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let range = |first, last, host: Value, port, metadata: Vec<Value>| {
            let mut node = vec![host, Value::Int(port), bulk("id")];
            if !metadata.is_empty() {
                node.push(Value::Array(metadata));
            }
            Value::Array(vec![
                Value::Int(first),
                Value::Int(last),
                Value::Array(node),
            ])
        };
        let slots = Value::Array(vec![
            range(0, 100, Value::Nil, 7000, vec![bulk("ip"), bulk("10.0.0.1")]),
            range(101, 200, bulk(""), 7001, vec![]),
            range(201, 300, bulk("node-c"), 7002, vec![]),
        ]);
        let topology = Topology::parse(slots.clone(), Some("10.0.0.9")).unwrap();
        assert_eq!(
            topology.nodes,
            ["10.0.0.1:7000", "10.0.0.9:7001", "node-c:7002"]
        );
        // No host anywhere: not a map that can be routed by.
        assert!(Topology::parse(slots, None).is_none());
    }

    #[test]
    fn groups_keep_the_order_and_take_keyless_entries_along() {
        let topology = Topology {
            ranges: vec![(0, 5460, 0), (5461, 10922, 1), (10923, 16383, 2)],
            nodes: vec!["a:1".into(), "b:2".into(), "c:3".into()],
        };
        let slots = [None, Some(12182), Some(100), None, Some(12000), Some(6000)];
        let groups = group_by_node(&slots, &topology);
        assert_eq!(
            groups,
            [
                BatchGroup {
                    entries: vec![0, 1, 4],
                    slot: Some(12182),
                    node: Some("c:3".into()),
                },
                BatchGroup {
                    entries: vec![2, 3],
                    slot: Some(100),
                    node: Some("a:1".into()),
                },
                BatchGroup {
                    entries: vec![5],
                    slot: Some(6000),
                    node: Some("b:2".into()),
                },
            ]
        );
    }

    #[test]
    fn entries_across_slots_or_with_unknown_keys_are_refused_by_position() {
        let ok = ArgList::new(&["{a}1", "{a}2"]);
        let spanning = ArgList::new(&["foo", "bar"]);
        let words = ArgList::new(&["XREAD", "STREAMS", "s", "0"]);
        let e = entry_slots(
            [
                EntryKeys::Script(ok.values()),
                EntryKeys::Script(spanning.values()),
            ]
            .into_iter(),
        )
        .unwrap_err();
        let Error::Batch(b) = &e else { panic!("{e:?}") };
        assert_eq!(
            (b.kind(), b.entries()),
            (BatchErrorKind::CrossSlot, &[1][..])
        );
        assert!(!e.to_string().contains("foo"), "{e}");
        let e = entry_slots([EntryKeys::Command(words.values())].into_iter()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("entry 0 of the batch can not be routed"),
            "{e}"
        );
        let e = cross_slot_transaction(&[Some(1), None, Some(2), Some(1)], &[1, 2]);
        assert!(
            e.to_string()
                .contains("entries 0 and 3 in slot 1, entry 2 in slot 2"),
            "{e}"
        );
    }
}
