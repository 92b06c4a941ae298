//! Actions in the TUI without a server: each key leads to the right `Effect` behind a
//! confirmation that shows the exact commands, read-only refuses each one, and the overlays
//! (confirm, activity, forwards) have snapshots.

mod common;

use fleet::model::BackendEvent;
use fleet::model::HostId;
use fleet::model::{ActionEvent, Operation, UnitNow};
use fleet::state::actions_view::ForwardRow;
use fleet::state::{Action, Effect, FilterKey, Msg, Overlay, State, View, update};

fn act(s: &mut State, a: Action) -> Vec<Effect> {
    update(s, Msg::Action(a)).0
}

/// The shop app selected in the apps table.
fn shop() -> State {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    assert_eq!(s.selected_app_name().as_deref(), Some("shop"));
    s
}

fn confirm_effect(s: &State) -> Effect {
    match &s.overlay {
        Some(Overlay::Confirm(c)) => c.effect.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

#[test]
fn r_restarts_every_unit_on_every_host_behind_a_confirmation() {
    let mut s = shop();
    assert!(act(&mut s, Action::Restart).is_empty(), "nothing runs before the confirmation");
    let Effect::Run(Operation::Restart { app, targets }) = confirm_effect(&s) else { panic!() };
    assert_eq!(app, "shop");
    let hosts: Vec<&str> = targets.iter().map(|t| t.host.0.as_str()).collect();
    assert_eq!(hosts, ["lon-1", "lon-2", "ams-1"]);
    assert_eq!(targets[0].units, ["shop-clock.service", "shop-web.service", "shop-worker.service"]);
    let Some(Overlay::Confirm(c)) = &s.overlay else { panic!() };
    assert!(
        c.lines[0].contains("lon-1: sudo -n systemctl restart -- shop-clock.service shop-web.service shop-worker.service"),
        "{:?}",
        c.lines
    );
    // n cancels, y runs exactly that.
    act(&mut s, Action::Cancel);
    assert!(s.overlay.is_none());
    act(&mut s, Action::Restart);
    let expected = confirm_effect(&s);
    assert_eq!(act(&mut s, Action::Confirm), vec![expected]);
    assert_eq!(s.overlay, Some(Overlay::Activity), "progress shows");
}

#[test]
fn r_on_a_process_row_restarts_just_that_unit() {
    let mut s = shop();
    act(&mut s, Action::Open);
    act(&mut s, Action::Down);
    act(&mut s, Action::Down); // rows: web@ams-1, web@lon-1, web@lon-2
    act(&mut s, Action::Restart);
    let Effect::Run(Operation::Restart { targets, .. }) = confirm_effect(&s) else { panic!() };
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].host.0.as_str(), targets[0].units.as_slice()), ("lon-2", &["shop-web.service".to_string()][..]));
}

#[test]
fn shift_r_rolls_out_the_whole_app_with_its_health_check() {
    let mut s = shop();
    s.health.insert("shop".into(), fleet::model::HealthCheck { url: Some("http://127.0.0.1:8080/up".into()), ..Default::default() });
    act(&mut s, Action::Rollout);
    let Effect::Run(Operation::Rollout { targets, health, .. }) = confirm_effect(&s) else { panic!() };
    assert_eq!(targets.len(), 3);
    assert_eq!(health.url.as_deref(), Some("http://127.0.0.1:8080/up"));
    let Some(Overlay::Confirm(c)) = &s.overlay else { panic!() };
    assert!(c.lines.last().unwrap().contains("http://127.0.0.1:8080/up answers 2xx/3xx"));
}

#[test]
fn s_opens_a_shell_as_the_app_user_with_its_env() {
    let mut s = shop();
    act(&mut s, Action::Shell);
    let Effect::Run(Operation::Shell { target, .. }) = confirm_effect(&s) else { panic!() };
    assert_eq!(target.host.0, "lon-1");
    assert_eq!(target.run.user.as_deref(), Some("shop"));
    assert_eq!(target.run.working_dir.as_deref(), Some("/srv/shop"));
    assert_eq!(target.run.env_files, ["-/etc/shop/env"]);
}

