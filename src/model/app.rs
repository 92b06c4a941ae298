use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::HostId;
use super::platform::PlatformRef;

/// What a process is, in `--json`. Only its platform reads it: views and actions ask the
/// platform's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessKind {
    SystemdUnit,
    /// A pod of a Kubernetes workload.
    KubePod,
    /// A Kubernetes workload with no pod (scaled to zero, a CronJob between runs).
    KubeWorkload,
    /// A Docker container (a compose service's, or labelled `fleet.app`).
    Container,
    /// One instance of a supervisord program (`group:name`).
    SupervisorProgram,
    /// A Dokku app with no dyno running (not deployed, or stopped): its row.
    DokkuApp,
}

/// The normalised run state of a process, whatever the backend calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    Running,
    Starting,
    Stopping,
    Failed,
    Stopped,
    Unknown,
}

impl ProcessState {
    pub fn label(self) -> &'static str {
        match self {
            ProcessState::Running => "running",
            ProcessState::Starting => "starting",
            ProcessState::Stopping => "stopping",
            ProcessState::Failed => "failed",
            ProcessState::Stopped => "stopped",
            ProcessState::Unknown => "unknown",
        }
    }
}

/// One process of one app on one host (a systemd unit here; a container or pod later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    pub app: String,
    /// The process type in Procfile terms: web, worker, clock, ...
    pub process: String,
    pub host: HostId,
    pub kind: ProcessKind,
    /// The platform that runs it: it acts on it and says what can be done with it.
    pub platform: PlatformRef,
    /// The backend's own name for it: the unit name for systemd.
    pub source: String,
    pub state: ProcessState,
    /// The backend's raw state words, e.g. "active (running)" or "failed (failed)".
    pub detail: String,
    /// Why it is not running, in a user's words ("crashed (exit 3): could not connect to the
    /// database", "CrashLoopBackOff, last exit 1"); None when it runs or stopped on purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Running, but something is off ("nothing listens on its PORT 8080"): the app is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    pub pid: Option<u32>,
    pub memory_bytes: Option<u64>,
    pub since: Option<Timestamp>,
    pub restarts: Option<u32>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub env_files: Vec<String>,
    /// The unit's Environment= assignments (EnvironmentFile= values come from the files).
    #[serde(skip)]
    pub environment: Vec<(String, String)>,
    /// What actions act on instead of the process itself: the workload
    /// (`deployment/NAMESPACE/NAME`) a pod belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// A scheduled job's schedule and runs (a systemd timer's service, a CronJob): between runs
    /// it is stopped, and that is fine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// What a container adds to the common fields: image, health, exit, ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerFacts>,
}

/// A Docker container's own facts, as its engine inspects them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerFacts {
    /// As the container was created from it: "redis:7", "fleet-app:lab".
    pub image: String,
    /// The image's ID, short (12 hex digits): what a recreate with a new image changes.
    pub image_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_created: Option<Timestamp>,
    /// HEALTHCHECK status ("healthy", "unhealthy", "starting"); None: the image has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// Consecutive failed health probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_streak: Option<u32>,
    /// The last failed probe's output, first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_output: Option<String>,
    /// The last exit's code (a running container: its previous run's, 0 when it never exited).
    pub exit_code: i64,
    pub oom_killed: bool,
    /// Published ports, as `docker ps` prints them: "127.0.0.1:49153->8000/tcp".
    pub ports: Vec<String>,
    /// The compose project it belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compose_project: Option<String>,
    /// Its log driver; only json-file, local and journald can be read back through the API.
    pub log_driver: String,
    /// Started with a TTY: its output is one stream (no stdout/stderr split).
    pub tty: bool,
}

/// When a scheduled job runs, and how its runs went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// As its scheduler says it: "OnCalendar=*-*-* 03:00:00", "*/5 * * * *".
    pub spec: String,
    /// What schedules it: "shop-backup.timer", "cronjob apps/report".
    pub scheduler: String,
    /// Whether the scheduler is on (a timer active, a CronJob not suspended).
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<Timestamp>,
    /// Whether the last run succeeded (None: never ran, still running, or unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ok: Option<bool>,
    /// How the last run ended, in the platform's words ("exit-code, status 3").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_run: Option<Timestamp>,
    /// When the run after the last one was due, by the schedule: later than that (plus a
    /// grace) with no run is overdue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_after_last: Option<Timestamp>,
    /// Runs in progress.
    pub running: u32,
    /// How to turn it on again, when off.
    #[serde(skip)]
    pub how_to_enable: String,
}

