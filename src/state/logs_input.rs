//! What keys, prompts and log events do to the log view.

use regex::Regex;

use super::logs::{LogsState, PromptKind, ViewEntry};
use super::{Action, Effect, FilterKey, Focus, State, View};
use crate::logs::units::plan;
use crate::model::HostId;
use crate::model::{HostUnits, LogEvent};

/// Lines fetched per host each time the user scrolls above the buffer.
const OLDER_BATCH: usize = 1000;

fn page(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(4).max(1)
}

/// The units the view reads: the app's, or one process's on one host.
fn view_plan(state: &State, app: &str, process: Option<&str>, host: Option<&HostId>) -> Vec<HostUnits> {
    let reports = state.fleet.hosts.iter().filter_map(|h| h.status.report());
    let processes: Vec<String> = process.map(|p| vec![p.to_string()]).unwrap_or_default();
    let hosts: Vec<String> = host.map(|h| vec![h.0.clone()]).unwrap_or_default();
    plan(reports, app, &processes, &hosts)
}

/// `l`: from the apps table, the whole app; from a process row, that process on that host.
pub fn open(state: &mut State) -> Vec<Effect> {
    let (app, process, host) = match (&state.view, state.focus) {
        (View::Apps, Focus::Apps) => match state.selected_app_name() {
            Some(a) => (a, None, None),
            None => return Vec::new(),
        },
        (View::App { name }, _) if state.app_tab != super::AppTab::Processes => (name.clone(), None, None),
        (View::App { name }, _) => {
            let p = state.selected_process();
            match p {
                Some(p) => (name.clone(), Some(p.process.clone()), Some(p.host.clone())),
                None => (name.clone(), None, None),
            }
        }
        _ => return Vec::new(),
    };
    let plan = view_plan(state, &app, process.as_deref(), host.as_ref());
    if plan.is_empty() {
        state.notice = Some(format!("{app}: no host has answered with its units yet"));
        return Vec::new();
    }
    let session = state.new_log_session();
    state.logs = Some(LogsState::new(session, app, process, host, state.log_capacity, plan.len()));
    let back = std::mem::replace(&mut state.view, View::Apps);
    state.view = View::Logs { back: Box::new(back) };
    vec![Effect::StartLogs { session, plan, history: state.log_history }]
}

fn close(state: &mut State) -> Vec<Effect> {
    let session = state.logs.take().map(|l| l.session);
    if let View::Logs { back } = std::mem::replace(&mut state.view, View::Apps) {
        state.view = *back;
    }
    session.map(|session| vec![Effect::StopLogs { session }]).unwrap_or_default()
}

/// Asks for older lines when the view hit the top of its buffer.
fn load_older(state: &mut State) -> Vec<Effect> {
    let Some(l) = state.logs.as_ref() else { return Vec::new() };
    if l.loading_older || l.at_start {
        return Vec::new();
    }
    let Some(before) = l.entries.front().map(ViewEntry::ts) else { return Vec::new() };
    let (session, app, process, host) = (l.session, l.app.clone(), l.process.clone(), l.host.clone());
    let plan = view_plan(state, &app, process.as_deref(), host.as_ref());
    if let Some(l) = state.logs.as_mut() {
        l.loading_older = true;
    }
    vec![Effect::LoadOlderLogs { session, plan, before, lines: OLDER_BATCH }]
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let Some(l) = state.logs.as_mut() else { return close(state) };
    // A footer message answers the last key; the next one clears it.
    l.message = None;
    // The processes/hosts popup takes movement and toggling.
    if let Some(sel) = l.toggles {
        let items = l.toggle_items();
        match action {
            Action::Up => l.toggles = Some(sel.saturating_sub(1)),
            Action::Down => l.toggles = Some((sel + 1).min(items.len().saturating_sub(1))),
            Action::Open => {
                if let Some(t) = items.get(sel) {
                    l.flip(t);
                }
            }
            Action::Back | Action::Toggles => l.toggles = None,
            Action::Quit => return vec![Effect::Quit],
            _ => {}
        }
        return Vec::new();
    }
    match action {
        Action::Up if !l.scroll_up(1) => return load_older(state),
        Action::Up => {}
        Action::Down => l.scroll_down(1),
        Action::PageUp if !l.scroll_up(page) => return load_older(state),
        Action::PageUp => {}
        Action::PageDown => l.scroll_down(page),
        Action::Top => {
            l.top(page);
            return load_older(state);
        }
        Action::Bottom => {
            if l.dropped_newer {
                // The newest lines were dropped for older ones: start over at the tail.
                let (app, process, host) = (l.app.clone(), l.process.clone(), l.host.clone());
                let mut effects = vec![Effect::StopLogs { session: l.session }];
                let plan = view_plan(state, &app, process.as_deref(), host.as_ref());
                let session = state.new_log_session();
                let fresh = LogsState::new(session, app, process, host, state.log_capacity, plan.len());
                state.logs = Some(fresh);
                effects.push(Effect::StartLogs { session, plan, history: state.log_history });
                return effects;
            }
            l.anchor = None;
        }
        Action::Filter => l.prompt = Some((PromptKind::Search, String::new())),
        Action::Include => l.prompt = Some((PromptKind::Include, String::new())),
        Action::Exclude => l.prompt = Some((PromptKind::Exclude, String::new())),
        Action::JumpTime => l.prompt = Some((PromptKind::JumpTime, String::new())),
        Action::SearchNext | Action::SearchPrev => {
            if l.search.is_none() {
                l.message = Some("no search: / starts one".into());
            } else if !l.find(action == Action::SearchNext) {
                l.message = Some("no more matches".into());
            }
        }
        Action::Toggles => l.toggles = Some(0),
        Action::Wrap => l.wrap = !l.wrap,
        Action::Back => return close(state),
        Action::Help => {
            state.overlay = Some(super::Overlay::Help);
            state.help_scroll = 0;
        }
        Action::Quit => return vec![Effect::Quit],
        Action::Refresh => return vec![Effect::RefreshAll],
        Action::Forwards | Action::Audit => return super::actions_input::on_action(state, action),
        _ => {}
    }
    Vec::new()
}

