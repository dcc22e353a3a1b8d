//! [`BlockingCluster`]: the blocking twin of [`Cluster`](crate::Cluster), over blocking node
//! connections of its own, driving the same cluster rules.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::time::Duration;

use redis::cluster::NodeAddress;
use redis::{
    ConnectionAddr, ConnectionInfo, ConnectionLike, ErrorKind, IntoConnectionInfo, RedisError,
    RedisResult, ServerErrorKind, Value,
};

use super::cluster::{self, NodeIo, Routes, Target, Topology};
use super::{error_from_redis, to_cmd};
use crate::transport::block_on;
use crate::{
    Batch, BatchGroup, BatchKeys, BatchReplies, BlockingTransport, Command, Error, Reply,
    TransportError, TransportErrorKind,
};

/// A Redis Cluster client for the [blocking](crate::blocking) API, at most once as
/// [`Cluster`](crate::Cluster) is: the same rules (a batch split by slot, each node's part in one
/// round trip, `MOVED` and `ASK` followed only for what provably did not run), over one blocking
/// connection per node that hands back every reply of a pipeline.
///
/// ```no_run
/// use redis_script::{BlockingCluster, Script};
///
/// fn main() -> redis_script::Result<()> {
///     let mut cluster = BlockingCluster::connect(["redis://127.0.0.1:7000"])?;
///     let incr = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
///     let n = incr.exec_blocking(&mut cluster, ["{user:1}:visits"], ())?;
///     Ok(())
/// }
/// ```
///
/// It never sends a command again by itself: a connection that breaks is an error with
/// `may_have_run()` true (the next command connects again), and a redirect is followed by the rules
/// above it. It learns which node serves which slot from `CLUSTER SLOTS`, asked again after a
/// `MOVED` and after a node could not be reached (a failover). Every node connection is made with the settings of the first URL (user, password,
/// protocol, TLS), at the address the cluster gives.
///
/// # `BlockingCluster` or `redis`'s `ClusterConnection`
///
/// `&mut redis::cluster::ClusterConnection`, the `redis` crate's blocking cluster connection, is a
/// [`BlockingTransport`] over the same rules, at most once when its client is built with
/// `ClusterClientBuilder::new(urls).retries(0)` (its retries can not be read from a connection, so
/// that is not checked). Its pipelines are routed by their first command's keys and hand back only
/// the first error, so it sends a node's part of a batch as its commands one by one (`route_command`
/// by address), each reply seen: what a redirect refused is known as exactly as here, at one round
/// trip per command instead of one per part. Choose `BlockingCluster` for batches, for a cluster
/// whose slots move (without retries that connection never asks for the slot map again: each call
/// on a moved slot is refused once and sent again), and for failovers (once one of its node
/// connections broke it refuses every call, and you make a new connection); choose the `redis`
/// crate's connection when you already hold one, for single calls on a stable cluster, or for its
/// client options (read routing is not used: every part goes to a primary).
///
/// ```no_run
/// use redis_script::Script;
/// use redis_script::redis::cluster::ClusterClientBuilder;
///
/// fn main() -> redis_script::Result<()> {
///     // Without retries: a broken connection is an error that may have run, never a second run.
///     let client = ClusterClientBuilder::new(["redis://127.0.0.1:7000"]).retries(0).build()?;
///     let mut conn = client.get_connection()?;
///     let incr = Script::<i64>::new("return redis.call('INCR', KEYS[1])");
///     let n = incr.exec_blocking(&mut conn, ["{user:1}:visits"], ())?;
///     Ok(())
/// }
/// ```
pub struct BlockingCluster {
    nodes: Nodes,
    routes: Routes,
}

/// The node connections of a [`BlockingCluster`], and where slots live.
struct Nodes {
    /// The URLs it was given: the first cluster map is asked of them.
    seeds: Vec<ConnectionInfo>,
    /// The first URL, whose settings every node connection takes.
    template: ConnectionInfo,
    /// One connection per node that was used, by `host:port`.
    links: HashMap<String, redis::Connection>,
    /// Which node serves which slot; `None` after a node that failed, asked again before the next
    /// command routed by slot.
    topology: Option<Topology>,
    /// A `MOVED` was seen since `topology` was read: it is asked again before the next command
    /// routed by slot, but not to find the node that answered that `MOVED`
    /// ([`Target::Answered`]).
    stale: bool,
    /// Read and write timeout of every node connection.
    timeout: Option<Duration>,
    /// Where to reach a node the cluster names (`host:port`) when not at that address.
    address_map: HashMap<String, (String, u16)>,
}

