//! supervisord as a platform: its programs are an app's processes (see `programs` for the
//! convention), and supervisord itself does everything else through its XML-RPC interface on
//! its unix socket, reached over the host's own SSH connection (`rpc`): state, logs by byte
//! offset, stop/start, reread/update. Its configuration files are read (and, for env changes,
//! written) over the same connection; /proc gives metrics; shell and run go in as the program
//! runs (its user, directory and environment).

pub mod activity;
pub mod commands;
pub mod conf;
pub mod env;
pub mod ini;
pub mod logs;
pub mod metrics;
pub mod programs;
pub mod rpc;
pub mod syntax;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use dxr::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::{AppRead, Discovery, Platform, Probe, StepFn, machine};
use crate::audit;
use crate::config::Convention;
use crate::logs::source::LogRequest;
use crate::model::addon::AddonProblem;
use crate::model::env::Change;
use crate::model::{
    AddOn, Can, Capabilities, HealthCheck, HostError, HostErrorKind, HostFacts, HostReport, HostTarget, HostUnits, LogEvent, LogLine,
    PlatformInfo, PlatformRef, Process, ProcessEnv, Step, UnitNow,
};
use crate::transport::{BoxStream, Transport, http};
use conf::{Conf, Endpoint, Program};
use rpc::{Rpc, RpcError, fault, s};

const NO_ROLLBACK: &str = "supervisord keeps no previous revision of a program: deploy the previous release and restart";

pub static INFO: PlatformInfo = PlatformInfo {
    name: "supervisord",
    caps: Capabilities {
        restart: Can::Yes,
        rollout: Can::Yes,
        rollback: Can::No(NO_ROLLBACK),
        exec: Can::Yes,
        forward: Can::Yes,
        env: Can::Yes,
        env_write: Can::Yes,
        logs: Can::Yes,
        metrics: Can::Yes,
        rebuild: Can::No(crate::model::platform::NO_REBUILD),
    },
    plan,
    // The program (group:name), and why it is not running: as for systemd units.
    label: super::systemd::source_label,
    rollout_each: false,
};

pub fn info() -> PlatformRef {
    PlatformRef(&INFO)
}

fn plan(step: Step, t: &HostTarget) -> Vec<String> {
    match step {
        Step::Restart => {
            let mut v: Vec<String> =
                t.units.iter().map(|u| format!("supervisor.stopProcess({u}) then supervisor.startProcess({u}, wait)")).collect();
            v.push("  first supervisor.reloadConfig (reread): a group whose files changed is updated instead (stopped, removed, added: all its programs restart)".into());
            v
        }
        Step::Rebuild => Vec::new(),
        Step::Rollback => vec![format!("nothing: {NO_ROLLBACK}")],
        Step::Shell => {
            let who = t.run.user.as_deref().unwrap_or("supervisord's user (root)");
            let dir = t.run.working_dir.as_deref().unwrap_or("supervisord's directory");
            vec![format!(
                "a shell as {who} in {dir} with the environment supervisord gives {}",
                t.units.first().map(String::as_str).unwrap_or("it")
            )]
        }
    }
}

/// What the last refresh learned: the configuration, and how to reach supervisord.
struct Seen {
    conf: Conf,
    rpc: Rpc,
    pid: Option<u32>,
    utc_offset: i32,
    as_root: bool,
}

pub struct Supervisor {
    transport: Arc<Transport>,
    seen: std::sync::Mutex<Option<Arc<Seen>>>,
}

impl Supervisor {
    pub fn new(transport: Arc<Transport>) -> Supervisor {
        Supervisor { transport, seen: std::sync::Mutex::new(None) }
    }

    fn err(&self, e: impl std::fmt::Display) -> String {
        let host = self.transport.id();
        let e = e.to_string();
        if e.starts_with(&format!("{host}: ")) { e } else { format!("{host}: {e}") }
    }

