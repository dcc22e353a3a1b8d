//! Finds and reads the Lua file named by the path literal.
//!
//! Like `include_str!`, the path is relative to the directory of the source file that contains the
//! literal. When the compiler cannot tell that file (no `Span::local_file`, e.g. in some generated code),
//! the path is taken relative to `CARGO_MANIFEST_DIR`, the root of the calling package.

use std::io::Read;
use std::path::{Path, PathBuf};

use syn::LitStr;

/// A Lua file as read from disk.
#[derive(Debug)]
pub(crate) struct ScriptFile {
    /// Canonical absolute path, for `include_str!` (rebuild tracking).
    pub(crate) canonical: String,
    /// The path messages show: relative to the directory rustc runs in (the workspace root, where
    /// cargo prints its own paths from) when the file is under it, else absolute; either way one a
    /// terminal or an editor can open from `cargo build`'s output.
    pub(crate) shown: String,
    /// The exact file contents: what is hashed and sent to Redis.
    pub(crate) text: String,
}

/// Directory against which the path literal is resolved.
///
/// `local_file` may be relative: then it is relative to the compiler's working directory (Cargo runs
/// rustc from the workspace root), which is also this process's, since a proc macro runs inside rustc.
pub(crate) fn source_dir(lit: &LitStr) -> PathBuf {
    let local = if proc_macro::is_available() {
        lit.span().unwrap().local_file()
    } else {
        None
    };
    match local {
        Some(file) if file.is_absolute() => {
            file.parent().map(Path::to_path_buf).unwrap_or_default()
        }
        Some(file) => relative_source_dir(&file).unwrap_or_else(manifest_dir),
        None => manifest_dir(),
    }
}

/// The directory of a source file that the compiler names by a relative path.
///
/// rustc names files relative to its working directory: the workspace root when cargo builds a member.
/// Doctests are compiled from the package root while still naming files from the workspace root, so the
/// file is looked up from the working directory, then from the package root and its ancestors, and the
/// first place where it exists wins.
fn relative_source_dir(file: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok();
    let manifest = manifest_dir();
    cwd.into_iter()
        .chain(manifest.ancestors().map(Path::to_path_buf))
        .map(|base| base.join(file))
        .find(|candidate| candidate.is_file())
        .and_then(|found| found.parent().map(Path::to_path_buf))
}

fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Reads the file `lit` names, relative to `base`.
pub(crate) fn read_script(base: &Path, lit: &LitStr) -> syn::Result<ScriptFile> {
    let written = lit.value();
    let fail = |msg: String| Err(syn::Error::new(lit.span(), msg));
    if written.trim().is_empty() {
        return fail(
            "the script path is empty; name a .lua file relative to this source file".into(),
        );
    }
    let relative = Path::new(&written);
    if relative.has_root() || relative.is_absolute() {
        return fail(format!(
            "the script path {written:?} is absolute; write it relative to this source file, as for include_str!"
        ));
    }
    let joined = base.join(relative);
    let Ok(canonical) = joined.canonicalize() else {
        return fail(format!(
            "Lua script {written:?} not found (paths are relative to the directory of this source file); \
             check the path or create the file"
        ));
    };
    let metadata = match std::fs::metadata(&canonical) {
        Ok(metadata) => metadata,
        Err(_) => {
            return fail(format!(
                "Lua script {written:?} cannot be read; check that it is a readable file"
            ));
        }
    };
    if metadata.is_dir() {
        return fail(format!(
            "{written:?} is a directory, not a Lua file; name the .lua file inside it"
        ));
    }
    // A device reads forever (`/dev/zero`) and a FIFO blocks the build: only regular files are
    // opened.
    if !metadata.is_file() {
        return fail(format!(
            "{written:?} is not a regular file (a device, FIFO or socket); name a .lua file"
        ));
    }
    let too_large = |len: u64| redis_script_check::check_size(&written, len);
    if let Err(problem) = too_large(metadata.len()) {
        return fail(problem.message().to_owned());
    }
    // The file may grow between the two looks: read no more than one byte past the limit.
    let mut bytes = Vec::new();
    let read = std::fs::File::open(&canonical).and_then(|file| {
        file.take(redis_script_check::MAX_SCRIPT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
    });
    if read.is_err() {
        return fail(format!(
            "Lua script {written:?} cannot be read; check that it is a readable file"
        ));
    }
    if let Err(problem) = too_large(bytes.len() as u64) {
        return fail(problem.message().to_owned());
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            return fail(format!(
                "Lua script {written:?} is not valid UTF-8 (first bad byte at offset {at}); save it as UTF-8"
            ));
        }
    };
    if text.trim().is_empty() {
        return fail(format!(
            "Lua script {written:?} is empty; write the script or remove this call"
        ));
    }
    let Some(canonical) = canonical.to_str() else {
        return fail(format!(
            "the full path of Lua script {written:?} is not valid UTF-8, so it cannot be tracked for rebuilds; \
             move the project to a UTF-8 path"
        ));
    };
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| {
            Path::new(canonical)
                .strip_prefix(cwd)
                .ok()
                .map(Path::to_path_buf)
        })
        .and_then(|relative| relative.to_str().map(str::to_owned))
        .unwrap_or_else(|| canonical.to_owned());
    Ok(ScriptFile {
        canonical: canonical.to_owned(),
        shown,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn lit(s: &str) -> LitStr {
        LitStr::new(s, Span::call_site())
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lua-script-resolve-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn read_script_reads_exact_bytes() {
        let dir = temp_dir("ok");
        std::fs::write(dir.join("a.lua"), "return 1\r\n").unwrap();
        let file = read_script(&dir, &lit("a.lua")).unwrap();
        assert_eq!(file.text, "return 1\r\n");
        assert!(Path::new(&file.canonical).is_absolute());
    }

    #[test]
    fn read_script_errors_show_path_as_written() {
        let dir = temp_dir("errors");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("empty.lua"), " \n\t").unwrap();
        std::fs::write(dir.join("latin1.lua"), b"return '\xe9'").unwrap();
        std::fs::write(
            dir.join("large.lua"),
            "-".repeat(redis_script_check::MAX_SCRIPT_BYTES + 1),
        )
        .unwrap();
        let cases = [
            ("missing.lua", "Lua script \"missing.lua\" not found"),
            (
                "large.lua",
                "has 1048577 bytes, more than the 1048576 bytes (1 MiB) the checks take",
            ),
            ("sub", "\"sub\" is a directory"),
            ("empty.lua", "Lua script \"empty.lua\" is empty"),
            (
                "latin1.lua",
                "is not valid UTF-8 (first bad byte at offset 8)",
            ),
            ("/etc/passwd", "is absolute"),
            (
                "../../../../../../../../../../../../../../../../dev/zero",
                "is not a regular file (a device, FIFO or socket)",
            ),
            ("", "the script path is empty"),
        ];
        for (path, expected) in cases {
            let err = read_script(&dir, &lit(path)).unwrap_err().to_string();
            assert!(err.contains(expected), "{path}: {err}");
            assert!(!err.contains(dir.to_str().unwrap()), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn read_script_refuses_a_fifo_without_opening_it() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("pipe.lua");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            eprintln!("mkfifo is not available; skipped");
            return;
        }
        // Opening a FIFO with no writer would block this test forever.
        let err = read_script(&dir, &lit("pipe.lua")).unwrap_err().to_string();
        assert!(err.contains("is not a regular file"), "{err}");
    }

    #[test]
    fn read_script_takes_a_file_at_the_size_limit() {
        let dir = temp_dir("limit");
        let text = format!(
            "{}\nreturn 1",
            "-".repeat(redis_script_check::MAX_SCRIPT_BYTES - 9)
        );
        assert_eq!(text.len(), redis_script_check::MAX_SCRIPT_BYTES);
        std::fs::write(dir.join("max.lua"), &text).unwrap();
        assert_eq!(read_script(&dir, &lit("max.lua")).unwrap().text, text);
    }
}
