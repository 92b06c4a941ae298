//! The log view's defects that a newcomer met, each pinned by a test: older lines for every host
//! whatever the footer says, older pages of a merged view with no gap, `g` and `n` filling the
//! screen, the current search match standing out, the header counting what the filter shows.

mod common;

use fleet::logs::journal::parse_line;
use fleet::model::{BackendEvent, HostId, LogEvent, LogLine, ResumeToken};
use fleet::runtime::log_sessions::complete_prefix;
use fleet::state::logs::LogsState;
use fleet::state::{Action, Effect, FilterKey, Msg, State, update};

const J1: &str = include_str!("../fixtures/journal/lab-1.json");
const J2: &str = include_str!("../fixtures/journal/lab-2.json");

fn act(s: &mut State, a: Action) -> Vec<Effect> {
    update(s, Msg::Action(a)).0
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(s, Msg::FilterKey(FilterKey::Accept));
}

/// shop's log view (three hosts) with the lab's journal as history.
fn opened() -> State {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    let effects = act(&mut s, Action::Logs);
    let Some(Effect::StartLogs { session, plan, .. }) = effects.into_iter().next() else { panic!("no StartLogs") };
    let events = plan
        .iter()
        .map(|hu| {
            let journal = if hu.host.0 == "lon-2" { J2 } else { J1 };
            let lines = journal.lines().filter_map(|l| parse_line(l.as_bytes(), &hu.host, &hu.units).ok().flatten()).collect();
            LogEvent::History { host: hu.host.clone(), lines }
        })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
    s
}

#[test]
fn older_lines_come_from_every_host_even_after_a_footer_message() {
    let mut s = opened();
    act(&mut s, Action::SearchNext); // "no search: / starts one"
    assert!(s.logs.as_ref().unwrap().message.is_some());
    let effects = act(&mut s, Action::Top);
    let [Effect::LoadOlderLogs { plan, .. }] = &effects[..] else { panic!("{effects:?}") };
    let hosts: Vec<&str> = plan.iter().map(|h| h.host.0.as_str()).collect();
    assert_eq!(hosts, ["lon-1", "lon-2", "ams-1"], "the whole app, not the first host");
    assert!(s.logs.as_ref().unwrap().message.is_none(), "the next key cleared the footer");
}

fn line(host: &str, ts: i64, n: usize) -> LogLine {
    LogLine {
        ts: jiff::Timestamp::from_millisecond(ts).unwrap(),
        host: HostId(host.into()),
        app: "ledger".into(),
        process: if host == "a" { "web".into() } else { "worker".into() },
        source: format!("{host}.service"),
        priority: None,
        stream: None,
        message: format!("{host} {n}"),
        resume: ResumeToken::Journald(format!("{host}-{n}")),
        clock: fleet::model::Clock::Source,
    }
}

/// The newest `n` lines of `all` before `before`, oldest first: what a source's page is.
fn page(all: &[LogLine], before: jiff::Timestamp, n: usize) -> Vec<LogLine> {
    let older: Vec<LogLine> = all.iter().filter(|l| l.ts < before).cloned().collect();
    older[older.len().saturating_sub(n)..].to_vec()
}

