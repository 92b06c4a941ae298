//! Snapshots of every view from fixtures, at 80×24 and 160×48, with a pinned clock; plus the
//! cells whose colour carries meaning, and a zero-size render.

mod common;

use fleet::config::theme::Theme;
use fleet::model::BackendEvent;
use fleet::model::{HostError, HostErrorKind, HostId};
use fleet::state::{Action, FilterKey, Focus, Msg, State, update};
use ratatui::buffer::Buffer;

fn act(state: &mut State, a: Action) {
    update(state, Msg::Action(a));
}

fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(byte) = line.find(text) {
            return Some((line[..byte].chars().count() as u16, y));
        }
    }
    None
}

#[test]
fn apps_view() {
    crate::snap!("apps", common::fleet_state());
}

#[test]
fn app_view() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom); // shop
    act(&mut s, Action::Open);
    crate::snap!("app_shop", s);
}

#[test]
fn hosts_panel_focused() {
    let mut s = common::fleet_state();
    act(&mut s, Action::NextPanel);
    act(&mut s, Action::Down);
    act(&mut s, Action::Down);
    act(&mut s, Action::Down);
    crate::snap!("hosts_focused", s);
}

#[test]
fn help_overlay() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Help);
    crate::snap!("help", s);
}

#[test]
fn error_state_unknown_host_key_prompt() {
    let mut s = common::fleet_state();
    let err = HostError {
        unknown_key: Some("SHA256:Vb0mJ8yq2v0cQx3W1nYc6kqfXxk0Q2a8P4H6cFv1d2E".into()),
        known_hosts: Some("/home/dev/.ssh/known_hosts".into()),
        ..HostError::new(HostErrorKind::HostKey, "unknown host key SHA256:Vb0m… for 10.0.0.9:22")
    };
    update(&mut s, Msg::Backend(BackendEvent::Host { host: HostId("sfo-1".into()), result: Err(err), at: common::now() }));
    act(&mut s, Action::NextPanel);
    act(&mut s, Action::Bottom);
    act(&mut s, Action::AcceptHostKey);
    crate::snap!("error_host_key_prompt", s);
    let screen = common::screen(&common::draw(&mut s.clone(), 160, 48));
    assert!(screen.contains("appended to /home/dev/.ssh/known_hosts"), "the prompt names the file it writes:\n{screen}");
    // Confirming yields exactly the effect the prompt showed.
    let (effects, _) = update(&mut s, Msg::Action(Action::Confirm));
    assert_eq!(
        effects,
        vec![fleet::state::Effect::AcceptHostKey {
            host: HostId("sfo-1".into()),
            fingerprint: "SHA256:Vb0mJ8yq2v0cQx3W1nYc6kqfXxk0Q2a8P4H6cFv1d2E".into()
        }]
    );
}

#[test]
fn error_state_everything_down() {
    let mut fleet = fleet::state::FleetState::new(vec![common::spec("a"), common::spec("b")], vec![]);
    for h in ["a", "b"] {
        fleet.apply(
            HostId(h.into()),
            Err(HostError::new(HostErrorKind::Auth, "root@a refused our keys (tried 1 agent key(s))")),
            common::now(),
        );
    }
    crate::snap!("error_all_down", State::new(fleet, common::now()));
}

#[test]
fn first_frame_before_any_answer() {
    let fleet = fleet::state::FleetState::new(vec![common::spec("lon-1"), common::spec("lon-2")], vec![]);
    crate::snap!("connecting", State::new(fleet, common::now()));
}

#[test]
fn filter_narrows_the_apps() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Filter);
    for c in "bil".chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    assert_eq!(s.visible_apps().len(), 1);
    crate::snap!("filter", s);
}

#[test]
fn colours_carry_meaning() {
    let mut s = common::fleet_state();
    let t = common::draw(&mut s, 160, 48);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let (x, y) = find(buf, "down ").expect("ledger's health is shown");
    assert_eq!(buf[(x, y)].fg, theme.danger, "a down app is drawn in the danger colour");
    let (x, y) = find(buf, "connection refused").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.danger);
    // shop is up; its row is not the selected one, so it keeps its own colours.
    let (_, y) = find(buf, "shop ").unwrap();
    let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
    let x = line[..line.find(" up ").unwrap() + 1].chars().count() as u16;
    assert_eq!(buf[(x, y)].fg, theme.ok);
}

