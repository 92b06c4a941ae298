//! The keys k9s and Heroku users expect: `:` for any action or view, sorting any table,
//! shift-tab back, 1–5 for an app's tabs, a word for an unbound key, a help that starts with
//! the view you are in, and enter opening the whole of a row.

mod common;

use fleet::model::BackendEvent;
use fleet::state::{Action, AppTab, Effect, FilterKey, Msg, Overlay, State, View, update};

fn act(s: &mut State, a: Action) -> Vec<Effect> {
    update(s, Msg::Action(a)).0
}

fn type_in(s: &mut State, text: &str) -> Vec<Effect> {
    for c in text.chars() {
        update(s, Msg::FilterKey(FilterKey::Char(c)));
    }
    update(s, Msg::FilterKey(FilterKey::Accept)).0
}

fn screen(s: &State, w: u16, h: u16) -> String {
    common::screen(&common::draw(&mut s.clone(), w, h))
}

#[test]
fn the_palette_runs_any_action_or_view_by_name() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Command);
    assert!(s.palette.is_some() && s.editing_text());
    let shown = screen(&s, 160, 48);
    assert!(shown.contains("certs") && shown.contains("restart"), "every action is offered:\n{shown}");
    let effects = type_in(&mut s, "certs");
    assert_eq!(s.view, View::Certs);
    assert!(matches!(effects[..], [Effect::LoadCerts { .. }]));

    let mut s = common::fleet_state();
    act(&mut s, Action::Command);
    let effects = type_in(&mut s, "logs shop");
    assert!(matches!(&effects[..], [Effect::StartLogs { .. }]), "{effects:?}");
    assert!(matches!(s.view, View::Logs { .. }));
    assert_eq!(s.logs.as_ref().unwrap().app, "shop");

    let mut s = common::fleet_state();
    act(&mut s, Action::Command);
    type_in(&mut s, "restart ledger");
    let Some(Overlay::Confirm(c)) = &s.overlay else { panic!("a restart is confirmed first: {:?}", s.overlay) };
    assert_eq!(c.title, "Restart ledger?");

    let mut s = common::fleet_state();
    act(&mut s, Action::Command);
    type_in(&mut s, "host lon-2");
    assert_eq!(s.view, View::Host { host: fleet::model::HostId("lon-2".into()) });

    let mut s = common::fleet_state();
    act(&mut s, Action::Command);
    type_in(&mut s, "zzzz");
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("nothing by that name")), "{:?}", s.notice);
}

#[test]
fn any_table_sorts_by_any_column_and_says_so() {
    let mut s = common::fleet_state();
    let names = |s: &State| s.visible_apps().iter().map(|i| s.fleet.apps[*i].name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&s), ["billing", "ledger", "shop"]);
    act(&mut s, Action::SortReverse); // by APP, descending
    assert_eq!(names(&s), ["shop", "ledger", "billing"]);
    assert!(screen(&s, 160, 48).contains("APP▼"), "the header marks the column");
    act(&mut s, Action::Sort); // PROCESSES
    act(&mut s, Action::Sort); // HOSTS
    act(&mut s, Action::Sort); // HEALTH: down first
    assert_eq!(names(&s)[0], "ledger");
    assert!(screen(&s, 160, 48).contains("HEALTH▲"));
    // The selection follows the shown order: enter opens what is highlighted.
    act(&mut s, Action::Open);
    assert_eq!(s.view, View::App { name: "ledger".into() });
    // The process rows sort too, and keys act on the row shown under the cursor.
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    act(&mut s, Action::Open);
    act(&mut s, Action::Sort);
    act(&mut s, Action::Sort); // HOST
    act(&mut s, Action::SortReverse);
    let first = s.selected_process().unwrap().host.0.clone();
    assert_eq!(first, "lon-2", "hosts descending");
    act(&mut s, Action::Restart);
    let Some(Overlay::Confirm(c)) = &s.overlay else { panic!() };
    assert!(c.lines[0].starts_with("lon-2:"), "{:?}", c.lines);
}

#[test]
fn hosts_sort_naturally() {
    let names = ["lab-10", "lab-2", "lab-1"];
    let fleet = fleet::state::FleetState::new(names.iter().map(|n| common::spec(n)).collect(), vec![]);
    let mut s = State::new(fleet, common::now());
    act(&mut s, Action::NextPanel);
    act(&mut s, Action::Sort);
    let order: Vec<String> = s.host_order().iter().map(|i| s.fleet.hosts[*i].spec.id.0.clone()).collect();
    assert_eq!(order, ["lab-1", "lab-2", "lab-10"]);
}

