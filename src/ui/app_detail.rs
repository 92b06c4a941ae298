//! One app: its processes on every host with state, PID, memory and since; and the tab strip
//! every tab of the app view shares (processes │ env │ add-ons │ metrics │ certs).

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::Process;
use crate::state::sort::TableId;
use crate::state::{AppTab, State};
use crate::text::{age, bytes, sanitize};

struct ProcRow<'a> {
    p: &'a Process,
    now: Timestamp,
}

impl TableRow for ProcRow<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let p = self.p;
        vec![
            Line::from(Span::styled(sanitize(&p.process).into_owned(), theme.accent())),
            Line::from(sanitize(&p.host.0).into_owned()),
            Line::from(Span::styled(p.state.label(), theme.process_state(p.state))),
            Line::from(p.pid.map(|x| x.to_string()).unwrap_or_else(|| "—".into())),
            Line::from(p.memory_bytes.map(bytes).unwrap_or_else(|| "—".into())),
            Line::from(p.since.map(|s| age(s, self.now)).unwrap_or_else(|| "—".into())),
            Line::from(p.restarts.map(|r| r.to_string()).unwrap_or_default()),
            Line::from(Span::styled(sanitize(&unit_text(p)).into_owned(), theme.muted())),
        ]
    }
}

/// The UNIT column: the process in its platform's words (a unit; a pod with its phase,
/// workload replicas, node and image).
fn unit_text(p: &Process) -> String {
    (p.platform.label)(p)
}

/// " shop · processes │ env │ add-ons │ metrics │ certs (tab) " with the current tab lit.
pub fn tabs_title(app: &str, current: AppTab, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(" "), Span::styled(sanitize(app).into_owned(), theme.accent()), Span::raw(" · ")];
    for (i, (tab, label)) in AppTab::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme.muted()));
        }
        spans.push(if *tab == current { Span::styled(*label, theme.title(true)) } else { Span::styled(*label, theme.muted()) });
    }
    spans.push(Span::styled(" (tab) ", theme.muted()));
    spans
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, name: &str, theme: &Theme) {
    let app = state.fleet.app(name);
    let rows: Vec<ProcRow> = state.app_processes(name).into_iter().map(|p| ProcRow { p, now: state.now }).collect();
    let mut title = tabs_title(name, AppTab::Processes, theme);
    if let Some(a) = app {
        title.push(Span::styled(format!("{} ", a.health.label()), theme.health(a.health)));
        title.push(Span::styled(format!("{} ", a.formation_label()), theme.muted()));
    }
    table::draw(
        frame,
        area,
        TableSpec {
            title: Line::from(title),
            headers: &["PROCESS", "HOST", "STATE", "PID", "MEMORY", "SINCE", "RESTARTS", "UNIT"],
            widths: &[
                Constraint::Length(10),
                Constraint::Length(12),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Fill(1),
            ],
            focused: true,
            selected: Some(state.detail_cursor.selected),
            empty: "this app has no processes any more (esc goes back)",
            sort: state.sort_of(TableId::Processes).map(|s| (s.column, s.desc)),
        },
        &rows,
        theme,
    );
}