#[test]
fn hostile_remote_text_never_reaches_the_terminal_raw() {
    let mut fleet = fleet::state::FleetState::new(vec![common::spec("evil")], vec![]);
    fleet.apply(HostId("evil".into()), Ok(common::report("evil", common::HOSTILE)), common::now());
    let mut s = common::sized(State::new(fleet, common::now()), 160, 48);
    s.focus = Focus::Hosts;
    let t = common::render(&s);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert!(!cell.symbol().chars().any(|c| c.is_control()), "control character in a cell: {:?}", cell.symbol());
    }
    assert!(find(buf, "Evil \u{fffd}[31mOS").is_some());
}

#[test]
fn zero_and_tiny_sizes_do_not_panic() {
    for (w, h) in [(0, 0), (1, 1), (10, 3), (20, 5), (80, 2)] {
        let s = common::sized(common::fleet_state(), w, h);
        common::render(&s);
    }
}

#[test]
fn keys_move_and_open() {
    let mut s = common::sized(common::fleet_state(), 80, 24);
    assert_eq!(s.selected_app_name().as_deref(), Some("billing"));
    act(&mut s, Action::Down);
    assert_eq!(s.selected_app_name().as_deref(), Some("ledger"));
    act(&mut s, Action::Open);
    assert_eq!(s.view, fleet::state::View::App { name: "ledger".into() });
    act(&mut s, Action::Back);
    assert_eq!(s.view, fleet::state::View::Apps);
    let (effects, _) = update(&mut s, Msg::Action(Action::Quit));
    assert_eq!(effects, vec![fleet::state::Effect::Quit]);
}

#[test]
fn mouse_click_selects_the_row_drawn_there() {
    let mut s = common::sized(common::fleet_state(), 160, 48);
    let t = common::render(&s);
    let (x, y) = find(t.backend().buffer(), "shop ").unwrap();
    update(&mut s, Msg::Click { column: x, row: y });
    assert_eq!(s.selected_app_name().as_deref(), Some("shop"));
    let (x, y) = find(t.backend().buffer(), "nyc-1").unwrap();
    update(&mut s, Msg::Click { column: x, row: y });
    assert_eq!(s.focus, Focus::Hosts);
    assert_eq!(s.hosts_cursor.selected, 3);
}

#[test]
fn ticks_redraw_only_when_something_shows_it() {
    let mut s = common::fleet_state();
    // sfo-1 is still connecting: the spinner animates on every tick.
    let (_, changed) = update(&mut s, Msg::Tick(common::now()));
    assert!(changed);
    // Once every host has answered, a tick within the same second changes nothing visible.
    update(
        &mut s,
        Msg::Backend(BackendEvent::Host {
            host: HostId("sfo-1".into()),
            result: Ok(common::report("sfo-1", common::LAB_2)),
            at: common::now(),
        }),
    );
    let (_, changed) = update(&mut s, Msg::Tick(common::now() + jiff::SignedDuration::from_millis(300)));
    assert!(!changed);
}

