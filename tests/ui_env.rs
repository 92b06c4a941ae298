//! The Env tab from fixtures: masked by default (no secret anywhere on screen), revealed on
//! request, drift and problems shown; and the effect that loads it.

mod common;

use fleet::env::table::{FileRead, FileState, process_env};
use fleet::model::BackendEvent;
use fleet::state::{Action, Effect, Msg, State, update};

const ENV_LON_1: &str = "# shop environment\nPORT=8080\nDATABASE_URL=postgres://shop:s3cret@localhost:5432/shop\nREDIS_URL=redis://localhost:6379/0\nSECRET_KEY_BASE=lab-not-a-secret\nexport BROKEN=1\n";
const ENV_LON_2: &str = "PORT=8080\nDATABASE_URL=postgres://shop:s3cret@db.internal:5432/shop\nREDIS_URL=redis://localhost:6379/0\nSECRET_KEY_BASE=lab-not-a-secret\n";

fn env_tab() -> State {
    let mut s = common::fleet_state();
    update(&mut s, Msg::Action(Action::Bottom));
    update(&mut s, Msg::Action(Action::Open));
    let (effects, _) = update(&mut s, Msg::Action(Action::NextPanel));
    let [Effect::LoadEnv { app, hosts }] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(app, "shop");
    assert_eq!(hosts.iter().map(|(t, _)| t.host.0.as_str()).collect::<Vec<_>>(), ["lon-1", "lon-2", "ams-1"]);
    let mut envs = Vec::new();
    for (t, procs) in hosts.iter().take(2) {
        let text = if t.host.0 == "lon-1" { ENV_LON_1 } else { ENV_LON_2 };
        let files = [FileRead { path: "/etc/shop/env".into(), state: FileState::Read { sha256: "x".into(), text: text.into() } }];
        for p in procs {
            envs.push(process_env(&t.host, &p.process, &p.source, &[("PROCESS".into(), p.process.clone())], &p.env_files, &files));
        }
    }
    let problems = vec!["ams-1: connection refused (10.0.0.9:22)".to_string()];
    update(&mut s, Msg::Backend(BackendEvent::Env { app: app.clone(), envs, problems }));
    s
}

#[test]
fn masked_by_default_with_no_secret_on_screen() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut s = env_tab();
        let t = common::draw(&mut s, w, h);
        let text = common::screen(&t);
        assert!(!text.contains("s3cret") && !text.contains("lab-not-a-secret"), "a secret on screen:\n{text}");
        insta::assert_snapshot!(format!("env_masked_{w}x{h}"), t.backend());
    }
    let mut s = env_tab();
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("postgres://shop:••••@localhost:5432/shop"), "{text}");
    assert!(text.contains("DATABASE_URL ≠"), "drift between lon-1 and lon-2 is marked:\n{text}");
    assert!(text.contains("/etc/shop/env:6: invalid variable name"), "invalid lines are shown:\n{text}");
    assert!(text.contains("ams-1: connection refused"), "{text}");
}

#[test]
fn v_reveals_one_key_and_shift_v_all() {
    let mut s = env_tab();
    // Rows: DATABASE_URL (two values), PORT, PROCESS (three), REDIS_URL, SECRET_KEY_BASE.
    update(&mut s, Msg::Action(Action::Bottom));
    update(&mut s, Msg::Action(Action::Reveal));
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("lab-not-a-secret") && !text.contains("s3cret"), "only the selected key:\n{text}");
    // The title no longer says every secret is masked.
    assert!(text.contains("1 secret(s) shown, the rest masked") && !text.contains("secrets masked (v/V"), "{text}");
    update(&mut s, Msg::Action(Action::RevealAll));
    let t = common::draw(&mut s, 160, 48);
    assert!(common::screen(&t).contains("postgres://shop:s3cret@localhost:5432/shop"));
    insta::assert_snapshot!("env_revealed_160x48", t.backend());
    update(&mut s, Msg::Action(Action::RevealAll));
    assert!(!common::screen(&common::draw(&mut s, 160, 48)).contains("s3cret"), "V again masks");
}

