//! The runtime's floors, held: a module of `src/` uses only its own floor and the floors below it
//! (CONTRIBUTING.md, "Layers"). Reads every source file's `crate::` paths, resolves the names the
//! crate root re-exports to the module that defines them, and fails on a path that reaches up.
//!
//! What it reads: `crate::` paths in code (comments and string literals are skipped), in `use` items
//! and inline alike, tests included. `super::` paths stay inside a module and are not read.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The floors, lowest first, and the modules on each.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "ground floor",
        &[
            "args",
            "reply",
            "command",
            "command_table",
            "label",
            "de",
            "error",
            "trace",
        ],
    ),
    ("transport seam", &["transport"]),
    (
        "rules",
        &[
            "script",
            "function",
            "batch",
            "blocking",
            "preload",
            "registry",
            "production",
        ],
    ),
    ("transports", &["resp", "rest"]),
];

/// Which floors each floor may use: its own and those below; the transports never use the rules.
fn may_use(from: &str, to: &str) -> bool {
    let allowed: &[&str] = match from {
        "ground floor" => &["ground floor"],
        "transport seam" => &["ground floor", "transport seam"],
        "rules" => &["ground floor", "transport seam", "rules"],
        "transports" => &["ground floor", "transport seam", "transports"],
        _ => &[],
    };
    allowed.contains(&to)
}

fn floor_of(module: &str) -> Option<&'static str> {
    FLOORS
        .iter()
        .find(|(_, modules)| modules.contains(&module))
        .map(|(floor, _)| *floor)
}

/// The source with comments and the contents of string and character literals blanked out, lines
/// kept where they were.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_char_before(&chars, i)
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &skipped in &chars[i..j.min(chars.len())] {
                out.push(blank(skipped));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\''), or a lifetime ('a), which is kept.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                for _ in i..=j.min(chars.len() - 1) {
                    out.push(' ');
                }
                i = j + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The first segment of every path that starts at `crate::`, with its line: `use crate::{a::B, C}`
/// gives `a` and `C`.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[at + "crate::".len()..];
        for first in first_segments(rest) {
            found.push((line, first));
        }
    }
    found
}

/// The first segments of the path (or brace group of paths) at the start of `rest`.
fn first_segments(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut segments = Vec::new();
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => {
                    depth += 1;
                    item.push(c);
                }
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    item.push(c);
                }
                ',' if depth == 0 => {
                    segments.extend(first_segments(&item).into_iter().take(1));
                    item.clear();
                }
                _ => item.push(c),
            }
        }
        segments.extend(first_segments(&item).into_iter().take(1));
        return segments;
    }
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        Vec::new()
    } else {
        vec![ident]
    }
}

/// The names `lib.rs` re-exports (`pub use module::{A, B as C};`), by the module they come from.
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let code = code_only(lib);
    let mut names = BTreeMap::new();
    for (at, _) in code.match_indices("pub use ") {
        let statement = &code[at + "pub use ".len()..];
        let statement = &statement[..statement.find(';').unwrap_or(statement.len())];
        let module: String = statement
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // `__private` re-exports what the root has already placed.
        if module == "crate" {
            continue;
        }
        let leaves = statement
            .split(['{', '}', ',', ':'])
            .map(str::trim)
            .filter(|leaf| !leaf.is_empty());
        for leaf in leaves {
            let name = leaf.rsplit(' ').next().unwrap_or(leaf);
            names.insert(name.to_owned(), module.clone());
        }
    }
    names
}

