//! The environment each process gets, in systemd's precedence (Environment= first, then each
//! EnvironmentFile= in order, later files overriding earlier ones), and the app-wide table that
//! shows which hosts and processes get which value, with drift between hosts marked.

use serde::Serialize;

use super::mask;
use super::parse::{EnvFile, Invalid};
use crate::model::HostId;
pub use crate::model::env::{EnvSource, ProcessEnv};

/// One env file as read from a host.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    pub path: String,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileState {
    Read { sha256: String, text: String },
    Missing,
    Unreadable,
}

/// Builds a process's env. `env_files` as systemd spells them ('-' prefix: optional).
pub fn process_env(
    host: &HostId,
    process: &str,
    unit: &str,
    unit_env: &[(String, String)],
    env_files: &[String],
    files: &[FileRead],
) -> ProcessEnv {
    let mut vars: Vec<(String, String, EnvSource)> = Vec::new();
    let set = |vars: &mut Vec<(String, String, EnvSource)>, k: &str, v: &str, src: EnvSource| match vars.iter_mut().find(|x| x.0 == k) {
        Some(slot) => *slot = (k.to_string(), v.to_string(), src),
        None => vars.push((k.to_string(), v.to_string(), src)),
    };
    let mut problems = Vec::new();
    for (k, v) in unit_env {
        set(&mut vars, k, v, EnvSource::Unit { unit: unit.to_string() });
    }
    for spec in env_files {
        let (optional, path) = match spec.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, spec.as_str()),
        };
        match files.iter().find(|f| f.path == path).map(|f| &f.state) {
            Some(FileState::Read { text, .. }) => {
                let parsed: EnvFile = super::parse::parse(text);
                for Invalid { line, reason } in &parsed.invalid {
                    problems.push(format!("{host}:{path}:{line}: {reason} (systemd ignores this line)"));
                }
                for a in parsed.effective() {
                    set(&mut vars, &a.key, &a.value, EnvSource::File { path: path.to_string(), line: a.first_line });
                }
            }
            Some(FileState::Unreadable) => problems.push(format!("{host}:{path}: not readable by the ssh user (use root or sudo)")),
            Some(FileState::Missing) | None if optional => {}
            Some(FileState::Missing) | None => {
                problems.push(format!("{host}:{path}: missing, and {unit} requires it (no '-' prefix): the unit will not start"))
            }
        }
    }
    ProcessEnv { host: host.clone(), process: process.to_string(), unit: unit.to_string(), vars, problems }
}

/// Where a value goes: a process type on a host.
type Place<'a> = (&'a str, &'a HostId);

/// One key across the app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppEnvRow {
    pub key: String,
    /// Whether any value of this key is a secret (masked unless revealed).
    pub secret: bool,
    /// The same process type gets different values on different hosts.
    pub drift: bool,
    pub values: Vec<AppEnvValue>,
    /// Every process (type, host) the table was built from, to say where a value goes.
    #[serde(skip)]
    pub everyone: Vec<(String, HostId)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppEnvValue {
    pub host: HostId,
    pub process: String,
    pub value: String,
    pub source: EnvSource,
}

impl AppEnvRow {
    /// Distinct values with the places that get each, for display ("web@lon-1 worker@lon-1").
    pub fn grouped(&self) -> Vec<(&str, &EnvSource, Vec<String>)> {
        let mut out: Vec<(&str, &EnvSource, Vec<String>)> = Vec::new();
        for v in &self.values {
            let place = format!("{}@{}", v.process, v.host);
            match out.iter_mut().find(|(val, _, _)| *val == v.value) {
                Some((_, _, places)) => places.push(place),
                None => out.push((&v.value, &v.source, vec![place])),
            }
        }
        out
    }

    /// Like `grouped`, with where each value goes in the fewest words: "all"; the hosts whose
    /// every process gets it ("lon-2"); else process types, whole ("worker") or per host
    /// ("web@lon-1").
    pub fn placed(&self) -> Vec<(&str, &EnvSource, String)> {
        let mut out: Vec<(&str, &EnvSource, Vec<Place>)> = Vec::new();
        for v in &self.values {
            let place = (v.process.as_str(), &v.host);
            match out.iter_mut().find(|(val, _, _)| *val == v.value) {
                Some((_, _, places)) => places.push(place),
                None => out.push((&v.value, &v.source, vec![place])),
            }
        }
        out.into_iter().map(|(v, s, places)| (v, s, self.where_words(&places))).collect()
    }

    fn where_words(&self, places: &[Place]) -> String {
        let has = |p: &str, h: &HostId| places.iter().any(|(a, b)| *a == p && *b == h);
        if self.everyone.iter().all(|(p, h)| has(p, h)) {
            return "all".into();
        }
        let mut hosts: Vec<&HostId> = places.iter().map(|(_, h)| *h).collect();
        hosts.dedup();
        let whole_hosts = hosts.iter().all(|h| self.everyone.iter().filter(|(_, x)| x == *h).all(|(p, x)| has(p, x)));
        if whole_hosts {
            return hosts.iter().map(|h| h.0.as_str()).collect::<Vec<_>>().join(" ");
        }
        let mut words: Vec<String> = Vec::new();
        for (p, h) in places {
            let whole = self.everyone.iter().filter(|(x, _)| x == p).all(|(x, y)| has(x, y));
            let word = if whole { p.to_string() } else { format!("{p}@{h}") };
            if !words.contains(&word) {
                words.push(word);
            }
        }
        words.join(" ")
    }

