//! A local server that speaks the Upstash Redis REST API in front of a real Redis.
//!
//! It exists so that code written against Upstash (the official SDKs, or the
//! `redis-script` REST transport) can be tested against a Redis running on the
//! same machine, with the HTTP behaviour the hosted service shows: JSON command
//! bodies, `{"result": ..}` / `{"error": ..}` replies, `Upstash-Encoding: base64`,
//! `/pipeline`, `/multi-exec` and the `upstash-sync-token` header.
//!
//! With [`Config::record_requests`] on, the server keeps the last requests it
//! answered (headers without `Authorization`, body, the sync token sent and the
//! one answered, the status) so a test can check what a client really sent:
//! through [`Server::requests`] in-process, or `GET /__requests` from elsewhere.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use upstash_local::{Config, Server};
//!
//! let config = Config::new("redis://127.0.0.1:6379", "local-token");
//! let server = Server::bind("127.0.0.1:0".parse().unwrap(), config).await?;
//! println!("listening on http://{}", server.local_addr());
//! server.run().await
//! # }
//! ```
#![deny(missing_docs)]

mod api;
mod backend;
mod command;
mod config;
mod error;
mod record;
mod reply;
mod server;

pub use config::Config;
pub use record::{RecordedRequest, RequestLog};
pub use server::Server;
