//! The `:` palette: what was typed, and the matching actions and views with their keys and what
//! they do, the highlighted one run by enter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::config::keymap::{KeyContext, Keymap};
use crate::config::theme::Theme;
use crate::state::State;
use crate::state::palette::matches;
use crate::text::sanitize;

pub fn draw(frame: &mut Frame, state: &State, keymap: &Keymap, theme: &Theme) {
    let Some(p) = &state.palette else { return };
    let area = frame.area();
    let w = area.width.min(90);
    let h = area.height.saturating_sub(2).min(16);
    if w < 20 || h < 4 {
        return;
    }
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    let found = matches(state, &p.text);
    let room = h.saturating_sub(3) as usize;
    // Keep the highlight in view.
    let first = p.selected.saturating_sub(room.saturating_sub(1));
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.warn()),
        Span::raw(sanitize(&p.text).into_owned()),
        Span::styled("█", theme.accent()),
        Span::styled(format!("   {} · ↑↓ pick · enter runs · esc closes", found.len()), theme.muted()),
    ])];
    let width = found.iter().map(|e| e.words.chars().count()).max().unwrap_or(0).min(30);
    for (i, e) in found.iter().enumerate().skip(first).take(room) {
        let key = e.action.map(|a| keymap.label_for(a, KeyContext::Global)).unwrap_or_default();
        let style = if i == p.selected { theme.selection() } else { theme.base() };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<width$} ", sanitize(&e.words)), if i == p.selected { style } else { theme.accent() }),
            Span::styled(format!("{key:>7}  "), if i == p.selected { style } else { theme.warn() }),
            Span::styled(sanitize(&e.what).into_owned(), style),
        ]));
    }
    if found.is_empty() {
        lines.push(Line::from(Span::styled("nothing by that name", theme.muted())));
    }
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border(true)).title(Line::from(" command ").style(theme.title(true)));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).style(theme.base()), rect);
}
