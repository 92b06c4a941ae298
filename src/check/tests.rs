//! Each area of `check::problems` on hand-built observations: what counts, what does not.

use jiff::Timestamp;

use super::*;
use crate::model::cert::{CertInfo, CertSource};
use crate::model::env::EnvSource;
use crate::model::metrics::Disk;
use crate::model::{
    CertRow, HostError, HostErrorKind, HostFacts, HostId, HostMetrics, HostReport, Process, ProcessEnv, ProcessKind, ProcessState, Schedule,
};

static TEST: crate::model::PlatformInfo = crate::model::PlatformInfo {
    name: "test",
    caps: crate::model::Capabilities::ALL,
    plan: |_, _| vec![],
    label: |p| p.source.clone(),
    rollout_each: false,
};

fn now() -> Timestamp {
    "2026-12-02T12:00:00Z".parse().unwrap()
}

fn proc(app: &str, process: &str, host: &str, state: ProcessState) -> Process {
    Process {
        app: app.into(),
        process: process.into(),
        host: HostId(host.into()),
        kind: ProcessKind::SystemdUnit,
        platform: crate::model::PlatformRef(&TEST),
        source: format!("{app}-{process}.service"),
        state,
        detail: String::new(),
        why: None,
        warning: None,
        pid: None,
        memory_bytes: None,
        since: None,
        restarts: Some(0),
        user: None,
        working_dir: None,
        env_files: vec![],
        environment: vec![],
        workload: None,
        schedule: None,
        container: None,
    }
}

fn report(host: &str, processes: Vec<Process>) -> (HostId, Result<HostReport, HostError>) {
    let host = HostId(host.into());
    (host.clone(), Ok(HostReport { host, facts: HostFacts::default(), processes, platforms: vec![], at: now() }))
}

fn job(last_ok: Option<bool>, enabled: bool, due: Option<&str>) -> Schedule {
    Schedule {
        spec: "0 3 * * *".into(),
        scheduler: "cronjob apps/report".into(),
        enabled,
        last_run: Some("2026-12-02T03:00:00Z".parse().unwrap()),
        last_ok,
        last_result: last_ok.is_some_and(|ok| !ok).then(|| "exit 3".into()),
        last_success: None,
        next_run: None,
        due_after_last: due.map(|d| d.parse().unwrap()),
        running: 0,
        how_to_enable: "kubectl patch".into(),
    }
}

fn said(o: &Observed) -> Vec<String> {
    problems(o, &Limits::default(), now())
        .iter()
        .map(|p| format!("{} {} {} {}", p.severity.label(), p.area.name(), p.host.as_ref().map(|h| h.0.as_str()).unwrap_or("-"), p.subject))
        .collect()
}

#[test]
fn a_healthy_fleet_has_no_problems() {
    let o = Observed { hosts: vec![report("lon-1", vec![proc("shop", "web", "lon-1", ProcessState::Running)])], ..Default::default() };
    assert_eq!(said(&o), Vec::<String>::new());
}

#[test]
fn hosts_that_did_not_answer_are_critical_and_an_unknown_key_a_warning() {
    let o = Observed {
        hosts: vec![
            (HostId("a".into()), Err(HostError::new(HostErrorKind::Unreachable, "connection refused"))),
            (HostId("b".into()), Err(HostError::new(HostErrorKind::HostKey, "unknown host key"))),
        ],
        ..Default::default()
    };
    assert_eq!(said(&o), ["critical hosts a a", "warn hosts b b"]);
    let p = &problems(&o, &Limits::default(), now())[0];
    assert!(p.message.contains("connection refused") && p.fix.contains("ssh a"), "{p:?}");
}

