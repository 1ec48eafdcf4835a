//! No circles between the modules of a crate: each crate's top-level modules, joined by the
//! `crate::` paths their files name (through the crate root's re-exports), form no cycle. A cycle
//! means two modules can only be understood, changed and tested together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which top-level module each `crate::` path of one file leads to.
type Edges = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments (a `crate::` in a doc link is not a dependency).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first segment of each path after `crate::` (both `crate::a::b` and `crate::{a, b::c}`).
fn first_segments(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with('$') {
            continue; // `$crate::` in a macro is a path where the macro is used
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(item.trim()).to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.push(ident(item.trim()).to_string());
        } else {
            out.push(ident(rest).to_string());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The crate root's `pub use module::...` re-exports: name → module.
fn reexports(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let module = ident(path).to_string();
        if !modules.contains(&module) {
            continue;
        }
        let tail = &path[module.len()..].trim_start_matches("::");
        let items: Vec<&str> = match tail.strip_prefix('{') {
            Some(group) => group.trim_end_matches('}').split(',').collect(),
            None => vec![tail],
        };
        for item in items {
            let item = item.trim();
            let name = match item.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => item.rsplit("::").next().unwrap_or(item),
            };
            if !name.is_empty() {
                names.insert(name.to_string(), module.clone());
            }
        }
    }
    names
}

/// The edges between a crate's top-level modules, with the files that make them.
fn module_edges(src: &Path) -> Edges {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top = |file: &Path| -> Option<String> {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel.components().next()?.as_os_str().to_str()?.to_string();
        let name = first.trim_end_matches(".rs").to_string();
        (name != "lib" && name != "main").then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top(f)).collect();
    let lib = ["lib.rs", "main.rs"]
        .iter()
        .find_map(|f| std::fs::read_to_string(src.join(f)).ok())
        .unwrap_or_default();
    let names = reexports(&code(&lib), &modules);
    let mut edges = Edges::new();
    for file in &files {
        let Some(from) = top(file) else { continue };
        let text = code(&std::fs::read_to_string(file).unwrap());
        for segment in first_segments(&text) {
            let to = if modules.contains(&segment) {
                segment
            } else if let Some(module) = names.get(&segment) {
                module.clone()
            } else {
                continue; // an item of the crate root itself
            };
            if to != from {
                let shown = file.strip_prefix(src).unwrap().display().to_string();
                edges
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(shown);
            }
        }
    }
    edges
}

/// Every cycle's modules (strongly connected components of more than one module).
fn cycles(edges: &Edges) -> Vec<BTreeSet<String>> {
    let reaches = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for next in edges.get(&m).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for from in edges.keys() {
        let component: BTreeSet<String> = reaches(from)
            .into_iter()
            .filter(|to| reaches(to).contains(from))
            .collect();
        if !component.is_empty() && !found.contains(&component) {
            found.push(component);
        }
    }
    found
}

fn crates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in ["shared", "functions"] {
        let Ok(entries) = std::fs::read_dir(root().join(group)) else {
            continue;
        };
        for entry in entries {
            let dir = entry.unwrap().path();
            if dir.join("src").is_dir() {
                out.push(dir.join("src"));
            }
        }
    }
    if root().join("cli/src").is_dir() {
        out.push(root().join("cli/src"));
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn no_crate_has_a_cycle_between_its_modules() {
    let crates = crates();
    assert!(crates.len() >= 8, "the crates were found: {crates:?}");
    let mut problems = Vec::new();
    for src in &crates {
        let edges = module_edges(src);
        for cycle in cycles(&edges) {
            let through: Vec<String> = cycle
                .iter()
                .flat_map(|from| {
                    edges[from]
                        .iter()
                        .filter(|(to, _)| cycle.contains(*to))
                        .map(move |(to, files)| format!("{from} -> {to} ({files:?})"))
                })
                .collect();
            problems.push(format!("{}: {}", src.display(), through.join("; ")));
        }
    }
    assert!(
        problems.is_empty(),
        "module cycles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_graph_sees_a_cycle_when_there_is_one() {
    // The check itself, on a crate made for it: a -> b through the root's re-export, b -> a by path.
    let dir = std::env::temp_dir().join(format!("module-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("lib.rs"),
        "mod a;\nmod b;\npub use b::{Thing, other::Other};\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.rs"),
        "use crate::{Thing, Other};\n// crate::c is a comment\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.rs"), "pub fn f() -> crate::a::X { todo!() }\n").unwrap();
    let edges = module_edges(&dir);
    assert_eq!(
        cycles(&edges),
        vec![BTreeSet::from(["a".to_string(), "b".to_string()])]
    );
    std::fs::write(dir.join("b.rs"), "pub struct Thing;\n").unwrap();
    assert!(cycles(&module_edges(&dir)).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
