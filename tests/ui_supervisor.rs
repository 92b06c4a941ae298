//! Snapshots with supervisord programs beside a droplet's systemd units, from what lab-1's real
//! supervisord answered (fixtures/supervisor/: its getAllProcessInfo response, its files, its
//! own environment, its programs' logs), with a pinned clock: the apps table, the pay app's
//! view (a numprocs group, a FATAL program with its own words), its Env tab with where each
//! variable comes from, and its logs, which have no times of their own.

mod common;

use std::collections::BTreeMap;

use fleet::config::Convention;
use fleet::model::{BackendEvent, Clock, HostId, HostReport, LogEvent, LogLine, PlatformStatus, ProcessEnv, ResumeToken};
use fleet::platform::supervisor::{conf, env, programs, rpc};
use fleet::state::logs::ViewEntry;
use fleet::state::{Action, Effect, FilterKey, FleetState, Msg, State, update};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/supervisor");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("fixtures/supervisor/{name}: {e}"))
}

fn now() -> jiff::Timestamp {
    "2026-12-02T16:53:40Z".parse().unwrap()
}

/// supervisord's files and environment as lab-1 has them.
fn lab_conf() -> (conf::Conf, Vec<(String, String)>) {
    let environ = env::parse_environ(&std::fs::read(format!("{FIXTURES}/supervisord.environ")).unwrap());
    let included = [("/etc/supervisor/conf.d/pay.conf".to_string(), fixture("pay.conf"))];
    let c = conf::read("/etc/supervisor/supervisord.conf", &fixture("supervisord.conf"), &included, &environ, "lab-1");
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    (c, environ)
}

fn state() -> State {
    let host = HostId("lab-1".into());
    let (c, _) = lab_conf();
    let all = rpc::parse_response(&fixture("getAllProcessInfo.xml")).unwrap();
    let infos = programs::infos(&all).unwrap();
    let last_err = BTreeMap::from([("pay:pay-bank".to_string(), "cannot reach the bank at 10.0.0.9:443".to_string())]);
    let mut warnings = Vec::new();
    let procs =
        programs::processes(&infos, &c, &host, &Convention::default(), fleet::platform::supervisor::info(), &last_err, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut lab1 = common::report("lab-1", common::LAB_1);
    lab1.processes.extend(procs);
    lab1.platforms.push(PlatformStatus { platform: fleet::platform::supervisor::info(), note: None });
    let mut fleet = FleetState::new(vec![common::spec("lab-1")], Convention::default().process_order);
    fleet.apply(host, Ok(HostReport { at: now(), ..lab1 }), now() - jiff::SignedDuration::from_secs(4));
    State::new(fleet, now())
}

/// The app table filtered down to pay.
fn pay_selected() -> State {
    let mut s = state();
    update(&mut s, Msg::Action(Action::Filter));
    for c in "pay".chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(FilterKey::Accept));
    s
}

#[test]
fn supervisord_apps_beside_units() {
    let s = state();
    let text = common::screen(&common::render(&s));
    assert!(text.contains("pay") && text.contains("shop"), "{text}");
    crate::snap!("supervisor_apps", s);
}

#[test]
fn the_pay_apps_view() {
    let mut s = pay_selected();
    update(&mut s, Msg::Action(Action::Open));
    assert_eq!(s.view, fleet::state::View::App { name: "pay".into() });
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("pay:pay-web_00") && text.contains("pay:pay-web_01"), "both numprocs instances:\n{text}");
    assert!(text.contains("cannot reach the bank"), "the FATAL program says why:\n{text}");
    crate::snap!("supervisor_app_pay", s);
}

#[test]
fn the_env_tab_says_where_each_variable_comes_from() {
    let mut s = pay_selected();
    update(&mut s, Msg::Action(Action::Open));
    let (effects, _) = update(&mut s, Msg::Action(Action::NextPanel));
    let [Effect::LoadEnv { app, hosts }] = &effects[..] else { panic!("{effects:?}") };
    let (c, environ) = lab_conf();
    let envs: Vec<ProcessEnv> = hosts
        .iter()
        .flat_map(|(t, procs)| procs.iter().map(move |p| (t.host.clone(), p.clone())))
        .map(|(host, p)| ProcessEnv {
            host,
            process: p.process.clone(),
            unit: p.source.clone(),
            vars: env::of_instance(&c, &p.source, Some(&environ), Some(247)).unwrap(),
            problems: Vec::new(),
        })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Env { app: app.clone(), envs, problems: Vec::new() }));
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(!text.contains("s3cret") && !text.contains("pay-not-a-secret"), "a secret on screen:\n{text}");
    assert!(text.contains("pay.conf"), "the file setting a variable is named:\n{text}");
    crate::snap!("supervisor_env_pay", s);
}

