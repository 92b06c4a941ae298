//! The help overlay, generated from the keymap so it is never out of step with it.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::state::Action;

pub fn draw(frame: &mut Frame, keymap: &Keymap, theme: &Theme) {
    let rows: Vec<(String, &str)> = Action::ALL
        .iter()
        .filter_map(|a| {
            let keys = keymap.label_for(*a);
            (!keys.is_empty()).then(|| (keys, a.description()))
        })
        .collect();
    let w = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(4);
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, d)| Line::from(vec![Span::styled(format!("{k:>w$}  "), theme.accent()), Span::raw(d)]))
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("mouse: click selects, wheel scrolls", theme.muted())));
    lines.push(Line::from(Span::styled("keys: ~/.config/fleet/keymap.toml overrides single keys", theme.muted())));
    super::popup::draw(frame, "help", lines, Some(Line::from(Span::styled("esc or ? closes", theme.muted()))), theme);
}
