//! The app's Metrics tab: per unit on each host its CPU, memory, tasks and restarts, then the
//! series of the app's own endpoint, each with a sparkline; a chart of the selected one below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app_detail::tabs_title;
use super::series_panel::{self, Panel, SeriesRow};
use crate::config::theme::Theme;
use crate::state::{AppTab, State};
use crate::text::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, app: &str, theme: &Theme) {
    let Some(v) = state.app_metrics.as_ref().filter(|v| v.app == app) else { return };
    let problems: Vec<Line> =
        v.problems.iter().map(|(h, e)| Line::from(Span::styled(sanitize(&format!("{h}: {e}")).into_owned(), theme.danger()))).collect();
    let reserved = (problems.len() as u16).min(area.height / 3);
    let panel_area = Rect { height: area.height.saturating_sub(reserved), ..area };
    let rows: Vec<SeriesRow> = v
        .series
        .iter()
        .map(|s| {
            let source = s.source.trim_end_matches(".service");
            SeriesRow {
                name: vec![
                    Span::styled(format!("{} ", sanitize(source)), theme.accent()),
                    Span::styled(format!("{} ", sanitize(&s.host.0)), theme.muted()),
                    Span::raw(sanitize(&s.series.label).into_owned()),
                ],
                series: &s.series,
                max: None,
                thresholds: None,
            }
        })
        .collect();
    let mut title = tabs_title(app, AppTab::Metrics, theme);
    if state.app_settings.get(app).is_none_or(|a| a.metrics_url.is_none()) {
        title.push(Span::styled("· no metrics_url in fleet.toml ", theme.muted()));
    }
    let empty = if v.loading { "sampling the app's units…" } else { "no metrics: the app's units report no accounting" };
    series_panel::draw(
        frame,
        panel_area,
        Panel {
            title: Line::from(title),
            rows: &rows,
            selected: v.cursor,
            now: state.now,
            window_secs: state.metrics_config.history.as_secs() as i64,
            empty,
        },
        theme,
    );
    if reserved > 0 {
        frame.render_widget(Paragraph::new(problems), Rect { y: area.y + panel_area.height, height: reserved, ..area });
    }
}