    /// The value as shown: masked unless `reveal` (a Kubernetes Secret's value whole).
    pub fn shown(&self, value: &str, reveal: bool) -> String {
        if reveal {
            value.to_string()
        } else if self.values.iter().any(|v| v.value == value && v.source.always_secret()) && !value.is_empty() {
            mask::MASK.to_string()
        } else {
            mask::masked(&self.key, value)
        }
    }
}

pub fn app_table(envs: &[ProcessEnv]) -> Vec<AppEnvRow> {
    let everyone: Vec<(String, HostId)> = envs.iter().map(|e| (e.process.clone(), e.host.clone())).collect();
    let mut rows: Vec<AppEnvRow> = Vec::new();
    for pe in envs {
        for (k, v, src) in &pe.vars {
            let value = AppEnvValue { host: pe.host.clone(), process: pe.process.clone(), value: v.clone(), source: src.clone() };
            match rows.iter_mut().find(|r| r.key == *k) {
                Some(r) => r.values.push(value),
                None => {
                    rows.push(AppEnvRow { key: k.clone(), secret: false, drift: false, values: vec![value], everyone: everyone.clone() })
                }
            }
        }
    }
    for r in &mut rows {
        r.secret = r.values.iter().any(|v| mask::is_secret(&r.key, &v.value) || v.source.always_secret());
        // Drift: one process type getting different values on different hosts (a value that
        // differs between web and worker on purpose is not drift).
        r.drift = r.values.iter().any(|a| r.values.iter().any(|b| a.process == b.process && a.host != b.host && a.value != b.value));
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str, text: &str) -> FileRead {
        FileRead { path: path.into(), state: FileState::Read { sha256: "x".into(), text: text.into() } }
    }

    #[test]
    fn files_override_the_unit_and_later_files_win() {
        let h = HostId("lon-1".into());
        let unit_env = vec![("PROCESS".to_string(), "web".to_string()), ("PORT".to_string(), "1".to_string())];
        let files = [read("/etc/shop/env", "PORT=8080\nA=1\n"), read("/etc/shop/local", "A=2\nbad line\n")];
        let pe = process_env(
            &h,
            "web",
            "shop-web.service",
            &unit_env,
            &["/etc/shop/env".into(), "-/etc/shop/local".into(), "-/etc/shop/none".into()],
            &files,
        );
        let get = |k: &str| pe.vars.iter().find(|v| v.0 == k).map(|v| (v.1.as_str(), v.2.label()));
        assert_eq!(get("PROCESS"), Some(("web", "shop-web.service (Environment=)".into())));
        assert_eq!(get("PORT"), Some(("8080", "/etc/shop/env:1".into())));
        assert_eq!(get("A"), Some(("2", "/etc/shop/local:1".into())));
        assert_eq!(pe.problems.len(), 1, "{:?}", pe.problems);
        assert!(pe.problems[0].starts_with("lon-1:/etc/shop/local:2:"));
    }

    #[test]
    fn a_required_missing_file_is_a_problem_an_optional_one_is_not() {
        let h = HostId("h".into());
        let missing = [FileRead { path: "/etc/a".into(), state: FileState::Missing }];
        assert_eq!(process_env(&h, "web", "u", &[], &["-/etc/a".into()], &missing).problems.len(), 0);
        assert_eq!(process_env(&h, "web", "u", &[], &["/etc/a".into()], &missing).problems.len(), 1);
    }

    #[test]
    fn drift_and_secrets_across_hosts() {
        let a = process_env(&HostId("lon-1".into()), "web", "u", &[], &["/e".into()], &[read("/e", "PORT=8080\nSECRET_KEY_BASE=a\n")]);
        let b = process_env(&HostId("lon-2".into()), "web", "u", &[], &["/e".into()], &[read("/e", "PORT=8080\nSECRET_KEY_BASE=b\n")]);
        let t = app_table(&[a, b]);
        let port = t.iter().find(|r| r.key == "PORT").unwrap();
        assert!(!port.drift && !port.secret);
        let sk = t.iter().find(|r| r.key == "SECRET_KEY_BASE").unwrap();
        assert!(sk.drift && sk.secret);
        assert_eq!(sk.shown("a", false), mask::MASK);
        assert_eq!(sk.grouped().len(), 2);
    }

    #[test]
    fn where_a_value_goes_in_few_words() {
        let pe = |host: &str, process: &str, text: &str| {
            process_env(&HostId(host.into()), process, "u", &[], &["/e".into()], &[read("/e", text)])
        };
        let t = app_table(&[
            pe("lon-1", "web", "A=1\nC=2\nQ=x\n"),
            pe("lon-1", "worker", "A=1\nC=2\nQ=y\nW=1\n"),
            pe("lon-2", "web", "A=1\nC=4\nQ=x\n"),
            pe("lon-2", "worker", "A=1\nC=4\nW=1\n"),
        ]);
        let words =
            |k: &str| t.iter().find(|r| r.key == k).unwrap().placed().into_iter().map(|(v, _, w)| format!("{v}: {w}")).collect::<Vec<_>>();
        assert_eq!(words("A"), ["1: all"]);
        assert_eq!(words("C"), ["2: lon-1", "4: lon-2"], "a host's every process");
        assert_eq!(words("W"), ["1: worker"], "a process type on every host, not 'all'");
        assert_eq!(words("Q"), ["x: web", "y: worker@lon-1"]);
    }
}