#[test]
fn host_view_with_sparklines_and_threshold_colours() {
    let make = || {
        let mut s = common::fleet_state();
        for (i, cpu) in [5.0, 20.0, 50.0, 80.0, 95.0].iter().enumerate() {
            let m = fleet::metrics::HostMetrics {
                source: "node_exporter",
                cpu_percent: Some(*cpu),
                load: [0.5, 0.4, 0.3],
                mem_used: 800 << 20,
                mem_available: 200 << 20,
                mem_total: 1000 << 20,
                disks: vec![fleet::metrics::Disk { mount: "/".into(), size: 100 << 30, avail: 5 << 30 }],
                net_rx_per_sec: Some(1000.0 * i as f64),
                net_tx_per_sec: Some(500.0),
                uptime_secs: Some(3600),
            };
            let at = common::now() - jiff::SignedDuration::from_secs(10 * (5 - i as i64));
            update(&mut s, Msg::Backend(BackendEvent::Metrics { host: HostId("lon-2".into()), metrics: m, at }));
        }
        s
    };
    // The hosts panel shows the latest CPU and memory, coloured by thresholds (lon-2's row is
    // not the selected one, so it keeps its colours).
    let s = common::sized(make(), 160, 48);
    let t = common::render(&s);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let (x, y) = find(buf, "95%").expect("cpu column");
    assert_eq!(buf[(x, y)].fg, theme.danger, "95 % CPU is red");
    let (x, y) = find(buf, "80%").expect("memory column");
    assert_eq!(buf[(x, y)].fg, theme.warn, "80 % memory is amber");
    // Enter on a host opens its view.
    let mut s = make();
    act(&mut s, Action::NextPanel);
    act(&mut s, Action::Down);
    act(&mut s, Action::Open);
    assert_eq!(s.view, fleet::state::View::Host { host: HostId("lon-2".into()) });
    crate::snap!("host_view", s);
}

/// A down host's view said "up · waiting for two samples…" and the hosts panel cut its error
/// off: the view says it is down, since when, and the whole error, wrapped.
#[test]
fn a_down_host_says_so_with_its_whole_error() {
    let mut s = common::fleet_state();
    let long = "connection refused (203.0.113.7:22) after trying every address the name resolves to; check that sshd runs there and that no firewall drops port 22";
    update(
        &mut s,
        Msg::Backend(BackendEvent::Host {
            host: HostId("nyc-1".into()),
            result: Err(HostError::new(HostErrorKind::Unreachable, long)),
            at: common::now(),
        }),
    );
    act(&mut s, Action::NextPanel);
    for _ in 0..3 {
        act(&mut s, Action::Down);
    }
    act(&mut s, Action::Open);
    assert_eq!(s.view, fleet::state::View::Host { host: HostId("nyc-1".into()) });
    for (w, h) in common::SIZES {
        let screen = common::screen(&common::draw(&mut s, w, h));
        assert!(screen.contains("✗ down"), "{screen}");
        assert!(!screen.contains("up ·") && !screen.contains("waiting for two samples"), "{screen}");
        let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ").replace("│ │", " ");
        for word in ["refused", "resolves", "firewall", "port 22"] {
            assert!(flat.contains(word), "the whole error at {w}x{h}, {word:?} missing:\n{screen}");
        }
    }
    crate::snap!("host_view_down", s);
}

#[test]
fn certs_view_sorted_with_threshold_colours() {
    let row = cert_row;
    let make = || {
        let mut s = common::fleet_state();
        let (effects, _) = update(&mut s, Msg::Action(Action::Certs));
        assert!(matches!(effects[..], [fleet::state::Effect::LoadCerts { .. }]));
        let rows = vec![
            row("lon-1", "shop.example.com", 60, None),
            row("lon-2", "api.example.com", 10, None),
            row("kube:prod", "client certificate", -3, None),
            row("lon-1", "www.example.com", 5, Some("renewed on disk (valid until 2027-02-20) but not served: reload the front door")),
        ];
        update(&mut s, Msg::Backend(BackendEvent::Certs { rows, problems: vec!["nyc-1: connection refused".into()] }));
        s
    };
    crate::snap!("certs_view", make());
    let mut s = common::sized(make(), 160, 48);
    // Select the second row, so the first keeps its own colours.
    act(&mut s, Action::Down);
    let t = common::render(&s);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let screen: String =
        (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect();
    let (x, y) = find(buf, "expired 3 d ago").unwrap_or_else(|| panic!("soonest first:\n{screen}"));
    assert_eq!(buf[(x, y)].fg, theme.danger);
    let (x, y) = find(buf, "10 d").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.warn);
    let (x, y) = find(buf, "60 d").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.ok);
    let order: Vec<u16> = ["expired 3 d", "5 d", "10 d", "60 d"].iter().map(|t| find(buf, t).unwrap().1).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted by days left: {order:?}");
}

