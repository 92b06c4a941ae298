//! The problems view: every problem in the fleet, the worst first (what `fleet check` prints),
//! and under the table what to do about the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::problem::{Problem, Severity};
use crate::state::State;
use crate::text::sanitize;

struct Row<'a> {
    p: &'a Problem,
    now: jiff::Timestamp,
}

impl TableRow for Row<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let p = self.p;
        let style = if p.severity == Severity::Critical { theme.danger() } else { theme.warn() };
        let since = p.since.map(|t| crate::text::age(t, self.now)).unwrap_or_default();
        vec![
            Line::from(Span::styled(p.severity.label(), style)),
            Line::from(Span::styled(p.area.name(), theme.muted())),
            Line::from(Span::styled(sanitize(&p.place()).into_owned(), theme.accent())),
            Line::from(sanitize(&p.message).into_owned()),
            Line::from(Span::styled(since, theme.muted())),
        ]
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let list = &state.problems.list;
    // Under the table, the selected problem whole (the table cuts long ones) and what to do.
    let [table_area, fix_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(area);
    let mut title = vec![Span::raw(" problems "), Span::styled("worst first ", theme.muted())];
    let checked = match (state.problems.observing, state.problems.observed_at) {
        (true, _) => "· checking certificates, add-ons, env… ".to_string(),
        (false, Some(at)) => format!("· certificates, add-ons, env checked {} ago ", crate::text::age(at, state.now)),
        (false, None) => String::new(),
    };
    title.push(Span::styled(checked, theme.muted()));
    let rows: Vec<Row> = list.iter().map(|p| Row { p, now: state.now }).collect();
    let empty =
        if state.fleet.hosts.iter().all(|h| h.last_attempt.is_some()) { "nothing wrong" } else { "waiting for every host to answer…" };
    table::draw(
        frame,
        table_area,
        TableSpec {
            title: Line::from(title),
            headers: &["SEVERITY", "AREA", "WHERE", "PROBLEM", "SINCE"],
            widths: &[Constraint::Length(8), Constraint::Length(9), Constraint::Fill(1), Constraint::Fill(4), Constraint::Length(8)],
            focused: true,
            selected: Some(state.detail_cursor.selected),
            empty,
            sort: None,
        },
        &rows,
        theme,
    );
    if let Some(p) = list.get(state.detail_cursor.selected) {
        let whole = vec![
            Line::from(vec![Span::raw(" "), Span::raw(sanitize(&p.message).into_owned())]),
            Line::from(vec![Span::styled(" → ", theme.accent()), Span::raw(sanitize(&p.fix).into_owned())]),
        ];
        frame.render_widget(Paragraph::new(whole).wrap(Wrap { trim: false }), fix_area);
    }
}
