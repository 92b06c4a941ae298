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

/// lab-1's probe with the sections that tell what listens and which PORT each env file gives.
fn with_ports(listening: &str, env_ports: &str) -> String {
    LAB_1.replace("@@fleet end", &format!("@@fleet listening\n{listening}@@fleet env-ports\n{env_ports}@@fleet end"))
}

#[test]
fn a_running_web_process_nothing_listens_for_is_degraded() {
    use fleet::model::Health;
    let host = HostId("lab-1".into());
    let serving = discover(&with_ports("127.0.0.1:8080\n[::]:22\n", "/etc/shop/env 8080\n"), &host, &Convention::default()).unwrap();
    assert_eq!(serving.facts.listening.as_deref(), Some(&[22, 8080][..]));
    let web = serving.processes.iter().find(|p| p.source == "shop-web.service").unwrap();
    assert_eq!(web.warning, None);

    let deaf = discover(&with_ports("[::]:22\n", "/etc/shop/env 8080\n"), &host, &Convention::default()).unwrap();
    let web = deaf.processes.iter().find(|p| p.source == "shop-web.service").unwrap();
    assert_eq!(web.warning.as_deref(), Some("nothing listens on its PORT 8080"));
    let worker = deaf.processes.iter().find(|p| p.source == "shop-worker.service").unwrap();
    assert_eq!(worker.warning, None, "only a web process is expected to listen");
    let shop: Vec<_> = deaf.processes.iter().filter(|p| p.app == "shop").collect();
    assert_eq!(Health::of(&shop, &[]), Health::Degraded);
    let ledger = deaf.processes.iter().find(|p| p.app == "ledger").unwrap();
    assert_eq!(ledger.warning, None, "a failed process has its why, not a warning");
}

#[test]
fn without_the_listening_section_nothing_is_guessed() {
    let out = discover(&with_ports("", "/etc/shop/env 8080\n"), &HostId("lab-1".into()), &Convention::default()).unwrap();
    assert_eq!(out.facts.listening, None, "ss missing or empty: unknown, not 'nothing listens'");
    assert!(out.processes.iter().all(|p| p.warning.is_none()));
    assert!(discover(LAB_1, &HostId("lab-1".into()), &Convention::default()).unwrap().processes.iter().all(|p| p.warning.is_none()));
}

#[test]
fn ports_from_ss_and_env_files() {
    use fleet::discovery::{env_ports, listening_ports};
    assert_eq!(listening_ports("0.0.0.0:80\n[::]:80\n127.0.0.1:6379\n*:9100\n[fe80::1%eth0]:8080\ngarbage\n"), [80, 6379, 8080, 9100]);
    assert_eq!(
        env_ports("/etc/shop/env 8080\n/etc/a b/env 3000\nbad\n/etc/x notaport\n"),
        [("/etc/shop/env".to_string(), 8080), ("/etc/a b/env".to_string(), 3000)]
    );
}
