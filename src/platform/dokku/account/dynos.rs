//! A Dokku app's dynos as `ps:report` says them, for a host reached as the `dokku` user (no
//! Docker socket there): `status-web-1` = `running (CID: 05850b537eb)` is the dyno `web.1`,
//! named `APP.web.1` as Dokku's scheduler names its container. An app with none is one row,
//! as on a host reached as root.

use bollard::models::ContainerInspectResponse;

use crate::config::Convention;
use crate::config::convention::glob_match;
use crate::model::{HostId, Process, ProcessKind, ProcessState, UnitNow};
use crate::platform::docker::containers;
use crate::platform::dokku::report::PsReport;

/// A dyno from ps:report: its name, process type and the engine's state word and short ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dyno {
    /// `blog.web.1`: the container's name, the unit actions take.
    pub unit: String,
    pub process: String,
    /// Docker's state word (`running`, `exited`, `restarting`, `paused`, `created`).
    pub status: String,
    pub cid: Option<String>,
}

/// `running (CID: 05850b537eb)` → (running, 05850b537eb).
fn status_of(text: &str) -> (String, Option<String>) {
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    let cid = rest.trim().strip_prefix("(CID:").and_then(|r| r.strip_suffix(')')).map(|c| c.trim().to_string());
    (word.trim().to_string(), cid.filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// The dynos of one app's report, by process type in `order` then number.
pub fn of(app: &str, report: &PsReport, order: &[String]) -> Vec<Dyno> {
    let mut out: Vec<(usize, u32, Dyno)> = report
        .status
        .iter()
        .filter_map(|(dyno, text)| {
            let (process, n) = dyno.rsplit_once('.')?;
            let n: u32 = n.parse().ok()?;
            if !containers::valid_name(process) {
                return None;
            }
            let (status, cid) = status_of(text);
            let rank = order.iter().position(|o| o == process).unwrap_or(usize::MAX);
            Some((rank, n, Dyno { unit: format!("{app}.{dyno}"), process: process.to_string(), status, cid }))
        })
        .collect();
    out.sort_by(|a, b| (a.0, &a.2.process, a.1).cmp(&(b.0, &b.2.process, b.1)));
    out.into_iter().map(|(_, _, d)| d).collect()
}

fn state_of(status: &str) -> ProcessState {
    match status {
        "running" => ProcessState::Running,
        "restarting" | "created" => ProcessState::Starting,
        "removing" => ProcessState::Stopping,
        "dead" => ProcessState::Failed,
        "exited" | "paused" => ProcessState::Stopped,
        _ => ProcessState::Unknown,
    }
}

/// One app as the dokku user reads it: `ps:report` (its dynos and their states) and
/// `ps:inspect` (Docker's inspect of those dynos, env values masked by Dokku): their start,
/// PID, restarts, exit code and health, as for any container.
#[derive(Debug, Default)]
pub struct AppDynos {
    pub name: String,
    pub report: Option<PsReport>,
    pub inspected: Vec<ContainerInspectResponse>,
}

/// `ps:inspect APP` (a JSON array of `docker container inspect`).
pub fn inspected(text: &str) -> Result<Vec<ContainerInspectResponse>, String> {
    serde_json::from_str(text.trim()).map_err(|e| format!("ps:inspect: {e}"))
}

/// Every app's rows: its dynos, or the one row of an app with none (what Dokku says of it).
/// A dyno `ps:inspect` has is read as the Docker platform reads a container.
pub fn processes(apps: &[AppDynos], host: &HostId, convention: &Convention) -> Vec<Process> {
    let mut out = Vec::new();
    for AppDynos { name: app, report, inspected } in apps {
        if convention.ignore_apps.iter().any(|g| glob_match(g, app)) {
            continue;
        }
        let dynos = report.as_ref().map(|r| of(app, r, &convention.process_order)).unwrap_or_default();
        if dynos.is_empty() {
            let mut idle = crate::platform::dokku::dynos::idle(host, app, report.as_ref());
            idle.platform = super::platform::info();
            out.push(idle);
            continue;
        }
        for d in dynos {
            if let Some(c) = inspected.iter().find(|c| containers::name_of(c) == d.unit) {
                let mut p = containers::process_of(c, host, app.clone(), d.process.clone(), containers::Extra::default());
                p.platform = super::platform::info();
                if let Some(cid) = &d.cid {
                    p.detail = format!("{} (CID {cid})", p.detail);
                }
                if let Some(why) = p.why.as_mut() {
                    why.push_str(&format!(" ({}: dokku logs {app} -p {})", d.unit, d.process));
                }
                out.push(p);
                continue;
            }
            let state = state_of(&d.status);
            let detail = match &d.cid {
                Some(cid) => format!("{} (CID {cid})", d.status),
                None => d.status.clone(),
            };
            let why = (state != ProcessState::Running)
                .then(|| format!("Dokku says {} ({}: dokku logs {app} -p {})", d.status, d.unit, d.process));
            out.push(Process {
                platform: super::platform::info(),
                state,
                detail,
                why,
                ..crate::platform::dokku::dynos::bare(app, &d.process, host, ProcessKind::Container, &d.unit)
            });
        }
    }
    out
}

/// A dyno as an action's result shows it.
pub fn now_of(d: &Dyno) -> UnitNow {
    UnitNow {
        unit: d.unit.clone(),
        active: state_of(&d.status).label().to_string(),
        sub: d.cid.as_ref().map(|c| format!("CID {c}")).unwrap_or_else(|| d.status.clone()),
        pid: None,
        restarts: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::dokku::report;

    #[test]
    fn dynos_from_ps_report_and_the_idle_app() {
        let blog = report::ps_report(include_str!("../../../../fixtures/dokku/0.38/ps-report-blog.json")).unwrap();
        let api = report::ps_report(include_str!("../../../../fixtures/dokku/0.38/ps-report-api.json")).unwrap();
        let apps = vec![
            AppDynos { name: "blog".into(), report: Some(blog), inspected: Vec::new() },
            AppDynos { name: "api".into(), report: Some(api), inspected: Vec::new() },
        ];
        let ps = processes(&apps, &HostId("lab-2".into()), &Convention::default());
        let rows: Vec<(&str, &str, &str, ProcessState)> =
            ps.iter().map(|p| (p.app.as_str(), p.process.as_str(), p.source.as_str(), p.state)).collect();
        assert_eq!(
            rows,
            [
                ("blog", "web", "blog.web.1", ProcessState::Running),
                ("blog", "web", "blog.web.2", ProcessState::Running),
                ("blog", "worker", "blog.worker.1", ProcessState::Running),
                ("api", "app", "api", ProcessState::Stopped),
            ]
        );
        assert_eq!(ps[1].detail, "running (CID 3fa8c2d1e0b4)");
        assert!(ps.iter().all(|p| p.platform.caps().forward != crate::model::Can::Yes));
    }

    #[test]
    fn inspected_dynos_have_their_start_pid_and_restarts() {
        let blog = report::ps_report(include_str!("../../../../fixtures/dokku/0.38/ps-report-blog.json")).unwrap();
        let inspected = inspected(include_str!("../../../../fixtures/dokku/0.38/ps-inspect-blog.json")).unwrap();
        assert_eq!(inspected.len(), 3);
        // Dokku masks the env values it does not allow, and fleet never needs them from here.
        let env = inspected[0].config.as_ref().and_then(|c| c.env.clone()).unwrap();
        assert!(env.contains(&"SECRET_KEY_BASE=XXXXXX".to_string()) && env.contains(&"DYNO=web.1".to_string()), "{env:?}");
        let apps = vec![AppDynos { name: "blog".into(), report: Some(blog), inspected }];
        let ps = processes(&apps, &HostId("lab-2-dokku".into()), &Convention::default());
        let web1 = &ps[0];
        assert_eq!((web1.source.as_str(), web1.pid, web1.restarts), ("blog.web.1", Some(17366), Some(0)));
        assert_eq!(web1.since, Some("2026-12-03T06:35:48.893368294Z".parse().unwrap()));
        assert_eq!(web1.detail, "running (CID 9b1c0e7d2a5f)");
        assert!(ps.iter().all(|p| p.platform == super::super::platform::info() && p.state == ProcessState::Running));
    }

    #[test]
    fn odd_statuses_are_read_or_left_unknown() {
        assert_eq!(status_of("exited (CID: 0abc)"), ("exited".into(), Some("0abc".into())));
        assert_eq!(status_of("missing"), ("missing".into(), None));
        assert_eq!(status_of("running (CID: x; rm)"), ("running".into(), None));
        assert_eq!(state_of("dead"), ProcessState::Failed);
    }
}
