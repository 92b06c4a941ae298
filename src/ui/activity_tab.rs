//! The app's Activity tab: what happened to it, newest first — fleet's own actions and each
//! platform's record (systemd's unit messages, Kubernetes rollouts and events).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use super::app_detail::tabs_title;
use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::ActivityEntry;
use crate::state::{AppTab, State};
use crate::text::sanitize;

struct Row<'a> {
    e: &'a ActivityEntry,
    now: jiff::Timestamp,
}

impl TableRow for Row<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let e = self.e;
        let style = match e.what.as_str() {
            "failed" | "exited" | "backoff" | "killing" | "oomkilled" => theme.danger(),
            "restarting" => theme.warn(),
            _ if e.who.starts_with("fleet") => theme.accent(),
            _ => theme.ok(),
        };
        vec![
            Line::from(Span::styled(format!("{} ago", crate::text::age(e.at, self.now)), theme.muted())),
            Line::from(Span::styled(sanitize(&e.host.0).into_owned(), theme.accent())),
            Line::from(Span::styled(sanitize(&e.who).into_owned(), theme.muted())),
            Line::from(Span::styled(sanitize(&e.what).into_owned(), style)),
            Line::from(sanitize(&e.detail).into_owned()),
        ]
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, app: &str, theme: &Theme) {
    let Some(v) = state.app_activity.as_ref().filter(|v| v.app == app) else { return };
    let mut title = tabs_title(app, AppTab::Activity, theme);
    title.push(Span::styled("newest first ", theme.muted()));
    if !v.problems.is_empty() {
        title.push(Span::styled(format!("{} host(s) unreadable ", v.problems.len()), theme.danger()));
    }
    let rows: Vec<Row> = v.entries.as_deref().unwrap_or_default().iter().map(|e| Row { e, now: state.now }).collect();
    table::draw(
        frame,
        area,
        TableSpec {
            title: Line::from(title),
            headers: &["WHEN", "HOST", "WHO", "WHAT", "DETAIL"],
            widths: &[Constraint::Length(12), Constraint::Fill(1), Constraint::Fill(1), Constraint::Length(11), Constraint::Fill(5)],
            focused: true,
            selected: Some(v.cursor),
            empty: if v.entries.is_none() { "reading what happened…" } else { "nothing recorded" },
            sort: None,
        },
        &rows,
        theme,
    );
}
