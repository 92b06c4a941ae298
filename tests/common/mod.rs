//! Shared test helpers: a fleet state built from lab fixtures with a pinned clock.
#![allow(dead_code)]

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

/// The pinned "now" of every snapshot.
pub fn now() -> Timestamp {
    "2026-11-22T05:00:00Z".parse().unwrap()
}

pub fn spec(name: &str) -> HostSpec {
    HostSpec { id: HostId(name.into()), kind: HostKind::Ssh, destination: name.into(), tags: vec![], group: None }
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
