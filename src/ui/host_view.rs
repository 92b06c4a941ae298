//! One host: its facts and metrics, a row per series (CPU, memory, load, network in/out) with a
//! sparkline over the kept window, coloured by fleet.toml's thresholds, and a chart of the
//! selected series.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::series_panel::{self, Panel, SeriesRow, level_style};
use crate::config::theme::Theme;
use crate::model::HostId;
use crate::state::State;
use crate::text::{bytes, compact, sanitize};

/// The colour a percentage deserves under these thresholds.
pub fn level(theme: &Theme, t: crate::config::metrics::Thresholds, pct: f64) -> Style {
    level_style(theme, t.level(pct))
}

/// What the host is doing, first: up, connecting, or down with its whole error (wrapped, never
/// cut off) and when the last good answer came.
fn state_lines<'a>(row: Option<&crate::state::HostRow>, state: &State, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    use crate::model::HostStatus;
    let Some(row) = row else { return vec![Line::from(Span::styled("not in the inventory", theme.danger()))] };
    match &row.status {
        HostStatus::Connecting => vec![Line::from(Span::styled("connecting…", theme.muted()))],
        HostStatus::Up { report } => {
            vec![Line::from(Span::styled(format!("● up · answered {} ago", crate::text::age(report.at, state.now)), theme.ok()))]
        }
        HostStatus::Failed { error, at, last } => {
            let (mark, style) =
                if error.unknown_key.is_some() { ("? unknown host key", theme.warn()) } else { ("✗ down", theme.danger()) };
            let since = format!("{mark} · last try {} ago", crate::text::age(*at, state.now));
            let seen = last.as_ref().map(|r| format!(" · last answer {} ago (what follows is from it)", crate::text::age(r.at, state.now)));
            let mut lines = vec![Line::from(Span::styled(since + &seen.unwrap_or_default(), style))];
            let text = sanitize(&error.message).into_owned();
            for chunk in crate::text::wrap(&text, width.max(20)) {
                lines.push(Line::from(Span::styled(chunk, style)));
            }
            lines
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, host: &HostId, theme: &Theme) {
    if area.width < 10 || area.height < 6 {
        return;
    }
    let row = state.fleet.hosts.iter().find(|h| h.spec.id == *host);
    let facts = row.and_then(|h| h.status.report()).map(|r| &r.facts);
    let history = state.metrics.get(host);
    let latest = history.and_then(|h| h.latest.as_ref());
    let cfg = &state.metrics_config;

    let mut head = state_lines(row, state, theme, area.width as usize);
    if let Some(f) = facts {
        let mut spans = vec![Span::styled(sanitize(f.os.as_deref().unwrap_or("")).into_owned(), theme.base())];
        if let Some(up) = f.uptime_secs {
            spans.push(Span::styled(format!("  uptime {}", compact(up)), theme.muted()));
        }
        if let Some(v) = f.systemd_version {
            spans.push(Span::styled(format!("  systemd {v}"), theme.muted()));
        }
        if let Some(note) = &f.note {
            spans.push(Span::styled(format!("  · {}", sanitize(note)), theme.warn()));
        }
        head.push(Line::from(spans));
    }
    if let Some(r) = row.and_then(|h| h.status.report()) {
        for p in r.platforms.iter().filter(|p| p.note.is_some()) {
            let note = format!("{}: {}", p.platform.name(), p.note.as_deref().unwrap_or(""));
            head.push(Line::from(Span::styled(sanitize(&note).into_owned(), theme.warn())));
        }
    }
    let source = match (latest, row.map(|h| &h.status)) {
        (Some(m), _) => format!("metrics from {}", m.source),
        (None, Some(crate::model::HostStatus::Up { .. })) => "metrics: waiting for two samples…".to_string(),
        (None, _) => "metrics: none while the host does not answer".to_string(),
    };
    head.push(Line::from(Span::styled(source, theme.muted())));
    if let Some(m) = latest {
        let mut line = vec![Span::styled(format!("memory {} of {}  ", bytes(m.mem_used), bytes(m.mem_total)), theme.muted())];
        line.extend(m.disks.iter().filter(|d| d.size > 0).map(|d| {
            let pct = (d.size - d.avail) as f64 * 100.0 / d.size as f64;
            Span::styled(format!("{} {:.0}% of {}  ", sanitize(&d.mount), pct, bytes(d.size)), level(theme, cfg.disk, pct))
        }));
        head.push(Line::from(line));
    }
    let head_height = head.len() as u16;
    frame.render_widget(Paragraph::new(head), Rect { height: head_height.min(area.height), ..area });
    let rest = Rect { y: area.y + head_height, height: area.height.saturating_sub(head_height), ..area };

    let rows: Vec<SeriesRow> = history
        .map(|h| {
            h.series
                .iter()
                .enumerate()
                .map(|(i, s)| SeriesRow {
                    name: vec![Span::raw(s.label.clone())],
                    series: s,
                    max: (i < 2).then_some(100.0),
                    thresholds: match i {
                        0 => Some(cfg.cpu),
                        1 => Some(cfg.memory),
                        _ => None,
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let title = Line::from(vec![Span::raw(" "), Span::styled(sanitize(&host.0).into_owned(), theme.accent()), Span::raw(" ")]);
    series_panel::draw(
        frame,
        rest,
        Panel {
            title,
            rows: &rows,
            selected: state.detail_cursor.selected,
            now: state.now,
            window_secs: cfg.history.as_secs() as i64,
            empty: match row.map(|h| &h.status) {
                Some(crate::model::HostStatus::Failed { .. }) => "no metrics: the host does not answer",
                _ => "no metrics yet: the first values come after two samples",
            },
        },
        theme,
    );
}
