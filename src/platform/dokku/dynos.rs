//! Which of the engine's containers are a Dokku app's dynos, as Dokku's docker-local scheduler
//! makes them: labels `com.dokku.app-name`, `com.dokku.process-type`, `com.dokku.dyno` (`web.1`),
//! `com.dokku.container-type=deploy`, and the name `APP.PROCESS.N`. Not processes: a deploy's
//! `APP.web.1.upcoming-1234` (the new container before it takes the name), a retiree that no
//! longer has the name, `dokku run` and cron containers (`container-type=run`/`cron`), builds
//! (`image-stage=build`). An app Dokku lists with no dyno is still a row.

use bollard::models::ContainerInspectResponse;

use super::report::{PsReport, Running};
use crate::config::Convention;
use crate::config::convention::glob_match;
use crate::model::{HostId, Process, ProcessKind, ProcessState};
use crate::platform::docker::containers::{self, DOKKU_APP, label, name_of};

pub const PROCESS_TYPE: &str = "com.dokku.process-type";
pub const DYNO: &str = "com.dokku.dyno";
pub const CONTAINER_TYPE: &str = "com.dokku.container-type";
pub const IMAGE_STAGE: &str = "com.dokku.image-stage";

/// (app, process type, dyno) of a container that is a dyno of a deployed app.
pub fn dyno_of(c: &ContainerInspectResponse) -> Option<(String, String, String)> {
    let app = label(c, DOKKU_APP)?;
    if label(c, CONTAINER_TYPE).is_some_and(|t| t != "deploy") || label(c, IMAGE_STAGE) == Some("build") {
        return None;
    }
    let process = label(c, PROCESS_TYPE)?;
    let dyno = label(c, DYNO)?;
    // Exactly the dyno's own name: upcoming containers and retirees carry the same labels.
    if name_of(c) != format!("{app}.{dyno}") || !super::report::valid_app(app) || !containers::valid_name(process) {
        return None;
    }
    Some((app.to_string(), process.to_string(), dyno.to_string()))
}

/// The dyno number, for ordering web.2 before web.10.
fn dyno_number(dyno: &str) -> u32 {
    dyno.rsplit_once('.').and_then(|(_, n)| n.parse().ok()).unwrap_or(0)
}

/// The dynos of `apps` among `all`, in (app, process order, dyno) order, then one row for each
/// app with none: not deployed, or stopped.
pub fn processes(
    all: &[ContainerInspectResponse],
    apps: &[(String, Option<PsReport>)],
    host: &HostId,
    convention: &Convention,
) -> Vec<Process> {
    let wanted = |app: &str| apps.iter().any(|(a, _)| a == app) && !convention.ignore_apps.iter().any(|g| glob_match(g, app));
    let mut dynos: Vec<(&ContainerInspectResponse, (String, String, String))> =
        all.iter().filter_map(|c| dyno_of(c).map(|d| (c, d))).filter(|(_, (app, _, _))| wanted(app)).collect();
    let rank = |p: &str| convention.process_order.iter().position(|o| o == p).unwrap_or(usize::MAX);
    dynos.sort_by(|(_, a), (_, b)| (&a.0, rank(&a.1), &a.1, dyno_number(&a.2)).cmp(&(&b.0, rank(&b.1), &b.1, dyno_number(&b.2))));
    let mut out: Vec<Process> = dynos
        .into_iter()
        .map(|(c, (app, process, _))| {
            let mut p = containers::process_of(c, host, app, process, containers::Extra::default());
            p.platform = super::info();
            p
        })
        .collect();
    for (app, report) in apps {
        if out.iter().any(|p| &p.app == app) || !wanted(app) {
            continue;
        }
        out.push(idle(host, app, report.as_ref()));
    }
    out
}