impl Schedule {
    /// ": exit-code, status 3", or nothing.
    pub fn result_said(&self) -> String {
        self.last_result.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Up,
    Degraded,
    Down,
    Unknown,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Degraded => "degraded",
            Health::Down => "down",
            Health::Unknown => "unknown",
        }
    }

    /// Up when every process runs, down when none does, degraded in between. Unknown when we
    /// have nothing current to judge by (every host of the app failed its last refresh).
    pub fn of(processes: &[&Process], stale_hosts: &[HostId]) -> Health {
        let current: Vec<_> = processes.iter().filter(|p| !stale_hosts.contains(&p.host)).collect();
        if current.is_empty() {
            return Health::Unknown;
        }
        // A scheduled job between runs is fine; one whose last run failed is not.
        let fine_job = |p: &&&Process| p.schedule.as_ref().is_some_and(|s| s.last_ok != Some(false)) && p.state != ProcessState::Failed;
        let running = current.iter().filter(|p| p.state == ProcessState::Running || fine_job(p)).count();
        // A process that runs but does not do its job (a web process deaf on its PORT) does
        // not count as up.
        let healthy = current.iter().filter(|p| (p.state == ProcessState::Running && p.warning.is_none()) || fine_job(p)).count();
        let stale = current.len() != processes.len();
        match (running, healthy) {
            (0, _) => Health::Down,
            (_, n) if n == current.len() && !stale => Health::Up,
            _ => Health::Degraded,
        }
    }
}

/// An app: every process of one app name across all hosts, Heroku-style.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    pub name: String,
    /// Process types with their counts, in Procfile order: [("web", 2), ("worker", 1)].
    pub formation: Vec<(String, usize)>,
    pub hosts: Vec<HostId>,
    pub health: Health,
    /// The newest start among running processes: when the app last changed.
    pub since: Option<Timestamp>,
    pub processes: Vec<Process>,
}

impl App {
    /// "web×2 worker×1 clock×1"
    pub fn formation_label(&self) -> String {
        let parts: Vec<String> = self.formation.iter().map(|(p, n)| format!("{p}×{n}")).collect();
        parts.join(" ")
    }
}

impl App {
    /// "lon-1 lon-2", or "lon-1 lon-2 lon-3 +17" past `max` hosts.
    pub fn hosts_label(&self, max: usize, sep: &str) -> String {
        let shown: Vec<&str> = self.hosts.iter().take(max).map(|h| h.0.as_str()).collect();
        let mut s = shown.join(sep);
        if self.hosts.len() > max {
            s.push_str(&format!(" +{}", self.hosts.len() - max));
        }
        s
    }
}

/// For each report (in order) the processes of `app`, narrowed to some process types and hosts
/// (empty: all). Hosts without any are left out. What logs, actions and forwards act on.
pub fn app_processes<'a>(
    reports: impl IntoIterator<Item = &'a super::HostReport>,
    app: &str,
    processes: &[String],
    hosts: &[String],
) -> Vec<(&'a super::HostReport, Vec<&'a Process>)> {
    reports
        .into_iter()
        .filter(|r| hosts.is_empty() || hosts.contains(&r.host.0))
        .filter_map(|r| {
            let procs: Vec<&Process> =
                r.processes.iter().filter(|p| p.app == app && (processes.is_empty() || processes.contains(&p.process))).collect();
            (!procs.is_empty()).then_some((r, procs))
        })
        .collect()
}

/// Rank of a process type for display: the Procfile habit first, then the rest by name.
fn process_rank(name: &str, order: &[String]) -> (usize, String) {
    let rank = order.iter().position(|o| o == name).unwrap_or(order.len());
    (rank, name.to_string())
}

/// Groups processes from every host into apps. `stale_hosts` are hosts whose processes come from
/// an older report because the last refresh failed; they make health unknown or degraded.
pub fn group_apps<'a>(processes: impl IntoIterator<Item = &'a Process>, process_order: &[String], stale_hosts: &[HostId]) -> Vec<App> {
    let mut by_app: BTreeMap<&str, Vec<&Process>> = BTreeMap::new();
    for p in processes {
        by_app.entry(p.app.as_str()).or_default().push(p);
    }
    let mut apps: Vec<App> = by_app
        .into_iter()
        .map(|(name, mut procs)| {
            procs.sort_by(|a, b| {
                process_rank(&a.process, process_order)
                    .cmp(&process_rank(&b.process, process_order))
                    .then_with(|| crate::text::natural_cmp(&a.host.0, &b.host.0))
                    .then_with(|| a.source.cmp(&b.source))
            });
            let mut formation: Vec<(String, usize)> = Vec::new();
            for p in &procs {
                match formation.last_mut() {
                    Some((name, n)) if *name == p.process => *n += 1,
                    _ => formation.push((p.process.clone(), 1)),
                }
            }
            let mut hosts: Vec<HostId> = procs.iter().map(|p| p.host.clone()).collect();
            hosts.sort_by(|a, b| crate::text::natural_cmp(&a.0, &b.0));
            hosts.dedup();
            let since = procs.iter().filter(|p| p.state == ProcessState::Running).filter_map(|p| p.since).max();
            App {
                name: name.to_string(),
                formation,
                hosts,
                health: Health::of(&procs, stale_hosts),
                since,
                processes: procs.into_iter().cloned().collect(),
            }
        })
        .collect();
    // Names in natural order: shop-2 before shop-10.
    apps.sort_by(|a, b| crate::text::natural_cmp(&a.name, &b.name));
    apps
}
