//! The TUI's state and its one entry point, `update(&mut State, Msg) -> Vec<Effect>`:
//! synchronous, no I/O, no clock reads. Time arrives as `Msg::Tick(now)`. Anything with a side
//! effect leaves as an `Effect` for the runtime; anything risky passes a confirm first.

mod actions_input;
pub mod actions_view;
pub mod detail;
pub mod editor;
mod editor_input;
pub mod env_view;
mod fleet;
mod input;
pub mod keys;
pub mod layout;
pub mod logs;
mod logs_input;
pub mod metrics_view;
pub mod palette;
pub mod problems;
pub mod sort;
mod table;

pub use crate::model::Action;
pub use fleet::{FleetState, HOST_SERIES, HostRow, MetricsHistory};
pub use input::FilterInput;
pub use table::{ListCursor, scroll_offset};

use jiff::Timestamp;

use crate::config::keymap::KeyContext;
use crate::model::BackendEvent;
use crate::model::HostId;
use crate::model::{HealthCheck, HostTarget, HostUnits, Operation};
use logs::LogsState;

/// Everything that can change the state.
// A host report is the big variant; messages are moved once through a channel, so boxing it
// would buy nothing but an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    /// A typed character or editing key while the filter prompt is open.
    FilterKey(FilterKey),
    Backend(BackendEvent),
    Tick(Timestamp),
    Resize {
        width: u16,
        height: u16,
    },
    Click {
        column: u16,
        row: u16,
    },
    /// A key for the env editor, raw (it handles its own editing keys).
    EditorKey(crossterm::event::KeyEvent),
    /// A key bound to nothing here, as the keymap writes it ("x", "ctrl-t").
    Unbound(String),
    Scroll {
        down: bool,
        column: u16,
        row: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    Char(char),
    Backspace,
    Accept,
    Clear,
    /// Arrow keys: a prompt with choices (the palette) moves its highlight; others ignore them.
    Up,
    Down,
}

/// Side effects the runtime carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    RefreshAll,
    AcceptHostKey {
        host: HostId,
        fingerprint: String,
    },
    /// Read these units' logs (history, then follow) for log view `session`.
    StartLogs {
        session: u64,
        plan: Vec<HostUnits>,
        history: usize,
    },
    StopLogs {
        session: u64,
    },
    /// Fetch up to `lines` lines per host older than `before`.
    LoadOlderLogs {
        session: u64,
        plan: Vec<HostUnits>,
        before: Timestamp,
        lines: usize,
    },
    /// Carry out an action the user confirmed (or, for a forward, typed the ports of).
    Run(Operation),
    /// Find the app's PORT (its env, as its unit sees it) to prefill the forward prompt.
    ResolvePort {
        app: String,
        target: HostTarget,
    },
    StopForward {
        id: u64,
    },
    LoadAudit,
    /// Read the app's env on each host: (target, its processes there).
    LoadEnv {
        app: String,
        hosts: Vec<(HostTarget, Vec<crate::model::Process>)>,
    },
    /// Change env vars on these hosts (target, file), atomically; then offer a restart.
    WriteEnv {
        app: String,
        targets: Vec<(HostTarget, String)>,
        change: crate::env::write::Change,
    },
    /// Replace one env file (read with `sha`) with `text`.
    WriteEnvFile {
        app: String,
        target: HostTarget,
        path: String,
        sha: String,
        text: String,
    },
    /// Read one env file to edit it whole.
    LoadEnvFile {
        app: String,
        target: HostTarget,
        path: String,
    },
    /// Read the app's activity on its hosts (and fleet's audit log).
    LoadActivity {
        app: String,
        reports: Vec<crate::model::HostReport>,
    },
    /// Look at what the problems view needs beside the reports: certificates, add-ons, env.
    Observe {
        reports: Vec<crate::model::HostReport>,
    },
    /// Read every host's certificates and the kubeconfig credentials.
    LoadCerts {
        reports: Vec<crate::model::HostReport>,
    },
    /// Find the add-ons on the app's hosts (with every app's env there, for the links).
    LoadAddons {
        app: String,
        reports: Vec<crate::model::HostReport>,
    },
    /// Sample the app's units (and its own endpoint) on these hosts every interval, until
    /// `StopAppMetrics` or another watch.
    WatchAppMetrics {
        app: String,
        targets: Vec<HostTarget>,
        metrics_url: Option<String>,
    },
    StopAppMetrics,
    /// Read the certificates of the app's domains on its hosts (`domains`: fleet.toml's).
    LoadAppCerts {
        app: String,
        reports: Vec<crate::model::HostReport>,
        domains: Vec<String>,
    },
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Apps,
    App {
        name: String,
    },
    /// The log view of an app; `back` is where esc returns to.
    Logs {
        back: Box<View>,
    },
    /// One host: its facts and metrics with sparklines.
    Host {
        host: HostId,
    },
    /// Every certificate, soonest expiry first.
    Certs,
    /// Every problem in the fleet, the worst first.
    Problems,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppTab {
    Processes,
    Env,
    Addons,
    Metrics,
    Certs,
    Activity,
}

