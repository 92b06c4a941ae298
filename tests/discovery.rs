//! Convention and systemd parsing over output captured from the lab droplets.

use fleet::config::Convention;
use fleet::model::{HostId, ProcessState};
use fleet::platform::systemd::discover;

const LAB_1: &str = include_str!("../fixtures/systemd/lab-1.txt");
const LAB_2: &str = include_str!("../fixtures/systemd/lab-2.txt");
const OLD: &str = include_str!("../fixtures/systemd/old-systemd-245.txt");
const HOSTILE: &str = include_str!("../fixtures/systemd/hostile.txt");
const NO_SYSTEMD: &str = include_str!("../fixtures/systemd/no-systemd.txt");

fn names(out: &fleet::discovery::Discovered) -> Vec<String> {
    let mut v: Vec<String> = out.processes.iter().map(|p| p.source.clone()).collect();
    v.sort();
    v
}

#[test]
fn json_output_finds_exactly_the_admin_app_units() {
    let out = discover(LAB_1, &HostId("lab-1".into()), &Convention::default()).unwrap();
    // acme-agent (vendor unit under /lib), redis-server, systemd-journald, postgresql@15-main are
    // not apps even though their names fit {app}-{process}.
    assert_eq!(names(&out), ["ledger-web.service", "shop-clock.service", "shop-web.service", "shop-worker.service"]);
    assert_eq!(out.facts.systemd_version, Some(252));
    assert_eq!(out.facts.os.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
    assert_eq!(out.facts.hostname.as_deref(), Some("lab-1"));
    let web = out.processes.iter().find(|p| p.source == "shop-web.service").unwrap();
    assert_eq!((web.app.as_str(), web.process.as_str()), ("shop", "web"));
    assert_eq!(web.state, ProcessState::Running);
    assert!(web.pid.is_some() && web.memory_bytes.is_some() && web.since.is_some());
    assert_eq!(web.user.as_deref(), Some("shop"));
    assert_eq!(web.working_dir.as_deref(), Some("/srv/shop"));
    assert_eq!(web.env_files, ["-/etc/shop/env"]);
    let ledger = out.processes.iter().find(|p| p.app == "ledger").unwrap();
    assert_eq!(ledger.state, ProcessState::Failed);
    assert_eq!(ledger.pid, None);
}

#[test]
fn templated_units_are_apps() {
    let out = discover(LAB_2, &HostId("lab-2".into()), &Convention::default()).unwrap();
    assert_eq!(names(&out), ["billing@web.service", "billing@worker.service", "shop-web.service", "shop-worker.service"]);
    let b = out.processes.iter().find(|p| p.source == "billing@worker.service").unwrap();
    assert_eq!((b.app.as_str(), b.process.as_str()), ("billing", "worker"));
}

#[test]
fn plain_output_of_old_systemd_gives_the_same_apps() {
    let new = discover(LAB_1, &HostId("h".into()), &Convention::default()).unwrap();
    let old = discover(OLD, &HostId("h".into()), &Convention::default()).unwrap();
    assert_eq!(old.facts.systemd_version, Some(245));
    assert_eq!(names(&old), names(&new));
    assert_eq!(old.processes, new.processes);
}

#[test]
fn hostile_names_are_skipped_and_reported() {
    let out = discover(HOSTILE, &HostId("h".into()), &Convention::default()).unwrap();
    assert_eq!(names(&out), ["good-web.service"]);
    assert_eq!(out.warnings.iter().filter(|w| w.contains("invalid name")).count(), 3, "{:?}", out.warnings);
    for w in &out.warnings {
        assert!(!w.chars().any(|c| c.is_control()), "a warning carries a control character: {w:?}");
    }
}

#[test]
fn no_systemd_is_a_note_not_an_error() {
    let out = discover(NO_SYSTEMD, &HostId("local".into()), &Convention::default()).unwrap();
    assert!(out.processes.is_empty());
    assert_eq!(out.facts.systemd_version, None);
    assert!(out.facts.note.as_deref().unwrap().contains("no systemd"));
}

#[test]
fn cut_off_output_is_an_error() {
    let cut = &LAB_1[..LAB_1.len() / 2];
    assert!(discover(cut, &HostId("h".into()), &Convention::default()).unwrap_err().contains("ended early"));
}

#[test]
fn the_convention_is_configurable() {
    let conv = Convention {
        units: vec!["app-{app}-{process}.service".into()],
        admin_unit_dirs: vec!["/lib/systemd/system".into()],
        ..Convention::default()
    };
    let out = discover(LAB_1, &HostId("h".into()), &conv).unwrap();
    assert!(out.processes.is_empty(), "no unit is named app-*: {:?}", names(&out));

    let vendor = Convention { admin_unit_dirs: vec!["/lib/systemd/system".into()], ..Convention::default() };
    let out = discover(LAB_1, &HostId("h".into()), &vendor).unwrap();
    assert!(names(&out).contains(&"acme-agent.service".to_string()));

    let ignore = Convention { ignore_apps: vec!["led*".into()], ..Convention::default() };
    let out = discover(LAB_1, &HostId("h".into()), &ignore).unwrap();
    assert!(out.processes.iter().all(|p| p.app != "ledger"));
}

#[test]
fn apps_group_across_hosts() {
    let conv = Convention::default();
    let a = discover(LAB_1, &HostId("lab-1".into()), &conv).unwrap();
    let b = discover(LAB_2, &HostId("lab-2".into()), &conv).unwrap();
    let apps = fleet::model::group_apps(a.processes.iter().chain(b.processes.iter()), &conv.process_order, &[]);
    let shop = apps.iter().find(|x| x.name == "shop").unwrap();
    assert_eq!(shop.formation_label(), "web×2 worker×2 clock×1");
    assert_eq!(shop.health, fleet::model::Health::Up);
    let ledger = apps.iter().find(|x| x.name == "ledger").unwrap();
    assert_eq!(ledger.health, fleet::model::Health::Down);
    // A failed host's processes make the app's health unknown, not "up".
    let stale = fleet::model::group_apps(b.processes.iter(), &conv.process_order, &[HostId("lab-2".into())]);
    assert!(stale.iter().all(|x| x.health == fleet::model::Health::Unknown));
}

/// fleet's own log got one line per vendor unit per host per refresh ("no properties for
/// systemd-*.service", about 59 a host): a stock droplet's discovery has nothing to warn about.
#[test]
fn a_stock_droplet_gives_no_warnings() {
    for fixture in [LAB_1, LAB_2, OLD] {
        let out = discover(fixture, &HostId("h".into()), &Convention::default()).unwrap();
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }
}
