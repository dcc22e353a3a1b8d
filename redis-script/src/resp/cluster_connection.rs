//! `redis::cluster::ClusterConnection`, the `redis` crate's blocking cluster connection, as a
//! [`BlockingTransport`]: the cluster rules over commands it routes one at a time.

use redis::cluster::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::{ConnectionLike, RedisError, RedisResult, ServerError, Value};

use super::cluster::{self, NodeIo, Target};
use super::to_cmd;
use crate::transport::block_on;
use crate::{
    Batch, BatchGroup, BatchKeys, BatchReplies, BlockingTransport, Command, Error, Reply,
    TransportError, TransportErrorKind,
};

/// The `redis` crate's blocking cluster connection, at most once when its client is built with
/// `ClusterClientBuilder::new(urls).retries(0)`.
///
/// Its client re-sends a command whose connection broke, or that a node refused, up to its
/// `retries`: a script can then run more than once (the default client, 16 retries, ran one 17
/// times for a call whose reply was lost), and a command refused inside a transaction can be sent
/// again outside it, to another node. The client's retries can not be read from a connection, so they are
/// not checked here: build the client with `retries(0)`, or use
/// [`BlockingCluster`](crate::BlockingCluster), which never re-sends.
///
/// With `retries(0)` each command goes where the rules route it (`route_command`, by slot or by
/// address) and hands back its own reply. A node's part of a batch is therefore sent as its
/// commands one by one, in order, on that node's one connection (a transaction's `MULTI` and `EXEC`
/// too): every reply is seen, so after a `MOVED` or `ASK` exactly the refused commands are sent
/// again, as [`BlockingCluster`](crate::BlockingCluster) does, at the cost of one round trip per
/// command instead of one per part. Replicas are not read from: every part goes to a primary, so
/// that a part's commands all reach the same node.
///
/// Without retries the `redis` crate does not ask for the slot map again after a `MOVED`, and does
/// not make a node connection again after it broke: a moved slot costs a refused command, a
/// `CLUSTER NODES` to the node that refused it (which must bear the `MOVED` out) and a second send
/// to its new owner on every call, and once a node connection broke (a node that died,
/// restarted or failed over) every later call is refused, with a
/// [`Connect`](TransportErrorKind::Connect) error that sent nothing. Make a new connection
/// (`ClusterClient::get_connection`) after a resharding or an I/O error, or use
/// [`BlockingCluster`](crate::BlockingCluster), which does both by itself.
impl BlockingTransport for &mut ClusterConnection {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        usable(self)?;
        let cmd = to_cmd(&command);
        let slot = command.keys().iter().next().map(cluster::slot);
        block_on(cluster::send_command(&mut **self, cmd, slot, None))
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        usable(self)?;
        block_on(cluster::send_part(&mut &mut **self, &batch, None))
    }

    fn split_batch(
        &mut self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        usable(self)?;
        block_on(cluster::split(&mut &mut **self, entries, atomic, None))
    }

    fn primaries(&mut self) -> Result<Option<Vec<String>>, Error> {
        usable(self)?;
        block_on(cluster::primaries(&mut &mut **self))
    }
}

/// Refuses a connection one of whose node connections broke: without retries the `redis` crate
/// never makes it again, so each command routed there would fail as one that may have run.
fn usable(conn: &ClusterConnection) -> Result<(), Error> {
    if conn.is_open() {
        return Ok(());
    }
    Err(Error::Transport(TransportError::new(
        TransportErrorKind::Connect,
        "a node connection of this redis::cluster::ClusterConnection broke, and a client built \
         with retries(0) does not connect to that node again: make a new connection \
         (ClusterClient::get_connection), or use redis_script::BlockingCluster, which does; \
         nothing was sent",
        false,
    )))
}

/// Each command is sent, and its reply read, when the rules make the future: it is ready at once.
impl NodeIo for &mut ClusterConnection {
    fn command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
        slot: Option<u16>,
    ) -> impl Future<Output = RedisResult<Value>> + Send + 'a {
        let to = Target::primary_of(slot).routing();
        std::future::ready(self.route_command(cmd, RoutingInfo::SingleNode(to)))
    }

    fn pipeline(
        &mut self,
        pipeline: redis::Pipeline,
        count: usize,
        to: Target,
    ) -> impl Future<Output = RedisResult<Vec<Value>>> + Send {
        std::future::ready(one_by_one(self, &pipeline, count, one_node(to)))
    }

    fn command_to(
        &mut self,
        cmd: redis::Cmd,
        to: Target,
    ) -> impl Future<Output = RedisResult<Value>> + Send {
        std::future::ready(self.route_command(&cmd, RoutingInfo::SingleNode(to.routing())))
    }

    fn first_answer(&mut self, cmd: redis::Cmd) -> impl Future<Output = RedisResult<Value>> + Send {
        let every_node = cluster::every_node_until_one_answers();
        std::future::ready(self.route_command(&cmd, every_node))
    }
}