impl BlockingCluster {
    /// Connects to the cluster that `nodes` (URLs such as `redis://127.0.0.1:7000`, or anything the
    /// `redis` crate takes as connection info) belong to, and asks it which node serves which slot.
    ///
    /// # Errors
    ///
    /// A URL that can not be read ([`Config`](TransportErrorKind::Config)), or no node that
    /// answered `CLUSTER SLOTS` with a slot map: the last node's error.
    pub fn connect<T: IntoConnectionInfo>(
        nodes: impl IntoIterator<Item = T>,
    ) -> Result<BlockingCluster, Error> {
        BlockingCluster::connect_with_address_map(nodes, HashMap::new())
    }

    /// As [`connect`](Self::connect), reaching each node the cluster names by a key of `map` at
    /// the address it maps to (a cluster behind NAT, a port forward or a proxy), as
    /// `ClusterClientBuilder::node_address_map` does for the `redis` crate's client.
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect).
    pub fn connect_with_address_map<T: IntoConnectionInfo>(
        nodes: impl IntoIterator<Item = T>,
        map: HashMap<NodeAddress, NodeAddress>,
    ) -> Result<BlockingCluster, Error> {
        let address_map = map
            .into_iter()
            .map(|(from, to)| {
                let from = format!("{}:{}", from.host(), from.port());
                (from, (to.host().to_owned(), to.port()))
            })
            .collect();
        let seeds = nodes
            .into_iter()
            .map(IntoConnectionInfo::into_connection_info)
            .collect::<RedisResult<Vec<_>>>()
            .map_err(error_from_redis)?;
        let Some(template) = seeds.first().cloned() else {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Config,
                "BlockingCluster::connect needs the URL of at least one node of the cluster",
                false,
            )));
        };
        let mut nodes = Nodes {
            seeds,
            template,
            links: HashMap::new(),
            topology: None,
            stale: false,
            timeout: None,
            address_map,
        };
        nodes.topology = Some(block_on(cluster::topology_by(&mut &mut nodes, None))?);
        Ok(BlockingCluster {
            nodes,
            routes: Routes::default(),
        })
    }

    /// Gives up waiting for a node's reply, or for a command to be written, after `timeout`
    /// (`None`, the default: wait as long as it takes). A timeout is a
    /// [`TransportErrorKind::Timeout`] with `may_have_run()` true, never followed by a second send.
    /// The node's connection is then dropped (its late reply, or the rest of a command half
    /// written, would put it out of step), and the next command to that node connects again; a
    /// pipeline stops at its first reply that timed out.
    ///
    /// # Errors
    ///
    /// A zero duration, which the `redis` crate refuses.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        for link in self.nodes.links.values() {
            link.set_read_timeout(timeout).map_err(error_from_redis)?;
            link.set_write_timeout(timeout).map_err(error_from_redis)?;
        }
        self.nodes.timeout = timeout;
        Ok(())
    }
}

impl fmt::Debug for BlockingCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut connected: Vec<&str> = self.nodes.links.keys().map(String::as_str).collect();
        connected.sort_unstable();
        f.debug_struct("BlockingCluster")
            .field("retries", &0)
            .field("connected", &connected)
            .finish()
    }
}

impl BlockingTransport for &mut BlockingCluster {
    fn send(&mut self, command: Command<'_>) -> Result<Reply, Error> {
        let cmd = to_cmd(&command);
        let slot = command.keys().iter().next().map(cluster::slot);
        block_on(cluster::send_command(&mut self.nodes, cmd, slot, None))
    }

    fn send_batch(&mut self, batch: Batch<'_>) -> BatchReplies {
        block_on(cluster::send_part(
            &mut &mut self.nodes,
            &batch,
            Some(&self.routes),
        ))
    }