#[test]
fn failed_restart_looping_and_deaf_processes_are_problems_and_stopped_ones_are_not() {
    let failed = Process { why: Some("crashed (exit 3)".into()), ..proc("ledger", "web", "lon-1", ProcessState::Failed) };
    let looping = Process { restarts: Some(7), ..proc("relay", "worker", "lon-1", ProcessState::Starting) };
    let deaf =
        Process { warning: Some("nothing listens on its PORT 8083".into()), ..proc("ticker", "web", "lon-1", ProcessState::Running) };
    let stopped = Process { restarts: Some(9), ..proc("old", "web", "lon-1", ProcessState::Stopped) };
    let o = Observed { hosts: vec![report("lon-1", vec![failed, looping, deaf, stopped])], ..Default::default() };
    assert_eq!(
        said(&o),
        [
            "critical processes lon-1 ledger-web.service",
            "warn processes lon-1 relay-worker.service",
            "warn processes lon-1 ticker-web.service"
        ]
    );
    let all = problems(&o, &Limits::default(), now());
    assert!(all[0].message.contains("crashed (exit 3)") && all[0].fix.contains("fleet logs ledger -p web --host lon-1"), "{:?}", all[0]);
    assert!(all[1].message.contains("restarted 7 times"), "{:?}", all[1]);
    let strict = Limits { restart_loop: 10, ..Limits::default() };
    assert_eq!(problems(&o, &strict, now()).len(), 2, "7 restarts is under a limit of 10");
}

#[test]
fn jobs_failing_off_or_overdue_are_problems_and_one_between_runs_is_not() {
    let with = |process: &str, s: Schedule| Process { schedule: Some(s), ..proc("shop", process, "lon-1", ProcessState::Stopped) };
    let failing = Process { state: ProcessState::Failed, ..with("report", job(Some(false), true, None)) };
    let off = with("backup", Schedule { scheduler: "shop-backup.timer".into(), ..job(Some(true), false, None) });
    let overdue = with("sync", Schedule { scheduler: "cronjob apps/sync".into(), ..job(Some(true), true, Some("2026-12-02T11:00:00Z")) });
    let in_grace = with("mail", Schedule { scheduler: "cronjob apps/mail".into(), ..job(Some(true), true, Some("2026-12-02T11:50:00Z")) });
    let fine = with("clean", Schedule { scheduler: "cronjob apps/clean".into(), ..job(Some(true), true, Some("2026-12-03T03:00:00Z")) });
    let o = Observed { hosts: vec![report("lon-1", vec![failing, off, overdue, in_grace, fine])], ..Default::default() };
    assert_eq!(
        said(&o),
        ["critical jobs lon-1 cronjob apps/report", "warn jobs lon-1 cronjob apps/sync", "warn jobs lon-1 shop-backup.timer"]
    );
    let all = problems(&o, &Limits::default(), now());
    assert!(all[0].message.contains("failed: exit 3"), "{:?}", all[0]);
    assert!(all[1].message.contains("overdue: due 1h 0m ago"), "{:?}", all[1]);
    assert!(all[2].fix.contains("kubectl patch"), "{:?}", all[2]);
}

#[test]
fn the_pods_of_one_failed_job_are_one_problem() {
    let pod = |n: &str| Process {
        source: format!("pod/apps/report-{n}"),
        schedule: Some(job(Some(false), true, None)),
        container: None,
        ..proc("shop", "report", "k8s", ProcessState::Failed)
    };
    let o = Observed { hosts: vec![report("k8s", vec![pod("1"), pod("2")])], ..Default::default() };
    assert_eq!(said(&o), ["critical jobs k8s cronjob apps/report"]);
}

fn cert(what: &str, source: CertSource, days: i64, serial: &str) -> CertRow {
    CertRow {
        host: HostId("lon-1".into()),
        what: what.into(),
        source,
        info: Some(CertInfo {
            subject: what.into(),
            sans: vec![],
            issuer: "R3".into(),
            not_after: now().checked_add(jiff::SignedDuration::from_hours(24 * days + 1)).unwrap(),
            serial: serial.into(),
            is_ca: false,
        }),
        error: None,
        note: None,
    }
}