impl AppTab {
    pub const ALL: [(AppTab, &'static str); 6] = [
        (AppTab::Processes, "processes"),
        (AppTab::Env, "env"),
        (AppTab::Addons, "add-ons"),
        (AppTab::Metrics, "metrics"),
        (AppTab::Certs, "certs"),
        (AppTab::Activity, "activity"),
    ];

    pub fn next(self) -> AppTab {
        let i = Self::ALL.iter().position(|(t, _)| *t == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()].0
    }

    pub fn prev(self) -> AppTab {
        let i = Self::ALL.iter().position(|(t, _)| *t == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()].0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Apps,
    Hosts,
}

/// A question the user must answer before `effect` runs. It shows exactly what will happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Boxed: an Operation carries its targets, and overlays are moved around often.
    Confirm(Box<Confirm>),
    /// A running or finished action's steps.
    Activity,
    Forwards,
    Audit,
    /// The whole of a row (enter on a process, a variable, an add-on, a certificate).
    Detail(Box<detail::Detail>),
}

/// Everything the TUI shows. Clone, so a test can render one state at several sizes.
#[derive(Clone)]
pub struct State {
    pub now: Timestamp,
    /// The time zone times are shown (and typed) in: the system's in the TUI, UTC in tests.
    pub tz: jiff::tz::TimeZone,
    pub fleet: FleetState,
    pub view: View,
    pub focus: Focus,
    pub apps_cursor: ListCursor,
    pub hosts_cursor: ListCursor,
    pub detail_cursor: ListCursor,
    pub filter: FilterInput,
    pub overlay: Option<Overlay>,
    /// Ticks seen, for the "connecting" spinner.
    pub spinner: usize,
    pub size: (u16, u16),
    /// A one-line message in the status bar (e.g. the config file in use, or a warning).
    pub notice: Option<String>,
    pub demo: bool,
    pub logs: Option<LogsState>,
    next_log_session: u64,
    /// Lines the log view keeps (fleet.toml `log_buffer_lines`).
    pub log_capacity: usize,
    /// Lines of history a log view starts with, per host.
    pub log_history: usize,
    /// First help line shown (the help scrolls on small terminals).
    /// Lines scrolled from the top (≥ 0) or, after `G`, kept above the end (-1: at the end,
    /// -2: one line above it): the help's length is the view's business, not the state's.
    pub help_scroll: isize,
    /// Refuse actions that change hosts (and hide their keys).
    pub readonly: bool,
    /// Rollout health checks per app (fleet.toml `[apps.NAME]`); others get the default.
    pub health: std::collections::BTreeMap<String, HealthCheck>,
    pub activity: Option<actions_view::Activity>,
    pub forwards: Vec<actions_view::ForwardRow>,
    pub forwards_cursor: ListCursor,
    pub audit: Vec<crate::model::AuditEntry>,
    /// The app view's tab, and the Env tab's data.
    pub app_tab: AppTab,
    pub env: Option<env_view::EnvView>,
    pub addons: Option<env_view::AddonsView>,
    /// The certs view's rows (None: loading) and problems.
    pub certs: Option<(Vec<crate::certs::CertRow>, Vec<String>)>,
    /// Metrics per host, with history for sparklines.
    pub metrics: std::collections::BTreeMap<HostId, MetricsHistory>,
    /// The env editor, when open (it takes every key).
    pub editor: Option<editor::Editor>,
    /// The convention's env file (`/etc/{app}/env`), the one edits go to when the units use it.
    pub env_file_template: String,
    /// Where forwards listen (fleet.toml `forward_bind`).
    pub forward_bind: std::net::IpAddr,
    /// The forward prompt: app, target, typed `[LOCAL:]REMOTE`.
    pub forward_prompt: Option<(String, HostTarget, String)>,
    /// fleet.toml `[metrics]` (history window, thresholds) and `[certs]` (days).
    pub metrics_config: crate::config::metrics::MetricsConfig,
    pub certs_config: crate::config::metrics::CertsConfig,
    /// fleet.toml `[apps.NAME]`: metrics_url and domains for the Metrics and Certs tabs.
    pub app_settings: std::collections::BTreeMap<String, crate::config::fleet::AppSettings>,
    pub app_metrics: Option<metrics_view::AppMetricsView>,
    pub app_certs: Option<metrics_view::AppCertsView>,
    /// The app's Activity tab.
    pub app_activity: Option<metrics_view::ActivityView>,
    /// How each sortable table is ordered (absent: its data's own order).
    pub sorts: std::collections::BTreeMap<sort::TableId, sort::Sort>,
    /// The `:` palette, when open (it takes every typed key).
    pub palette: Option<palette::Palette>,
    /// What is wrong in the fleet: the problems view and the title bar's count.
    pub problems: problems::ProblemsState,
}

impl State {
    pub fn new(fleet: FleetState, now: Timestamp) -> State {
        State {
            now,
            tz: jiff::tz::TimeZone::UTC,
            fleet,
            view: View::Apps,
            focus: Focus::Apps,
            apps_cursor: ListCursor::default(),
            hosts_cursor: ListCursor::default(),
            detail_cursor: ListCursor::default(),
            filter: FilterInput::default(),
            overlay: None,
            spinner: 0,
            size: (80, 24),
            notice: None,
            demo: false,
            logs: None,
            next_log_session: 1,
            log_capacity: logs::DEFAULT_CAPACITY,
            log_history: 1000,
            help_scroll: 0,
            readonly: false,
            health: Default::default(),
            activity: None,
            forwards: Vec::new(),
            forwards_cursor: ListCursor::default(),
            audit: Vec::new(),
            forward_prompt: None,
            forward_bind: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            app_tab: AppTab::Processes,
            env: None,
            addons: None,
            editor: None,
            metrics: Default::default(),
            certs: None,
            env_file_template: "/etc/{app}/env".into(),
            metrics_config: Default::default(),
            certs_config: Default::default(),
            app_settings: Default::default(),
            app_metrics: None,
            app_certs: None,
            app_activity: None,
            sorts: Default::default(),
            palette: None,
            problems: Default::default(),
        }
    }