    fn seen(&self) -> Result<Arc<Seen>, String> {
        self.seen
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| self.err("supervisord has not been read here yet: refresh and try again"))
    }

    /// The programs (each once) whose instances `units` are.
    fn programs_of<'a>(&self, seen: &'a Seen, units: &[String]) -> Vec<&'a Program> {
        let mut out: Vec<&Program> = Vec::new();
        for u in units {
            if let Some((p, _)) = seen.conf.instance(u)
                && !out.iter().any(|o| o.name == p.name)
            {
                out.push(p);
            }
        }
        out
    }

    async fn environ(&self, seen: &Seen) -> Option<Vec<(String, String)>> {
        let pid = seen.pid?;
        let out = self.transport.exec(&commands::environ_of(pid, seen.as_root)).await.ok()?;
        (out.status == Some(0)).then(|| env::parse_environ(&out.stdout))
    }

    async fn state_of(&self, seen: &Seen, unit: &str) -> Result<programs::Info, String> {
        let v = seen.rpc.call("supervisor.getProcessInfo", vec![s(unit)]).await.map_err(|e| self.err(format!("{unit}: {e}")))?;
        programs::info(&v).ok_or_else(|| self.err(format!("{unit}: getProcessInfo answered no struct")))
    }

    async fn last_stderr(&self, seen: &Seen, unit: &str) -> Option<String> {
        let v = seen.rpc.call("supervisor.tailProcessStderrLog", vec![s(unit), rpc::i(0), rpc::i(1600)]).await.ok()?;
        let Value::Array(parts) = v else { return None };
        last_line(&rpc::string(parts.first()?)?)
    }

    fn now_of(&self, seen: &Seen, i: &programs::Info) -> UnitNow {
        let codes = seen.conf.instance(&i.namespec()).map(|(p, _)| p.exitcodes.clone()).unwrap_or_else(|| vec![0]);
        UnitNow {
            unit: i.namespec(),
            active: programs::state_of(i, &codes).label().to_string(),
            sub: i.statename.clone(),
            pid: u32::try_from(i.pid).ok().filter(|p| *p > 0),
            restarts: None,
        }
    }

    /// The env of the target's first program, as KEY=VALUE lines (the whole-env editor's text).
    fn env_text(&self, seen: &Seen, t: &HostTarget) -> Result<String, String> {
        let unit = t.units.first().ok_or_else(|| self.err("no program to edit"))?;
        let (_, inst) = seen.conf.instance(unit).ok_or_else(|| self.err(format!("{unit} is not in supervisord's files (refresh)")))?;
        Ok(inst.env.iter().map(|(k, v)| format!("{k}={}\n", crate::env::edit::quote_value(v))).collect())
    }

    /// Makes `change` in every program of the target (each file read fresh, hash-checked and
    /// written atomically with a backup); the first program's env before and after.
    async fn change_programs(&self, t: &HostTarget, app: &str, change: &Change) -> Result<(String, String), String> {
        let seen = self.seen()?;
        let old = self.env_text(&seen, t)?;
        let programs = self.programs_of(&seen, &t.units);
        if programs.is_empty() {
            return Err(self.err("none of the target's programs is in supervisord's files (refresh)"));
        }
        let mut files: Vec<(String, String, String)> = Vec::new(); // (file, sha, text)
        for p in &programs {
            if !files.iter().any(|(f, _, _)| *f == p.file) {
                let (sha, text) = machine::env_file::read(&self.transport, t, &p.file).await?;
                files.push((p.file.clone(), sha, text));
            }
        }
        let mut new_texts: Vec<(String, String, String, String)> = Vec::new(); // (file, sha, old, new)
        for (file, sha, text) in &files {
            let mut new = text.clone();
            for p in programs.iter().filter(|p| p.file == *file) {
                new = env::rewrite(&new, p, change).map_err(|e| self.err(e))?;
            }
            new_texts.push((file.clone(), sha.clone(), text.clone(), new));
        }
        // Never write what supervisord would not read back as asked.
        let included: Vec<(String, String)> = seen
            .conf
            .files
            .iter()
            .filter(|(f, _)| *f != seen.conf.main)
            .map(|(f, text)| (f.clone(), new_texts.iter().find(|n| n.0 == *f).map(|n| n.3.clone()).unwrap_or_else(|| text.clone())))
            .collect();
        let main_text = new_texts
            .iter()
            .find(|n| n.0 == seen.conf.main)
            .map(|n| n.3.clone())
            .or_else(|| seen.conf.text_of(&seen.conf.main).map(str::to_string))
            .unwrap_or_default();
        let environ: Vec<(String, String)> = self.environ(&seen).await.unwrap_or_default();
        let back = conf::read(&seen.conf.main, &main_text, &included, &environ, "");
        for unit in &t.units {
            let Some((p, inst)) = back.instance(unit) else { continue };
            if let Some(problem) = p.problems.first() {
                return Err(self.err(format!("not written: supervisord would not read it back: {problem}")));
            }
            let ok = match change {
                Change::Set(kv) => kv.iter().all(|(k, v)| inst.env.iter().any(|(ik, iv)| ik == k && iv == v)),
                Change::Unset(keys) => keys.iter().all(|k| !inst.env.iter().any(|(ik, _)| ik == k)),
            };
            if !ok {
                return Err(self.err(format!("not written: {unit}'s environment= would not read back as asked")));
            }
        }
        for (file, sha, old_text, new) in &new_texts {
            if old_text != new {
                machine::env_file::write(&self.transport, t, app, file, sha, new).await?;
            }
        }
        let new_seen = Seen { conf: back, rpc: seen.rpc.clone(), pid: seen.pid, utc_offset: seen.utc_offset, as_root: seen.as_root };
        let new = self.env_text(&new_seen, t)?;
        if let Ok(mut slot) = self.seen.lock() {
            *slot = Some(Arc::new(new_seen));
        }
        Ok((old, new))
    }

    /// Waits until `unit` is RUNNING (past startsecs: supervisord moves it there itself), or
    /// says why it is not.
    async fn wait_running(&self, seen: &Seen, unit: &str, deadline: Instant) -> Result<programs::Info, String> {
        loop {
            let i = self.state_of(seen, unit).await?;
            match i.statename.as_str() {
                "RUNNING" => return Ok(i),
                "FATAL" | "EXITED" | "BACKOFF" if i.statename != "BACKOFF" || Instant::now() >= deadline => {
                    let codes = seen.conf.instance(unit).map(|(p, _)| p.exitcodes.clone()).unwrap_or_else(|| vec![0]);
                    let last = self.last_stderr(seen, unit).await;
                    let why = programs::why_of(&i, &codes, last.as_deref()).unwrap_or_else(|| i.statename.clone());
                    return Err(self.err(format!("{unit} did not start: {why}")));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(self.err(format!("{unit} not RUNNING in time (now {})", i.statename)));
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    async fn restart_units(&self, seen: &Seen, t: &HostTarget) -> Result<(Vec<UnitNow>, Vec<String>), String> {
        let mut calls = vec!["supervisor.reloadConfig".to_string()];
        let changed: Vec<String> = match seen.rpc.call("supervisor.reloadConfig", vec![]).await {
            Ok(Value::Array(outer)) => match outer.first() {
                Some(Value::Array(acr)) => match acr.get(1) {
                    Some(Value::Array(c)) => c.iter().filter_map(rpc::string).collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            },
            Ok(_) => Vec::new(),
            Err(e) => return Err(self.err(format!("reread failed: {e}"))),
        };
        let group_of = |u: &str| u.split_once(':').map(|(g, _)| g.to_string()).unwrap_or_else(|| u.to_string());
        let mut update: Vec<String> = Vec::new();
        let mut plain: Vec<String> = Vec::new();
        for u in &t.units {
            let g = group_of(u);
            if changed.contains(&g) {
                if !update.contains(&g) {
                    update.push(g);
                }
            } else {
                plain.push(u.clone());
            }
        }
        // Changed groups: what `supervisorctl update GROUP` does.
        for g in &update {
            for (m, args) in [
                ("supervisor.stopProcessGroup", vec![s(g), Value::Boolean(true)]),
                ("supervisor.removeProcessGroup", vec![s(g)]),
                ("supervisor.addProcessGroup", vec![s(g)]),
            ] {
                calls.push(format!("{m}({g})"));
                match seen.rpc.call(m, args).await {
                    Ok(_) => {}
                    Err(RpcError::Fault { code, .. }) if code == fault::BAD_NAME && m == "supervisor.removeProcessGroup" => {}
                    Err(e) => return Err(self.err(format!("{m}({g}): {e}"))),
                }
            }
        }
        // The others: stopped together, then started together (each start waits out startsecs).
        let stops =
            plain.iter().map(|u| async move { (u, seen.rpc.call("supervisor.stopProcess", vec![s(u), Value::Boolean(true)]).await) });
        for (u, r) in futures::future::join_all(stops).await {
            calls.push(format!("supervisor.stopProcess({u})"));
            match r {
                Ok(_) => {}
                Err(RpcError::Fault { code, .. }) if code == fault::NOT_RUNNING => {}
                Err(e) => return Err(self.err(format!("stopping {u}: {e}"))),
            }
        }
        let starts =
            plain.iter().map(|u| async move { (u, seen.rpc.call("supervisor.startProcess", vec![s(u), Value::Boolean(true)]).await) });
        let mut failed = None;
        for (u, r) in futures::future::join_all(starts).await {
            calls.push(format!("supervisor.startProcess({u})"));
            match r {
                Ok(_) => {}
                Err(RpcError::Fault { code, .. }) if code == fault::ALREADY_STARTED => {}
                Err(e) => {
                    let last = self.last_stderr(seen, u).await.map(|l| format!(": {l}")).unwrap_or_default();
                    failed.get_or_insert_with(|| self.err(format!("{u} did not start ({e}){last}")));
                }
            }
        }
        if let Some(f) = failed {
            return Err(f);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut now = Vec::new();
        for u in &t.units {
            let i =
                if update.contains(&group_of(u)) { self.wait_running(seen, u, deadline).await? } else { self.state_of(seen, u).await? };
            now.push(self.now_of(seen, &i));
        }
        Ok((now, calls))
    }

    /// How `fleet shell` / `run` go in: the env staged in a private file, then the command.
    async fn enter(&self, t: &HostTarget, argv: &[String]) -> Result<(String, String), String> {
        let seen = self.seen()?;
        let unit = t.exec.instance.clone().or_else(|| t.units.first().cloned()).ok_or_else(|| self.err("no program to enter"))?;
        let (program, _) = seen.conf.instance(&unit).ok_or_else(|| self.err(format!("{unit} is not in supervisord's files (refresh)")))?;
        let environ = self.environ(&seen).await;
        if environ.is_none() && !seen.as_root {
            return Err(self.err("supervisord's own environment cannot be read (it needs root: connect as root or allow sudo -n)"));
        }
        let vars = env::of_instance(&seen.conf, &unit, environ.as_deref(), seen.pid).map_err(|e| self.err(e))?;
        let pairs: Vec<(String, String)> = vars.into_iter().map(|(k, v, _)| (k, v)).collect();
        let staged = self
            .transport
            .exec_with_input(&commands::stage_env(program.user.as_deref(), seen.as_root), commands::env_script(&pairs).as_bytes())
            .await
            .map_err(|e| self.err(e.message))?;
        let file = String::from_utf8_lossy(&staged.stdout).trim().to_string();
        if staged.status != Some(0) || !file.starts_with("/tmp/fleet-env.") {
            return Err(machine::command_error(&t.host, &String::from_utf8_lossy(&staged.stderr), staged.status));
        }
        let cmd = commands::run_as_program(program.user.as_deref(), program.directory.as_deref(), &file, argv, seen.as_root);
        let shown = format!(
            "as {} in {} with {unit}'s environment: {}",
            program.user.as_deref().unwrap_or("root"),
            program.directory.as_deref().unwrap_or("/"),
            if argv.is_empty() { "a shell".to_string() } else { crate::transport::quote::quote_all(argv) }
        );
        Ok((cmd, shown))
    }
}

fn last_line(text: &str) -> Option<String> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty()).map(|l| crate::text::sanitize(l).chars().take(200).collect())
}

/// The probe's `supervisord` section: pid, configuration file, UTC offset.
fn probe_fields(section: &str) -> (Option<u32>, String, i32) {
    let mut pid = None;
    let mut conf = String::new();
    let mut tz = 0;
    for line in section.lines() {
        match line.split_once(' ') {
            Some(("pid", v)) => pid = v.trim().parse().ok(),
            Some(("conf", v)) => conf = v.trim().to_string(),
            Some(("tz", v)) => tz = activity::offset_secs(v),
            _ => {}
        }
    }
    (pid, conf, tz)
}

#[async_trait]
impl Platform for Supervisor {
    fn info(&self) -> PlatformRef {
        info()
    }

    fn probe(&self, _convention: &Convention) -> Option<String> {
        Some(commands::probe())
    }

    async fn discover(&self, probe: &Probe<'_>, convention: &Convention, facts: &mut HostFacts) -> Result<Discovery, String> {
        let Some(section) = probe.sections.get("supervisord") else {
            if let Ok(mut s) = self.seen.lock() {
                *s = None;
            }
            return Ok(Discovery::absent());
        };
        let (pid, main, utc_offset) = probe_fields(section);
        let Some(pid) = pid else {
            return Ok(Discovery {
                note: Some("supervisord is installed but not running (systemctl start supervisor)".into()),
                ..Default::default()
            });
        };
        if main.is_empty() {
            return Ok(Discovery {
                note: Some(format!(
                    "supervisord (pid {pid}) runs, but its configuration file is not where fleet looks (-c on its command line, /etc/supervisord.conf, /etc/supervisor/supervisord.conf)"
                )),
                ..Default::default()
            });
        }
        let as_root = facts.uid == Some(0);
        let main_text = probe.sections.get("supervisord-conf").unwrap_or("").to_string();
        let first = conf::read(&main, &main_text, &[], &[], "");
        let socket = match &first.endpoint {
            Some(Endpoint::Unix(p)) => Some(p.clone()),
            _ => None,
        };
        let patterns = conf::include_patterns(&main, &main_text, &[]);
        let mut script = commands::read_includes(&patterns, socket.as_deref());
        script.push_str(&format!(
            "echo '@@file @environ'; {} 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'; echo\n",
            commands::environ_of(pid, as_root)
        ));
        let out = self.transport.exec(&script).await.map_err(|e| format!("supervisord: {}", e.message))?;
        let (mut files, socket_ok) = commands::parse_includes(&String::from_utf8_lossy(&out.stdout));
        let environ = files
            .iter()
            .position(|(f, _)| f == "@environ")
            .map(|i| files.remove(i).1)
            .and_then(|hex| data_encoding::HEXLOWER_PERMISSIVE.decode(hex.trim().as_bytes()).ok())
            .map(|b| env::parse_environ(&b))
            .unwrap_or_default();
        let hostname = facts.hostname.clone().unwrap_or_default();
        let conf = conf::read(&main, &main_text, &files, &environ, &hostname);
        let endpoint = conf.endpoint.clone().ok_or_else(|| format!("supervisord: {main} has no [unix_http_server] (nor [inet_http_server]): fleet talks to supervisord through it; add one (see README)"))?;
        if let (Endpoint::Unix(sock), Some(Err(user))) = (&endpoint, &socket_ok) {
            return Ok(Discovery {
                note: Some(format!(
                    "{user} may not open supervisord's socket {sock} (Debian makes it root-only): in [unix_http_server] set chmod=0770 and chown=root:{user}, then systemctl restart supervisor; or connect as root"
                )),
                ..Default::default()
            });
        }
        let rpc = match &endpoint {
            Endpoint::Unix(p) => Rpc::new(self.transport.clone(), p.clone(), conf.credentials.clone()),
            Endpoint::Tcp(h, p) => Rpc::new_tcp(self.transport.clone(), h.clone(), *p, conf.credentials.clone()),
        };
        let all = rpc.call("supervisor.getAllProcessInfo", vec![]).await.map_err(|e| format!("supervisord: {e}"))?;
        let infos = programs::infos(&all)?;
        // Why a failed program failed, in its own words: the last line it wrote to stderr.
        let failed: Vec<&programs::Info> =
            infos.iter().filter(|i| matches!(i.statename.as_str(), "FATAL" | "BACKOFF" | "EXITED")).collect();
        let mut last_err = BTreeMap::new();
        if !failed.is_empty() {
            let calls =
                failed.iter().map(|i| ("supervisor.tailProcessStderrLog", vec![s(&i.namespec()), rpc::i(0), rpc::i(1600)])).collect();
            if let Ok(results) = rpc.multicall(calls).await {
                for (i, r) in failed.iter().zip(results) {
                    if let Ok(Value::Array(parts)) = r
                        && let Some(line) = parts.first().and_then(rpc::string).and_then(|t| last_line(&t))
                    {
                        last_err.insert(i.namespec(), line);
                    }
                }
            }
        }
        let mut warnings = conf.problems.clone();
        let processes = programs::processes(&infos, &conf, probe.host, convention, info(), &last_err, &mut warnings);
        for p in &conf.programs {
            warnings.extend(p.problems.iter().cloned());
        }
        let note = warnings.iter().find(|w| w.contains(".conf:") || w.contains("environment")).map(|w| format!("supervisord: {w}"));
        if let Ok(mut slot) = self.seen.lock() {
            *slot = Some(Arc::new(Seen { conf, rpc, pid: Some(pid), utc_offset, as_root }));
        }
        Ok(Discovery { processes, note, warnings, absent: false })
    }

    async fn env(&self, t: &HostTarget, processes: &[&Process]) -> Result<Vec<ProcessEnv>, HostError> {
        let seen = self.seen().map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let environ = self.environ(&seen).await;
        let mut out = Vec::new();
        for p in processes {
            let mut problems = Vec::new();
            if environ.is_none() {
                problems.push(format!("{}: supervisord's own environment (/proc/{}/environ) could not be read: only what its files set is shown (connect as root, or allow sudo -n)", t.host, seen.pid.unwrap_or(0)));
            }
            let vars = match env::of_instance(&seen.conf, &p.source, environ.as_deref(), seen.pid) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(e);
                    Vec::new()
                }
            };
            if let Some((program, _)) = seen.conf.instance(&p.source) {
                problems.extend(program.problems.iter().cloned());
            }
            out.push(ProcessEnv { host: t.host.clone(), process: p.process.clone(), unit: p.source.clone(), vars, problems });
        }
        Ok(out)
    }

    /// The file holding the target's first program's section.
    fn env_file(&self, t: &HostTarget, _convention_file: &str) -> Option<String> {
        let seen = self.seen().ok()?;
        let unit = t.units.first()?;
        seen.conf.instance(unit).map(|(p, _)| p.file.clone())
    }

    /// The first program's environment= as KEY=VALUE lines, with its SHA-256.
    async fn read_env_file(&self, t: &HostTarget, _path: &str) -> Result<(String, String), String> {
        let seen = self.seen()?;
        let text = self.env_text(&seen, t)?;
        Ok((crate::env::write::sha256_hex(text.as_bytes()), text))
    }

    async fn change_env(&self, t: &HostTarget, app: &str, _path: &str, change: &Change) -> Result<(String, String), String> {
        self.change_programs(t, app, change).await
    }

    /// The edited text as changes (keys set, keys removed), made to every program of the target.
    async fn write_env_file(&self, t: &HostTarget, app: &str, _path: &str, sha: &str, text: &str) -> Result<(), String> {
        let seen = self.seen()?;
        let current = self.env_text(&seen, t)?;
        if crate::env::write::sha256_hex(current.as_bytes()) != sha {
            return Err(format!("refused: {}: the environment changed since it was read", t.host));
        }
        for change in crate::env::write::changes_between(&current, text).map_err(|e| self.err(e))? {
            self.change_programs(t, app, &change).await?;
        }
        Ok(())
    }

    async fn logs(&self, plan: HostUnits, req: LogRequest, tx: UnboundedSender<LogEvent>) {
        match self.seen() {
            Ok(seen) => logs::run(seen.rpc.clone(), self.transport.clone(), plan, req, seen.as_root, tx).await,
            Err(e) => {
                let _ = tx.send(LogEvent::Failed { host: plan.host, error: HostError::new(HostErrorKind::Command, e) });
            }
        }
    }

    /// supervisord's history has no times to page back by: only what the first read showed.
    async fn log_history(&self, plan: &HostUnits, req: &LogRequest) -> Result<Vec<LogLine>, HostError> {
        let seen = self.seen().map_err(|e| HostError::new(HostErrorKind::Command, e))?;
        let (lines, _) = logs::history(&seen.rpc, &self.transport, &plan.host, plan, req, seen.as_root).await?;
        Ok(lines.into_iter().filter(|l| req.until.is_none_or(|u| l.ts < u)).collect())
    }

    async fn restart(&self, t: &HostTarget, app: &str, action: &str) -> Result<Vec<UnitNow>, String> {
        let seen = self.seen()?;
        let r = self.restart_units(&seen, t).await;
        let calls = match &r {
            Ok((_, c)) => c.join("; "),
            Err(_) => {
                t.units.iter().map(|u| format!("supervisor.stopProcess({u}); supervisor.startProcess({u})")).collect::<Vec<_>>().join("; ")
            }
        };
        let result = r.map(|(units, _)| units);
        let said = audit::outcome(&result, |units| format!("ok: {}", units.iter().map(UnitNow::label).collect::<Vec<_>>().join(", ")));
        audit::record(&t.host, app, action, &calls, said);
        result
    }

    /// RUNNING (supervisord's own start check: startsecs) and the same pid for `stable_for`,
    /// then the health URL, if the app has one.
    async fn wait_ready(&self, t: &HostTarget, app: &str, health: &HealthCheck, step: StepFn<'_>) -> Result<String, String> {
        let seen = self.seen()?;
        step(format!("waiting: {}", health.describe()));
        let deadline = Instant::now() + health.timeout;
        let r = async {
            let mut before = Vec::new();
            for u in &t.units {
                before.push(self.wait_running(&seen, u, deadline).await?);
            }
            tokio::time::sleep(health.stable_for).await;
            for b in &before {
                let now = self.state_of(&seen, &b.namespec()).await?;
                if now.statename != "RUNNING" || now.pid != b.pid {
                    return Err(self.err(format!(
                        "{} did not stay up for {} s (now {}, pid {} → {})",
                        b.namespec(),
                        health.stable_for.as_secs_f64(),
                        now.statename,
                        b.pid,
                        now.pid
                    )));
                }
            }
            match &health.url {
                Some(url) => http::wait_ok(&self.transport, url, deadline).await,
                None => Ok(format!("stable for {} s", health.stable_for.as_secs_f64())),
            }
        }
        .await;
        audit::record(&t.host, app, "rollout-health", &health.describe(), audit::outcome(&r, |why| format!("ok: {why}")));
        if let Ok(why) = &r {
            step(format!("healthy: {why}"));
        }
        r
    }

    async fn rollback(&self, _t: &HostTarget, _app: &str, _health: &HealthCheck, _step: StepFn<'_>) -> Result<Vec<UnitNow>, String> {
        Err(self.err(NO_ROLLBACK))
    }

    async fn run(&self, t: &HostTarget, app: &str, argv: &[String]) -> Result<i32, String> {
        let (cmd, shown) = self.enter(t, argv).await?;
        let code = self.transport.run_attached(&cmd).await;
        audit::record(&t.host, app, "run", &shown, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    async fn shell(&self, t: &HostTarget, app: &str) -> Result<i32, String> {
        let (cmd, shown) = self.enter(t, &[]).await?;
        let code = self.transport.run_pty(&cmd).await;
        audit::record(&t.host, app, "shell", &shown, audit::outcome(&code, |c| format!("exit {c}")));
        code
    }

    async fn connect(&self, _app: &str, port: u16) -> Result<BoxStream, HostError> {
        self.transport.connect_tcp("127.0.0.1", port).await
    }

    async fn port_of(&self, t: &HostTarget) -> Option<u16> {
        let seen = self.seen().ok()?;
        let (_, inst) = seen.conf.instance(t.units.first()?)?;
        inst.env.iter().find(|(k, _)| k == "PORT").and_then(|(_, v)| v.trim().parse().ok())
    }

    async fn app_metrics(&self, t: &HostTarget, _app: &str) -> Result<AppRead, String> {
        let seen = self.seen()?;
        let all = seen.rpc.call("supervisor.getAllProcessInfo", vec![]).await.map_err(|e| self.err(e))?;
        let infos = programs::infos(&all).map_err(|e| self.err(e))?;
        let units: Vec<(String, Option<u32>, String)> = t
            .units
            .iter()
            .filter_map(|u| infos.iter().find(|i| i.namespec() == *u))
            .map(|i| {
                let now = self.now_of(&seen, i);
                (now.unit, now.pid, now.active)
            })
            .collect();
        let out = self.transport.exec(commands::PROC_STATS).await.map_err(|e| self.err(e.message))?;
        Ok(AppRead::Counters(metrics::parse(&String::from_utf8_lossy(&out.stdout), &units)))
    }

    /// The machine's add-ons are systemd's units (see systemd::addons); supervisord runs none of
    /// its own that fleet recognises.
    /// None of its own: the host's are the machine's.
    async fn kept_certs(&self, _report: &HostReport) -> Result<Vec<crate::model::CertRow>, HostError> {
        Ok(Vec::new())
    }

    async fn addons(&self, _report: &HostReport) -> Result<(Vec<AddOn>, Vec<AddonProblem>), HostError> {
        Ok((Vec::new(), Vec::new()))
    }

    async fn activity(
        &self,
        t: &HostTarget,
        _app: &str,
        since: Option<jiff::Timestamp>,
        limit: usize,
    ) -> Result<Vec<crate::model::ActivityEntry>, String> {
        let seen = self.seen()?;
        let v = seen.rpc.call("supervisor.readLog", vec![rpc::i(-256 * 1024), rpc::i(0)]).await.map_err(|e| self.err(e))?;
        let text = rpc::string(&v).unwrap_or_default();
        let names: Vec<String> =
            t.units.iter().map(|u| u.split_once(':').map(|(_, n)| n.to_string()).unwrap_or_else(|| u.clone())).collect();
        let mut entries = activity::parse(&t.host, &text, &names, seen.utc_offset);
        entries.retain(|e| since.is_none_or(|s| e.at >= s));
        Ok(crate::model::activity::newest_first(entries, limit))
    }

    /// Polled at each refresh.
    async fn changed(&self) {
        std::future::pending::<()>().await
    }
}
