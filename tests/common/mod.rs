//! Shared test helpers: a fleet state built from lab fixtures with a pinned clock.
#![allow(dead_code)]

pub mod dokku;
pub mod lab;

use fleet::config::Convention;
use fleet::model::HostSpec;
use fleet::model::{HostError, HostErrorKind, HostId, HostKind, HostReport};
use fleet::platform::systemd::discover;
use fleet::state::{FleetState, State};
use jiff::Timestamp;

pub const LAB_1: &str = include_str!("../../fixtures/systemd/lab-1.txt");
pub const LAB_2: &str = include_str!("../../fixtures/systemd/lab-2.txt");
pub const OLD: &str = include_str!("../../fixtures/systemd/old-systemd-245.txt");
pub const HOSTILE: &str = include_str!("../../fixtures/systemd/hostile.txt");
/// A machine with no systemd: it answers, with no apps.
pub const NO_APPS: &str = include_str!("../../fixtures/systemd/no-systemd.txt");

/// The pinned "now" of every snapshot.
pub fn now() -> Timestamp {
    "2026-11-22T05:00:00Z".parse().unwrap()
}

pub fn spec(name: &str) -> HostSpec {
    HostSpec {
        id: HostId(name.into()),
        kind: HostKind::Ssh,
        destination: name.into(),
        tags: vec![],
        group: None,
        login: None,
        platforms: vec![],
    }
}

pub fn report(host: &str, fixture: &str) -> HostReport {
    let d = discover(fixture, &HostId(host.into()), &Convention::default()).unwrap();
    let platforms = vec![fleet::model::PlatformStatus { platform: fleet::platform::systemd::info(), note: None }];
    HostReport { host: HostId(host.into()), facts: d.facts, processes: d.processes, platforms, at: now() }
}

/// lon-1 and lon-2 up, ams-1 on old systemd, nyc-1 refusing connections, sfo-1 still connecting.
pub fn fleet_state() -> State {
    let names = ["lon-1", "lon-2", "ams-1", "nyc-1", "sfo-1"];
    let mut fleet = FleetState::new(names.iter().map(|n| spec(n)).collect(), Convention::default().process_order);
    let at = now() - jiff::SignedDuration::from_secs(4);
    fleet.apply(HostId("lon-1".into()), Ok(report("lon-1", LAB_1)), at);
    fleet.apply(HostId("lon-2".into()), Ok(report("lon-2", LAB_2)), at);
    fleet.apply(HostId("ams-1".into()), Ok(report("ams-1", OLD)), at);
    fleet.apply(HostId("nyc-1".into()), Err(HostError::new(HostErrorKind::Unreachable, "connection refused (203.0.113.7:22)")), at);
    State::new(fleet, now())
}

/// The sizes every view is snapshotted at.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// `state` told the terminal is `w`×`h`, as the TUI tells it.
pub fn sized(mut state: State, w: u16, h: u16) -> State {
    fleet::state::update(&mut state, fleet::state::Msg::Resize { width: w, height: h });
    state
}

/// `state` drawn at its size as the TUI draws it (the built-in dark theme and keymap).
pub fn render(state: &State) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let (w, h) = state.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    let (theme, keymap) = (fleet::config::theme::Theme::builtin("dark").unwrap(), fleet::config::keymap::Keymap::builtin());
    t.draw(|f| fleet::ui::render(f, state, &theme, &keymap)).unwrap();
    t
}

/// `state` resized to `w`×`h` and drawn.
pub fn draw(state: &mut State, w: u16, h: u16) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    fleet::state::update(state, fleet::state::Msg::Resize { width: w, height: h });
    render(state)
}

/// The screen's text, one line per row.
pub fn screen(t: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    let b = t.backend().buffer();
    (0..b.area.height).map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

/// One insta snapshot of a state (cloned for each size) at each of `SIZES`, named `NAME_WxH`.
/// A macro, so insta names the snapshot after the test file that takes it.
#[macro_export]
macro_rules! snap {
    ($name:expr, $state:expr) => {{
        let state: &fleet::state::State = &$state;
        for (w, h) in $crate::common::SIZES {
            let mut s = state.clone();
            insta::assert_snapshot!(format!("{}_{w}x{h}", $name), $crate::common::draw(&mut s, w, h).backend());
        }
    }};
}

/// Starts a detached tmux session running `cmd`. A tmux server that is shutting down (the last
/// session of an earlier test just ended) can refuse the first attempt: tried again, and the
/// error shown when it keeps failing.
pub fn tmux_session(name: &str, w: u16, h: u16, cmd: &str) {
    let _ = std::process::Command::new("tmux").args(["kill-session", "-t", name]).output();
    let mut last = String::new();
    for _ in 0..10 {
        let out = std::process::Command::new("tmux")
            .args(["new-session", "-d", "-s", name, "-x", &w.to_string(), "-y", &h.to_string(), cmd])
            .output()
            .expect("tmux is installed (tests/lab/lab.sh installs it)");
        if out.status.success() {
            return;
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    panic!("tmux new-session {name} failed: {last}");
}
