//! Snapshots with a Docker host beside a droplet's units, from containers captured on the lab's
//! engine (fixtures/docker/), with a pinned clock: the apps table and the notes app's view
//! (compose services with image and ID, published ports, a failing HEALTHCHECK, a TTY
//! container, a labelled one).

mod common;

use fleet::config::Convention;
use fleet::model::{HostId, HostReport, PlatformStatus};
use fleet::state::{Action, FilterKey, FleetState, Msg, State, update};

fn now() -> jiff::Timestamp {
    "2026-12-02T05:00:00Z".parse().unwrap()
}

fn state() -> State {
    let docker_host = HostId("lab-2".into());
    let processes = fleet::platform::docker::containers::processes_from_json(
        include_str!("../fixtures/docker/lab-2-inspect.json"),
        &docker_host,
        &Convention::default(),
    )
    .unwrap();
    let mut lab2 = common::report("lab-2", common::LAB_2);
    lab2.processes.extend(processes);
    lab2.platforms.push(PlatformStatus { platform: fleet::platform::docker::info(), note: None });
    let lab2 = HostReport { at: now(), ..lab2 };
    let mut fleet = FleetState::new(vec![common::spec("lab-1"), common::spec("lab-2")], Convention::default().process_order);
    let at = now() - jiff::SignedDuration::from_secs(4);
    fleet.apply(HostId("lab-1".into()), Ok(HostReport { at: now(), ..common::report("lab-1", common::LAB_1) }), at);
    fleet.apply(docker_host, Ok(lab2), at);
    State::new(fleet, now())
}

#[test]
fn docker_apps_beside_units() {
    crate::snap!("docker_apps", state());
}

#[test]
fn a_compose_apps_view() {
    let mut s = state();
    update(&mut s, Msg::Action(Action::Filter));
    for c in "notes".chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(FilterKey::Accept));
    update(&mut s, Msg::Action(Action::Open));
    assert_eq!(s.view, fleet::state::View::App { name: "notes".into() });
    crate::snap!("docker_app_notes", s);
}
