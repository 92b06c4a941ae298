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

pub fn draw(frame: &mut Frame, area: Rect, state: &State, host: &HostId, theme: &Theme) {
    if area.width < 10 || area.height < 6 {
        return;
    }
    let row = state.fleet.hosts.iter().find(|h| h.spec.id == *host);
    let facts = row.and_then(|h| h.status.report()).map(|r| &r.facts);
    let history = state.metrics.get(host);
    let latest = history.and_then(|h| h.latest.as_ref());
    let cfg = &state.metrics_config;

    let mut head = vec![Line::from(vec![
        Span::styled(sanitize(facts.and_then(|f| f.os.as_deref()).unwrap_or("")).into_owned(), theme.base()),
        Span::styled(
            format!(
                "  up {}  systemd {}",
                facts.and_then(|f| f.uptime_secs).map(compact).unwrap_or_default(),
                facts.and_then(|f| f.systemd_version).map(|v| v.to_string()).unwrap_or_else(|| "—".into())
            ),
            theme.muted(),
        ),
        Span::styled(format!("  · {}", latest.map(|m| m.source).unwrap_or("waiting for two samples…")), theme.muted()),
    ])];
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
            empty: "no metrics yet: the first values come after two samples",
        },
        theme,
    );
}
