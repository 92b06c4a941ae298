//! The Dokku stand-in on lab-2, by a test's own hand (see tests/lab/provision.sh).

use std::process::Command;

use serde_json::Value;

/// Every Dokku test of a binary takes its turn: config changes and restarts replace blog's
/// containers.
pub fn changing() -> std::sync::MutexGuard<'static, ()> {
    static CHANGES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CHANGES.lock().unwrap_or_else(|e| e.into_inner())
}

/// `dokku ARGS` as root on lab-2 (the stand-in switches to the dokku user, as Dokku does).
pub fn dokku(args: &str) -> String {
    let out = Command::new("docker").args(["exec", "lab-2", "sh", "-c", &format!("dokku {args}")]).output().unwrap();
    assert!(out.status.success(), "dokku {args}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each of blog's dynos and its container, from `ps:report` (as Dokku itself reports them).
pub fn cids() -> std::collections::BTreeMap<String, String> {
    let v: Value = serde_json::from_str(&dokku("ps:report blog --format json")).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("status-"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// One app of `fleet apps --json`.
pub fn app(v: &Value, name: &str) -> Value {
    v["apps"].as_array().unwrap().iter().find(|a| a["name"] == name).cloned().unwrap_or_else(|| panic!("no app {name}: {v}"))
}