#[test]
fn older_pages_of_a_merged_view_are_complete_and_in_order() {
    // Host a logs every 100 ms, host b every second, for ten minutes: a page of 50 lines covers
    // five seconds of a and fifty of b.
    let a: Vec<LogLine> = (0..6000).map(|i| line("a", 1_000_000 + i * 100, i as usize)).collect();
    let b: Vec<LogLine> = (0..600).map(|i| line("b", 1_000_050 + i * 1000, i as usize)).collect();
    let mut l = LogsState::new(1, "ledger".into(), None, None, 1_000_000, 2);
    let now = jiff::Timestamp::from_millisecond(1_000_000 + 700_000).unwrap();
    l.merge_history(complete_prefix(vec![page(&a, now, 50), page(&b, now, 50)], 50));
    let mut rounds = 0;
    while !l.at_start {
        let before = l.entries.front().unwrap().ts();
        l.loading_older = true;
        l.prepend_older(complete_prefix(vec![page(&a, before, 50), page(&b, before, 50)], 50));
        rounds += 1;
        assert!(rounds < 1000, "the pages end");
    }
    let got: Vec<String> = l
        .entries
        .iter()
        .map(|e| match e {
            fleet::state::logs::ViewEntry::Line { message, .. } => message.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut want: Vec<&LogLine> = a.iter().chain(&b).collect();
    want.sort_by_key(|l| l.ts);
    let want: Vec<String> = want.iter().map(|l| l.message.clone()).collect();
    assert_eq!(got.len(), want.len(), "every line of both hosts, once");
    assert_eq!(got, want, "in time order, no gap");
}

fn log_rows(s: &mut State, w: u16, h: u16) -> Vec<String> {
    let screen = common::screen(&common::draw(s, w, h));
    // Inside the log view's frame: the rows between its borders.
    screen.lines().skip(2).take(h as usize - 4).map(|r| r.chars().skip(1).take(w as usize - 2).collect::<String>()).collect()
}

#[test]
fn g_fills_the_screen_from_the_first_line() {
    let mut s = opened();
    act(&mut s, Action::Top);
    let rows = log_rows(&mut s, 80, 24);
    assert!(rows.iter().all(|r| !r.trim().is_empty()), "no blank rows after g:\n{}", rows.join("\n"));
    let first = s.logs.as_ref().unwrap().entries.front().unwrap().ts();
    let time = first.strftime("%H:%M:%S").to_string();
    assert!(rows[0].starts_with(&time), "the first line is at the top: {} vs {time}", rows[0]);
}

#[test]
fn a_short_buffer_fills_the_screen_after_n() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    let Some(Effect::StartLogs { session, plan, .. }) = act(&mut s, Action::Logs).into_iter().next() else { panic!() };
    let hu = &plan[0];
    let lines: Vec<LogLine> = J1.lines().take(8).filter_map(|l| parse_line(l.as_bytes(), &hu.host, &hu.units).ok().flatten()).collect();
    let n = lines.len();
    assert!(n >= 3, "a few lines");
    let events = plan
        .iter()
        .map(|h| LogEvent::History { host: h.host.clone(), lines: if h.host == hu.host { lines.clone() } else { vec![] } })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
    act(&mut s, Action::Filter);
    let first_word = lines[0].message.split_whitespace().next().unwrap().to_string();
    typed(&mut s, &regex::escape(&first_word));
    act(&mut s, Action::Top);
    act(&mut s, Action::SearchPrev);
    let rows = log_rows(&mut s, 80, 24);
    let filled = rows.iter().filter(|r| !r.trim().is_empty()).count();
    assert_eq!(filled, n, "all {n} lines show, none left out above blank rows:\n{}", rows.join("\n"));
}

#[test]
fn the_current_match_stands_out_from_the_others() {
    let mut s = opened();
    act(&mut s, Action::Filter);
    typed(&mut s, "heartbeat");
    let t = common::draw(&mut s, 160, 48);
    let buf = t.backend().buffer();
    let anchor = s.logs.as_ref().unwrap().anchor.unwrap();
    let mut current = 0;
    let mut others = 0;
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        let Some(i) = row.find("heartbeat") else { continue };
        let x = row[..i].chars().count() as u16;
        if buf[(x, y)].modifier.contains(ratatui::style::Modifier::REVERSED) {
            current += 1;
        } else {
            others += 1;
        }
    }
    assert_eq!(current, 1, "exactly one line (seq {anchor}) carries the current match");
    assert!(others > 1, "the other matches are highlighted differently");
}

#[test]
fn the_header_counts_what_the_filter_shows() {
    let mut s = opened();
    let total = s.logs.as_ref().unwrap().entries.len();
    act(&mut s, Action::Include);
    typed(&mut s, "heartbeat 34$");
    let shown = s.logs.as_ref().unwrap().shown;
    assert!(shown >= 1 && shown < total, "{shown} of {total}");
    let screen = common::screen(&common::draw(&mut s, 160, 48));
    assert!(screen.contains(&format!("{shown} of {total} lines")), "{}", screen.lines().nth(1).unwrap());
}