/// The top-level modules of `src/`: `x.rs` and `x/`.
fn modules(src: &Path) -> Vec<String> {
    let mut modules: Vec<String> = fs::read_dir(src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_owned();
            let is_module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
            (is_module && name != "lib").then_some(name)
        })
        .collect();
    modules.sort();
    modules
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The upward uses in the file `source` of `module`, as messages.
fn violations(
    module: &str,
    file: &str,
    source: &str,
    modules: &[String],
    root: &BTreeMap<String, String>,
) -> Vec<String> {
    let from = floor_of(module).unwrap_or("unplaced");
    let mut found = Vec::new();
    for (line, first) in crate_paths(&code_only(source)) {
        let target = if modules.contains(&first) {
            first.clone()
        } else if let Some(module) = root.get(&first) {
            module.clone()
        } else {
            found.push(format!(
                "{file}:{line}: `crate::{first}`: not a module, nor a name lib.rs re-exports \
                 from one; use the module's path"
            ));
            continue;
        };
        if target == module {
            continue;
        }
        let Some(to) = floor_of(&target) else {
            found.push(format!(
                "{file}:{line}: `crate::{first}` is in module `{target}`, which no floor holds"
            ));
            continue;
        };
        if !may_use(from, to) {
            found.push(format!(
                "{file}:{line}: `{module}` ({from}) uses `crate::{first}` of `{target}` ({to}), \
                 a floor it may not use"
            ));
        }
    }
    found
}

#[test]
fn no_module_uses_a_floor_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let root = root_names(&lib);
    let modules = modules(&src);
    let unplaced: Vec<&String> = modules.iter().filter(|m| floor_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules on no floor: {unplaced:?}; place them in FLOORS (and in CONTRIBUTING.md)"
    );
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    let mut paths = 0;
    for path in files {
        let relative = path.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" {
            continue;
        }
        let source = fs::read_to_string(&path).unwrap();
        paths += crate_paths(&code_only(&source)).len();
        let file = format!("src/{}", relative.display());
        found.extend(violations(&module, &file, &source, &modules, &root));
    }
    // The check reads something: the crate has well over a hundred `crate::` paths.
    assert!(paths > 100, "only {paths} crate:: paths found");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_an_upward_use_in_every_form() {
    let modules: Vec<String> = ["error", "script", "batch", "resp", "transport", "label"]
        .map(String::from)
        .to_vec();
    let root = root_names(
        "pub use batch::{Limits, Pipeline};\n#[doc(hidden)]\npub use script::{Script as Old, ScriptRO};\npub use error::Error;",
    );
    let check = |module: &str, source: &str| violations(module, "f.rs", source, &modules, &root);
    // By module path, through a name of the root, inside a group, inline, and from a test.
    assert_eq!(check("error", "use crate::script::Source;").len(), 1);
    assert_eq!(check("error", "use crate::Pipeline;").len(), 1);
    assert_eq!(check("error", "use crate::Old;").len(), 1);
    assert_eq!(
        check("label", "use crate::{error::Error, batch::X, ScriptRO};").len(),
        2
    );
    assert_eq!(check("error", "fn f() { crate::batch::run(); }").len(), 1);
    assert_eq!(
        check(
            "error",
            "#[cfg(test)]\nmod tests {\n    use crate::batch::X;\n}"
        )
        .len(),
        1
    );
    assert_eq!(check("transport", "use crate::batch::Entries;").len(), 1);
    assert_eq!(check("resp", "use crate::batch::commands;").len(), 1);
    // What may be used: the floors below, its own module, and nothing in comments or strings.
    assert!(check("script", "use crate::error::Error;\nuse crate::Pipeline;").is_empty());
    assert!(check("resp", "use crate::transport::Transport; use crate::Error;").is_empty());
    assert!(
        check(
            "error",
            "// crate::script::Source\nlet s = \"crate::batch\";"
        )
        .is_empty()
    );
    assert!(
        check(
            "error",
            "use crate::error::Error; let c = '\"'; use crate::label::X;"
        )
        .is_empty()
    );
    assert!(check("error", "/// [`Pipeline`](crate::Pipeline)\nstruct E;").is_empty());
    // An unknown name is reported, not let through.
    assert_eq!(check("error", "use crate::Nowhere;").len(), 1);
}
