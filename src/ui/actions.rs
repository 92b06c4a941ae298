//! The overlays of actions: a running action's steps, the forwards, the audit log.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::config::theme::Theme;
use crate::state::State;
use crate::state::actions_view::StepKind;
use crate::text::{bytes, sanitize};

pub fn activity(frame: &mut Frame, state: &State, theme: &Theme) {
    let Some(a) = &state.activity else { return };
    let mut lines: Vec<Line> = a
        .steps
        .iter()
        .map(|(host, text, kind)| {
            let (mark, style) = match kind {
                StepKind::Working => ("…", theme.muted()),
                StepKind::Done => ("✓", theme.ok()),
                StepKind::Failed => ("✗", theme.danger()),
            };
            Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(format!("{:<10} ", sanitize(&host.0)), theme.accent()),
                Span::styled(sanitize(text).into_owned(), style),
            ])
        })
        .collect();
    // Keep the newest steps in view.
    let room = frame.area().height.saturating_sub(8) as usize;
    if lines.len() > room {
        lines.drain(..lines.len() - room);
    }
    let footer = match &a.finished {
        None => Line::from(Span::styled("running… esc hides this (the action goes on)", theme.muted())),
        Some((true, s)) => Line::from(Span::styled(format!("✓ {}", sanitize(s)), theme.ok())),
        Some((false, s)) => Line::from(Span::styled(format!("✗ {}", sanitize(s)), theme.danger())),
    };
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("starting…", theme.muted())));
    }
    super::popup::draw(frame, &a.title, lines, Some(footer), theme);
}

pub fn forwards(frame: &mut Frame, state: &State, theme: &Theme) {
    let mut lines: Vec<Line> = state
        .forwards
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let style = if i == state.forwards_cursor.selected { theme.selection() } else { theme.base() };
            let st = if f.state == "listening" { theme.ok() } else { theme.warn() };
            Line::from(vec![
                Span::styled(format!("{} → {}:{} ({})", f.local, sanitize(&f.host.0), f.remote_port, sanitize(&f.label)), style),
                Span::raw("  "),
                Span::styled(sanitize(&f.state).into_owned(), if i == state.forwards_cursor.selected { style } else { st }),
                Span::styled(
                    format!("  {} open, {} total, ↑{} ↓{}", f.active, f.total, bytes(f.bytes_out), bytes(f.bytes_in)),
                    theme.muted(),
                ),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no forwards: f on an app starts one", theme.muted())));
    }
    let footer = Line::from(Span::styled("enter stops the selected forward · esc closes", theme.muted()));
    super::popup::draw(frame, "forwards", lines, Some(footer), theme);
}

pub fn audit(frame: &mut Frame, state: &State, theme: &Theme) {
    let room = frame.area().height.saturating_sub(8) as usize;
    let skip = state.audit.len().saturating_sub(room);
    let mut lines: Vec<Line> = state.audit[skip..]
        .iter()
        .map(|e| {
            let ok = e.result.starts_with("ok") || e.result.starts_with("exit 0") || e.result == "started";
            Line::from(vec![
                Span::styled(format!("{} ", e.time.strftime("%m-%d %H:%M:%S")), theme.muted()),
                Span::styled(format!("{} {} {} ", sanitize(&e.action), sanitize(&e.app), sanitize(&e.host)), theme.accent()),
                Span::styled(sanitize(&e.result).into_owned(), if ok { theme.ok() } else { theme.danger() }),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no actions recorded yet", theme.muted())));
    }
    let footer = Line::from(Span::styled("fleet audit shows the exact commands · esc closes", theme.muted()));
    super::popup::draw(frame, "audit log", lines, Some(footer), theme);
}