fn cert_row(host: &str, what: &str, days: i64, note: Option<&str>) -> fleet::certs::CertRow {
    use fleet::certs::{CertRow, CertSource, x509::CertInfo};
    CertRow {
        host: HostId(host.into()),
        what: what.into(),
        source: CertSource::Served { addr: "127.0.0.1:443".into(), domain: what.into() },
        info: Some(CertInfo {
            subject: format!("CN={what}"),
            sans: vec![what.into()],
            issuer: "CN=R11".into(),
            not_after: common::now() + jiff::SignedDuration::from_hours(24 * days + 12),
            serial: "01".into(),
            is_ca: false,
        }),
        error: None,
        note: note.map(String::from),
    }
}

fn shop_tab(tabs: usize) -> (State, Vec<fleet::state::Effect>) {
    let mut s = common::fleet_state();
    s.app_settings.insert(
        "shop".into(),
        fleet::config::fleet::AppSettings {
            metrics_url: Some("http://127.0.0.1:9400/metrics".into()),
            domains: vec!["shop.example.com".into()],
            ..Default::default()
        },
    );
    act(&mut s, Action::Bottom);
    act(&mut s, Action::Open);
    let mut effects = Vec::new();
    for _ in 0..tabs {
        effects = update(&mut s, Msg::Action(Action::NextPanel)).0;
    }
    (s, effects)
}

#[test]
fn app_metrics_tab_with_sparklines_and_a_chart() {
    use fleet::metrics::endpoint::EndpointValue;
    use fleet::metrics::units::UnitMetrics;
    use fleet::state::metrics_view::AppSample;
    use fleet::state::{AppTab, Effect};
    let make = || {
        let (mut s, effects) = shop_tab(3);
        assert_eq!(s.app_tab, AppTab::Metrics);
        match &effects[..] {
            [Effect::WatchAppMetrics { app, targets, metrics_url }] => {
                assert_eq!(app, "shop");
                assert!(!targets.is_empty());
                assert_eq!(metrics_url.as_deref(), Some("http://127.0.0.1:9400/metrics"));
            }
            other => panic!("the Metrics tab starts sampling: {other:?}"),
        }
        for i in 0..6i64 {
            let at = common::now() - jiff::SignedDuration::from_secs(5 * (5 - i));
            for host in ["lon-1", "lon-2"] {
                let units = vec![UnitMetrics {
                    unit: "shop-web.service".into(),
                    active: "active".into(),
                    cpu_percent: Some(10.0 * i as f64),
                    memory_bytes: Some((100 + 10 * i as u64) << 20),
                    tasks: Some(4),
                    restarts: Some(0),
                }];
                let endpoint =
                    vec![EndpointValue { series: "http_requests_total{code=\"200\"}".into(), kind: "rate", value: Some(2.5 * i as f64) }];
                let sample = Ok(AppSample { units, endpoint });
                update(&mut s, Msg::Backend(BackendEvent::AppMetrics { app: "shop".into(), host: HostId(host.into()), sample, at }));
            }
        }
        update(
            &mut s,
            Msg::Backend(BackendEvent::AppMetrics {
                app: "shop".into(),
                host: HostId("nyc-1".into()),
                sample: Err("the app's metrics endpoint: connection refused".into()),
                at: common::now(),
            }),
        );
        // The second series (memory on lon-1) is the one charted.
        act(&mut s, Action::Down);
        s
    };
    crate::snap!("app_metrics", make());
    // Leaving the tab stops the sampling.
    let mut s = make();
    let (effects, _) = update(&mut s, Msg::Action(Action::Back));
    assert_eq!(effects, vec![Effect::StopAppMetrics]);
    assert!(s.app_metrics.is_none());
}

