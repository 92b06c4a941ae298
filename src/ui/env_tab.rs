//! The Env tab: key, value (masked unless revealed), where it comes from, who gets it; drift
//! between hosts marked; invalid lines and missing files listed below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::state::State;
use crate::state::env_view::EnvView;
use crate::text::sanitize;

struct Row {
    key: String,
    value: String,
    secret: bool,
    revealed: bool,
    drift: bool,
    source: String,
    places: String,
}

impl TableRow for Row {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let key = if self.drift { format!("{} ≠", self.key) } else { self.key.clone() };
        let value_style = match (self.secret, self.revealed) {
            (true, false) => theme.muted(),
            (true, true) => theme.warn(),
            _ => theme.base(),
        };
        vec![
            Line::from(Span::styled(key, if self.drift { theme.warn() } else { theme.accent() })),
            Line::from(Span::styled(self.value.clone(), value_style)),
            Line::from(Span::styled(self.source.clone(), theme.muted())),
            Line::from(self.places.clone()),
        ]
    }
}

fn rows(env: &EnvView) -> Vec<Row> {
    let mut out = Vec::new();
    for r in &env.rows {
        let revealed = env.is_revealed(&r.key);
        for (i, (value, source, places)) in r.placed().into_iter().enumerate() {
            out.push(Row {
                key: if i == 0 { sanitize(&r.key).into_owned() } else { String::new() },
                value: sanitize(&r.shown(value, revealed)).replace('\n', "⏎"),
                secret: r.secret,
                revealed,
                drift: r.drift && i == 0,
                source: sanitize(&source.label()).into_owned(),
                places: sanitize(&places).into_owned(),
            });
        }
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, app: &str, theme: &Theme) {
    let Some(env) = state.env.as_ref().filter(|e| e.app == app) else { return };
    let problems: Vec<Line> = env.problems.iter().map(|p| Line::from(Span::styled(sanitize(p).into_owned(), theme.danger()))).collect();
    let reserved = (problems.len() as u16).min(area.height / 3);
    let table_area = Rect { height: area.height.saturating_sub(reserved), ..area };
    let mut title = super::app_detail::tabs_title(app, crate::state::AppTab::Env, theme);
    let (said, style) = match (env.reveal_all, env.revealed.len()) {
        (true, _) => ("· secrets shown (V masks) ".to_string(), theme.warn()),
        (false, 0) => ("· secrets masked (v/V reveal) ".to_string(), theme.muted()),
        (false, n) => (format!("· {n} secret(s) shown, the rest masked (v masks again) "), theme.warn()),
    };
    title.push(Span::styled(said, style));
    let title = Line::from(title);
    let empty = if env.loading { "reading the env files…" } else { "no variables" };
    table::draw(
        frame,
        table_area,
        TableSpec {
            title,
            headers: &["KEY", "VALUE", "SOURCE", "WHERE"],
            widths: &[Constraint::Length(22), Constraint::Fill(3), Constraint::Fill(2), Constraint::Fill(2)],
            focused: true,
            selected: Some(env.cursor),
            empty,
            sort: None,
        },
        &rows(env),
        theme,
    );
    if reserved > 0 {
        let p_area = Rect { y: area.y + table_area.height, height: reserved, ..area };
        frame.render_widget(Paragraph::new(problems), p_area);
    }
}
