//! The one table widget every view uses: rows implement `TableRow`, and `draw` does borders,
//! header, selection, focus and scrolling the same way everywhere.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use crate::config::theme::Theme;
use crate::state::scroll_offset;

pub trait TableRow {
    fn cells(&self, theme: &Theme) -> Vec<Cell<'static>>;
}

pub struct TableSpec<'a> {
    pub title: Line<'a>,
    pub headers: &'a [&'a str],
    pub widths: &'a [Constraint],
    pub focused: bool,
    pub selected: Option<usize>,
    /// Shown inside the table when there are no rows.
    pub empty: &'a str,
}

pub fn draw<R: TableRow>(frame: &mut Frame, area: Rect, spec: TableSpec, rows: &[R], theme: &Theme) {
    if area.width < 3 || area.height < 3 {
        return;
    }
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border(spec.focused)).title(spec.title.style(theme.title(spec.focused)));
    let header = Row::new(spec.headers.iter().map(|h| Cell::from(*h))).style(theme.header());
    let visible = area.height.saturating_sub(3) as usize;
    if rows.is_empty() {
        let table =
            Table::new(vec![Row::new(vec![Cell::from(Span::styled(spec.empty.to_string(), theme.muted()))])], [Constraint::Fill(1)])
                .header(header)
                .block(block);
        frame.render_widget(table, area);
        return;
    }
    let body: Vec<Row> = rows.iter().map(|r| Row::new(r.cells(theme))).collect();
    let selected = spec.selected.map(|s| s.min(rows.len() - 1));
    let mut state = TableState::default().with_offset(selected.map(|s| scroll_offset(s, visible)).unwrap_or(0)).with_selected(selected);
    let highlight = if spec.focused { theme.selection() } else { theme.selection().bg(theme.border) };
    let table = Table::new(body, spec.widths.to_vec()).header(header).block(block).column_spacing(1).row_highlight_style(highlight);
    frame.render_stateful_widget(table, area, &mut state);
}