    /// Which keymap table applies now.
    pub fn key_context(&self) -> KeyContext {
        match (&self.overlay, &self.view) {
            (Some(Overlay::Confirm(_)), _) => KeyContext::Prompt,
            (_, View::Logs { .. }) => KeyContext::Logs,
            _ => KeyContext::Global,
        }
    }

    /// Whether typed keys go to a text prompt (apps filter or a log view prompt).
    pub fn editing_text(&self) -> bool {
        self.editor.is_some()
            || self.palette.is_some()
            || self.filter.editing
            || self.forward_prompt.is_some()
            || self.logs.as_ref().is_some_and(|l| l.prompt.is_some())
    }

    pub(crate) fn new_log_session(&mut self) -> u64 {
        let s = self.next_log_session;
        self.next_log_session += 1;
        s
    }

    /// Indices into `fleet.apps` that pass the filter, best match first when filtering.
    pub fn visible_apps(&self) -> Vec<usize> {
        let mut order = self.filter.apply(&self.fleet.apps);
        if self.filter.query.trim().is_empty() {
            sort::sort_apps(self, &mut order);
        }
        order
    }

    pub fn selected_app_name(&self) -> Option<String> {
        let visible = self.visible_apps();
        visible.get(self.apps_cursor.selected).map(|i| self.fleet.apps[*i].name.clone())
    }