#[test]
fn f_asks_for_the_port_prefilled_from_the_app_env() {
    let mut s = shop();
    let effects = act(&mut s, Action::Forward);
    let [Effect::ResolvePort { app, target }] = &effects[..] else { panic!("{effects:?}") };
    update(&mut s, Msg::Backend(BackendEvent::PortResolved { app: app.clone(), target: target.clone(), port: Some(8080) }));
    assert_eq!(s.forward_prompt.as_ref().map(|p| p.2.as_str()), Some("8080:8080"));
    for _ in 0..4 {
        update(&mut s, Msg::FilterKey(FilterKey::Backspace));
    }
    for c in "18080".chars().chain(std::iter::once('x')) {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    let (effects, _) = update(&mut s, Msg::FilterKey(FilterKey::Accept));
    let [Effect::Run(Operation::Forward { remote_port, local_port, host, bind, .. })] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!((*local_port, *remote_port, host.0.as_str()), (8080, 18080, "lon-1"));
    assert!(bind.is_loopback(), "binds 127.0.0.1 only");
}

#[test]
fn read_only_refuses_each_mutating_action() {
    for a in [Action::Restart, Action::Rollout, Action::Shell] {
        let mut s = shop();
        s.readonly = true;
        assert!(act(&mut s, a).is_empty());
        assert!(s.overlay.is_none(), "{a:?} asked for confirmation");
        assert!(s.notice.as_deref().unwrap_or("").contains("read-only"), "{a:?}");
    }
    // A forward changes nothing on the host: allowed.
    let mut s = shop();
    s.readonly = true;
    assert!(matches!(act(&mut s, Action::Forward)[..], [Effect::ResolvePort { .. }]));
}

#[test]
fn overlays() {
    crate::snap!("confirm_restart", {
        let mut s = shop();
        act(&mut s, Action::Restart);
        s
    });
    crate::snap!("activity_rollout", {
        let mut s = shop();
        act(&mut s, Action::Rollout);
        act(&mut s, Action::Confirm);
        let host = |h: &str| HostId(h.into());
        for ev in [
            ActionEvent::Step { host: host("lon-1"), text: "1/3: restarting shop-web.service".into() },
            ActionEvent::Step { host: host("lon-1"), text: "healthy: stable for 5 s".into() },
            ActionEvent::HostDone {
                host: host("lon-1"),
                units: vec![UnitNow {
                    unit: "shop-web.service".into(),
                    active: "active".into(),
                    sub: "running".into(),
                    pid: Some(4242),
                    restarts: Some(0),
                }],
            },
            ActionEvent::Step { host: host("lon-2"), text: "2/3: restarting shop-web.service".into() },
            ActionEvent::HostFailed { host: host("lon-2"), error: "health check failed: http://127.0.0.1:8080/up answered 503".into() },
            ActionEvent::Finished { ok: false, summary: "shop: rollout stopped at lon-2 (2/3); not touched: ams-1".into() },
        ] {
            update(&mut s, Msg::Backend(BackendEvent::Action(ev)));
        }
        s
    });
    crate::snap!("forwards", {
        let mut s = shop();
        let row = ForwardRow {
            id: 1,
            label: "shop".into(),
            host: HostId("lon-1".into()),
            local: "127.0.0.1:8080".into(),
            remote_port: 8080,
            state: "reconnecting: connection refused (10.0.0.5:22)".into(),
            active: 1,
            total: 7,
            bytes_in: 123_456,
            bytes_out: 2_048,
        };
        update(&mut s, Msg::Backend(BackendEvent::Forwards(vec![row])));
        act(&mut s, Action::Forwards);
        s
    });
}

#[test]
fn enter_in_the_forwards_pane_stops_the_selected_one() {
    let mut s = shop();
    let row = |id| ForwardRow {
        id,
        label: "shop".into(),
        host: HostId("lon-1".into()),
        local: format!("127.0.0.1:{}", 8080 + id),
        remote_port: 8080,
        state: "listening".into(),
        active: 0,
        total: 0,
        bytes_in: 0,
        bytes_out: 0,
    };
    update(&mut s, Msg::Backend(BackendEvent::Forwards(vec![row(1), row(2)])));
    act(&mut s, Action::Forwards);
    act(&mut s, Action::Down);
    assert_eq!(act(&mut s, Action::Open), vec![Effect::StopForward { id: 2 }]);
    assert_eq!(s.view, View::Apps);
}

/// A platform that can restart but not exec into, nor roll back: its reason, not another
/// platform's way, is what the user gets.
static NO_EXEC: fleet::model::PlatformInfo = fleet::model::PlatformInfo {
    name: "no-exec",
    caps: fleet::model::Capabilities {
        exec: fleet::model::Can::No("this platform cannot run commands in its processes"),
        rollback: fleet::model::Can::No("this platform keeps no revisions"),
        ..fleet::model::Capabilities::ALL
    },
    plan: |_, t| t.units.iter().map(|u| format!("restart {u}")).collect(),
    label: |p| format!("<{}>", p.source),
    rollout_each: false,
};

#[test]
fn keys_and_hints_follow_the_platform_capabilities_not_its_kind() {
    let mut s = shop();
    for host in &mut s.fleet.hosts {
        if let fleet::model::HostStatus::Up { report } = &mut host.status {
            for p in report.processes.iter_mut().filter(|p| p.app == "shop") {
                p.platform = fleet::model::PlatformRef(&NO_EXEC);
            }
        }
    }
    s.fleet.regroup();
    assert!(!s.offers(Action::Shell) && !s.offers(Action::Rollback) && s.offers(Action::Restart));
    let status = common::screen(&common::draw(&mut s.clone(), 160, 48));
    let last = status.lines().last().unwrap();
    assert!(last.contains("restart") && !last.contains("shell"), "the hint offers only what it can: {last}");
    act(&mut s, Action::Shell);
    assert!(s.overlay.is_none(), "nothing to confirm");
    assert_eq!(s.notice.as_deref(), Some("shop on lon-1: this platform cannot run commands in its processes"));
    act(&mut s, Action::Rollback);
    assert_eq!(s.notice.as_deref(), Some("shop on lon-1: this platform keeps no revisions"));
    act(&mut s, Action::Restart);
    let Some(Overlay::Confirm(c)) = &s.overlay else { panic!("restart is confirmed: {:?}", s.notice) };
    assert_eq!(c.lines[0], "lon-1: restart shop-clock.service", "the platform says what it runs");
    // The process rows say it in the platform's words too.
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Open);
    let screen = common::screen(&common::draw(&mut s, 160, 48));
    assert!(screen.contains("<shop-clock.service>"), "{screen}");
}

