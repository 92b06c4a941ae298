//! Snapshots with a Dokku host beside a droplet's units, from containers Dokku's scheduler (the
//! lab's stand-in, fixtures/dokku/) deployed on lab-2's engine, with a pinned clock: the apps
//! table (blog's dynos, api never deployed) and blog's view.

mod common;

use fleet::config::Convention;
use fleet::model::{HostId, HostReport, PlatformStatus};
use fleet::platform::dokku::{dynos, report};
use fleet::state::{Action, FilterKey, FleetState, Msg, State, update};

fn now() -> jiff::Timestamp {
    "2026-12-02T18:00:00Z".parse().unwrap()
}

fn state() -> State {
    let host = HostId("lab-2".into());
    let all: Vec<bollard::models::ContainerInspectResponse> =
        serde_json::from_str(include_str!("../fixtures/dokku/lab-2-inspect.json")).unwrap();
    let apps = vec![
        ("api".to_string(), Some(report::ps_report(include_str!("../fixtures/dokku/0.38/ps-report-api.json")).unwrap())),
        ("blog".to_string(), Some(report::ps_report(include_str!("../fixtures/dokku/0.38/ps-report-blog.json")).unwrap())),
    ];
    let mut lab2 = common::report("lab-2", common::LAB_2);
    lab2.processes.extend(dynos::processes(&all, &apps, &host, &Convention::default()));
    lab2.platforms.push(PlatformStatus { platform: fleet::platform::dokku::info(), note: None });
    let mut fleet = FleetState::new(vec![common::spec("lab-2")], Convention::default().process_order);
    fleet.apply(host, Ok(HostReport { at: now(), ..lab2 }), now() - jiff::SignedDuration::from_secs(4));
    State::new(fleet, now())
}

#[test]
fn dokku_apps_beside_units() {
    let s = state();
    let text = common::screen(&common::render(&s));
    assert!(text.contains("blog") && text.contains("api"), "{text}");
    crate::snap!("dokku_apps", s);
}

#[test]
fn the_blog_apps_view() {
    let mut s = selected("blog");
    update(&mut s, Msg::Action(Action::Open));
    assert_eq!(s.view, fleet::state::View::App { name: "blog".into() });
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("blog.web.2") && !text.contains("upcoming") && !text.contains("blog.run"), "{text}");
    crate::snap!("dokku_app_blog", s);
}

fn selected(name: &str) -> State {
    filtered(state(), name)
}

/// `/NAME` then enter: the one app selected.
fn filtered(mut s: State, name: &str) -> State {
    update(&mut s, Msg::Action(Action::Filter));
    for c in name.chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(FilterKey::Accept));
    s
}

/// `B`: a rebuild from source, its own confirmation naming Dokku's command; refused (with why)
/// for an app no platform of which builds.
#[test]
fn b_rebuilds_a_dokku_app_behind_its_own_confirmation() {
    let mut s = selected("blog");
    update(&mut s, Msg::Action(Action::Rebuild));
    let Some(fleet::state::Overlay::Confirm(c)) = &s.overlay else { panic!("no confirmation: {:?}", s.overlay) };
    let fleet::state::Effect::Run(op) = &c.effect else { panic!("{:?}", c.effect) };
    assert_eq!(op.title(), "Rebuild blog from its source and deploy it?");
    // The fixture connects as a sudoer, not root.
    assert_eq!(op.lines(), ["lab-2: sudo -n dokku ps:rebuild blog (builds the app again from its source, then deploys it)"]);
    let mut s = selected("shop");
    update(&mut s, Msg::Action(Action::Rebuild));
    assert!(s.overlay.is_none(), "{:?}", s.overlay);
    assert!(s.notice.as_deref().unwrap_or("").contains("a rebuild from source is Dokku's"), "{:?}", s.notice);
}

/// The same Dokku reached as its `dokku` user: a host row of Dokku alone, its dynos from
/// `ps:report` and `ps:inspect` (fixtures/dokku/0.38/), the host pane saying what that login
/// cannot do, and a restart's confirmation naming the forced command's line.
fn dokku_user_state() -> State {
    use fleet::platform::dokku::account::dynos::{self as user_dynos, AppDynos};
    // An hour after ps:inspect's dynos started.
    let now = || -> jiff::Timestamp { "2026-12-03T07:35:48Z".parse().unwrap() };
    let host = HostId("lab-2-dokku".into());
    let apps = vec![
        AppDynos {
            name: "api".into(),
            report: Some(report::ps_report(include_str!("../fixtures/dokku/0.38/ps-report-api.json")).unwrap()),
            inspected: Vec::new(),
        },
        AppDynos {
            name: "blog".into(),
            report: Some(report::ps_report(include_str!("../fixtures/dokku/0.38/ps-report-blog.json")).unwrap()),
            inspected: user_dynos::inspected(include_str!("../fixtures/dokku/0.38/ps-inspect-blog.json")).unwrap(),
        },
    ];
    let report = HostReport {
        host: host.clone(),
        facts: fleet::model::HostFacts {
            note: Some(
                "reached as the dokku user (Dokku 0.38.21): only Dokku's commands, so no host metrics, forwards or other platforms here"
                    .into(),
            ),
            ..Default::default()
        },
        processes: user_dynos::processes(&apps, &host, &Convention::default()),
        platforms: vec![PlatformStatus { platform: fleet::platform::dokku::account::platform::info(), note: None }],
        at: now(),
    };
    let mut spec = common::spec("lab-2-dokku");
    spec.login = Some("dokku".into());
    let mut fleet = FleetState::new(vec![spec], Convention::default().process_order);
    fleet.apply(host, Ok(report), now() - jiff::SignedDuration::from_secs(4));
    State::new(fleet, now())
}

#[test]
fn dokku_as_its_own_user() {
    let s = dokku_user_state();
    let text = common::screen(&common::draw(&mut s.clone(), 160, 48));
    assert!(text.contains("lab-2-dokku") && text.contains("reached as the dokk") && text.contains("59m"), "{text}");
    crate::snap!("dokku_user_apps", s);
    let mut s = filtered(dokku_user_state(), "blog");
    update(&mut s, Msg::Action(Action::Restart));
    let Some(fleet::state::Overlay::Confirm(c)) = &s.overlay else { panic!("no confirmation: {:?}", s.overlay) };
    let fleet::state::Effect::Run(op) = &c.effect else { panic!("{:?}", c.effect) };
    assert!(op.lines().iter().any(|l| l.contains("ssh dokku@HOST ps:restart blog web")), "{:?}", op.lines());
    crate::snap!("dokku_user_restart_confirm", s);
    let mut s = filtered(dokku_user_state(), "blog");
    update(&mut s, Msg::Action(Action::Open));
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("blog.worker.1"), "{text}");
    crate::snap!("dokku_user_app_blog", s);
}