    fn split_batch(
        &mut self,
        entries: BatchKeys<'_>,
        atomic: bool,
    ) -> Result<Option<Vec<BatchGroup>>, Error> {
        block_on(cluster::split(
            &mut &mut self.nodes,
            entries,
            atomic,
            Some(&self.routes),
        ))
    }

    fn primaries(&mut self) -> Result<Option<Vec<String>>, Error> {
        block_on(cluster::primaries(&mut &mut self.nodes))
    }
}

/// Each command is sent, and its reply read, when the rules make the future: it is ready at once.
impl NodeIo for &mut Nodes {
    fn command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
        slot: Option<u16>,
    ) -> impl Future<Output = RedisResult<Value>> + Send + 'a {
        std::future::ready(self.send_to(Target::primary_of(slot), cmd))
    }

    fn pipeline(
        &mut self,
        pipeline: redis::Pipeline,
        count: usize,
        to: Target,
    ) -> impl Future<Output = RedisResult<Vec<Value>>> + Send {
        std::future::ready(self.pipeline_to(to, &pipeline, count))
    }

    fn command_to(
        &mut self,
        cmd: redis::Cmd,
        to: Target,
    ) -> impl Future<Output = RedisResult<Value>> + Send {
        std::future::ready(self.send_to(to, &cmd))
    }

    fn first_answer(&mut self, cmd: redis::Cmd) -> impl Future<Output = RedisResult<Value>> + Send {
        std::future::ready(self.first_answer_of(&cmd))
    }
}

impl Nodes {
    fn send_to(&mut self, to: Target, cmd: &redis::Cmd) -> RedisResult<Value> {
        let address = self.address_of(to)?;
        let value = self.on(&address, |link| link.req_command(cmd))?;
        self.saw(&value);
        Ok(value)
    }

    fn pipeline_to(
        &mut self,
        to: Target,
        pipeline: &redis::Pipeline,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let address = self.address_of(to)?;
        let packed = pipeline.get_packed_pipeline();
        // Read reply by reply, stopping at the first error: the `redis` crate's own loop waits a
        // whole timeout for each reply left after one timed out.
        let values = self.on(&address, |link| {
            link.send_packed_command(&packed)?;
            let mut values = Vec::with_capacity(count);
            while values.len() < count {
                match link.recv_response()? {
                    // RESP3 push data between replies is no reply.
                    Value::Push { .. } => {}
                    value => values.push(value),
                }
            }
            Ok(values)
        })?;
        for value in &values {
            self.saw(value);
        }
        Ok(values)
    }

    /// Asks each node it has a connection to, then each seed, until one answers without an error.
    fn first_answer_of(&mut self, cmd: &redis::Cmd) -> RedisResult<Value> {
        self.first_answer_at(cmd).map(|(_, value)| value)
    }

    /// As [`first_answer_of`](Self::first_answer_of), with the address of the node that answered.
    fn first_answer_at(&mut self, cmd: &redis::Cmd) -> RedisResult<(String, Value)> {
        let mut addresses: Vec<String> = self.links.keys().cloned().collect();
        addresses.sort_unstable();
        addresses.extend(self.seeds.iter().filter_map(|seed| address(seed.addr())));
        let mut last = None;
        for address in addresses {
            match self.on(&address, |link| link.req_command(cmd)) {
                Ok(Value::ServerError(e)) => last = Some(RedisError::from(e)),
                Ok(value) => return Ok((address, value)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            RedisError::from((
                ErrorKind::InvalidClientConfig,
                "no node address among the URLs given",
            ))
        }))
    }

    /// A `MOVED` reply: the slot map may be out of date, and is asked again before the next
    /// command routed by slot.
    fn saw(&mut self, value: &Value) {
        if matches!(value, Value::ServerError(e) if e.code() == "MOVED") {
            self.stale = true;
        }
    }