/// The forwards and audit popups clipped their own hint line when their content was taller
/// than the terminal: the hint has rows of its own.
#[test]
fn popups_keep_their_hint_line_however_long_the_content() {
    let mut s = shop();
    let rows: Vec<ForwardRow> = (0..40)
        .map(|i| ForwardRow {
            id: i,
            label: "shop".into(),
            host: HostId("lon-1".into()),
            local: format!("127.0.0.1:{}", 18000 + i),
            remote_port: 8080,
            state: "listening".into(),
            active: 0,
            total: i as usize,
            bytes_in: 0,
            bytes_out: 0,
        })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Forwards(rows)));
    act(&mut s, Action::Forwards);
    for (w, h) in common::SIZES {
        let screen = common::screen(&common::draw(&mut s.clone(), w, h));
        assert!(screen.contains("enter stops the selected forward"), "{w}x{h}:\n{screen}");
    }
    let mut s = shop();
    act(&mut s, Action::Audit);
    let entries = (0..60)
        .map(|i| fleet::model::AuditEntry {
            time: common::now(),
            user: "dev".into(),
            host: "lon-1".into(),
            app: "shop".into(),
            action: "restart".into(),
            command: "systemctl restart shop-web.service".into(),
            result: format!("ok: shop-web.service active (running) pid {i} and a long tail that wraps at eighty columns for sure"),
        })
        .collect();
    update(&mut s, Msg::Backend(BackendEvent::Audit(entries)));
    for (w, h) in common::SIZES {
        let screen = common::screen(&common::draw(&mut s.clone(), w, h));
        assert!(screen.contains("fleet audit shows the exact commands"), "{w}x{h}:\n{screen}");
    }
}
