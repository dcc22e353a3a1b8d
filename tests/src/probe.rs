//! Scratch crates that put many scripts through the real macro at once: rustc reports every macro
//! error of a crate in one build, so one `cargo check` judges them all.

use std::path::Path;
use std::process::Command;

use crate::{PROBE_TARGET, ProcessLock};

/// Writes the crate `name` under `tmp` (the test's `CARGO_TARGET_TMPDIR`) with `files[i]` as
/// `lua/{i}.lua` and `item(i)`, one line of Rust that names `../lua/{i}.lua`, as line `i + 1` of
/// `src/lib.rs`; builds it with `cargo check`, and returns the macro's errors per file.
///
/// Panics if an error is on no file's line: the crate itself failed.
pub fn macro_errors(
    tmp: &Path,
    name: &str,
    files: &[&str],
    item: impl Fn(usize) -> String,
) -> Vec<Vec<String>> {
    let dir = tmp.join(name);
    let _lock = ProcessLock::acquire(&dir.to_string_lossy());
    let _ = std::fs::remove_dir_all(dir.join("lua"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("lua")).unwrap();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facade = tests.join("../redis-script").canonicalize().unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}-cases\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\nredis-script = {{ path = {:?}, default-features = false }}\n\n\
             [workspace]\n",
            facade.to_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::copy(tests.join("../Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut lib = String::new();
    for (i, text) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("lua/{i}.lua")), text).unwrap();
        let line = item(i);
        assert!(!line.contains('\n'), "one line per file: {line:?}");
        lib.push_str(&line);
        lib.push('\n');
    }
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--quiet", "--offline", "--message-format=json"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", tmp.join(PROBE_TARGET))
        .output()
        .unwrap();
    let mut errors = vec![Vec::new(); files.len()];
    let mut unplaced = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let text = message["message"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let at = message["message"]["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
            .filter(|span| span["file_name"] == "src/lib.rs")
            .and_then(|span| span["line_start"].as_u64());
        match at {
            Some(line) if (1..=files.len() as u64).contains(&line) => {
                errors[line as usize - 1].push(text);
            }
            _ if text.starts_with("aborting due to") => {}
            _ => unplaced.push(text),
        }
    }
    assert!(
        output.status.success() || errors.iter().any(|e| !e.is_empty()),
        "cargo check failed without a macro error:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        unplaced.is_empty(),
        "errors outside the cases (the scratch crate itself failed):\n{}\n{}",
        unplaced.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    errors
}