/// Where the commands of a part for `to` go, all to the same node: a primary (a replica could be
/// another one for each command), and for a part without keys the primary of slot 0 (the `redis`
/// crate picks a node at random for each command otherwise). The crate's slot map does not change
/// between two commands: without retries it is asked again only when no node connection is left.
/// (A single command goes where `to` says, as on the async connection.)
fn one_node(to: Target) -> SingleNodeRoutingInfo {
    match to {
        Target::Slot { slot, .. } | Target::Answered { slot, .. } => {
            SingleNodeRoutingInfo::SpecificNode(Route::new(slot, SlotAddr::Master))
        }
        Target::AnyPrimary | Target::Any => {
            SingleNodeRoutingInfo::SpecificNode(Route::new(0, SlotAddr::Master))
        }
        node @ Target::Node { .. } => node.routing(),
    }
}

/// Sends the `count` commands of `pipeline` to `to` one at a time, in order, each reply read before
/// the next is sent, and returns the replies, an error reply as its value (as a pipeline's would
/// be). A command that could not be sent or answered ends the part: the error of the first one is
/// the part's; of a later one, an I/O error that says the part may have run, since the commands
/// before it did.
///
/// A transaction that ends that way is ended with `DISCARD` on the same connection: after a timeout
/// the `redis` crate keeps the connection, which would otherwise still be inside `MULTI` for the
/// next command sent on it. (A broken connection ended the transaction already; after `EXEC` the
/// `DISCARD` is refused, harmlessly.)
fn one_by_one(
    conn: &mut ClusterConnection,
    pipeline: &redis::Pipeline,
    count: usize,
    to: SingleNodeRoutingInfo,
) -> RedisResult<Vec<Value>> {
    let mut values = Vec::with_capacity(count);
    let mut transaction = false;
    for cmd in pipeline.cmd_iter().take(count) {
        transaction |= cmd.get_packed_command() == MULTI;
        let failed = match conn.route_command(cmd, RoutingInfo::SingleNode(to.clone())) {
            Ok(value) => {
                values.push(value);
                continue;
            }
            Err(e) => match ServerError::try_from(e) {
                Ok(reply) => {
                    values.push(Value::ServerError(reply));
                    continue;
                }
                Err(e) if values.is_empty() => e,
                Err(e) => after_some_ran(e),
            },
        };
        if transaction {
            // Its own failure changes nothing: the part's error is `failed`.
            let _ = conn.route_command(&redis::cmd("DISCARD"), RoutingInfo::SingleNode(to));
        }
        return Err(failed);
    }
    Ok(values)
}

/// `MULTI` as the `redis` crate packs it.
const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";

/// `e`, met after some commands of a part ran, as an I/O error (a timeout stays one): whatever it
/// was, even a connection refused, the part may have run.
fn after_some_ran(e: RedisError) -> RedisError {
    if e.is_timeout() {
        return e;
    }
    RedisError::from((
        redis::ErrorKind::Io,
        "a command of a cluster node's part failed after the ones before it ran",
        e.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::error_from_redis;

    #[test]
    fn an_error_after_some_commands_ran_says_the_part_may_have_run() {
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!error_from_redis(refused.clone()).may_have_run());
        let after = error_from_redis(after_some_ran(refused));
        assert!(after.may_have_run(), "{after:?}");
        assert!(
            matches!(&after, Error::Transport(t) if t.kind() == TransportErrorKind::Io),
            "{after:?}"
        );

        let timeout = RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
        let after = error_from_redis(after_some_ran(timeout));
        assert!(
            matches!(&after, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout),
            "{after:?}"
        );
        assert!(after.may_have_run());
    }

    #[test]
    fn multi_is_recognised_as_the_redis_crate_packs_it() {
        assert_eq!(redis::cmd("MULTI").get_packed_command(), MULTI);
    }
}