    /// Whether some platform the app in view (or the selected one) runs on can do `action`:
    /// hints offer only what would not be refused. Actions no platform is asked for: true.
    pub fn offers(&self, action: Action) -> bool {
        let need: fn(&crate::model::Capabilities) -> crate::model::Can = match action {
            Action::Restart => |c| c.restart,
            Action::Rollout => |c| c.rollout,
            Action::Rollback => |c| c.rollback,
            Action::Rebuild => |c| c.rebuild,
            Action::Shell => |c| c.exec,
            Action::Forward => |c| c.forward,
            Action::Edit | Action::EditFile => |c| c.env_write,
            _ => return true,
        };
        let name = match &self.view {
            View::App { name } => Some(name.clone()),
            View::Apps => self.selected_app_name(),
            _ => None,
        };
        match name.as_deref().and_then(|n| self.fleet.app(n)) {
            Some(app) => app.processes.iter().any(|p| need(p.platform.caps()).yes()),
            None => true,
        }
    }

    /// Whether anything still waits for a first answer (the spinner then needs ticks).
    pub fn animating(&self) -> bool {
        self.fleet.hosts.iter().any(|h| matches!(h.status, crate::model::HostStatus::Connecting))
    }
}

/// Applies one message. Returns the effects to run, and whether anything visible changed
/// (so the loop redraws only then).
pub fn update(state: &mut State, msg: Msg) -> (Vec<Effect>, bool) {
    match msg {
        Msg::Tick(now) => {
            let animating = state.animating();
            let second_changed = state.now.as_second() != now.as_second();
            state.now = now;
            if animating {
                state.spinner = state.spinner.wrapping_add(1);
            }
            (problems::due(state).into_iter().collect(), animating || second_changed)
        }
        Msg::Resize { width, height } => {
            state.size = (width, height);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Logs { session, events }) => (logs_input::on_events(state, session, events), true),
        Msg::Backend(BackendEvent::LogsOlder { session, lines }) => {
            if let Some(l) = state.logs.as_mut().filter(|l| l.session == session) {
                l.prepend_older(lines);
            }
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Action(ev)) => (actions_input::on_event(state, ev), true),
        Msg::Backend(BackendEvent::PortResolved { app, target, port }) => {
            actions_input::port_resolved(state, app, target, port);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Forwards(rows)) => {
            let changed = state.forwards != rows;
            state.forwards = rows;
            state.forwards_cursor.clamp(state.forwards.len());
            (Vec::new(), changed)
        }
        Msg::Backend(BackendEvent::Env { app, envs, problems }) => {
            if let Some(v) = state.env.as_mut().filter(|v| v.app == app) {
                v.loading = false;
                v.rows = crate::env::table::app_table(&envs);
                v.problems = problems;
                v.problems.extend(envs.iter().flat_map(|e| e.problems.iter().cloned()));
            }
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Addons { app, addons, problems }) => {
            if let Some(v) = state.addons.as_mut().filter(|v| v.app == app) {
                v.loading = false;
                v.list = addons;
                v.problems = problems;
            }
            (Vec::new(), true)
        }
        Msg::EditorKey(k) => (editor_input::on_key(state, k), true),
        Msg::Backend(BackendEvent::EnvFile { app, target, path, sha, text }) => {
            state.editor = Some(editor::Editor::file(app, target, path, sha, text));
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::EnvWritten { app, changed, report }) => (editor_input::written(state, app, changed, report), true),
        Msg::Backend(BackendEvent::Metrics { host, metrics, at }) => {
            let points = state.metrics_config.points();
            state.metrics.entry(host).or_insert_with(|| MetricsHistory::new(points)).push(metrics, at);
            problems::recheck(state);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::MetricsHistory { host, history }) => {
            let points = state.metrics_config.points();
            state.metrics.entry(host).or_insert_with(|| MetricsHistory::new(points)).prefill(*history);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::AppMetrics { app, host, sample, at }) => {
            if let Some(v) = state.app_metrics.as_mut().filter(|v| v.app == app) {
                v.push(host, sample, at.as_second());
            }
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::AppCerts { app, mut rows, problems }) => {
            let now = state.now;
            rows.sort_by_key(|r| (r.days_left(now).unwrap_or(i64::MAX), r.host.clone(), r.what.clone()));
            if let Some(v) = state.app_certs.as_mut().filter(|v| v.app == app) {
                v.rows = Some(rows);
                v.problems = problems;
            }
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Certs { rows, problems }) => {
            let mut rows = rows;
            let now = state.now;
            rows.sort_by_key(|r| (r.days_left(now).unwrap_or(i64::MAX), r.host.clone(), r.what.clone()));
            state.certs = Some((rows, problems));
            sort::sort_certs(state);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Notice(text)) => {
            state.notice = Some(text);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Activity { app, entries, problems }) => {
            if let Some(v) = state.app_activity.as_mut().filter(|v| v.app == app) {
                v.entries = Some(entries);
                v.problems = problems;
                v.cursor = 0;
            }
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Observed(o)) => {
            problems::observed(state, *o);
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Audit(entries)) => {
            state.audit = entries;
            (Vec::new(), true)
        }
        Msg::Backend(BackendEvent::Host { host, result, at }) => {
            let keep = state.selected_app_name();
            state.fleet.apply(host, result, at);
            problems::recheck(state);
            // Keep the same app selected as rows come and go.
            if let Some(name) = keep
                && let Some(pos) = state.visible_apps().iter().position(|i| state.fleet.apps[*i].name == name)
            {
                state.apps_cursor.selected = pos;
            }
            clamp_cursors(state);
            (Vec::new(), true)
        }
        Msg::FilterKey(FilterKey::Up | FilterKey::Down) if state.palette.is_some() => {
            if let Msg::FilterKey(k) = msg {
                palette::step(state, k == FilterKey::Down);
            }
            (Vec::new(), true)
        }
        Msg::FilterKey(k) if state.palette.is_some() => (palette::on_key(state, k), true),
        Msg::FilterKey(FilterKey::Up | FilterKey::Down) => (Vec::new(), false),
        Msg::FilterKey(k) if state.forward_prompt.is_some() => (actions_input::on_prompt_key(state, k), true),
        Msg::FilterKey(k) if state.logs.as_ref().is_some_and(|l| l.prompt.is_some()) => (logs_input::on_prompt_key(state, k), true),
        Msg::FilterKey(k) => {
            state.filter.key(k);
            state.apps_cursor.selected = 0;
            (Vec::new(), true)
        }
        Msg::Action(a) => {
            let mut effects = input::on_action(state, a);
            effects.extend(stop_app_metrics_when_hidden(state));
            (effects, true)
        }
        Msg::Click { column, row } => (input::on_click(state, column, row), true),
        Msg::Unbound(key) => {
            state.notice = Some(format!("{key} does nothing here · ? lists this view's keys, : finds any action"));
            (Vec::new(), true)
        }
        Msg::Scroll { down, column, row } => (input::on_scroll(state, down, column, row), true),
    }
}

/// The Metrics tab samples only while it is on screen: leaving it (another tab, another view)
/// stops the sampling.
fn stop_app_metrics_when_hidden(state: &mut State) -> Option<Effect> {
    let shown = match (&state.view, &state.app_metrics) {
        (View::App { name }, Some(v)) => state.app_tab == AppTab::Metrics && v.app == *name,
        (_, Some(_)) => false,
        (_, None) => return None,
    };
    if shown {
        return None;
    }
    state.app_metrics = None;
    Some(Effect::StopAppMetrics)
}

pub(crate) fn clamp_cursors(state: &mut State) {
    let apps = state.visible_apps().len();
    state.apps_cursor.clamp(apps);
    state.hosts_cursor.clamp(state.fleet.hosts.len());
    let procs = match &state.view {
        View::App { name } => state.fleet.app(name).map(|a| a.processes.len()).unwrap_or(0),
        View::Certs => state.certs.as_ref().map(|c| c.0.len()).unwrap_or(0),
        View::Problems => state.problems.list.len(),
        View::Host { .. } => HOST_SERIES.len(),
        View::Apps | View::Logs { .. } => 0,
    };
    state.detail_cursor.clamp(procs);
}