/// pay's log view: the programs' history as read from their files (no times: each file's lines
/// in its own order), then live lines stamped on arrival and a rotation marker.
#[test]
fn untimed_history_then_live_lines() {
    let mut s = pay_selected();
    let (effects, _) = update(&mut s, Msg::Action(Action::Logs));
    let Some(Effect::StartLogs { session, plan, .. }) = effects.into_iter().next() else { panic!("no StartLogs") };
    let hu = &plan[0];
    let host = hu.host.clone();
    let line = |unit: &str, stream: &'static str, ts: jiff::Timestamp, clock: Clock, message: &str| {
        let (_, _, process) = hu.units.iter().find(|(u, _, _)| u == unit).unwrap_or_else(|| panic!("{unit} not in {:?}", hu.units));
        LogLine {
            ts,
            host: host.clone(),
            app: "pay".into(),
            process: process.clone(),
            source: unit.into(),
            priority: None,
            stream: Some(stream),
            message: message.into(),
            resume: ResumeToken::Supervisor(0),
            clock,
        }
    };
    // Files last written at different times: their lines come in that order, each file whole.
    let mtime = |secs: i64| now() - jiff::SignedDuration::from_secs(secs);
    let mut history = Vec::new();
    for (unit, stream, file, age) in [
        ("pay:pay-bank", "stderr", "pay-bank.err", 300),
        ("pay:pay-worker", "stdout", "pay-worker.log", 2),
        ("pay:pay-worker", "stderr", "pay-worker.err", 2),
        ("pay:pay-ticker", "stdout", "pay-ticker.log", 1),
    ] {
        for l in fixture(file).lines().rev().take(4).collect::<Vec<_>>().into_iter().rev() {
            history.push(line(unit, stream, mtime(age), Clock::Unknown, l));
        }
    }
    let mut live = vec![
        line("pay:pay-ticker", "stdout", now(), Clock::Arrival, "tick 004242 ........................................"),
        line(
            "pay:pay-ticker",
            "fleet",
            now(),
            Clock::Arrival,
            "── log rotated: /var/log/supervisor/pay-ticker.log became /var/log/supervisor/pay-ticker.log.1; reading the new file from its start ──",
        ),
        line("pay:pay-ticker", "stdout", now(), Clock::Arrival, "tick 004243 ........................................"),
    ];
    let mut events = vec![LogEvent::History { host: host.clone(), lines: history }];
    events.extend(live.drain(..).map(|line| LogEvent::Live { host: host.clone(), line }));
    update(&mut s, Msg::Backend(BackendEvent::Logs { session, events }));
    let l = s.logs.as_ref().unwrap();
    let untimed = l.entries.iter().filter(|e| matches!(e, ViewEntry::Line { untimed: true, .. })).count();
    assert_eq!(untimed, 14, "history lines are shown without a time");
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("··:··:··"), "{text}");
    assert!(!text.contains('\u{1b}'), "escapes from stderr are neutralised");
    crate::snap!("supervisor_logs_pay", s);
}

/// `s` on pay's row: the shell goes into a running program (web, first by the Procfile habit),
/// as its user in its directory — never into pay-bank, which never starts and has no user=.
#[test]
fn s_goes_into_a_running_program() {
    let mut s = pay_selected();
    update(&mut s, Msg::Action(Action::Shell));
    let Some(fleet::state::Overlay::Confirm(c)) = &s.overlay else { panic!("no confirmation: {:?}", s.overlay) };
    let Effect::Run(fleet::model::Operation::Shell { target, .. }) = &c.effect else { panic!("{:?}", c.effect) };
    assert_eq!(target.units.first().map(String::as_str), Some("pay:pay-web_00"), "{:?}", target.units);
    assert_eq!((target.run.user.as_deref(), target.run.working_dir.as_deref()), (Some("pay"), Some("/srv/pay")));
}
