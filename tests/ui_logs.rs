//! The TUI log view from fixtures: following, paused, searching, filtered, toggles and a gap
//! marker, at 80×24 and 160×48; and the effects it asks the runtime for.

mod common;

use fleet::config::theme::Theme;
use fleet::logs::journal::parse_line;
use fleet::logs::source::LogEvent;
use fleet::model::BackendEvent;
use fleet::model::{HostId, LogLine};
use fleet::state::logs::ViewEntry;
use fleet::state::{Action, Effect, FilterKey, Msg, State, update};

const J1: &str = include_str!("../fixtures/journal/lab-1.json");
const J2: &str = include_str!("../fixtures/journal/lab-2.json");

/// The shop app's log view with the lab's journal as history.
fn opened() -> (State, u64) {
    let mut s = common::fleet_state();
    update(&mut s, Msg::Action(Action::Bottom)); // shop
    let (effects, _) = update(&mut s, Msg::Action(Action::Logs));
    let Some(Effect::StartLogs { session, plan, history }) = effects.into_iter().next() else { panic!("no StartLogs") };
    assert_eq!(history, 1000);
    let hosts: Vec<&str> = plan.iter().map(|h| h.host.0.as_str()).collect();
    assert_eq!(hosts, ["lon-1", "lon-2", "ams-1"]);
    assert!(plan[0].units.iter().any(|(u, a, p)| u == "shop-clock.service" && a == "shop" && p == "clock"));
    let events = plan
        .iter()
        .map(|hu| {
            let journal = if hu.host.0 == "lon-2" { J2 } else { J1 };
            let lines: Vec<LogLine> =
                journal.lines().filter_map(|l| parse_line(l.as_bytes(), &hu.host, &hu.units).ok().flatten()).collect();
            LogEvent::History { host: hu.host.clone(), lines }
        })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
    (s, session)
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(s, Msg::FilterKey(FilterKey::Accept));
}

#[test]
fn following() {
    crate::snap!("logs_following", opened().0);
    let (s, _) = opened();
    let l = s.logs.as_ref().unwrap();
    assert!(l.following());
    let ts: Vec<_> = l.entries.iter().map(ViewEntry::ts).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "history is merged in time order");
}

#[test]
fn paused() {
    crate::snap!("logs_paused", {
        let (mut s, _) = opened();
        for _ in 0..5 {
            update(&mut s, Msg::Action(Action::Up));
        }
        s
    });
    let (mut s, _) = opened();
    update(&mut s, Msg::Action(Action::Up));
    assert!(!s.logs.as_ref().unwrap().following(), "scrolling up pauses");
    update(&mut s, Msg::Action(Action::Bottom));
    assert!(s.logs.as_ref().unwrap().following(), "G resumes");
}

#[test]
fn search_matches_are_highlighted() {
    let (mut s, _) = opened();
    update(&mut s, Msg::Action(Action::Filter));
    typed(&mut s, "heartbeat 3");
    let t = common::draw(&mut s, 80, 24);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let y = buf.area.height - 3;
    let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
    let x = line[..line.find("heartbeat 3").expect("the bottom line matches")].chars().count() as u16;
    // The bottom line holds the current match: it stands out (reversed); the others are drawn
    // on the selection colour.
    assert!(buf[(x, y)].modifier.contains(ratatui::style::Modifier::REVERSED), "the current match is drawn highlighted");
    assert!(!buf[(x - 2, y)].modifier.contains(ratatui::style::Modifier::REVERSED), "the text around it is not");
    let other = (0..y).rev().find_map(|row| {
        let text: String = (0..buf.area.width).map(|x| buf[(x, row)].symbol().to_string()).collect();
        text.find("heartbeat 3").map(|i| (text[..i].chars().count() as u16, row))
    });
    let (ox, oy) = other.expect("another matching line above");
    assert_eq!(buf[(ox, oy)].bg, theme.selection_bg, "another match is highlighted the usual way");
}

#[test]
fn searching() {
    crate::snap!("logs_search", {
        let (mut s, _) = opened();
        update(&mut s, Msg::Action(Action::Filter));
        typed(&mut s, "heartbeat 3");
        s
    });
}