#[test]
fn app_certs_tab_with_threshold_colours() {
    use fleet::state::{AppTab, Effect};
    let make = || {
        let (mut s, effects) = shop_tab(4);
        assert_eq!(s.app_tab, AppTab::Certs);
        match &effects[..] {
            [Effect::StopAppMetrics, Effect::LoadAppCerts { app, domains, .. }]
            | [Effect::LoadAppCerts { app, domains, .. }, Effect::StopAppMetrics] => {
                assert_eq!((app.as_str(), domains.clone()), ("shop", vec!["shop.example.com".to_string()]));
            }
            other => panic!("the Certs tab loads the app's certificates: {other:?}"),
        }
        let rows = vec![
            cert_row("lon-1", "shop.example.com", 120, None),
            cert_row("lon-2", "www.shop.example.com", -2, None),
            cert_row("lon-1", "shop.lab.test", 12, Some("renewed on disk (valid until 2027-02-20) but not served: reload the front door")),
        ];
        update(&mut s, Msg::Backend(BackendEvent::AppCerts { app: "shop".into(), rows, problems: vec![] }));
        s
    };
    crate::snap!("app_certs", make());
    // fleet.toml's [certs] thresholds colour the rows: 120 days is inside a 150-day warning.
    let mut s = common::sized(make(), 160, 48);
    s.certs_config.warn = std::time::Duration::from_secs(150 * 86_400);
    act(&mut s, Action::Down);
    let t = common::render(&s);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let (x, y) = find(buf, "expired 2 d ago").expect("expired first");
    assert_eq!(buf[(x, y)].fg, theme.danger);
    let (x, y) = find(buf, "120 d").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.warn);
}

/// "no apps found: units named …" showed while hosts were still connecting, waiting for a
/// host key, or all down — when the convention was not the problem.
#[test]
fn an_empty_apps_table_says_what_it_waits_for() {
    let empty = |hosts: &[(&str, Option<Result<(), HostError>>)]| {
        let mut fleet = fleet::state::FleetState::new(hosts.iter().map(|(n, _)| common::spec(n)).collect(), vec![]);
        for (n, r) in hosts {
            match r {
                Some(Ok(())) => fleet.apply(HostId((*n).into()), Ok(common::report(n, common::NO_APPS)), common::now()),
                Some(Err(e)) => fleet.apply(HostId((*n).into()), Err(e.clone()), common::now()),
                None => {}
            }
        }
        let mut s = State::new(fleet, common::now());
        common::screen(&common::draw(&mut s, 160, 48))
    };
    let down = || Some(Err(HostError::new(HostErrorKind::Unreachable, "connection refused")));
    let key =
        || Some(Err(HostError { unknown_key: Some("SHA256:x".into()), ..HostError::new(HostErrorKind::HostKey, "unknown host key") }));
    let s = empty(&[("a", Some(Ok(()))), ("b", None)]);
    assert!(s.contains("no apps on the 1 host(s) that answered; 1 still connecting") && !s.contains("no apps found"), "{s}");
    let s = empty(&[("a", down()), ("b", key())]);
    assert!(s.contains("1 waiting for a host-key decision"), "{s}");
    let s = empty(&[("a", down()), ("b", down())]);
    assert!(s.contains("every host is down"), "{s}");
    let s = empty(&[("a", Some(Ok(())))]);
    assert!(s.contains("no apps found on 1 host(s)"), "only now is the convention the answer: {s}");
}

/// The selection bar wiped the colours that carry meaning: a selected `down` row lost its red.
#[test]
fn a_selected_row_keeps_the_colours_that_mean_something() {
    let mut s = common::fleet_state();
    act(&mut s, Action::NextPanel);
    for _ in 0..3 {
        act(&mut s, Action::Down);
    }
    assert_eq!(s.fleet.hosts[s.hosts_cursor.selected].spec.id.0, "nyc-1");
    let t = common::draw(&mut s, 160, 48);
    let buf = t.backend().buffer();
    let theme = Theme::builtin("dark").unwrap();
    let (x, y) = find(buf, "✗ down").expect("the down row");
    assert_eq!((buf[(x, y)].fg, buf[(x, y)].bg), (theme.selection_fg, theme.danger), "still red while selected, and readable");
    let (nx, ny) = find(buf, "nyc-1").unwrap();
    assert_eq!((buf[(nx, ny)].fg, buf[(nx, ny)].bg), (theme.selection_fg, theme.selection_bg), "the rest of the row is selected");
}

/// At 60×15 the hosts panel hid a host without saying so.
#[test]
fn a_table_too_short_for_its_rows_says_how_many_more() {
    let mut s = common::fleet_state();
    let screen = common::screen(&common::draw(&mut s, 60, 15));
    assert!(screen.contains("more"), "{screen}");
}

