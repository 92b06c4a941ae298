//! The one popup: a centred box with a title and lines; help and confirmations both use it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::config::theme::Theme;

pub fn draw(frame: &mut Frame, title: &str, lines: Vec<Line<'static>>, footer: Option<Line<'static>>, theme: &Theme) {
    let area = frame.area();
    let content_w = lines.iter().map(Line::width).max().unwrap_or(20).max(title.len() + 4) as u16;
    let w = (content_w + 4).min(area.width);
    // Lines wider than the box wrap: count the rows they take so the footer stays visible.
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_w)).sum();
    let h = (rows as u16 + 2 + u16::from(footer.is_some()) * 2).min(area.height);
    if w < 4 || h < 3 {
        return;
    }
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let mut body = lines;
    if let Some(f) = footer {
        body.push(Line::default());
        body.push(f);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(format!(" {title} ")).style(theme.title(true)));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(body).block(block).style(theme.base()).wrap(Wrap { trim: false }), rect);
}
