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
    let mut s = state();
    update(&mut s, Msg::Action(Action::Filter));
    for c in "blog".chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(FilterKey::Accept));
    update(&mut s, Msg::Action(Action::Open));
    assert_eq!(s.view, fleet::state::View::App { name: "blog".into() });
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("blog.web.2") && !text.contains("upcoming") && !text.contains("blog.run"), "{text}");
    crate::snap!("dokku_app_blog", s);
}

fn selected(name: &str) -> State {
    let mut s = state();
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
