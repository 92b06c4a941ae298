//! One host: its facts and metrics, with a sparkline per series (CPU, memory, network in/out)
//! over the kept window, coloured by thresholds (75 % amber, 90 % red).

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use crate::config::theme::Theme;
use crate::model::HostId;
use crate::state::State;
use crate::text::{bytes, compact, sanitize};

/// The colour a percentage deserves.
pub fn level(theme: &Theme, pct: u64) -> Style {
    match pct {
        90.. => theme.danger(),
        75.. => theme.warn(),
        _ => theme.ok(),
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
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(sanitize(&host.0).into_owned(), theme.accent()),
        Span::raw(" · "),
        Span::styled(latest.map(|m| m.source).unwrap_or("waiting for two samples…"), theme.muted()),
        Span::raw(" "),
    ]);
    let block = Block::default().borders(Borders::ALL).border_style(theme.border(true)).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

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
    ])];
    if let Some(m) = latest {
        head.push(Line::from(Span::styled(format!("load {:.2} {:.2} {:.2}", m.load[0], m.load[1], m.load[2]), theme.muted())));
        let disks: Vec<Span> = m
            .disks
            .iter()
            .filter(|d| d.size > 0)
            .map(|d| {
                let pct = (d.size - d.avail) * 100 / d.size;
                Span::styled(format!("{} {}% of {}  ", sanitize(&d.mount), pct, bytes(d.size)), level(theme, pct))
            })
            .collect();
        head.push(Line::from(disks));
    }
    let chunks = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(head.len() as u16), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)])
        .split(inner);
    frame.render_widget(Paragraph::new(head), chunks[0]);
    let Some(h) = history else { return };
    let cpu_now = h.cpu.back().copied().unwrap_or(0);
    let mem_now = h.mem.back().copied().unwrap_or(0);
    let series: [(String, Vec<u64>, Style, Option<u64>); 4] = [
        (format!("cpu {cpu_now}%"), h.cpu.iter().copied().collect(), level(theme, cpu_now), Some(100)),
        (
            format!("memory {mem_now}% ({} used)", latest.map(|m| bytes(m.mem_used)).unwrap_or_default()),
            h.mem.iter().copied().collect(),
            level(theme, mem_now),
            Some(100),
        ),
        (format!("network in {}/s", bytes(h.rx.back().copied().unwrap_or(0))), h.rx.iter().copied().collect(), theme.accent(), None),
        (format!("network out {}/s", bytes(h.tx.back().copied().unwrap_or(0))), h.tx.iter().copied().collect(), theme.accent(), None),
    ];
    for (i, (label, data, style, max)) in series.into_iter().enumerate() {
        let area = chunks[i + 1];
        // The newest points that fit, right-aligned like a scrolling chart.
        let width = area.width as usize;
        let data: Vec<u64> = data.iter().skip(data.len().saturating_sub(width)).copied().collect();
        let mut spark = Sparkline::default()
            .block(Block::default().title(Line::from(Span::styled(label, style))))
            .data(&data)
            .style(style);
        if let Some(m) = max {
            spark = spark.max(m);
        }
        frame.render_widget(spark, area);
    }
}
