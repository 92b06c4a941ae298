//! The help overlay, generated from the keymap so it is never out of step with it: the keys of
//! the view you are in first, then the rest. Long descriptions wrap under themselves, so the
//! key column stays readable at 80 columns.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::config::keymap::{KeyContext, Keymap};
use crate::config::theme::Theme;
use crate::state::{Action, State, View};

/// What an action does where it is pressed: a few keys mean something else in the log view.
fn description_in(a: Action, ctx: KeyContext) -> &'static str {
    match (a, ctx) {
        (Action::Open, KeyContext::Logs) => "in the p popup: show or hide the selected process or host",
        (Action::Top, KeyContext::Logs) => "the oldest lines (and older ones from the hosts)",
        (Action::Bottom, KeyContext::Logs) => "follow the newest lines again",
        (Action::Filter, KeyContext::Logs) => "search (a regex); n and N go to the next and previous match",
        _ => a.description(),
    }
}

/// Rows of (keys, description) for these actions, in this context; unbound ones are left out.
fn rows(keymap: &Keymap, actions: &[Action], ctx: KeyContext) -> Vec<(String, &'static str)> {
    actions
        .iter()
        .filter_map(|a| {
            let keys = keymap.keys_for(*a, ctx).iter().map(|k| k.label()).collect::<Vec<_>>().join(", ");
            (!keys.is_empty()).then(|| (keys, description_in(*a, ctx)))
        })
        .collect()
}

/// Every line of the help, before scrolling, for a box `width` columns wide.
pub fn lines(state: &State, keymap: &Keymap, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let (here, actions) = crate::state::keys::view_actions(state);
    let in_logs = matches!(state.view, View::Logs { .. });
    let ctx = if in_logs { KeyContext::Logs } else { KeyContext::Global };
    let mut sections: Vec<(String, Vec<(String, &'static str)>)> = vec![(format!("in {here}"), rows(keymap, &actions, ctx))];
    let rest: Vec<Action> = Action::ALL.into_iter().filter(|a| !actions.contains(a)).collect();
    sections.push(("everywhere else".into(), rows(keymap, &rest, KeyContext::Global)));
    if !in_logs {
        sections.push(("in the log view".into(), rows(keymap, &keymap.own_actions(KeyContext::Logs), KeyContext::Logs)));
    }
    sections.push(("in a yes/no question".into(), rows(keymap, &keymap.own_actions(KeyContext::Prompt), KeyContext::Prompt)));
    let key_w = sections.iter().flat_map(|(_, r)| r.iter().map(|(k, _)| k.chars().count())).max().unwrap_or(4).min(24);
    let text_w = width.saturating_sub(key_w + 2).max(16);
    let mut out = Vec::new();
    for (title, rows) in sections {
        if rows.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(title, theme.header())));
        for (keys, desc) in rows {
            for (i, part) in crate::text::wrap(desc, text_w).into_iter().enumerate() {
                let k = if i == 0 { format!("{keys:>key_w$}  ") } else { " ".repeat(key_w + 2) };
                out.push(Line::from(vec![Span::styled(k, theme.accent()), Span::raw(part)]));
            }
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("mouse: click selects, wheel scrolls", theme.muted())));
    out.push(Line::from(Span::styled("keys: ~/.config/fleet/keymap.toml overrides single keys", theme.muted())));
    out
}

/// How many help lines fit on this screen (the box, less its borders and footer).
pub fn room(height: u16) -> usize {
    height.saturating_sub(6) as usize
}

pub fn draw(frame: &mut Frame, state: &State, keymap: &Keymap, theme: &Theme) {
    let area = frame.area();
    let width = (area.width as usize).saturating_sub(6).min(100);
    let lines = lines(state, keymap, theme, width);
    // On a small terminal the help scrolls (j/k, pgup/pgdn, g/G) instead of being cut off.
    let room = room(area.height);
    let max_scroll = lines.len().saturating_sub(room);
    let scroll = match usize::try_from(state.help_scroll) {
        Ok(from_top) => from_top.min(max_scroll),
        Err(_) => max_scroll.saturating_sub(state.help_scroll.unsigned_abs() - 1),
    };
    let footer = if max_scroll > 0 {
        format!("j/k pgup/pgdn g/G scroll ({}/{}) · esc or ? closes", scroll + room.min(lines.len()), lines.len())
    } else {
        "esc or ? closes".to_string()
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(room.max(1)).collect();
    super::popup::draw(frame, "help", shown, Some(Line::from(Span::styled(footer, theme.muted()))), theme);
}
