//! The title bar (what fleet sees) and the status bar (what you can do).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::model::HostStatus;
use crate::state::{Action, State, View};

use crate::text::sanitize;

pub fn title(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let hosts = &state.fleet.hosts;
    let connecting = hosts.iter().filter(|h| matches!(h.status, HostStatus::Connecting)).count();
    let mut spans = vec![Span::styled(" fleet ", theme.header())];
    if state.demo {
        spans.push(Span::styled("demo ", theme.warn()));
    }
    let where_ = match &state.view {
        View::Apps => "apps".to_string(),
        View::App { name } => format!("apps › {}", sanitize(name)),
        View::Logs { .. } => format!("apps › {} › logs", sanitize(state.logs.as_ref().map(|l| l.app.as_str()).unwrap_or(""))),
        View::Host { host } => format!("hosts › {}", sanitize(&host.0)),
        View::Certs => "certificates".to_string(),
        View::Problems => "problems".to_string(),
    };
    spans.push(Span::styled(format!("{where_}  "), theme.accent()));
    spans.push(Span::styled(format!("{} apps · {} hosts", state.fleet.apps.len(), hosts.len()), theme.muted()));
    if connecting > 0 {
        spans.push(Span::styled(format!(" · {connecting} connecting"), theme.muted()));
    }
    // Always in sight: how much is wrong (P lists it).
    let (all, critical) = (state.problems.list.len(), state.problems.critical());
    if all > 0 {
        let style = if critical > 0 { theme.danger() } else { theme.warn() };
        let said = if critical > 0 { format!(" · {all} problems, {critical} critical") } else { format!(" · {all} problems") };
        spans.push(Span::styled(if all == 1 { said.replace("problems", "problem") } else { said }, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn status(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap, theme: &Theme) {
    if let Some((kind, text)) = state.logs.as_ref().and_then(|l| l.prompt.as_ref()) {
        let line = Line::from(vec![
            Span::styled(format!("{}: ", kind.label()), theme.warn()),
            Span::raw(sanitize(text).into_owned()),
            Span::styled("█", theme.accent()),
            Span::styled("   enter applies · esc cancels", theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some((app, target, text)) = &state.forward_prompt {
        let line = Line::from(vec![
            Span::styled(format!("forward {} on {} — [LOCAL:]REMOTE port: ", sanitize(app), sanitize(&target.host.0)), theme.warn()),
            Span::raw(sanitize(text).into_owned()),
            Span::styled("█", theme.accent()),
            Span::styled("   enter starts · esc cancels", theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if state.filter.editing {
        let line = Line::from(vec![
            Span::styled("/", theme.warn()),
            Span::raw(sanitize(&state.filter.query).into_owned()),
            Span::styled("█", theme.accent()),
            Span::styled("   enter keeps · esc clears", theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let ctx = state.key_context();
    let actions = crate::state::keys::hints(state);
    let mut spans = Vec::new();
    // What just happened comes first, so a narrow terminal cuts hints, not news.
    if let Some(n) = &state.notice {
        spans.push(Span::styled(format!(" {} ·", sanitize(n)), theme.warn()));
    }
    if let Some(m) = state.logs.as_ref().and_then(|l| l.message.as_ref()) {
        spans.push(Span::styled(format!(" {} ", sanitize(m)), theme.warn()));
    }
    // Whole hints only, as many as fit; `? help` stays last whatever is left out, since it
    // lists the rest.
    let hints: Vec<(Action, String, String)> = actions
        .into_iter()
        .filter_map(|a| keymap.keys_for(a, ctx).first().map(|k| (a, format!(" {}", k.label()), format!(" {}", a.hint()))))
        .collect();
    let width = |k: &str, h: &str| (k.chars().count() + h.chars().count()) as u16;
    let used: u16 = spans.iter().map(|s| s.content.chars().count() as u16).sum();
    let help = hints.iter().find(|(a, _, _)| *a == Action::Help).map(|(_, k, h)| width(k, h)).unwrap_or(0);
    let mut budget = area.width.saturating_sub(used);
    let show_help = help > 0 && help <= budget;
    if show_help {
        budget -= help;
    }
    let mut cut = false;
    for (a, k, h) in &hints {
        let shown = if *a == Action::Help {
            show_help
        } else {
            cut |= width(k, h) > budget;
            if !cut {
                budget -= width(k, h);
            }
            !cut
        };
        if shown {
            spans.push(Span::styled(k.clone(), theme.accent()));
            spans.push(Span::styled(h.clone(), theme.muted()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