pub fn on_prompt_key(state: &mut State, key: FilterKey) -> Vec<Effect> {
    let page = page(state);
    let Some(l) = state.logs.as_mut() else { return Vec::new() };
    let Some((kind, text)) = l.prompt.as_mut() else { return Vec::new() };
    match key {
        FilterKey::Char(c) if !c.is_control() => text.push(c),
        FilterKey::Char(_) | FilterKey::Up | FilterKey::Down => {}
        FilterKey::Backspace => {
            text.pop();
        }
        FilterKey::Clear => l.prompt = None,
        FilterKey::Accept => {
            let (kind, text) = (*kind, text.clone());
            l.prompt = None;
            let regex = |t: &str| -> Result<Option<Regex>, String> {
                if t.is_empty() { Ok(None) } else { Regex::new(t).map(Some).map_err(|e| format!("{}: {e}", kind.label())) }
            };
            let result = match kind {
                PromptKind::Search => regex(&text).map(|r| {
                    l.search = r;
                    if l.search.is_some() && !l.find(true) {
                        l.message = Some(format!("no match for /{text}/ above"));
                    }
                }),
                PromptKind::Include => regex(&text).map(|r| {
                    l.include = r;
                    l.recount();
                }),
                PromptKind::Exclude => regex(&text).map(|r| {
                    l.exclude = r;
                    l.recount();
                }),
                PromptKind::JumpTime => jump_time(&text, state.now, &state.tz).map(|t| {
                    if l.jump_to(t) {
                        // Show the lines from that time on: the found line at the top.
                        l.scroll_down(page.saturating_sub(1));
                    } else {
                        l.message = Some(format!("nothing at or after {t} in the buffer"));
                    }
                }),
            };
            if let Err(e) = result
                && let Some(l) = state.logs.as_mut()
            {
                l.message = Some(e);
            }
        }
    }
    Vec::new()
}

/// "10:42", "10:42:05" (today, in the time zone the view shows) or anything `--since` takes.
fn jump_time(text: &str, now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> Result<jiff::Timestamp, String> {
    let t = text.trim();
    if t.len() <= 8 && t.contains(':') && !t.contains('-') {
        let today = now.to_zoned(tz.clone()).date();
        let time: jiff::civil::Time = t.parse().map_err(|_| format!("cannot read {t:?} as a time of day"))?;
        return today.to_datetime(time).to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|e| e.to_string());
    }
    crate::logs::when::parse_when(t, now)
}

pub fn on_events(state: &mut State, session: u64, events: Vec<LogEvent>) -> Vec<Effect> {
    let now = state.now;
    let Some(l) = state.logs.as_mut().filter(|l| l.session == session) else { return Vec::new() };
    // Runs of live lines go in time order whichever host sent them first; other events keep
    // their place between runs.
    let mut run: Vec<crate::model::LogLine> = Vec::new();
    let flush = |l: &mut LogsState, run: &mut Vec<crate::model::LogLine>| {
        run.sort_by_key(|x| x.ts);
        for line in run.drain(..) {
            let e = l.compact(line);
            l.push_ordered(e);
        }
    };
    for ev in events {
        if let LogEvent::Live { line, .. } = ev {
            run.push(line);
            continue;
        }
        flush(l, &mut run);
        match ev {
            LogEvent::History { lines, .. } => {
                l.merge_history(lines);
                l.hosts_pending = l.hosts_pending.saturating_sub(1);
            }
            LogEvent::Live { .. } => {}
            LogEvent::Dropped { host, reason } => {
                l.push(ViewEntry::Note { host, text: format!("log stream lost ({reason}); reconnecting"), at: now })
            }
            LogEvent::Reconnected { host, after, at } => l.push(ViewEntry::Gap { host, after, at }),
            LogEvent::Failed { host, error } => {
                l.hosts_pending = l.hosts_pending.saturating_sub(1);
                l.push(ViewEntry::Note { host, text: error.message, at: now });
            }
        }
    }
    flush(l, &mut run);
    Vec::new()
}
