//! The log view: drawn bottom-up from the anchored line (or the newest when following), so a
//! frame costs the lines on screen, not the 100k in the buffer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::config::theme::Theme;
use crate::logs::sanitize::sanitize_log;
use crate::logs::units::process_colour;
use crate::state::State;
use crate::state::logs::{LogsState, ViewEntry};
use crate::text::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(l) = state.logs.as_ref() else { return };
    if area.width < 3 || area.height < 3 {
        return;
    }
    let block = Block::default().borders(Borders::ALL).border_style(theme.border(true)).title(title(l, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = visible_lines(l, state, theme, inner.width as usize, inner.height as usize);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(sel) = l.toggles {
        draw_toggles(frame, l, sel, theme);
    }
}

fn title<'a>(l: &LogsState, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" "), Span::styled(sanitize(&l.app).into_owned(), theme.accent()), Span::raw(" · logs ")];
    if let Some(p) = &l.process {
        spans.push(Span::styled(format!("[{}] ", sanitize(p)), theme.muted()));
    }
    if let Some(h) = &l.host {
        spans.push(Span::styled(format!("on {} only ", sanitize(&h.0)), theme.muted()));
    }
    if l.following() {
        spans.push(Span::styled("● following ", theme.ok()));
    } else {
        spans.push(Span::styled("⏸ paused — G resumes ", theme.warn()));
    }
    let count = if l.filtered() { format!("{} of {} lines ", l.shown, l.entries.len()) } else { format!("{} lines ", l.entries.len()) };
    spans.push(Span::styled(count, theme.muted()));
    for (name, re) in [("search", &l.search), ("include", &l.include), ("exclude", &l.exclude)] {
        if let Some(r) = re {
            spans.push(Span::styled(format!("{name}:/{}/ ", sanitize(r.as_str())), theme.warn()));
        }
    }
    let hidden = l.hidden_processes.len() + l.hidden_hosts.len();
    if hidden > 0 {
        spans.push(Span::styled(format!("{hidden} hidden "), theme.warn()));
    }
    if l.wrap {
        spans.push(Span::styled("wrap ", theme.muted()));
    }
    if l.hosts_pending > 0 {
        spans.push(Span::styled("loading… ", theme.muted()));
    }
    if l.loading_older {
        spans.push(Span::styled("loading older… ", theme.muted()));
    }
    if l.dropped_newer {
        spans.push(Span::styled("newest lines dropped — G reloads ", theme.warn()));
    }
    Line::from(spans)
}

const PALETTE_SLOTS: usize = 6;

fn origin_style(theme: &Theme, index: usize) -> Style {
    let colours = [theme.accent, theme.ok, theme.warn, theme.info, theme.header, theme.danger];
    Style::default().fg(colours[index % PALETTE_SLOTS])
}

fn priority_style(theme: &Theme, p: Option<u8>) -> Style {
    match p {
        Some(0..=3) => theme.danger(),
        Some(4) => theme.warn(),
        Some(5) => theme.accent(),
        Some(7) => theme.muted(),
        _ => theme.base(),
    }
}