#[test]
fn tabs_by_number_and_back_with_shift_tab() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    act(&mut s, Action::Open);
    let effects = act(&mut s, Action::TabEnv);
    assert_eq!(s.app_tab, AppTab::Env);
    assert!(matches!(effects[..], [Effect::LoadEnv { .. }]));
    act(&mut s, Action::TabCerts);
    assert_eq!(s.app_tab, AppTab::Certs);
    act(&mut s, Action::PrevPanel);
    assert_eq!(s.app_tab, AppTab::Metrics, "shift-tab goes back");
    act(&mut s, Action::TabProcesses);
    act(&mut s, Action::PrevPanel);
    assert_eq!(s.app_tab, AppTab::Activity, "and wraps around");
    let effects = act(&mut s, Action::TabActivity);
    assert!(effects.is_empty(), "already there: {effects:?}");
    act(&mut s, Action::TabProcesses);
    let effects = act(&mut s, Action::TabActivity);
    assert!(matches!(effects[..], [Effect::LoadActivity { .. }]), "6 reads what happened, every time: {effects:?}");
}

#[test]
fn an_unbound_key_says_so() {
    let mut s = common::fleet_state();
    update(&mut s, Msg::Unbound("z".into()));
    assert_eq!(s.notice.as_deref(), Some("z does nothing here · ? lists this view's keys, : finds any action"));
    assert!(screen(&s, 160, 48).contains("z does nothing here"));
}

#[test]
fn help_starts_with_the_view_you_are_in_and_scrolls_by_pages() {
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    act(&mut s, Action::Open);
    act(&mut s, Action::Help);
    let shown = screen(&s, 160, 48);
    let here = shown.find("in an app's processes").expect("the view's own section");
    let rest = shown.find("everywhere else").expect("then the rest");
    assert!(here < rest);
    let flat: String = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("(processes, env, add-ons,") && flat.contains("metrics, certs, activity)"),
        "tab's line names every tab:\n{shown}"
    );
    // In the log view, space is not "open the selected app".
    let mut s = common::fleet_state();
    act(&mut s, Action::Bottom);
    act(&mut s, Action::Logs);
    act(&mut s, Action::Help);
    let shown = screen(&s, 160, 48);
    assert!(shown.contains("in the log view") && !shown.contains("open the selected app"), "{shown}");
    // At 80×24 it scrolls: pgdn moves a page, G goes to the end, g back; wrapped lines keep
    // their indentation under the description.
    let mut s = common::fleet_state();
    act(&mut s, Action::Help);
    let top = screen(&s, 80, 24);
    act(&mut s, Action::PageDown);
    let paged = screen(&s, 80, 24);
    assert_ne!(top, paged);
    act(&mut s, Action::Bottom);
    let end = screen(&s, 80, 24);
    assert!(end.contains("keymap.toml overrides single keys"), "G reaches the end:\n{end}");
    act(&mut s, Action::Up);
    assert_ne!(screen(&s, 80, 24), end, "k from the end moves up at once");
    act(&mut s, Action::Top);
    assert_eq!(screen(&s, 80, 24), top);
    let col = |line: &str, text: &str| line.find(text).map(|i| line[..i].chars().count());
    let lines: Vec<&str> = top.lines().collect();
    let i = lines.iter().position(|l| l.contains("open the selected row")).expect("enter's line");
    assert_eq!(
        col(lines[i], "open the selected row"),
        col(lines[i + 1], "process, variable"),
        "a wrapped description continues under itself:\n{top}"
    );
}

#[test]
fn enter_opens_the_whole_row() {
    // A process with a long reason.
    let mut s = common::fleet_state();
    act(&mut s, Action::Open); // billing
    act(&mut s, Action::Open);
    let Some(Overlay::Detail(d)) = &s.overlay else { panic!("{:?}", s.overlay) };
    assert!(d.lines.iter().any(|(k, v)| k == "env files" && v.contains("/etc/billing/env")), "{d:?}");
    assert!(screen(&s, 80, 24).contains("billing@web.service"));
    act(&mut s, Action::Back);
    assert!(s.overlay.is_none());
    // A certificate: its names, issuer and serial.
    let mut s = common::fleet_state();
    act(&mut s, Action::Certs);
    let row = fleet::certs::CertRow {
        host: fleet::model::HostId("lon-1".into()),
        what: "shop.example.com".into(),
        source: fleet::certs::CertSource::Served { addr: "127.0.0.1:443".into(), domain: "shop.example.com".into() },
        info: Some(fleet::certs::CertInfo {
            subject: "CN=shop.example.com".into(),
            sans: vec!["shop.example.com".into(), "www.shop.example.com".into()],
            issuer: "C=US, O=Let's Encrypt, CN=R11".into(),
            not_after: common::now() + jiff::SignedDuration::from_hours(24 * 30),
            serial: "04:aa".into(),
            is_ca: false,
        }),
        error: None,
        note: Some("renewed on disk (valid until 2027-02-20) but not served: reload the front door (systemctl reload nginx)".into()),
    };
    update(&mut s, Msg::Backend(BackendEvent::Certs { rows: vec![row], problems: vec![] }));
    act(&mut s, Action::Open);
    let shown = screen(&s, 80, 24);
    assert!(shown.contains("www.shop.example.com") && shown.contains("04:aa"), "{shown}");
    let flat: String = shown.split_whitespace().collect::<Vec<_>>().join(" ").replace("│ │", " ");
    assert!(flat.contains("(systemctl reload nginx)"), "the whole note, wrapped: {shown}");
}