#[test]
fn addons_tab() {
    let make = || {
        let mut s = common::fleet_state();
        update(&mut s, Msg::Action(Action::Bottom));
        update(&mut s, Msg::Action(Action::Open));
        update(&mut s, Msg::Action(Action::NextPanel));
        let (effects, _) = update(&mut s, Msg::Action(Action::NextPanel));
        let [Effect::LoadAddons { app, reports }] = &effects[..] else { panic!("{effects:?}") };
        assert_eq!(reports.len(), 3);
        let host = reports[0].host.clone();
        let mut addons = fleet::addons::parse::parse(include_str!("../fixtures/addons/lab-1.txt"), &host).unwrap();
        let apps = vec![(
            "shop".to_string(),
            vec![
                ("PORT".to_string(), "8080".to_string()),
                ("DATABASE_URL".to_string(), "postgres://shop:s3cret@localhost:5432/shop".to_string()),
                ("REDIS_URL".to_string(), "redis://localhost:6380/0".to_string()),
            ],
        )];
        let problems = fleet::addons::link::link(&host, &mut addons, &apps, &[]);
        let problems: Vec<String> = problems.into_iter().map(|p| p.message).collect();
        addons.retain(|a| a.used_by.iter().any(|u| u.app == "shop") || a.routes.iter().any(|r| r.app.as_deref() == Some("shop")));
        update(&mut s, Msg::Backend(BackendEvent::Addons { app: app.clone(), addons, problems }));
        s
    };
    for (w, h) in [(80, 24), (160, 48)] {
        let mut s = make();
        let t = common::draw(&mut s, w, h);
        let text = common::screen(&t);
        assert!(!text.contains("s3cret"));
        insta::assert_snapshot!(format!("addons_{w}x{h}"), t.backend());
    }
    let mut s = make();
    let text = common::screen(&common::draw(&mut s, 160, 48));
    assert!(text.contains("DATABASE_URL") && text.contains("shop.lab.test"), "{text}");
    assert!(text.contains("shop's REDIS_URL points at localhost:6380"), "a dangling pointer is shown:\n{text}");
}

#[test]
fn e_edits_a_key_everywhere_behind_a_confirmation_that_masks_it() {
    let mut s = env_tab();
    update(&mut s, Msg::Action(Action::Bottom)); // SECRET_KEY_BASE
    update(&mut s, Msg::Action(Action::Edit));
    assert!(s.editor.is_some());
    let key = |c| Msg::EditorKey(crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE));
    update(&mut s, key(crossterm::event::KeyCode::End));
    for c in "-rotated".chars() {
        update(&mut s, key(crossterm::event::KeyCode::Char(c)));
    }
    let t = common::draw(&mut s, 80, 24);
    insta::assert_snapshot!("env_editor_80x24", t.backend());
    let save =
        Msg::EditorKey(crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char('s'), crossterm::event::KeyModifiers::CONTROL));
    update(&mut s, save);
    let Some(fleet::state::Overlay::Confirm(c)) = &s.overlay else { panic!("no confirmation") };
    assert!(c.lines.iter().any(|l| l == "+ SECRET_KEY_BASE=••••••••"), "{:?}", c.lines);
    assert!(!c.lines.iter().any(|l| l.contains("lab-not-a-secret")), "the confirmation shows no secret");
    let Effect::WriteEnv { targets, change, .. } = c.effect.clone() else { panic!() };
    assert_eq!(
        targets.iter().map(|(t, p)| format!("{}:{p}", t.host)).collect::<Vec<_>>(),
        ["lon-1:/etc/shop/env", "lon-2:/etc/shop/env", "ams-1:/etc/shop/env"]
    );
    assert_eq!(change, fleet::env::write::Change::Set(vec![("SECRET_KEY_BASE".into(), "lab-not-a-secret-rotated".into())]));
    // After the write, fleet offers the restart of exactly the hosts that changed.
    let (effects, _) = update(
        &mut s,
        Msg::Backend(BackendEvent::EnvWritten {
            app: "shop".into(),
            changed: vec![targets[0].0.clone()],
            report: vec!["lon-1: /etc/shop/env written (backup kept)".into()],
        }),
    );
    assert!(matches!(effects[..], [Effect::LoadEnv { .. }]), "the tab reloads");
    let Some(fleet::state::Overlay::Confirm(c)) = &s.overlay else { panic!("no restart offer") };
    assert!(matches!(&c.effect, Effect::Run(fleet::model::Operation::Restart { targets, .. }) if targets.len() == 1));
}

#[test]
fn editing_is_refused_read_only() {
    let mut s = env_tab();
    s.readonly = true;
    let (effects, _) = update(&mut s, Msg::Action(Action::Edit));
    assert!(effects.is_empty() && s.editor.is_none());
    update(&mut s, Msg::Action(Action::EditFile));
    assert!(s.editor.is_none());
    assert!(s.notice.as_deref().unwrap().contains("read-only"));
}