/// The row of an app with no dyno: what Dokku says about it.
pub fn idle(host: &HostId, app: &str, report: Option<&PsReport>) -> Process {
    let (detail, why) = match report {
        Some(r) if !r.deployed => ("not deployed".to_string(), Some(format!("nothing deployed yet (git push dokku@HOST:{app})"))),
        Some(r) if r.running != Running::Yes => ("stopped".to_string(), Some(format!("stopped (dokku ps:start {app})"))),
        Some(_) => ("no dyno found".to_string(), Some("Dokku says it runs, but the engine has no container of it".to_string())),
        None => ("unknown".to_string(), None),
    };
    Process { detail, why, ..bare(app, "app", host, ProcessKind::DokkuApp, app) }
}

/// A Dokku row with only what Dokku's reports say (stopped until said otherwise): no PID,
/// memory, start or container facts.
pub fn bare(app: &str, process: &str, host: &HostId, kind: ProcessKind, source: &str) -> Process {
    Process {
        app: app.to_string(),
        process: process.to_string(),
        host: host.clone(),
        kind,
        platform: super::info(),
        source: source.to_string(),
        state: ProcessState::Stopped,
        detail: String::new(),
        why: None,
        warning: None,
        pid: None,
        memory_bytes: None,
        since: None,
        restarts: None,
        user: None,
        working_dir: None,
        env_files: Vec::new(),
        environment: Vec::new(),
        workload: None,
        schedule: None,
        container: None,
    }
}

/// The app a target unit belongs to: a dyno's name starts with it (`blog.web.1`); an idle app's
/// row is the app itself.
pub fn app_of_unit(unit: &str) -> &str {
    unit.split('.').next().unwrap_or(unit)
}

/// The process type of a dyno's name, None for an idle app's row.
pub fn process_of_unit(unit: &str) -> Option<&str> {
    let mut parts = unit.split('.');
    parts.next()?;
    parts.next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::dokku::report;

    fn lab_2() -> Vec<ContainerInspectResponse> {
        serde_json::from_str(include_str!("../../../fixtures/dokku/lab-2-inspect.json")).unwrap()
    }

    fn apps() -> Vec<(String, Option<PsReport>)> {
        let blog = report::ps_report(include_str!("../../../fixtures/dokku/0.38/ps-report-blog.json")).unwrap();
        let api = report::ps_report(include_str!("../../../fixtures/dokku/0.38/ps-report-api.json")).unwrap();
        vec![("api".into(), Some(api)), ("blog".into(), Some(blog))]
    }

    #[test]
    fn dynos_but_not_deploy_leftovers_run_containers_or_compose_services() {
        let host = HostId("lab-2".into());
        let ps = processes(&lab_2(), &apps(), &host, &Convention::default());
        let rows: Vec<(&str, &str, &str)> = ps.iter().map(|p| (p.app.as_str(), p.process.as_str(), p.source.as_str())).collect();
        assert_eq!(
            rows,
            [("blog", "web", "blog.web.1"), ("blog", "web", "blog.web.2"), ("blog", "worker", "blog.worker.1"), ("api", "app", "api")]
        );
        assert!(ps.iter().all(|p| p.platform.name() == "dokku"));
        let api = ps.iter().find(|p| p.app == "api").unwrap();
        assert_eq!((api.state, api.kind), (ProcessState::Stopped, ProcessKind::DokkuApp));
        // The Docker platform leaves Dokku's containers alone.
        assert!(
            lab_2().iter().filter(|c| name_of(c).starts_with("blog.")).all(|c| containers::app_of(c, &Convention::default()).is_none())
        );
    }

    #[test]
    fn an_app_dokku_does_not_list_or_that_is_ignored_is_not_shown() {
        let host = HostId("lab-2".into());
        let only_api = vec![("api".to_string(), None)];
        assert_eq!(processes(&lab_2(), &only_api, &host, &Convention::default()).len(), 1);
        let c = Convention { ignore_apps: vec!["blog".into()], ..Convention::default() };
        assert!(processes(&lab_2(), &apps(), &host, &c).iter().all(|p| p.app == "api"));
    }

    #[test]
    fn units_name_their_app_and_process_type() {
        assert_eq!((app_of_unit("blog.web.1"), process_of_unit("blog.web.1")), ("blog", Some("web")));
        assert_eq!((app_of_unit("api"), process_of_unit("api")), ("api", None));
    }
}
