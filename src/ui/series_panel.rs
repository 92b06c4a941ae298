//! Series with their history: a table (name, now, sparkline) and, under it, a chart of the
//! selected series over the kept window. The host view and the app's Metrics tab both use it.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType};

use super::table::{self, TableRow, TableSpec};
use crate::config::metrics::{Level, Thresholds};
use crate::config::theme::Theme;
use crate::metrics::series::{Series, spark};
use crate::text::compact;

/// One row: what it is (already sanitised), the series, and its scale and thresholds.
pub struct SeriesRow<'a> {
    pub name: Vec<Span<'static>>,
    pub series: &'a Series,
    /// The sparkline's and chart's top (percentages: 100); None: the largest value.
    pub max: Option<f64>,
    pub thresholds: Option<Thresholds>,
}

impl SeriesRow<'_> {
    fn style(&self, theme: &Theme) -> Style {
        match (self.thresholds, self.series.latest()) {
            (Some(t), Some(v)) => level_style(theme, t.level(v)),
            _ => theme.accent(),
        }
    }
}

pub fn level_style(theme: &Theme, level: Level) -> Style {
    match level {
        Level::Critical => theme.danger(),
        Level::Warn => theme.warn(),
        Level::Ok => theme.ok(),
    }
}

struct Cells<'a, 'b> {
    row: &'b SeriesRow<'a>,
    width: usize,
}

impl TableRow for Cells<'_, '_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let r = self.row;
        let style = r.style(theme);
        let now = r.series.latest().map(|v| r.series.unit.format(v)).unwrap_or_else(|| "—".into());
        vec![
            Line::from(r.name.clone()),
            Line::from(Span::styled(now, style)),
            Line::from(Span::styled(spark(r.series.tail(self.width), r.max), style)),
        ]
    }
}

pub struct Panel<'a> {
    pub title: Line<'a>,
    pub rows: &'a [SeriesRow<'a>],
    pub selected: usize,
    pub now: Timestamp,
    /// The history window, for the chart's time axis.
    pub window_secs: i64,
    pub empty: &'a str,
}

pub fn draw(frame: &mut Frame, area: Rect, p: Panel, theme: &Theme) {
    // The table takes what its rows need, up to half; the chart the rest when there is room.
    let table_height = (p.rows.len() as u16 + 3).min(area.height / 2).max(area.height.min(5));
    let chart_room = area.height.saturating_sub(table_height) >= 7 && !p.rows.is_empty();
    let table_area = if chart_room { Rect { height: table_height, ..area } } else { area };
    let spark_width = table_area.width.saturating_sub(60).clamp(8, 60) as usize;
    let cells: Vec<Cells> = p.rows.iter().map(|row| Cells { row, width: spark_width }).collect();
    table::draw(
        frame,
        table_area,
        TableSpec {
            title: p.title,
            headers: &["SERIES", "NOW", "HISTORY"],
            widths: &[Constraint::Fill(1), Constraint::Length(10), Constraint::Length(spark_width as u16)],
            focused: true,
            selected: Some(p.selected),
            empty: p.empty,
            sort: None,
        },
        &cells,
        theme,
    );
    if !chart_room {
        return;
    }
    let chart_area = Rect { y: area.y + table_height, height: area.height - table_height, ..area };
    let row = &p.rows[p.selected.min(p.rows.len() - 1)];
    chart(frame, chart_area, row, p.now, p.window_secs, theme);
}

fn chart(frame: &mut Frame, area: Rect, row: &SeriesRow, now: Timestamp, window: i64, theme: &Theme) {
    let style = row.style(theme);
    let now_s = now.as_second();
    // The time axis spans what there is (at least a minute), up to the kept window.
    let oldest = row.series.points.front().map(|(t, _)| now_s - t).unwrap_or(0);
    let window = oldest.clamp(60, window.max(60));
    let data: Vec<(f64, f64)> =
        row.series.points.iter().filter(|(t, _)| now_s - t <= window).map(|(t, v)| ((t - now_s) as f64, *v)).collect();
    let top = row.max.unwrap_or_else(|| data.iter().map(|(_, v)| *v).fold(0.0, f64::max) * 1.1);
    // A flat zero line still gets a readable scale.
    let top = if top > 0.0 { top } else { 1.0 };
    let unit = row.series.unit;
    let name: String = row.name.iter().map(|s| s.content.as_ref()).collect();
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(name, theme.accent()),
        Span::styled(format!(" · last {} ", compact(window as u64)), theme.muted()),
    ]);
    let dataset = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(style).data(&data);
    let x_labels =
        vec![Span::raw(format!("-{}", compact(window as u64))), Span::raw(format!("-{}", compact(window as u64 / 2))), Span::raw("now")];
    let y_labels = vec![Span::raw(unit.format(0.0)), Span::raw(unit.format(top / 2.0)), Span::raw(unit.format(top))];
    let chart = Chart::new(vec![dataset])
        .block(Block::default().borders(Borders::ALL).border_style(theme.border(false)).title(title))
        .x_axis(Axis::default().bounds([-(window as f64), 0.0]).labels(x_labels).style(theme.muted()))
        .y_axis(Axis::default().bounds([0.0, top]).labels(y_labels).style(theme.muted()));
    frame.render_widget(chart, area);
}