#[test]
fn certificates_expiring_expired_or_renewed_but_not_served_are_problems_once() {
    let served = |d: &str| CertSource::Served { addr: "127.0.0.1:443".into(), domain: d.into() };
    let file = |p: &str| CertSource::File { path: p.into() };
    let rows = vec![
        cert("shop.test", served("shop.test"), 10, "01"),
        // The file nginx serves shop.test from: the same certificate, not a second problem.
        cert("shop.test", file("/etc/letsencrypt/live/shop.test/fullchain.pem"), 10, "01"),
        cert("ledger.test", served("ledger.test"), -30, "02"),
        CertRow {
            note: Some("renewed on disk but not served: reload nginx".into()),
            ..cert("billing.test", served("billing.test"), 60, "03")
        },
        cert("fine.test", served("fine.test"), 200, "04"),
    ];
    let o = Observed { certs: rows, ..Default::default() };
    assert_eq!(
        said(&o),
        [
            "critical certs lon-1 ledger.test (served 127.0.0.1:443)",
            "warn certs lon-1 billing.test (served 127.0.0.1:443)",
            "warn certs lon-1 shop.test (served 127.0.0.1:443)"
        ]
    );
    let all = problems(&o, &Limits::default(), now());
    assert_eq!(all[0].message, "ledger.test expired 30 d ago");
    assert_eq!(all[1].fix, "renewed on disk but not served: reload nginx");
}

#[test]
fn disks_and_memory_past_their_thresholds_and_only_a_pegged_cpu_are_problems() {
    let m = |cpu: f64, disk_used: u64, mem_used: u64| HostMetrics {
        source: "test",
        cpu_percent: Some(cpu),
        load: [0.0; 3],
        mem_used,
        mem_available: 100 - mem_used,
        mem_total: 100,
        disks: vec![Disk { mount: "/srv/data".into(), size: 100, avail: 100 - disk_used }],
        net_rx_per_sec: None,
        net_tx_per_sec: None,
        uptime_secs: None,
    };
    let o = Observed { metrics: vec![(HostId("a".into()), m(99.0, 95, 85)), (HostId("b".into()), m(85.0, 50, 10))], ..Default::default() };
    assert_eq!(said(&o), ["critical disks a /srv/data", "warn memory a memory", "warn cpu a cpu"]);
}

#[test]
fn env_drift_between_hosts_is_a_problem_and_never_shows_a_value() {
    let env = |host: &str, value: &str| ProcessEnv {
        host: HostId(host.into()),
        process: "web".into(),
        unit: "shop-web.service".into(),
        vars: vec![
            ("API_KEY".into(), value.into(), EnvSource::File { path: "/etc/shop/env".into(), line: 1 }),
            ("PORT".into(), "8080".into(), EnvSource::File { path: "/etc/shop/env".into(), line: 2 }),
        ],
        problems: vec![],
    };
    let o = Observed { envs: vec![("shop".into(), vec![env("a", "one-secret"), env("b", "other-secret")])], ..Default::default() };
    let all = problems(&o, &Limits::default(), now());
    assert_eq!(said(&o), ["warn env - API_KEY"]);
    assert!(!format!("{all:?}").contains("secret"), "{all:?}");
}

#[test]
fn narrowing_keeps_only_what_was_asked() {
    let o = Observed {
        hosts: vec![
            (HostId("a".into()), Err(HostError::new(HostErrorKind::Unreachable, "down"))),
            report("b", vec![Process { why: Some("crashed".into()), ..proc("ledger", "web", "b", ProcessState::Failed) }]),
        ],
        ..Default::default()
    };
    let all = problems(&o, &Limits::default(), now());
    assert_eq!(narrowed(all.clone(), &[Area::Processes], &[], &[]).len(), 1);
    assert_eq!(narrowed(all.clone(), &[], &["a".into()], &[]).len(), 1);
    assert_eq!(narrowed(all.clone(), &[], &[], &["ledger".into()]).len(), 1);
    assert_eq!(narrowed(all, &[Area::Certs], &[], &[]).len(), 0);
}
