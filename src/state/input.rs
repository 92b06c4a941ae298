//! What keys, clicks and the filter prompt do to the state.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::layout::{Layout, Region};
use super::table::scroll_offset;
use super::{Action, AppTab, Confirm, Effect, FilterKey, Focus, Overlay, State, View, clamp_cursors};
use crate::model::{App, HostStatus};

/// The `/` prompt: while `editing`, typed characters go to the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterInput {
    pub editing: bool,
    pub query: String,
}

impl FilterInput {
    pub fn key(&mut self, k: FilterKey) {
        match k {
            FilterKey::Char(c) if !c.is_control() => self.query.push(c),
            FilterKey::Char(_) | FilterKey::Up | FilterKey::Down => {}
            FilterKey::Backspace => {
                self.query.pop();
            }
            FilterKey::Accept => self.editing = false,
            FilterKey::Clear => {
                self.query.clear();
                self.editing = false;
            }
        }
    }

    /// Indices of the apps matching the query, best first; all apps in order when empty.
    pub fn apply(&self, apps: &[App]) -> Vec<usize> {
        if self.query.trim().is_empty() {
            return (0..apps.len()).collect();
        }
        let pattern = Pattern::parse(&self.query, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize)> = apps
            .iter()
            .enumerate()
            .filter_map(|(i, app)| {
                let hosts: Vec<&str> = app.hosts.iter().map(|h| h.0.as_str()).collect();
                let text = format!("{} {} {}", app.name, app.formation_label(), hosts.join(" "));
                pattern.score(Utf32Str::new(&text, &mut buf), &mut matcher).map(|s| (s, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }
}

/// Moves the help by `by` lines (down when positive), from the top or from the end alike.
fn scroll_help(at: isize, by: isize) -> isize {
    if at >= 0 { (at + by).max(0) } else { (at + by).min(-1) }
}

fn page(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(6).max(1)
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    state.notice = None;
    if matches!(state.view, View::Logs { .. }) && state.overlay.is_none() {
        return super::logs_input::on_action(state, action);
    }
    if matches!(state.view, View::App { .. })
        && state.overlay.is_none()
        && let Some(effects) = env_tab_action(state, action)
    {
        return effects;
    }
    // A prompt takes only its own answers.
    if let Some(overlay) = &state.overlay {
        match (overlay, action) {
            (Overlay::Confirm(c), Action::Confirm) => {
                let effect = c.effect.clone();
                state.overlay = None;
                if let Effect::Run(op) = &effect {
                    super::actions_input::started(state, op);
                }
                return vec![effect];
            }
            (Overlay::Confirm(_), Action::Cancel | Action::Back | Action::Quit) => state.overlay = None,
            (Overlay::Help, Action::Back | Action::Help | Action::Quit) => state.overlay = None,
            (Overlay::Help, Action::Down) => state.help_scroll = scroll_help(state.help_scroll, 1),
            (Overlay::Help, Action::Up) => state.help_scroll = scroll_help(state.help_scroll, -1),
            (Overlay::Help, Action::PageDown) => state.help_scroll = scroll_help(state.help_scroll, page(state) as isize),
            (Overlay::Help, Action::PageUp) => state.help_scroll = scroll_help(state.help_scroll, -(page(state) as isize)),
            (Overlay::Help, Action::Top) => state.help_scroll = 0,
            (Overlay::Help, Action::Bottom) => state.help_scroll = -1,
            (Overlay::Detail(_), Action::Back | Action::Open | Action::Quit) => state.overlay = None,
            (Overlay::Activity | Overlay::Forwards | Overlay::Audit, _) => {
                let overlay = overlay.clone();
                return super::actions_input::on_overlay_action(state, &overlay, action);
            }
            _ => {}
        }
        return Vec::new();
    }
    let page = page(state);
    let apps_len = state.visible_apps().len();
    let hosts_len = state.fleet.hosts.len();
    let detail_len = match &state.view {
        View::App { name } => state.fleet.app(name).map(|a| a.processes.len()).unwrap_or(0),
        View::Certs => state.certs.as_ref().map(|c| c.0.len()).unwrap_or(0),
        View::Problems => state.problems.list.len(),
        View::Host { .. } => super::HOST_SERIES.len(),
        View::Apps | View::Logs { .. } => 0,
    };
    let (cursor, len) = match (&state.view, state.focus) {
        (View::App { .. } | View::Logs { .. } | View::Host { .. } | View::Certs | View::Problems, _) => {
            (&mut state.detail_cursor, detail_len)
        }
        (View::Apps, Focus::Apps) => (&mut state.apps_cursor, apps_len),
        (View::Apps, Focus::Hosts) => (&mut state.hosts_cursor, hosts_len),
    };
    match action {
        Action::Up => cursor.up(1),
        Action::Down => cursor.down(1, len),
        Action::PageUp => cursor.up(page),
        Action::PageDown => cursor.down(page, len),
        Action::Top => cursor.selected = 0,
        Action::Bottom => cursor.selected = len.saturating_sub(1),
        Action::Open if state.view == View::Problems => return super::problems::open_selected(state),
        Action::Open => {
            if state.view == View::Apps
                && state.focus == Focus::Apps
                && let Some(name) = state.selected_app_name()
            {
                state.view = View::App { name };
                state.detail_cursor.selected = 0;
                state.app_tab = AppTab::Processes;
            } else if state.view == View::Apps
                && state.focus == Focus::Hosts
                && let Some(h) = state.selected_host()
            {
                state.view = View::Host { host: h.spec.id.clone() };
            } else {
                super::detail::open(state);
            }
        }
        Action::Back => {
            if state.view != View::Apps {
                state.view = View::Apps;
            } else if !state.filter.query.is_empty() {
                state.filter.key(FilterKey::Clear);
            }
        }
        Action::NextPanel | Action::PrevPanel => {
            if state.view == View::Apps {
                state.focus = if state.focus == Focus::Apps { Focus::Hosts } else { Focus::Apps };
            }
        }
        Action::TabProcesses | Action::TabEnv | Action::TabAddons | Action::TabMetrics | Action::TabCerts | Action::TabActivity => {
            state.notice = Some("1–6 pick an app's tab: open an app first (enter)".into());
        }
        Action::Sort | Action::SortReverse => super::sort::on_sort(state, action == Action::SortReverse),
        Action::Command => super::palette::open(state),
        Action::Filter => {
            // The apps table is what `/` filters: from another view, say so rather than jump.
            if state.view != View::Apps {
                state.notice = Some("/ filters the apps table: back there now (esc clears the filter)".into());
            }
            state.view = View::Apps;
            state.focus = Focus::Apps;
            // A new filter replaces the kept one rather than adding to it.
            state.filter.query.clear();
            state.filter.editing = true;
            state.apps_cursor.selected = 0;
        }
        Action::Help => {
            state.overlay = Some(Overlay::Help);
            state.help_scroll = 0;
        }
        Action::Refresh if state.view == View::Certs => return on_action(state, Action::Certs),
        Action::Refresh if state.view == View::Problems => {
            state.notice = Some("looking again: certificates, add-ons, env…".into());
            let mut effects = vec![Effect::RefreshAll];
            if !state.problems.observing {
                effects.push(super::problems::observe(state));
            }
            return effects;
        }
        Action::Problems => return super::problems::open(state),
        Action::Refresh => {
            state.notice = Some(format!("refreshing {} host(s)…", state.fleet.hosts.len()));
            return vec![Effect::RefreshAll];
        }
        Action::AcceptHostKey => accept_key_prompt(state),
        Action::Logs => return super::logs_input::open(state),
        Action::Restart
        | Action::Rollout
        | Action::Rollback
        | Action::Rebuild
        | Action::Shell
        | Action::Forward
        | Action::Forwards
        | Action::Audit => {
            return super::actions_input::on_action(state, action);
        }
        Action::Reveal | Action::RevealAll => {}
        Action::Certs => {
            state.view = View::Certs;
            state.detail_cursor.selected = 0;
            state.certs = None;
            let reports = state.fleet.hosts.iter().filter_map(|h| h.status.report()).cloned().collect();
            return vec![Effect::LoadCerts { reports }];
        }
        Action::Edit | Action::EditFile => {}
        Action::Confirm
        | Action::Cancel
        | Action::SearchNext
        | Action::SearchPrev
        | Action::Include
        | Action::Exclude
        | Action::Toggles
        | Action::Wrap
        | Action::JumpTime => {}
        Action::Quit => return vec![Effect::Quit],
    }
    clamp_cursors(state);
    Vec::new()
}

/// The app view's tab switch and the Env tab's own keys; None: not handled here.
fn env_tab_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let View::App { name } = &state.view else { return None };
    let name = name.clone();
    let tab = match action {
        Action::NextPanel => Some(state.app_tab.next()),
        Action::PrevPanel => Some(state.app_tab.prev()),
        Action::TabProcesses => Some(AppTab::Processes),
        Action::TabEnv => Some(AppTab::Env),
        Action::TabAddons => Some(AppTab::Addons),
        Action::TabMetrics => Some(AppTab::Metrics),
        Action::TabCerts => Some(AppTab::Certs),
        Action::TabActivity => Some(AppTab::Activity),
        _ => None,
    };
    if let Some(tab) = tab {
        return Some(switch_tab(state, name, tab));
    }
    if state.app_tab == AppTab::Activity {
        let v = state.app_activity.as_mut()?;
        let len = v.entries.as_ref().map(Vec::len).unwrap_or(0);
        match action {
            Action::Up => v.cursor = v.cursor.saturating_sub(1),
            Action::Down => v.cursor = (v.cursor + 1).min(len.saturating_sub(1)),
            Action::Top => v.cursor = 0,
            Action::Bottom => v.cursor = len.saturating_sub(1),
            Action::Refresh => return Some(load_activity(state, name)),
            _ => return None,
        }
        return Some(Vec::new());
    }
    if matches!(state.app_tab, AppTab::Metrics | AppTab::Certs) {
        let certs_tab = state.app_tab == AppTab::Certs;
        let (cursor, len) = match (certs_tab, state.app_metrics.as_mut(), state.app_certs.as_mut()) {
            (false, Some(m), _) => (&mut m.cursor, m.series.len()),
            (true, _, Some(c)) => (&mut c.cursor, c.rows.as_ref().map(Vec::len).unwrap_or(0)),
            _ => return None,
        };
        match action {
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::Down => *cursor = (*cursor + 1).min(len.saturating_sub(1)),
            Action::Top => *cursor = 0,
            Action::Bottom => *cursor = len.saturating_sub(1),
            Action::Refresh if certs_tab => return Some(load_app_certs(state, name)),
            _ => return None,
        }
        return Some(Vec::new());
    }
    if state.app_tab == AppTab::Addons {
        let a = state.addons.as_mut()?;
        let len = a.list.len();
        match action {
            Action::Up => a.cursor = a.cursor.saturating_sub(1),
            Action::Down => a.cursor = (a.cursor + 1).min(len.saturating_sub(1)),
            Action::Refresh => return Some(load_addons(state, name)),
            _ => return None,
        }
        return Some(Vec::new());
    }
    if state.app_tab != AppTab::Env {
        return None;
    }
    let page = page(state);
    let env = state.env.as_mut()?;
    let len = env.line_count();
    match action {
        Action::Up => env.cursor = env.cursor.saturating_sub(1),
        Action::Down => env.cursor = (env.cursor + 1).min(len.saturating_sub(1)),
        Action::PageUp => env.cursor = env.cursor.saturating_sub(page),
        Action::PageDown => env.cursor = (env.cursor + page).min(len.saturating_sub(1)),
        Action::Top => env.cursor = 0,
        Action::Bottom => env.cursor = len.saturating_sub(1),
        Action::Reveal => {
            if let Some(k) = env.key_at(env.cursor).map(str::to_string)
                && !env.revealed.remove(&k)
            {
                env.revealed.insert(k);
            }
        }
        Action::RevealAll => {
            env.reveal_all = !env.reveal_all;
            env.revealed.clear();
        }
        Action::Refresh => return Some(load_env(state, name)),
        Action::Edit | Action::EditFile => {
            if state.readonly {
                state.notice = Some("read-only: editing env vars is refused".into());
                return Some(Vec::new());
            }
            return Some(super::editor_input::open(state, action));
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Shows one of the app view's tabs, loading what it shows the first time.
pub(crate) fn switch_tab(state: &mut State, name: String, tab: AppTab) -> Vec<Effect> {
    if state.app_tab == tab {
        return Vec::new();
    }
    state.app_tab = tab;
    match tab {
        AppTab::Env if state.env.as_ref().is_none_or(|e| e.app != name) => load_env(state, name),
        AppTab::Addons if state.addons.as_ref().is_none_or(|a| a.app != name) => load_addons(state, name),
        AppTab::Metrics => watch_app_metrics(state, name),
        AppTab::Certs if state.app_certs.as_ref().is_none_or(|c| c.app != name) => load_app_certs(state, name),
        // Always read again: what happened is what is asked for.
        AppTab::Activity => load_activity(state, name),
        _ => Vec::new(),
    }
}

/// The latest reports of the hosts the app runs on.
fn app_reports(state: &State, app: &str) -> Vec<crate::model::HostReport> {
    state.fleet.hosts.iter().filter_map(|h| h.status.report()).filter(|r| r.processes.iter().any(|p| p.app == app)).cloned().collect()
}

/// Starts sampling the app's units (and its endpoint, when fleet.toml names one) on its hosts.
pub(crate) fn watch_app_metrics(state: &mut State, app: String) -> Vec<Effect> {
    let targets = crate::model::targets(state.fleet.hosts.iter().filter_map(|h| h.status.report()), &app, &[], &[]);
    let metrics_url = state.app_settings.get(&app).and_then(|s| s.metrics_url.clone());
    state.app_metrics = Some(super::metrics_view::AppMetricsView::new(app.clone(), state.metrics_config.points()));
    vec![Effect::WatchAppMetrics { app, targets, metrics_url }]
}

/// Asks the runtime for the certificates of the app's domains on its hosts.
pub(crate) fn load_app_certs(state: &mut State, app: String) -> Vec<Effect> {
    let reports = app_reports(state, &app);
    let domains = state.app_settings.get(&app).map(|s| s.domains.clone()).unwrap_or_default();
    state.app_certs = Some(super::metrics_view::AppCertsView { app: app.clone(), rows: None, problems: Vec::new(), cursor: 0 });
    vec![Effect::LoadAppCerts { app, reports, domains }]
}

/// Asks the runtime for the app's activity on its hosts.
pub(crate) fn load_activity(state: &mut State, app: String) -> Vec<Effect> {
    let reports = app_reports(state, &app);
    state.app_activity = Some(super::metrics_view::ActivityView { app: app.clone(), entries: None, problems: Vec::new(), cursor: 0 });
    vec![Effect::LoadActivity { app, reports }]
}

/// Asks the runtime for the add-ons on the app's hosts.
pub(crate) fn load_addons(state: &mut State, app: String) -> Vec<Effect> {
    let reports = app_reports(state, &app);
    state.addons = Some(super::env_view::AddonsView::loading(app.clone()));
    vec![Effect::LoadAddons { app, reports }]
}

/// Asks the runtime for the app's env on each of its hosts.
pub(crate) fn load_env(state: &mut State, app: String) -> Vec<Effect> {
    let reports: Vec<&crate::model::HostReport> = state.fleet.hosts.iter().filter_map(|h| h.status.report()).collect();
    let hosts = crate::model::targets_with_processes(reports.iter().copied(), &app, &[], &[]);
    state.env = Some(super::env_view::EnvView::loading(app.clone()));
    vec![Effect::LoadEnv { app, hosts }]
}

/// `a` on a host whose key is unknown: ask, showing the exact fingerprint that will be trusted.
fn accept_key_prompt(state: &mut State) {
    let row = match state.focus {
        Focus::Hosts => state.selected_host(),
        // From the apps panel, the first host waiting for a decision.
        Focus::Apps => state.fleet.hosts.iter().find(|h| h.status.error().is_some_and(|e| e.unknown_key.is_some())),
    };
    let Some(row) = row else {
        state.notice = Some("no host is waiting for a host key decision".into());
        return;
    };
    let (fp, file) = match &row.status {
        HostStatus::Failed { error, .. } => (error.unknown_key.as_ref(), error.known_hosts.as_deref()),
        _ => (None, None),
    };
    let Some(fp) = fp else {
        state.notice = Some(format!("{}: no unknown host key to accept", row.spec.id));
        return;
    };
    state.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        title: "Trust this host key?".into(),
        lines: vec![
            format!("host         {}", row.spec.id),
            format!("fingerprint  {fp}"),
            format!("It will be appended to {}, as ssh's accept-new does.", file.unwrap_or("your known_hosts")),
            "Compare the fingerprint with the server's (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).".into(),
        ],
        effect: Effect::AcceptHostKey { host: row.spec.id.clone(), fingerprint: fp.clone() },
    })));
}

pub fn on_click(state: &mut State, column: u16, row: u16) -> Vec<Effect> {
    if state.overlay.is_some() {
        state.overlay = None;
        return Vec::new();
    }
    let layout = Layout::new(state.size.0, state.size.1, &state.view, state.fleet.hosts.len());
    let Some((region, index_on_screen)) = layout.hit(column, row) else { return Vec::new() };
    match region {
        Region::Apps => {
            state.focus = Focus::Apps;
            let off = scroll_offset(state.apps_cursor.selected, layout.apps_rows());
            state.apps_cursor.selected = off + index_on_screen;
        }
        Region::Hosts => {
            state.focus = Focus::Hosts;
            let off = scroll_offset(state.hosts_cursor.selected, layout.hosts_rows());
            state.hosts_cursor.selected = off + index_on_screen;
        }
        Region::Detail if matches!(state.view, View::Logs { .. }) => {}
        Region::Detail => {
            let off = scroll_offset(state.detail_cursor.selected, layout.detail_rows());
            state.detail_cursor.selected = off + index_on_screen;
        }
    }
    clamp_cursors(state);
    Vec::new()
}

pub fn on_scroll(state: &mut State, down: bool, column: u16, row: u16) -> Vec<Effect> {
    let layout = Layout::new(state.size.0, state.size.1, &state.view, state.fleet.hosts.len());
    if let Some((region, _)) = layout.hit(column, row) {
        match region {
            Region::Apps => state.focus = Focus::Apps,
            Region::Hosts => state.focus = Focus::Hosts,
            Region::Detail => {}
        }
    }
    on_action(state, if down { Action::Down } else { Action::Up })
}
