//! The apps table: one row per app across every host, Heroku-style.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::App;
use crate::state::sort::TableId;
use crate::state::{Focus, State};
use crate::text::{age, sanitize};

struct AppRow<'a> {
    app: &'a App,
    now: Timestamp,
}

impl TableRow for AppRow<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let a = self.app;
        vec![
            Line::from(Span::styled(sanitize(&a.name).into_owned(), theme.accent())),
            Line::from(sanitize(&a.formation_label()).into_owned()),
            Line::from(sanitize(&a.hosts_label(4, " ")).into_owned()),
            Line::from(Span::styled(a.health.label(), theme.health(a.health))),
            Line::from(Span::styled(a.since.map(|s| age(s, self.now)).unwrap_or_else(|| "—".into()), theme.muted())),
        ]
    }
}

/// Why the table is empty: the convention is the answer only once every host has answered.
fn no_apps(state: &State) -> String {
    use crate::model::HostStatus;
    let hosts = &state.fleet.hosts;
    let answered = hosts.iter().filter(|h| matches!(h.status, HostStatus::Up { .. })).count();
    let connecting = hosts.iter().filter(|h| matches!(h.status, HostStatus::Connecting)).count();
    let key = hosts.iter().filter(|h| h.status.error().is_some_and(|e| e.unknown_key.is_some())).count();
    let waiting = match (connecting, key) {
        (0, 0) => String::new(),
        (c, 0) => format!("{c} still connecting"),
        (0, k) => format!("{k} waiting for a host-key decision (tab to the hosts panel, a accepts)"),
        (c, k) => format!("{c} still connecting, {k} waiting for a host-key decision (tab, then a)"),
    };
    match (answered, waiting.is_empty()) {
        (0, false) => format!("no host has answered yet: {waiting}"),
        (0, true) if hosts.is_empty() => "no hosts: add Host entries to ~/.ssh/config or [[hosts]] to fleet.toml (see README)".into(),
        (0, true) => "no host answered: every host is down (the hosts panel says why)".into(),
        (n, false) => format!("no apps on the {n} host(s) that answered; {waiting}"),
        (n, true) => format!(
            "no apps found on {n} host(s): fleet looks for units named {{app}}-{{process}}.service under /etc/systemd/system and for app.kubernetes.io/name labels (see README: apps by naming convention)"
        ),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let visible = state.visible_apps();
    let rows: Vec<AppRow> = visible.iter().map(|i| AppRow { app: &state.fleet.apps[*i], now: state.now }).collect();
    let total = state.fleet.apps.len();
    let name_w = rows.iter().map(|r| r.app.name.chars().count()).max().unwrap_or(3).clamp(3, 28) as u16;
    let mut title = vec![Span::raw(" apps "), Span::styled(format!("{total} "), theme.muted())];
    if !state.filter.query.is_empty() || state.filter.editing {
        title.push(Span::styled(format!("/{} ", sanitize(&state.filter.query)), theme.warn()));
        title.push(Span::styled(format!("({} shown) ", rows.len()), theme.muted()));
    }
    let empty = if total == 0 { no_apps(state) } else { "no app matches the filter (esc clears it)".to_string() };
    table::draw(
        frame,
        area,
        TableSpec {
            title: Line::from(title),
            headers: &["APP", "PROCESSES", "HOSTS", "HEALTH", "SINCE"],
            widths: &[Constraint::Length(name_w), Constraint::Fill(3), Constraint::Fill(2), Constraint::Length(8), Constraint::Length(7)],
            focused: state.focus == Focus::Apps,
            selected: Some(state.apps_cursor.selected),
            empty: &empty,
            sort: state.sort_of(TableId::Apps).filter(|_| state.filter.query.trim().is_empty()).map(|s| (s.column, s.desc)),
        },
        &rows,
        theme,
    );
}