/// ctrl-r gave no sign it did anything; `/` in an app view jumped to the apps filter without a
/// word, and a kept filter was appended to.
#[test]
fn refresh_and_filter_say_what_they_do() {
    let mut s = common::fleet_state();
    let (effects, _) = update(&mut s, Msg::Action(Action::Refresh));
    assert_eq!(effects, vec![fleet::state::Effect::RefreshAll]);
    assert_eq!(s.notice.as_deref(), Some("refreshing 5 host(s)…"));
    let status = common::screen(&common::draw(&mut s, 160, 48));
    assert!(status.contains("refreshing 5 host(s)…"), "shown in the status bar");

    act(&mut s, Action::Filter);
    for c in "sh".chars() {
        update(&mut s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(FilterKey::Accept));
    act(&mut s, Action::Open);
    assert!(matches!(s.view, fleet::state::View::App { .. }));
    act(&mut s, Action::Filter);
    assert_eq!(s.view, fleet::state::View::Apps);
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("filters the apps table")), "{:?}", s.notice);
    update(&mut s, Msg::FilterKey(FilterKey::Char('l')));
    assert_eq!(s.filter.query, "l", "the new filter replaces the kept one");
}

/// The certs view had no ISSUER column and hinted ctrl-r twice.
#[test]
fn the_certs_view_names_issuers_and_hints_each_key_once() {
    let mut s = common::fleet_state();
    update(&mut s, Msg::Action(Action::Certs));
    let mut row = cert_row("lon-1", "shop.example.com", 60, None);
    if let Some(i) = row.info.as_mut() {
        i.issuer = "C=US, O=Let's Encrypt, CN=R11".into();
    }
    update(&mut s, Msg::Backend(BackendEvent::Certs { rows: vec![row], problems: vec![] }));
    let screen = common::screen(&common::draw(&mut s, 160, 48));
    assert!(screen.contains("ISSUER") && screen.contains("R11"), "{screen}");
    let status = screen.lines().last().unwrap();
    assert_eq!(status.matches("refresh").count(), 1, "{status}");
}

/// At 80 columns the hint line ended in "? hel": hints are whole, and `? help` (which lists
/// the rest) is the one kept.
#[test]
fn the_hint_line_keeps_whole_hints_and_help() {
    for width in [40u16, 60, 80, 100] {
        let mut s = common::fleet_state();
        let screen = common::screen(&common::draw(&mut s, width, 24));
        let last = screen.lines().last().unwrap().trim_end();
        assert!(last.ends_with("? help") || last.contains("? help "), "{width}: {last:?}");
        assert!(!last.ends_with("? hel"), "{width}");
    }
}

/// The problems view: what `fleet check` prints, from the hosts' reports and the slower look
/// (certificates here), worst first; the title bar counts them in every view; enter opens what
/// a problem is about.
#[test]
fn problems_view_lists_what_is_wrong_and_opens_it() {
    let make = || {
        let mut s = common::fleet_state();
        let (effects, _) = update(&mut s, Msg::Action(Action::Problems));
        assert!(matches!(effects[..], [fleet::state::Effect::Observe { .. }]), "opening looks again: {effects:?}");
        let certs = vec![cert_row("lon-1", "shop.example.com", 10, None), cert_row("lon-2", "api.example.com", 200, None)];
        let o = fleet::model::problem::Observed { certs, ..Default::default() };
        update(&mut s, Msg::Backend(BackendEvent::Observed(Box::new(o))));
        s
    };
    crate::snap!("problems_view", make());
    let mut s = common::sized(make(), 160, 48);
    let screen = common::screen(&common::render(&s));
    assert!(screen.contains("shop.example.com expires in 10 d") && !screen.contains("api.example.com"), "{screen}");
    assert!(screen.contains("nyc-1 did not answer: connection refused"), "{screen}");
    let count = s.problems.list.len();
    assert!(screen.contains(&format!("· {count} problems")), "the title bar counts them: {screen}");
    // The first (critical: ledger failed on ams-1) opens its app.
    let first = s.problems.list[0].clone();
    assert_eq!((first.severity.label(), first.app.as_deref()), ("critical", Some("ledger")), "{first:?}");
    act(&mut s, Action::Open);
    assert_eq!(s.view, fleet::state::View::App { name: "ledger".into() });
    // A host's problem opens the host.
    act(&mut s, Action::Problems);
    let i = s.problems.list.iter().position(|p| p.area.name() == "hosts").expect("nyc-1 is down");
    for _ in 0..i {
        act(&mut s, Action::Down);
    }
    act(&mut s, Action::Open);
    assert_eq!(s.view, fleet::state::View::Host { host: HostId("nyc-1".into()) });
}

