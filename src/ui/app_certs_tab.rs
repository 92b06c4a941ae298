//! The app's Certs tab: the certificates of its domains (fleet.toml `domains`, and the front
//! door's server names that carry the app's name), served and on disk, soonest expiry first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::app_detail::tabs_title;
use crate::config::theme::Theme;
use crate::state::{AppTab, State};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, app: &str, theme: &Theme) {
    let Some(v) = state.app_certs.as_ref().filter(|v| v.app == app) else { return };
    let mut title = tabs_title(app, AppTab::Certs, theme);
    if !v.problems.is_empty() {
        title.push(Span::styled(format!("{} host(s) unreadable ", v.problems.len()), theme.danger()));
    }
    super::certs_view::draw_rows(frame, area, state, Line::from(title), v.rows.as_deref(), v.cursor, theme);
}
