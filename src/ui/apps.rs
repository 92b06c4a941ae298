//! The apps table: one row per app across every host, Heroku-style.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::App;
use crate::state::{Focus, State};
use crate::text::{age, sanitize};

struct AppRow<'a> {
    app: &'a App,
    now: Timestamp,
}

impl TableRow for AppRow<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Cell<'static>> {
        let a = self.app;
        vec![
            Cell::from(Span::styled(sanitize(&a.name).into_owned(), theme.accent())),
            Cell::from(sanitize(&a.formation_label()).into_owned()),
            Cell::from(sanitize(&a.hosts_label(4, " ")).into_owned()),
            Cell::from(Span::styled(a.health.label(), theme.health(a.health))),
            Cell::from(Span::styled(a.since.map(|s| age(s, self.now)).unwrap_or_else(|| "—".into()), theme.muted())),
        ]
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
    let empty = if state.fleet.hosts.iter().all(|h| h.status.report().is_none()) {
        "waiting for hosts…"
    } else if total == 0 {
        "no apps found: units named {app}-{process}.service under /etc/systemd/system (see README: convention)"
    } else {
        "no app matches the filter (esc clears it)"
    };
    table::draw(
        frame,
        area,
        TableSpec {
            title: Line::from(title),
            headers: &["APP", "PROCESSES", "HOSTS", "HEALTH", "SINCE"],
            widths: &[Constraint::Length(name_w), Constraint::Fill(3), Constraint::Fill(2), Constraint::Length(8), Constraint::Length(7)],
            focused: state.focus == Focus::Apps,
            selected: Some(state.apps_cursor.selected),
            empty,
        },
        &rows,
        theme,
    );
}