    /// The `host:port` of the node `to` names.
    fn address_of(&mut self, to: Target) -> RedisResult<String> {
        if let Target::Node { host, port } = to {
            return Ok(format!("{host}:{port}"));
        }
        let answered = matches!(to, Target::Answered { .. });
        if self.topology.is_none() || (self.stale && !answered) {
            // The node's own error when none answers (refused: nothing was sent).
            let (at, map) = self.first_answer_at(redis::cmd("CLUSTER").arg("SLOTS"))?;
            let answered = at.rsplit_once(':').map(|(host, _)| host);
            let topology = Topology::parse(map, answered).ok_or_else(|| {
                RedisError::from((
                    ErrorKind::Parse,
                    "the reply to CLUSTER SLOTS is not a slot map",
                ))
            })?;
            self.topology = Some(topology);
            self.stale = false;
        }
        let topology = self.topology.as_ref();
        let found = match to {
            // Replicas are not read from: a read-only command goes to the primary.
            Target::Slot { slot, .. } | Target::Answered { slot, .. } => {
                topology.and_then(|t| t.primary_of(slot))
            }
            // A node it is connected to, so that one that is down is not asked first.
            _ => topology.and_then(|t| {
                let mut nodes = t.nodes.iter();
                let linked = nodes.clone().find(|node| self.links.contains_key(*node));
                linked.or_else(|| nodes.next()).map(String::as_str)
            }),
        };
        found.map(str::to_owned).ok_or_else(|| {
            // What a node says of a slot no node serves; nothing was sent.
            RedisError::from((
                ErrorKind::Server(ServerErrorKind::ClusterDown),
                "Hash slot not served",
            ))
        })
    }

    /// Runs `f` on the connection to `address`, made first if there is none. Only a complete reply
    /// (an error reply included) keeps a connection in step; after any other error (broken, timed
    /// out with half a command written or its reply still to come, a reply the `redis` crate could
    /// not read) it is dropped, so that the next command makes a new one and never reads an old
    /// reply. A node that can not be reached, or whose connection failed, may have failed over: the
    /// slot map is asked again before the next command routed by slot.
    fn on<R>(
        &mut self,
        address: &str,
        f: impl FnOnce(&mut redis::Connection) -> RedisResult<R>,
    ) -> RedisResult<R> {
        let link = match self.links.entry(address.to_owned()) {
            Entry::Occupied(link) => link.into_mut(),
            Entry::Vacant(vacant) => {
                let reach = self.address_map.get(address);
                match connect(&self.template, address, reach, self.timeout) {
                    Ok(link) => vacant.insert(link),
                    Err(e) => {
                        self.topology = None;
                        return Err(e);
                    }
                }
            }
        };
        let result = f(link);
        if result.is_err() {
            self.links.remove(address);
            self.topology = None;
        }
        result
    }
}

/// A connection to the node at `address` (`host:port`), or at `reach` if given, with `template`'s
/// settings.
fn connect(
    template: &ConnectionInfo,
    address: &str,
    reach: Option<&(String, u16)>,
    timeout: Option<Duration>,
) -> RedisResult<redis::Connection> {
    let Some((host, port)) = reach
        .map(|(host, port)| (host.as_str(), *port))
        .or_else(|| {
            let (host, port) = address.rsplit_once(':')?;
            Some((host, port.parse::<u16>().ok()?))
        })
    else {
        return Err(RedisError::from((
            ErrorKind::InvalidClientConfig,
            "a cluster node address is not host:port",
            address.to_owned(),
        )));
    };
    let client = redis::Client::open(at(template, host, port))?;
    let link = match timeout {
        Some(timeout) => client.get_connection_with_timeout(timeout)?,
        None => client.get_connection()?,
    };
    link.set_read_timeout(timeout)?;
    link.set_write_timeout(timeout)?;
    Ok(link)
}

/// `template`'s settings at `host:port` (TLS kept if it has TLS).
fn at(template: &ConnectionInfo, host: &str, port: u16) -> ConnectionInfo {
    let addr = match template.addr() {
        ConnectionAddr::TcpTls {
            insecure,
            tls_params,
            ..
        } => ConnectionAddr::TcpTls {
            host: host.to_owned(),
            port,
            insecure: *insecure,
            tls_params: tls_params.clone(),
        },
        _ => ConnectionAddr::Tcp(host.to_owned(), port),
    };
    template.clone().set_addr(addr)
}

/// The `host:port` of a TCP address.
fn address(addr: &ConnectionAddr) -> Option<String> {
    match addr {
        ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
            Some(format!("{host}:{port}"))
        }
        _ => None,
    }
}
