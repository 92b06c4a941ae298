//! The help overlay, generated from the keymap so it is never out of step with it.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::config::keymap::{KeyContext, Keymap};
use crate::config::theme::Theme;
use crate::state::Action;

pub fn draw(frame: &mut Frame, keymap: &Keymap, theme: &Theme, scroll: usize) {
    let global: Vec<(String, &str)> = Action::ALL
        .iter()
        .filter_map(|a| {
            let keys = keymap.keys_for(*a, KeyContext::Global).iter().map(|k| k.label()).collect::<Vec<_>>().join(", ");
            (!keys.is_empty()).then(|| (keys, a.description()))
        })
        .collect();
    let section = |ctx: KeyContext| -> Vec<(String, &str)> {
        keymap
            .own_actions(ctx)
            .into_iter()
            .map(|a| {
                let own: Vec<String> = keymap.keys_for(a, ctx).iter().map(|k| k.label()).collect();
                (own.join(", "), a.description())
            })
            .collect()
    };
    let logs = section(KeyContext::Logs);
    let prompt = section(KeyContext::Prompt);
    let w = global.iter().chain(&logs).chain(&prompt).map(|(k, _)| k.chars().count()).max().unwrap_or(4);
    let row = |(k, d): (String, &str)| Line::from(vec![Span::styled(format!("{k:>w$}  "), theme.accent()), Span::raw(d.to_string())]);
    let mut lines: Vec<Line> = global.into_iter().map(row).collect();
    lines.push(Line::from(Span::styled("in the log view", theme.header())));
    lines.extend(logs.into_iter().map(row));
    lines.push(Line::from(Span::styled("in a yes/no question", theme.header())));
    lines.extend(prompt.into_iter().map(row));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("mouse: click selects, wheel scrolls", theme.muted())));
    lines.push(Line::from(Span::styled("keys: ~/.config/fleet/keymap.toml overrides single keys", theme.muted())));
    // On a small terminal the help scrolls (j/k) instead of being cut off.
    let room = frame.area().height.saturating_sub(6) as usize;
    let max_scroll = lines.len().saturating_sub(room);
    let scroll = scroll.min(max_scroll);
    let footer = if max_scroll > 0 {
        format!("j/k scroll ({}/{}) · esc or ? closes", scroll + room.min(lines.len()), lines.len())
    } else {
        "esc or ? closes".to_string()
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(room.max(1)).collect();
    super::popup::draw(frame, "help", shown, Some(Line::from(Span::styled(footer, theme.muted()))), theme);
}