#[test]
fn filtered_and_toggled() {
    crate::snap!("logs_filtered", {
        let (mut s, _) = opened();
        update(&mut s, Msg::Action(Action::Include));
        typed(&mut s, "worker|clock");
        update(&mut s, Msg::Action(Action::Exclude));
        typed(&mut s, "heartbeat 1");
        s
    });
    crate::snap!("logs_toggles", {
        let (mut s, _) = opened();
        update(&mut s, Msg::Action(Action::Toggles));
        update(&mut s, Msg::Action(Action::Open)); // hide process web
        s
    });
    let (mut s, _) = opened();
    update(&mut s, Msg::Action(Action::Toggles));
    update(&mut s, Msg::Action(Action::Open));
    update(&mut s, Msg::Action(Action::Back));
    let l = s.logs.as_ref().unwrap();
    assert_eq!(l.hidden_processes, ["web"]);
    assert!(l.entries.iter().filter(|e| l.visible(e)).all(|e| match e {
        ViewEntry::Line { origin, .. } => l.origins[*origin as usize].process != "web",
        _ => true,
    }));
}

#[test]
fn gap_marker() {
    crate::snap!("logs_gap", {
        let (mut s, session) = opened();
        let host = HostId("lon-1".into());
        let at = common::now();
        let mut line = s.logs.as_ref().map(|_| ()).map(|_| common::report("lon-1", common::LAB_1)).unwrap();
        let _ = &mut line;
        let events = vec![
            LogEvent::Dropped { host: host.clone(), reason: "connection lost".into() },
            LogEvent::Reconnected { host, after: std::time::Duration::from_millis(3200), at },
        ];
        update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
        s
    });
}

#[test]
fn events_of_a_closed_view_are_ignored_and_esc_stops_the_sources() {
    let (mut s, session) = opened();
    let (effects, _) = update(&mut s, Msg::Action(Action::Back));
    assert_eq!(effects, vec![Effect::StopLogs { session }]);
    assert!(s.logs.is_none());
    update(&mut s, Msg::Backend(BackendEvent::Logs { session, events: vec![] }));
    assert!(s.logs.is_none());
}

#[test]
fn scrolling_above_the_buffer_loads_older_lines_by_time() {
    let (mut s, session) = opened();
    let oldest = s.logs.as_ref().unwrap().entries.front().unwrap().ts();
    let (effects, _) = update(&mut s, Msg::Action(Action::Top));
    match &effects[..] {
        [Effect::LoadOlderLogs { session: got, before, lines, .. }] => {
            assert_eq!((*got, *before, *lines), (session, oldest, 1000));
        }
        other => panic!("{other:?}"),
    }
    // A second request waits for the first.
    let (effects, _) = update(&mut s, Msg::Action(Action::Up));
    assert!(effects.is_empty());
    let mut older = s.logs.as_ref().unwrap().entries.len();
    let host = HostId("lon-1".into());
    let units = vec![("shop-web.service".to_string(), "shop".to_string(), "web".to_string())];
    let line = parse_line(J1.lines().next().unwrap().as_bytes(), &host, &units).unwrap().unwrap();
    let mut early = line.clone();
    early.ts = oldest - jiff::SignedDuration::from_secs(60);
    early.message = "from the past".into();
    update(&mut s, Msg::Backend(BackendEvent::LogsOlder { session, lines: vec![early, line] }));
    older += 1;
    let l = s.logs.as_ref().unwrap();
    assert_eq!(l.entries.len(), older, "the older line went in front, the duplicate was dropped");
    assert!(matches!(l.entries.front(), Some(ViewEntry::Line { message, .. }) if &**message == "from the past"));
}

#[test]
fn the_ring_stays_bounded() {
    let mut s = common::fleet_state();
    s.log_capacity = 500;
    update(&mut s, Msg::Action(Action::Bottom));
    let (effects, _) = update(&mut s, Msg::Action(Action::Logs));
    let Some(Effect::StartLogs { session, plan, .. }) = effects.into_iter().next() else { panic!() };
    let hu = &plan[0];
    let template = parse_line(J1.lines().next().unwrap().as_bytes(), &hu.host, &hu.units).unwrap().unwrap();
    for batch in 0..20 {
        let events = (0..100)
            .map(|i| {
                let mut l = template.clone();
                l.ts = template.ts + jiff::SignedDuration::from_millis(batch * 100 + i);
                l.message = format!("line {}", batch * 100 + i);
                LogEvent::Live { host: hu.host.clone(), line: l }
            })
            .collect();
        update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
    }
    let l = s.logs.as_ref().unwrap();
    assert_eq!(l.entries.len(), 500);
    assert!(matches!(l.entries.back(), Some(ViewEntry::Line { message, .. }) if &**message == "line 1999"));
}
