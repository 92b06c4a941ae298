//! The hosts panel: reachability, OS, uptime, the age of the last refresh and any error.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use super::table::{self, TableRow, TableSpec};
use crate::config::theme::Theme;
use crate::model::HostStatus;
use crate::state::sort::TableId;
use crate::state::{Focus, HostRow, State};
use crate::text::{age, compact, sanitize};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

struct Row<'a> {
    host: &'a HostRow,
    now: Timestamp,
    spinner: usize,
    metrics: Option<&'a crate::state::MetricsHistory>,
    thresholds: &'a crate::config::metrics::MetricsConfig,
}

impl TableRow for Row<'_> {
    fn cells(&self, theme: &Theme) -> Vec<Line<'static>> {
        let h = self.host;
        let (state, style) = match &h.status {
            HostStatus::Connecting => (format!("{} connecting", SPINNER[self.spinner % SPINNER.len()]), theme.muted()),
            HostStatus::Up { .. } => ("● up".to_string(), theme.ok()),
            HostStatus::Failed { error, .. } if error.unknown_key.is_some() => ("? key".to_string(), theme.warn()),
            HostStatus::Failed { .. } => ("✗ down".to_string(), theme.danger()),
        };
        let report = h.status.report();
        let uptime = report.and_then(|r| r.facts.uptime_secs).map(compact).unwrap_or_default();
        let refreshed = h.last_attempt.map(|t| age(t, self.now)).unwrap_or_default();
        // One column for what matters most: the error when failing, else the OS and any note.
        let detail = match &h.status {
            HostStatus::Failed { error, .. } => Span::styled(sanitize(&error.message).into_owned(), theme.danger()),
            _ => {
                let os = report.and_then(|r| r.facts.os.as_deref()).unwrap_or("");
                let text = match report.and_then(|r| r.facts.note.as_deref()) {
                    Some(note) => format!("{os} · {note}"),
                    None => os.to_string(),
                };
                Span::styled(sanitize(&text).into_owned(), theme.muted())
            }
        };
        let latest = self.metrics.and_then(|m| m.latest.as_ref());
        let cpu = latest.and_then(|m| m.cpu_percent).map(|c| c as u64);
        let mem = self.metrics.and_then(|m| m.mem_percent());
        let pct = |v: Option<u64>, t| match v {
            Some(p) => Span::styled(format!("{p}%"), super::host_view::level(theme, t, p as f64)),
            None => Span::raw(""),
        };
        vec![
            Line::from(Span::styled(sanitize(&h.spec.id.0).into_owned(), theme.accent())),
            Line::from(Span::styled(state, style)),
            Line::from(pct(cpu, self.thresholds.cpu)),
            Line::from(pct(mem, self.thresholds.memory)),
            Line::from(uptime),
            Line::from(Span::styled(refreshed, theme.muted())),
            Line::from(detail),
        ]
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let rows: Vec<Row> = state
        .host_order()
        .into_iter()
        .map(|i| &state.fleet.hosts[i])
        .map(|host| Row {
            host,
            now: state.now,
            spinner: state.spinner,
            metrics: state.metrics.get(&host.spec.id),
            thresholds: &state.metrics_config,
        })
        .collect();
    let name_w = state.fleet.hosts.iter().map(|h| h.spec.id.0.chars().count()).max().unwrap_or(4).clamp(4, 24) as u16;
    let up = state.fleet.hosts.iter().filter(|h| matches!(h.status, HostStatus::Up { .. })).count();
    let failed = state.fleet.failed_hosts();
    let mut title = vec![Span::raw(" hosts "), Span::styled(format!("{up}/{} up ", rows.len()), theme.muted())];
    if failed > 0 {
        title.push(Span::styled(format!("{failed} failing "), theme.danger()));
    }
    table::draw(
        frame,
        area,
        TableSpec {
            title: Line::from(title),
            headers: &["HOST", "STATE", "CPU", "MEM", "UPTIME", "AGE", "OS / ERROR"],
            widths: &[
                Constraint::Length(name_w),
                Constraint::Length(12),
                Constraint::Length(4),
                Constraint::Length(4),
                Constraint::Length(7),
                Constraint::Length(4),
                Constraint::Fill(1),
            ],
            focused: state.focus == Focus::Hosts,
            selected: Some(state.hosts_cursor.selected),
            empty: "no hosts: add Host entries to ~/.ssh/config or [[hosts]] to fleet.toml",
            sort: state.sort_of(TableId::Hosts).map(|s| (s.column, s.desc)),
        },
        &rows,
        theme,
    );
}
