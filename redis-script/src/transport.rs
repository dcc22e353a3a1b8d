//! The seam between scripts and the wire: one method that sends a script command and returns its reply.
//!
//! Everything above it (the EVALSHA -> EVAL fallback, decoding) is written once in [`crate::Script`];
//! each transport only delivers a [`Command`] and classifies failures into [`Error`].

use std::future::Future;
use std::sync::Arc;

use crate::{Command, Error, Reply};

/// Something that can run a script command: a Redis connection, a pool, a cluster or an Upstash REST
/// client.
///
/// An implementation sends the command once and never retries it on its own unless it knows the command
/// did not reach the server (or it is read-only), and reports an error reply of the server through
/// [`Error::from_reply_text`] so that NOSCRIPT is recognised the same way on every transport.
pub trait Transport: Send + Sync {
    /// Sends `command` and returns the server's reply.
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, command: Command<'_>) -> impl Future<Output = Result<Reply, Error>> + Send {
        (**self).send(command)
    }
}
