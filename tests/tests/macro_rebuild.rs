//! Editing a script's `.lua` file rebuilds the crate that embeds it: `lua_script!` records the file as a
//! build dependency. Builds a small crate against this workspace's `redis-script`, edits its Lua file,
//! rebuilds, and runs the binary to see the new SHA-1. The crate is a member in a subdirectory of its
//! workspace, so the compiler sees its source path relative to the workspace root (as in any workspace).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use redis_script_tests::{PROBE_TARGET, ProcessLock};

/// `redis-cli -x SCRIPT LOAD` of `return 1\n`.
const SHA1_RETURN_1: &str = "48df9b519ca145c867b895f740b37bd891e887af";
/// `redis-cli -x SCRIPT LOAD` of `return 2\n`.
const SHA1_RETURN_2: &str = "b7ac6454df41a85df39e338f3e08cce31719ab72";

fn probe_workspace(root: &Path) -> PathBuf {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    // Same dependency versions as this workspace, without a registry look-up.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    std::fs::copy(lock, root.join("Cargo.lock")).unwrap();
    let app = root.join("app");
    probe_crate(&app);
    app
}

fn probe_crate(dir: &Path) {
    let facade = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../redis-script")
        .canonicalize()
        .unwrap();
    std::fs::create_dir_all(dir.join("src/lua")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nredis-script = {{ path = {:?}, default-features = false }}\n",
            facade.to_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "static PROBE: redis_script::Script = redis_script::lua_script!(\"lua/probe.lua\");\n\
         fn main() {\n    println!(\"{}\", PROBE.sha1());\n}\n",
    )
    .unwrap();
}

fn build_and_run(dir: &Path, target: &Path) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        // The copied lock file pins every dependency, which the workspace build already fetched.
        .args(["build", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "probe crate failed to build:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(target.join("debug/rebuild-probe"))
        .output()
        .unwrap();
    assert!(run.status.success());
    String::from_utf8(run.stdout).unwrap().trim().to_owned()
}

#[test]
fn macro_rebuild_after_lua_edit() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macro-rebuild");
    // One folder and target dir, kept between runs so rebuilds are warm; a run in another process
    // (nextest, or a second `cargo test`) waits here instead of editing the same Lua file.
    let _lock = ProcessLock::acquire(&root.to_string_lossy());
    let workspace = root.join("probe");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(PROBE_TARGET);
    let app = probe_workspace(&workspace);
    let lua = app.join("src/lua/probe.lua");

    std::fs::write(&lua, "return 1\n").unwrap();
    assert_eq!(build_and_run(&workspace, &target), SHA1_RETURN_1);

    std::fs::write(&lua, "return 2\n").unwrap();
    assert_eq!(
        build_and_run(&workspace, &target),
        SHA1_RETURN_2,
        "editing the .lua file must rebuild"
    );

    let dep_info = std::fs::read_to_string(target.join("debug/rebuild-probe.d")).unwrap();
    assert!(
        dep_info.contains("probe.lua"),
        "dep-info lists the script: {dep_info}"
    );
}
