//! The one table widget every view uses: rows implement `TableRow`, and `draw` does borders,
//! header (with the sorted column marked), selection, focus, scrolling and the "more" markers
//! the same way everywhere. Columns share the width by their content: a `Fill` column gets what
//! its widest cell needs while there is room, and only shares out what is left.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::config::theme::Theme;
use crate::state::scroll_offset;

pub trait TableRow {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>>;
}

pub struct TableSpec<'a> {
    pub title: Line<'a>,
    pub headers: &'a [&'a str],
    pub widths: &'a [Constraint],
    pub focused: bool,
    pub selected: Option<usize>,
    /// Shown inside the table when there are no rows.
    pub empty: &'a str,
    /// The column the rows are sorted by, and whether descending.
    pub sort: Option<(usize, bool)>,
}

/// Widths from content: `Length` and `Max` columns are what they say; `Fill` columns take their
/// content's width first, then share what remains by their weights (shrinking by them when it
/// does not all fit). The last column never pads past the frame.
pub fn fit(widths: &[Constraint], content: &[usize], room: u16) -> Vec<Constraint> {
    let spacing = widths.len().saturating_sub(1) as u16;
    let room = room.saturating_sub(spacing);
    let fixed: u16 = widths
        .iter()
        .map(|c| match c {
            Constraint::Length(n) | Constraint::Max(n) | Constraint::Min(n) => *n,
            _ => 0,
        })
        .sum();
    let fill: Vec<(usize, u16, u16)> = widths
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Constraint::Fill(w) => Some((i, (*w).max(1), content.get(i).copied().unwrap_or(0).min(u16::MAX as usize) as u16)),
            _ => None,
        })
        .collect();
    let free = room.saturating_sub(fixed);
    let wanted: u16 = fill.iter().map(|(_, _, c)| *c).sum();
    let mut out = widths.to_vec();
    let mut given = 0u16;
    if wanted <= free {
        // Everything fits: each gets its content, the spare goes by weight; the last column
        // takes the rounding, so the table spans the frame exactly.
        let spare = free - wanted;
        let weights: u16 = fill.iter().map(|(_, w, _)| *w).sum::<u16>().max(1);
        for (n, (i, w, c)) in fill.iter().enumerate() {
            let share = if n + 1 == fill.len() { free - given } else { c + (u32::from(spare) * u32::from(*w) / u32::from(weights)) as u16 };
            given += share;
            out[*i] = Constraint::Length(share);
        }
    } else {
        // Not all fits: narrow columns keep their content, the wide ones share the rest.
        let even = free / fill.len().max(1) as u16;
        let narrow: u16 = fill.iter().filter(|(_, _, c)| *c <= even).map(|(_, _, c)| *c).sum();
        let wide_weights: u16 = fill.iter().filter(|(_, _, c)| *c > even).map(|(_, w, _)| *w).sum::<u16>().max(1);
        for (i, w, c) in &fill {
            let share = if *c <= even { *c } else { (u32::from(free - narrow) * u32::from(*w) / u32::from(wide_weights)) as u16 };
            out[*i] = Constraint::Length(share);
        }
    }
    out
}

/// A selected row's spans: the selection colours, except where a colour carries meaning (up,
/// down, a warning), which stays as that colour's block, so a selected `down` is still red.
fn selected_line(line: Line<'static>, theme: &Theme, focused: bool) -> Line<'static> {
    let meaningful = [theme.ok, theme.warn, theme.danger, theme.info];
    let plain = if focused { theme.selection() } else { Style::default().fg(theme.selection_fg).bg(theme.border) };
    let spans: Vec<Span<'static>> = line
        .spans
        .into_iter()
        .map(|s| match s.style.fg {
            Some(c) if meaningful.contains(&c) && c != Color::Reset => {
                // Dark text on the colour itself: readable whatever the selection colour is.
                Span::styled(s.content, Style::default().fg(theme.selection_fg).bg(c).add_modifier(Modifier::BOLD))
            }
            _ => Span::styled(s.content, plain),
        })
        .collect();
    Line::from(spans).style(plain)
}

pub fn draw<R: TableRow>(frame: &mut Frame, area: Rect, spec: TableSpec, rows: &[R], theme: &Theme) {
    if area.width < 3 || area.height < 3 {
        return;
    }
    let mut block =
        Block::default().borders(Borders::ALL).border_style(theme.border(spec.focused)).title(spec.title.style(theme.title(spec.focused)));
    let headers: Vec<String> = spec
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| match spec.sort {
            Some((c, desc)) if c == i => format!("{h}{}", if desc { "▼" } else { "▲" }),
            _ => h.to_string(),
        })
        .collect();
    let header = Row::new(headers.iter().map(|h| Cell::from(h.clone()))).style(theme.header());
    let visible = area.height.saturating_sub(3) as usize;
    if rows.is_empty() {
        let table =
            Table::new(vec![Row::new(vec![Cell::from(Span::styled(spec.empty.to_string(), theme.muted()))])], [Constraint::Fill(1)])
                .header(header)
                .block(block);
        frame.render_widget(table, area);
        return;
    }
    let selected = spec.selected.map(|s| s.min(rows.len() - 1));
    let offset = selected.map(|s| scroll_offset(s, visible)).unwrap_or(0);
    let shown = rows.len().saturating_sub(offset).min(visible);
    // Only the rows on screen are built: a frame costs what it shows.
    let lines: Vec<(usize, Vec<Line<'static>>)> =
        rows.iter().enumerate().skip(offset).take(shown).map(|(i, r)| (i, r.cells(theme))).collect();
    let mut content: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (_, cells) in &lines {
        for (c, l) in cells.iter().enumerate() {
            if let Some(w) = content.get_mut(c) {
                *w = (*w).max(l.width());
            }
        }
    }
    let widths = fit(spec.widths, &content, area.width.saturating_sub(2));
    let body: Vec<Row> = lines
        .into_iter()
        .map(|(i, cells)| {
            let cells: Vec<Line<'static>> =
                if Some(i) == selected { cells.into_iter().map(|l| selected_line(l, theme, spec.focused)).collect() } else { cells };
            let row = Row::new(cells.into_iter().map(Cell::from));
            if Some(i) == selected { row.style(selected_line(Line::default(), theme, spec.focused).style) } else { row }
        })
        .collect();
    let above = offset;
    let below = rows.len() - offset - shown;
    if above > 0 || below > 0 {
        let mut marks = Vec::new();
        if above > 0 {
            marks.push(format!("↑ {above} above"));
        }
        if below > 0 {
            marks.push(format!("↓ {below} more"));
        }
        block = block.title_bottom(Line::from(Span::styled(format!(" {} ", marks.join(" · ")), theme.muted())).right_aligned());
    }
    let table = Table::new(body, widths).header(header).block(block).column_spacing(1);
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_their_content_first() {
        let w = [Constraint::Length(10), Constraint::Fill(2), Constraint::Fill(1)];
        // Room for everything: the fill columns get their content plus a share of the rest.
        let got = fit(&w, &[10, 30, 20], 100);
        let Constraint::Length(a) = got[1] else { panic!() };
        let Constraint::Length(b) = got[2] else { panic!() };
        assert!(a >= 30 && b >= 20, "{got:?}");
        assert_eq!(10 + a + b + 2, 100, "all of the room, no more");
        // Tight: the small column keeps its 5, the big one shrinks.
        let got = fit(&w, &[10, 200, 5], 60);
        assert_eq!(got[2], Constraint::Length(5));
    }
}
