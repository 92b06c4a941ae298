//! The Add-ons tab (Heroku's Resources): what the app uses on each host and through which
//! variable, the front door's routes to it, and problems (dangling or stopped add-ons).

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, TableRow, TableSpec};
use crate::addons::AddOn;
use crate::config::theme::Theme;
use crate::state::State;
use crate::text::{age, bytes, sanitize};

struct Row<'a> {
    a: &'a AddOn,
    app: &'a str,
    now: Timestamp,
}

impl TableRow for Row<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let a = self.a;
        let via = if a.kind.front_door() {
            a.routes
                .iter()
                .map(|r| format!("{}{} → {}", if r.tls { "https://" } else { "" }, r.domains.join(" "), r.upstream))
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            a.used_by.iter().filter(|u| u.app == self.app).map(|u| u.key.clone()).collect::<Vec<_>>().join(", ")
        };
        vec![
            Line::from(Span::styled(
                a.name.as_ref().map(|n| format!("{} {}", a.kind.label(), sanitize(n))).unwrap_or_else(|| a.kind.label().into()),
                theme.accent(),
            )),
            Line::from(sanitize(&a.host.0).into_owned()),
            Line::from(sanitize(a.version.as_deref().unwrap_or("")).into_owned()),
            Line::from(Span::styled(a.state.label(), theme.process_state(a.state))),
            Line::from(sanitize(&a.listen.join(" ")).into_owned()),
            Line::from(a.memory_bytes.map(bytes).unwrap_or_default()),
            Line::from(Span::styled(a.since.map(|s| age(s, self.now)).unwrap_or_default(), theme.muted())),
            Line::from(sanitize(&via).into_owned()),
        ]
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, app: &str, theme: &Theme) {
    let Some(v) = state.addons.as_ref().filter(|v| v.app == app) else { return };
    let problems: Vec<Line> = v.problems.iter().map(|p| Line::from(Span::styled(sanitize(p).into_owned(), theme.danger()))).collect();
    let reserved = (problems.len() as u16).min(area.height / 3);
    let table_area = Rect { height: area.height.saturating_sub(reserved), ..area };
    let rows: Vec<Row> = v.list.iter().map(|a| Row { a, app, now: state.now }).collect();
    let title = Line::from(super::app_detail::tabs_title(app, crate::state::AppTab::Addons, theme));
    let empty = if v.loading { "looking for add-ons…" } else { "no add-on on these hosts is used by this app" };
    table::draw(
        frame,
        table_area,
        TableSpec {
            title,
            headers: &["KIND", "HOST", "VERSION", "STATE", "LISTEN", "MEMORY", "SINCE", "USED AS / ROUTES"],
            widths: &[
                Constraint::Length(11),
                Constraint::Length(10),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Fill(1),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Fill(2),
            ],
            focused: true,
            selected: Some(v.cursor),
            empty,
            sort: None,
        },
        &rows,
        theme,
    );
    if reserved > 0 {
        frame.render_widget(Paragraph::new(problems), Rect { y: area.y + table_area.height, height: reserved, ..area });
    }
}
