//! Drawing: a pure function of `&State` (no I/O, no locks, no clock reads).

mod actions;
mod activity_tab;
mod addons_tab;
mod app_certs_tab;
mod app_detail;
mod app_metrics_tab;
mod apps;
mod bars;
mod certs_view;
mod env_tab;
mod help;
mod host_view;
mod hosts;
mod logs;
mod palette;
mod popup;
mod problems_view;
mod series_panel;
pub mod table;

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::config::keymap::{KeyContext, Keymap};
use crate::config::theme::Theme;
use crate::state::layout::Layout;
use crate::state::{Action, Overlay, State, View};

pub fn render(frame: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::default().style(theme.base()), area);
    let layout = Layout::new(area.width, area.height, &state.view, state.fleet.hosts.len());
    bars::title(frame, layout.title, state, theme);
    match &state.view {
        View::Apps => {
            apps::draw(frame, layout.apps, state, theme);
            hosts::draw(frame, layout.hosts, state, theme);
        }
        View::App { name } if state.app_tab == crate::state::AppTab::Env => env_tab::draw(frame, layout.detail, state, name, theme),
        View::App { name } if state.app_tab == crate::state::AppTab::Addons => addons_tab::draw(frame, layout.detail, state, name, theme),
        View::App { name } if state.app_tab == crate::state::AppTab::Metrics => {
            app_metrics_tab::draw(frame, layout.detail, state, name, theme)
        }
        View::App { name } if state.app_tab == crate::state::AppTab::Certs => app_certs_tab::draw(frame, layout.detail, state, name, theme),
        View::App { name } if state.app_tab == crate::state::AppTab::Activity => {
            activity_tab::draw(frame, layout.detail, state, name, theme)
        }
        View::App { name } => app_detail::draw(frame, layout.detail, state, name, theme),
        View::Logs { .. } => logs::draw(frame, layout.detail, state, theme),
        View::Host { host } => host_view::draw(frame, layout.detail, state, host, theme),
        View::Certs => certs_view::draw(frame, layout.detail, state, theme),
        View::Problems => problems_view::draw(frame, layout.detail, state, theme),
    }
    bars::status(frame, layout.status, state, keymap, theme);
    match &state.overlay {
        Some(Overlay::Help) => help::draw(frame, state, keymap, theme),
        Some(Overlay::Confirm(c)) => {
            let lines = c.lines.iter().map(|l| Line::from(crate::text::sanitize(l).into_owned())).collect();
            let footer = Line::from(vec![
                Span::styled(keymap.label_for(Action::Confirm, KeyContext::Prompt), theme.accent()),
                Span::raw(" yes   "),
                Span::styled(keymap.label_for(Action::Cancel, KeyContext::Prompt), theme.accent()),
                Span::raw(" no"),
            ]);
            popup::draw(frame, &c.title, lines, Some(footer), theme);
        }
        Some(Overlay::Activity) => actions::activity(frame, state, theme),
        Some(Overlay::Forwards) => actions::forwards(frame, state, theme),
        Some(Overlay::Audit) => actions::audit(frame, state, theme),
        Some(Overlay::Detail(d)) => {
            let w = d.lines.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(4);
            let lines = d
                .lines
                .iter()
                .map(|(k, v)| {
                    Line::from(vec![Span::styled(format!("{k:<w$}  "), theme.accent()), Span::raw(crate::text::sanitize(v).into_owned())])
                })
                .collect();
            let footer = Line::from(Span::styled("esc or enter closes", theme.muted()));
            popup::draw(frame, &crate::text::sanitize(&d.title), lines, Some(footer), theme);
        }
        None => {}
    }
    if let Some(ed) = &state.editor {
        editor(frame, ed, theme);
    }
    palette::draw(frame, state, keymap, theme);
}

/// The env editor: a text area over most of the screen.
fn editor(frame: &mut Frame, ed: &crate::state::editor::Editor, theme: &Theme) {
    use ratatui::layout::Rect;
    use ratatui::widgets::{Borders, Clear};
    let area = frame.area();
    if area.width < 10 || area.height < 5 {
        return;
    }
    let rect = Rect::new(area.x + 2, area.y + 2, area.width - 4, area.height - 4);
    let mut ta = ed.area.clone();
    ta.set_block(
        Block::default().borders(Borders::ALL).border_style(theme.border(true)).title(
            Line::from(format!(" {} · ctrl-s saves (shows the change first) · esc cancels ", crate::text::sanitize(&ed.title())))
                .style(theme.title(true)),
        ),
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(&ta, rect);
}
