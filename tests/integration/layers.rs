//! The layer order of `src/` (docs/architecture.md): a module may import only modules of a
//! lower layer, never one of its own layer but itself, and never a higher one (the `cli` ↔
//! `app` pairing excepted). This test reads every `crate::` path in the library's non-test
//! code (comments and `#[cfg(test)]` modules at the bottom of a file are skipped) and fails
//! on any import against the order, naming the file, the line and the rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Layers from the bottom up; a module may use the modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["error", "files", "stats", "pow"],
    &["params", "chain"],
    &["analytic"],
    &["estimate", "bounds", "mdp", "policy"],
    &["blockrace", "net"],
    &["attack"],
    &["economics"],
    &["experiment"],
    &["report", "scenario"],
    &["app", "cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/net/cell.rs` → `net`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    Some(name)
}

/// Pairs the layer order allows but the design forbids: (module, modules it must not
/// import). Reports format typed results and never reach into an engine.
const FORBIDDEN: &[(&str, &[&str])] = &[("report", &["blockrace", "net"])];

/// Every `crate::name` in the code of `text` (not in comments, not in an item marked
/// `#[cfg(test)]`), with its line number; `crate::{a, b::c}` gives `a` and `b`.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut skip = Skip::default();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split("//").next().unwrap_or("");
        if skip.test_item(code) {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let names: Vec<String> = match after.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(first_segment)
                    .collect(),
                None => vec![first_segment(after)],
            };
            out.extend(
                names
                    .into_iter()
                    .filter(|n| !n.is_empty())
                    .map(|n| (i + 1, n)),
            );
            rest = after;
        }
    }
    out
}

/// The first path segment of `path` (`net::spec::X` → `net`).
fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Skips the item after each `#[cfg(test)]`, by its braces (a `mod tests { … }` anywhere in
/// the file, or a one-line item ending in `;`), and nothing after it.
#[derive(Default)]
struct Skip {
    /// An attribute was seen and its item has not started or not ended.
    active: bool,
    /// Brace depth inside the skipped item.
    depth: i64,
    /// Whether the item's opening brace was seen.
    opened: bool,
}

impl Skip {
    /// Whether `code` (one line, comments removed) belongs to a test-only item.
    fn test_item(&mut self, code: &str) -> bool {
        if code.starts_with("#[cfg(test)]") {
            *self = Skip {
                active: true,
                ..Skip::default()
            };
            return true;
        }
        if !self.active {
            return false;
        }
        for c in code.chars() {
            match c {
                '{' => {
                    self.depth += 1;
                    self.opened = true;
                }
                '}' => self.depth -= 1,
                _ => {}
            }
        }
        let ended = (self.opened && self.depth <= 0) || (!self.opened && code.ends_with(';'));
        if ended {
            self.active = false;
        }
        true
    }
}

#[test]
fn every_module_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut unknown = BTreeMap::new();
    for f in &files {
        let m = module_of(&src, f).expect("a file under src");
        if !["lib", "main"].contains(&m.as_str()) && layer_of(&m).is_none() {
            unknown.insert(m, f.display().to_string());
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS (add them here and in docs/architecture.md): {unknown:?}"
    );
}

#[test]
fn no_module_imports_against_the_layer_order() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let me = module_of(&src, f).expect("a file under src");
        let Some(my_layer) = layer_of(&me) else {
            continue;
        };
        let text = std::fs::read_to_string(f).expect("readable");
        for (line, dep) in imports(&text) {
            if dep == me || (me == "cli" && dep == "app") || (me == "app" && dep == "cli") {
                continue;
            }
            let Some(dep_layer) = layer_of(&dep) else {
                continue;
            };
            let forbidden = FORBIDDEN
                .iter()
                .any(|(m, deps)| *m == me && deps.contains(&dep.as_str()));
            if forbidden {
                bad.push(format!(
                    "{}:{line}: {me} uses {dep} (forbidden: reports never reach into an engine)",
                    f.display()
                ));
            }
            if dep_layer >= my_layer {
                let rule = if dep_layer == my_layer {
                    "same layer"
                } else {
                    "higher layer"
                };
                bad.push(format!("{}:{line}: {me} uses {dep} ({rule})", f.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layer order:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    // The scanner must find code paths and skip comments and test modules, else the test
    // above could pass vacuously.
    let text = "use crate::report::rows;\n// crate::app in a comment\nfn f() { crate::net::x(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::app;\n    fn g() {}\n}\n\
                use crate::{estimate::units, mdp};\n#[cfg(test)]\nuse crate::pow;\nfn h() { crate::stats::x(); }\n";
    let found: Vec<String> = imports(text).into_iter().map(|(_, m)| m).collect();
    // Code after a test module is still read; grouped imports give each first segment.
    assert_eq!(found, ["report", "net", "estimate", "mdp", "stats"]);
}
