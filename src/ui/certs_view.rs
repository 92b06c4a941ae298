//! The fleet-wide certs view: every certificate (served, on disk, kubeconfig), soonest expiry
//! first; amber inside fleet.toml's [certs] warn (21 days), red inside critical (7) or expired,
//! with the renewal trap called out. The app's Certs tab draws its rows with the same table.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use super::table::{self, TableRow, TableSpec};
use crate::certs::{CertRow, CertSource};
use crate::config::theme::Theme;
use crate::state::State;
use crate::state::sort::TableId;
use crate::text::sanitize;

struct Row<'a> {
    r: &'a CertRow,
    now: Timestamp,
    warn: i64,
    critical: i64,
}

impl TableRow for Row<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let r = self.r;
        let days = r.days_left(self.now);
        let (left, style) = match days {
            Some(d) if d < 0 => (format!("expired {} d ago", -d), theme.danger()),
            Some(d) if d <= self.critical => (format!("{d} d"), theme.danger()),
            Some(d) if d <= self.warn => (format!("{d} d"), theme.warn()),
            Some(d) => (format!("{d} d"), theme.ok()),
            None if r.error.is_some() => ("error".into(), theme.danger()),
            None => ("—".into(), theme.muted()),
        };
        let source = r.source.label();
        let note = r.note.clone().or_else(|| r.error.clone()).unwrap_or_default();
        let note_style = if r.error.is_some() || matches!(r.source, CertSource::Served { .. } | CertSource::Kube { .. }) && r.note.is_some()
        {
            theme.danger()
        } else {
            theme.muted()
        };
        vec![
            Line::from(Span::styled(left, style)),
            Line::from(Span::styled(sanitize(&r.host.0).into_owned(), theme.accent())),
            Line::from(sanitize(&r.what).into_owned()),
            Line::from(r.info.as_ref().map(|i| i.not_after.strftime("%Y-%m-%d").to_string()).unwrap_or_default()),
            Line::from(Span::styled(sanitize(&issuer_name(r)).into_owned(), theme.muted())),
            Line::from(Span::styled(sanitize(&source).into_owned(), theme.muted())),
            Line::from(Span::styled(sanitize(&note).into_owned(), note_style)),
        ]
    }
}

/// Who issued it, short: the issuer's CN or O ("R11", "Let's Encrypt"), "self-signed" when it
/// is its own issuer.
pub fn issuer_name(r: &CertRow) -> String {
    let Some(i) = &r.info else { return String::new() };
    if i.issuer == i.subject {
        return "self-signed".into();
    }
    let part = |key: &str| i.issuer.split(',').map(str::trim).find_map(|p| p.strip_prefix(key)).map(str::to_string);
    part("CN=").or_else(|| part("O=")).unwrap_or_else(|| i.issuer.clone())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (rows, problems) = match &state.certs {
        Some((rows, problems)) => (Some(rows.as_slice()), problems.len()),
        None => (None, 0),
    };
    let mut title = vec![Span::raw(" certificates "), Span::styled("soonest expiry first ", theme.muted())];
    if problems > 0 {
        title.push(Span::styled(format!("{problems} host(s) unreadable "), theme.danger()));
    }
    draw_rows(frame, area, state, Line::from(title), rows, state.detail_cursor.selected, theme);
}

/// The certificate table: `rows` None while loading.
pub fn draw_rows(frame: &mut Frame, area: Rect, state: &State, title: Line, rows: Option<&[CertRow]>, selected: usize, theme: &Theme) {
    let (warn, critical) = (state.certs_config.warn_days(), state.certs_config.critical_days());
    let table_rows: Vec<Row> = rows.unwrap_or_default().iter().map(|r| Row { r, now: state.now, warn, critical }).collect();
    let empty = if rows.is_none() { "reading certificates…" } else { "no certificates found" };
    table::draw(
        frame,
        area,
        TableSpec {
            title,
            headers: &["LEFT", "HOST", "WHAT", "NOT AFTER", "ISSUER", "SOURCE", "NOTE"],
            widths: &[
                Constraint::Length(16),
                Constraint::Length(14),
                Constraint::Fill(2),
                Constraint::Length(10),
                Constraint::Fill(1),
                Constraint::Fill(2),
                Constraint::Fill(3),
            ],
            focused: true,
            selected: Some(selected),
            empty,
            sort: if std::ptr::eq(rows.unwrap_or_default().as_ptr(), state.certs.as_ref().map(|c| c.0.as_ptr()).unwrap_or(std::ptr::null()))
            {
                state.sort_of(TableId::Certs).map(|s| (s.column, s.desc))
            } else {
                None
            },
        },
        &table_rows,
        theme,
    );
}
