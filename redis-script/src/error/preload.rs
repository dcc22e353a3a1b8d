//! [`PreloadError`]: what [`preload`](crate::preload) could not load, and where.

use std::fmt;

use super::Error;

/// Some scripts (or a library of functions) could not be loaded on some server: which were loaded where, and which failed where,
/// with the server's answer (`NOPERM` without the ACL permission for SCRIPT, a node that is down).
///
/// Nothing ran: loading a script runs none of it. The scripts that failed are loaded by the first
/// `exec` that needs them, as always.
#[derive(Clone, Debug)]
pub struct PreloadError {
    pub(crate) loaded: Vec<LoadedScript>,
    pub(crate) failed: Vec<FailedLoad>,
    /// What was loaded: `"script"` (SCRIPT LOAD) or `"library"` (FUNCTION LOAD).
    pub(crate) what: &'static str,
}

/// A script loaded on a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedScript {
    /// The server: a cluster primary's `host:port`, or `None` for the one server of the transport.
    pub server: Option<String>,
    /// The script's name, if it has one.
    pub name: Option<String>,
    /// Its SHA-1.
    pub sha1: String,
}

/// A script that could not be loaded on a server, and why.
#[derive(Clone, Debug)]
pub struct FailedLoad {
    /// The server: a cluster primary's `host:port`, or `None` for the one server of the transport.
    pub server: Option<String>,
    /// The script's name, if it has one.
    pub name: Option<String>,
    /// Its SHA-1.
    pub sha1: String,
    /// What the server (or the transport) answered.
    pub error: Error,
}

impl PreloadError {
    /// A call's library (loaded as `library`) that the server refused to load with `error`: the call
    /// found no function, so nothing ran.
    pub(crate) fn library_refused(library: &str, sha1: &str, error: Error) -> Error {
        Error::Preload(Box::new(PreloadError {
            loaded: Vec::new(),
            failed: vec![FailedLoad {
                server: None,
                name: Some(library.to_owned()),
                sha1: sha1.to_owned(),
                error,
            }],
            what: "library",
        }))
    }

    /// The scripts that were loaded, per server.
    pub fn loaded(&self) -> &[LoadedScript] {
        &self.loaded
    }

    /// The scripts that could not be loaded, per server, with why.
    pub fn failed(&self) -> &[FailedLoad] {
        &self.failed
    }
}

/// `"lua/a.lua" on 127.0.0.1:7001`.
fn place(name: Option<&str>, sha1: &str, server: Option<&str>) -> String {
    let script = match name {
        Some(name) => format!("{name:?}"),
        None => sha1.to_owned(),
    };
    match server {
        Some(server) => format!("{script} on {server}"),
        None => script,
    }
}

impl fmt::Display for PreloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} {} loads failed",
            self.failed.len(),
            self.failed.len() + self.loaded.len(),
            self.what
        )?;
        for (i, failed) in self.failed.iter().enumerate() {
            let at = place(
                failed.name.as_deref(),
                &failed.sha1,
                failed.server.as_deref(),
            );
            write!(
                f,
                "{} {at}: {}",
                if i == 0 { ":" } else { ";" },
                failed.error
            )?;
        }
        if !self.loaded.is_empty() {
            let loaded: Vec<String> = self
                .loaded
                .iter()
                .map(|l| place(l.name.as_deref(), &l.sha1, l.server.as_deref()))
                .collect();
            write!(f, "; loaded: {}", loaded.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for PreloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failed
            .first()
            .map(|failed| &failed.error as &(dyn std::error::Error + 'static))
    }
}