/// Splits `text` into spans, highlighting the search matches; those of the current match's
/// line (the one `n`/`N` went to) stand out from the rest.
fn highlighted<'a>(text: String, base: Style, l: &LogsState, theme: &Theme, current: bool) -> Vec<Span<'a>> {
    let Some(re) = &l.search else { return vec![Span::styled(text, base)] };
    let mut spans = Vec::new();
    let mut last = 0;
    for m in re.find_iter(&text) {
        if m.start() == m.end() {
            continue;
        }
        spans.push(Span::styled(text[last..m.start()].to_string(), base));
        let style = if current { theme.warn().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { theme.selection() };
        spans.push(Span::styled(text[m.start()..m.end()].to_string(), style));
        last = m.end();
    }
    spans.push(Span::styled(text[last..].to_string(), base));
    spans
}

fn entry_lines<'a>(e: &ViewEntry, l: &LogsState, state: &State, theme: &Theme, width: usize, current: bool) -> Vec<Line<'a>> {
    match e {
        ViewEntry::Line { ts, origin, priority, untimed, message } => {
            let o = &l.origins[*origin as usize];
            let order: Vec<String> =
                state.fleet.app(&l.app).map(|a| a.formation.iter().map(|(p, _)| p.clone()).collect()).unwrap_or_default();
            let time = if *untimed { "··:··:··".to_string() } else { ts.to_zoned(state.tz.clone()).strftime("%H:%M:%S").to_string() };
            let who = format!("{}@{}", sanitize(&o.label), sanitize(&o.host.0));
            let prefix_w = time.len() + 1 + who.chars().count() + 3;
            // A multi-line message shows its breaks as ⏎ so one entry stays one row when not wrapping.
            let text = sanitize_log(&message.replace('\n', " ⏎ "), false).replace('\t', "    ");
            let base = priority_style(theme, *priority);
            let prefix = vec![
                Span::styled(time, theme.muted()),
                Span::raw(" "),
                Span::styled(who, origin_style(theme, process_colour(&o.process, &order))),
                Span::styled(" │ ", theme.muted()),
            ];
            let room = width.saturating_sub(prefix_w).max(10);
            if !l.wrap || text.chars().count() <= room {
                let mut spans = prefix;
                spans.extend(highlighted(text, base, l, theme, current));
                return vec![Line::from(spans)];
            }
            let chars: Vec<char> = text.chars().collect();
            chars
                .chunks(room)
                .enumerate()
                .map(|(i, chunk)| {
                    let mut spans = if i == 0 { prefix.clone() } else { vec![Span::raw(" ".repeat(prefix_w))] };
                    spans.extend(highlighted(chunk.iter().collect(), base, l, theme, current));
                    Line::from(spans)
                })
                .collect()
        }
        ViewEntry::Gap { host, after, at } => vec![Line::from(Span::styled(
            format!(
                "── {} {}: reconnected after {:.1} s, resumed where it left off ──",
                at.to_zoned(state.tz.clone()).strftime("%H:%M:%S"),
                sanitize(&host.0),
                after.as_secs_f64()
            ),
            theme.warn(),
        ))],
        ViewEntry::Note { host, text, at } => vec![Line::from(Span::styled(
            format!("── {} {}: {} ──", at.to_zoned(state.tz.clone()).strftime("%H:%M:%S"), sanitize(&host.0), sanitize(text)),
            theme.danger(),
        ))],
    }
}

/// The rows to draw, oldest first, ending at the bottom entry — or, paused so near the start
/// that the lines above cannot fill the screen, going on below it: never blank rows while
/// there are lines to show.
fn visible_lines<'a>(l: &LogsState, state: &State, theme: &Theme, width: usize, height: usize) -> Vec<Line<'a>> {
    let mut rows: Vec<Line> = Vec::new();
    let Some(bottom) = l.bottom() else {
        let msg = if l.hosts_pending > 0 { "loading…" } else { "no lines (yet): following" };
        return vec![Line::from(Span::styled(msg, theme.muted()))];
    };
    let current = l.anchor.filter(|_| l.search.is_some());
    let mut seq = bottom;
    loop {
        if let Some(e) = l.get(seq).filter(|e| l.visible(e)) {
            let mut lines = entry_lines(e, l, state, theme, width, current == Some(seq));
            while let Some(last) = lines.pop() {
                rows.push(last);
                if rows.len() >= height {
                    break;
                }
            }
        }
        if rows.len() >= height || seq == l.first_seq {
            break;
        }
        seq -= 1;
    }
    rows.reverse();
    let mut next = bottom + 1;
    while rows.len() < height && next < l.end_seq() && l.anchor.is_some() {
        if let Some(e) = l.get(next).filter(|e| l.visible(e)) {
            for line in entry_lines(e, l, state, theme, width, current == Some(next)) {
                if rows.len() < height {
                    rows.push(line);
                }
            }
        }
        next += 1;
    }
    rows
}

fn draw_toggles(frame: &mut Frame, l: &LogsState, sel: usize, theme: &Theme) {
    let items = l.toggle_items();
    let area = frame.area();
    let w = 40.min(area.width);
    let h = (items.len() as u16 + 2).min(area.height);
    if w < 10 || h < 4 {
        return;
    }
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mark = if l.is_shown(t) { "[x]" } else { "[ ]" };
            let label = match t {
                crate::state::logs::Toggle::Process(p) => format!("process {}", sanitize(p)),
                crate::state::logs::Toggle::Host(h) => format!("host    {}", sanitize(&h.0)),
            };
            let style = if i == sel { theme.selection() } else { theme.base() };
            Line::from(Span::styled(format!("{mark} {label}"), style))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(" show · space toggles · esc closes ").style(theme.title(true)));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
