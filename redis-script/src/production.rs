//! In production: names, traces, every script of the binary, preloading and health checks, failover.

pub use crate::preload::{Missing, Preloaded, ScriptRef, missing_scripts, preload_scripts};
#[cfg(feature = "registry")]
pub use crate::registry::RegisteredScript;