/// The app's Activity tab (6): loading, then what happened, newest first.
#[test]
fn activity_tab_lists_what_happened() {
    let make = || {
        let mut s = common::fleet_state();
        act(&mut s, Action::Open);
        let (effects, _) = update(&mut s, Msg::Action(Action::TabActivity));
        let fleet::state::View::App { name } = s.view.clone() else { panic!("an app is open") };
        assert!(matches!(&effects[..], [fleet::state::Effect::LoadActivity { app, .. }] if *app == name), "{effects:?}");
        let at = |mins: i64| common::now() - jiff::SignedDuration::from_mins(mins);
        let e = |mins, host: &str, who: &str, what: &str, detail: &str| fleet::model::ActivityEntry {
            at: at(mins),
            host: HostId(host.into()),
            who: who.into(),
            what: what.into(),
            detail: detail.into(),
        };
        let entries = vec![
            e(2, "lon-1", "fleet (root@laptop)", "restart", "ok: shop-web.service active (running)"),
            e(2, "lon-1", "systemd", "started", "Started shop-web.service - shop web."),
            e(2, "lon-1", "systemd", "stopped", "Stopped shop-web.service - shop web."),
            e(90, "lon-2", "systemd", "failed", "shop-worker.service: Failed with result 'exit-code'."),
        ];
        update(&mut s, Msg::Backend(BackendEvent::Activity { app: name, entries, problems: vec![] }));
        s
    };
    crate::snap!("app_activity", make());
    let mut s = common::sized(make(), 160, 48);
    act(&mut s, Action::Open);
    assert!(matches!(s.overlay, Some(fleet::state::Overlay::Detail(_))), "enter shows the whole entry");
}

/// Remote words in the problems view and the Activity tab (a journal message, a host's error)
/// are shown with their control characters replaced, never written raw.
#[test]
fn hostile_text_in_problems_and_activity_is_rendered_safely() {
    let no_control = |s: &State| {
        let t = common::render(s);
        for cell in t.backend().buffer().content() {
            assert!(!cell.symbol().chars().any(|c| c.is_control()), "control character in a cell: {:?}", cell.symbol());
        }
        common::screen(&t)
    };
    let mut s = common::sized(common::fleet_state(), 160, 48);
    update(
        &mut s,
        Msg::Backend(BackendEvent::Host {
            host: HostId("sfo-1".into()),
            result: Err(fleet::model::HostError::new(fleet::model::HostErrorKind::Command, "boom \u{1b}[2J\u{1b}]0;owned\u{7}")),
            at: common::now(),
        }),
    );
    act(&mut s, Action::Problems);
    let shown = no_control(&s);
    assert!(shown.contains("sfo-1 did not answer: boom"), "{shown}");
    act(&mut s, Action::Back);
    act(&mut s, Action::Open);
    act(&mut s, Action::TabActivity);
    let fleet::state::View::App { name } = s.view.clone() else { panic!("an app is open") };
    let entries = vec![fleet::model::ActivityEntry {
        at: common::now(),
        host: HostId("lon-1".into()),
        who: "systemd".into(),
        what: "started".into(),
        detail: "x.service: \u{1b}[31mred\u{1b}[0m".into(),
    }];
    update(&mut s, Msg::Backend(BackendEvent::Activity { app: name, entries, problems: vec![] }));
    let shown = no_control(&s);
    assert!(shown.contains("x.service: \u{fffd}[31mred"), "{shown}");
    act(&mut s, Action::Open);
    no_control(&s);
}
