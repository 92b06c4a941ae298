//! The one popup: a centred box with a title and lines; help, confirmations and the action
//! overlays all use it. Its footer (what keys do here) has rows of its own at the bottom, so
//! long content is cut, never the hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::config::theme::Theme;

pub fn draw(frame: &mut Frame, title: &str, lines: Vec<Line<'static>>, footer: Option<Line<'static>>, theme: &Theme) {
    let area = frame.area();
    let content_w = lines.iter().map(Line::width).chain(footer.iter().map(Line::width)).max().unwrap_or(20).max(title.len() + 4) as u16;
    let w = (content_w + 4).min(area.width);
    // Lines wider than the box wrap: count the rows they take.
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_w)).sum();
    let footer_rows = if footer.is_some() { 2 } else { 0 };
    let h = (rows as u16 + 2 + footer_rows).min(area.height);
    if w < 4 || h < 3 {
        return;
    }
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(format!(" {title} ")).style(theme.title(true)));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block.style(theme.base()), rect);
    let mut body = inner;
    if let Some(f) = footer {
        // The footer's own row at the bottom; a blank row above it when there is room.
        let gap = u16::from(inner.height >= 3);
        let footer_area = Rect { y: inner.y + inner.height.saturating_sub(1), height: inner.height.min(1), ..inner };
        body.height = inner.height.saturating_sub(1 + gap);
        frame.render_widget(Paragraph::new(f).style(theme.base()), footer_area);
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base()).wrap(Wrap { trim: false }), body);
}
