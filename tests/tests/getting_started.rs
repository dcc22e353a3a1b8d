//! The Getting-started program as a user pastes it: the crate page's `Cargo.toml` lines (RESP only),
//! its `lua/hits.lua` and `src/main.rs`, in a clean scratch crate; built with Cargo, run against a
//! test server, and its dependency tree free of an HTTP client and a TLS stack. The README shows
//! the same text.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use redis_script_tests::{PROBE_TARGET, ProcessLock, RedisServer};

/// The body of the first code block fenced with ```` ```{fence} ```` after `after` in `text`.
fn block<'t>(text: &'t str, after: &str, fence: &str) -> &'t str {
    let from = text.find(after).unwrap_or_else(|| panic!("no {after:?}"));
    let open = format!("```{fence}\n");
    let start = from + text[from..].find(&open).unwrap() + open.len();
    let end = start + text[start..].find("```").unwrap();
    &text[start..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_getting_started_program_builds_resp_only_and_runs() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facade = tests.join("../redis-script").canonicalize().unwrap();
    let page = std::fs::read_to_string(facade.join("src/lib.md")).unwrap();
    let readme = std::fs::read_to_string(tests.join("../README.md")).unwrap();
    let manifest = block(&page, "# Getting started", "toml");
    let lua = block(&page, "# Getting started", "lua");
    let main = block(&page, "# Getting started", "rust,no_run");
    assert_eq!(block(&readme, "## Getting started", "toml"), manifest);
    assert_eq!(block(&readme, "## Getting started", "lua"), lua);
    assert_eq!(block(&readme, "## Getting started", "rust"), main);
    // The file the crate page's doc test compiles is the one shown.
    assert_eq!(
        std::fs::read_to_string(facade.join("lua/hits.lua")).unwrap(),
        lua
    );

    // The published version becomes this checkout; everything else as written.
    let line = manifest
        .lines()
        .find(|l| l.starts_with("redis-script ="))
        .unwrap();
    let path = format!("path = {:?}", facade.to_str().unwrap());
    let local = line
        .replace("version = \"0.1\"", &path)
        .replace("= \"0.1\"", &format!("= {{ {path} }}"));
    assert_ne!(line, local, "the dependency line names a version");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("getting-started");
    let _lock = ProcessLock::acquire(&dir.to_string_lossy());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("lua")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"getting-started\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n{}\n[workspace]\n",
            manifest.replace(line, &local)
        ),
    )
    .unwrap();
    std::fs::copy(tests.join("../Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("lua/hits.lua"), lua).unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = tmp.join(PROBE_TARGET);

    // RESP only: no HTTP client, no TLS stack.
    let tree = Command::new(&cargo)
        .args(["tree", "--offline", "--edges", "normal", "--prefix", "none"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.contains("redis v1."), "{tree}");
    for heavy in ["reqwest ", "rustls ", "ring ", "hyper "] {
        assert!(
            !tree.lines().any(|l| l.starts_with(heavy)),
            "{heavy}in {tree}"
        );
    }

    let build = Command::new(&cargo)
        .args(["build", "--quiet", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let server = RedisServer::start();
    for expected in 1..=2 {
        let run = Command::new(target.join("debug/getting-started"))
            .env("REDIS_URL", server.url())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&run.stdout),
            format!("hits:home = {expected}\n")
        );
    }
    let ttl: i64 = server.query(redis::cmd("TTL").arg("hits:home")).await;
    assert!((1..=3600).contains(&ttl), "{ttl}");
}
