//! The crate's shape, checked rather than promised: the `use crate::…` graph between top-level
//! modules has no cycle and none of the forbidden edges, and the state core and the views do
//! no I/O and read no clock or time zone of their own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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

/// The file's code before its `#[cfg(test)]` module, without comment lines: what ships.
fn shipped_code(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Top-level module → the top-level modules its shipped code names through `crate::`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let code = shipped_code(&std::fs::read_to_string(&f).unwrap());
        let deps = g.entry(top.clone()).or_default();
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a::X, b}`: every first segment in the braces.
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let name: String = item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() && name != top {
                        deps.insert(name);
                    }
                }
                continue;
            }
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && name != top {
                deps.insert(name);
            }
        }
    }
    g
}

fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    assert!(g.len() > 10, "the graph was read: {g:?}");
    if let Some(cycle) = find_cycle(&g) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

/// (module, modules it must never use, why).
const FORBIDDEN: &[(&str, &[&str], &str)] = &[
    ("model", &["config", "transport", "platform", "actions", "runtime", "state", "ui", "tui", "cli", "context"], "plain types only"),
    (
        "config",
        &["state", "actions", "runtime", "platform", "transport", "ui", "tui", "cli"],
        "loading config is below everything that acts",
    ),
    ("transport", &["platform", "actions", "runtime", "state", "ui", "tui", "cli"], "a transport knows nothing of platforms or the UI"),
    ("platform", &["actions", "runtime", "state", "ui", "tui", "cli", "context"], "backends never touch UI state"),
    ("actions", &["runtime", "state", "ui", "tui", "cli"], "actions run for the CLI and the TUI alike"),
    ("runtime", &["state", "ui", "tui", "cli"], "the runtime reports through events, never into UI state"),
    ("cli", &["state", "ui", "tui"], "the one-shot commands share backends and model, not the TUI"),
    ("state", &["transport", "platform", "actions", "runtime", "ui", "tui", "cli", "context"], "update is pure"),
    ("ui", &["transport", "platform", "actions", "runtime", "tui", "cli", "context"], "drawing is pure"),
];

/// The helpers parse and compute; they act on nothing.
const HELPERS: &[&str] = &["discovery", "env", "logs", "metrics", "certs", "addons", "audit"];

#[test]
fn no_forbidden_edges() {
    let g = graph();
    let mut broken = Vec::new();
    for (module, never, why) in FORBIDDEN {
        for n in *never {
            if g.get(*module).is_some_and(|d| d.contains(*n)) {
                broken.push(format!("{module} uses {n} ({why})"));
            }
        }
    }
    for h in HELPERS {
        for n in ["platform", "actions", "runtime", "state", "ui", "tui", "cli", "context"] {
            if g.get(*h).is_some_and(|d| d.contains(n)) {
                broken.push(format!("{h} uses {n} (a helper parses and computes; platforms act)"));
            }
        }
    }
    assert!(broken.is_empty(), "forbidden imports:\n{}", broken.join("\n"));
}

#[test]
fn state_and_views_do_no_io_and_read_no_clock() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let forbidden = [
        "tokio::",
        "std::fs",
        "std::process",
        "std::env::",
        "TcpStream",
        "UnixStream",
        "TimeZone::system",
        "Timestamp::now",
        "Zoned::now",
        "Instant::now",
        "SystemTime",
        ".await",
    ];
    let mut found = Vec::new();
    for dir in ["state", "ui"] {
        let mut files = Vec::new();
        rust_files(&src.join(dir), &mut files);
        assert!(!files.is_empty(), "src/{dir} was read");
        for f in files {
            let code = shipped_code(&std::fs::read_to_string(&f).unwrap());
            for token in forbidden {
                if code.contains(token) {
                    found.push(format!("{}: {token}", f.strip_prefix(&src).unwrap().display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "I/O or a clock in the pure layers (time arrives as Msg::Tick, the zone as State::tz):\n{}",
        found.join("\n")
    );
}

/// The checks can fail: a graph with a cycle and a forbidden edge is caught.
#[test]
fn the_checks_catch_what_they_look_for() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(shipped_code("use crate::x;\n// crate::y\n#[cfg(test)]\nuse crate::z;"), "use crate::x;");
}
