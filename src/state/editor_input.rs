//! Keys of the env editor, opening it from the Env tab, and what happens after a write.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::actions_view::{Activity, StepKind};
use super::editor::Editor;
use super::{Action, AppTab, Confirm, Effect, Overlay, State, View};
use crate::env::write::file_for;
use crate::model::{Can, HostTarget, Operation};

pub fn on_key(state: &mut State, k: KeyEvent) -> Vec<Effect> {
    let Some(ed) = state.editor.as_mut() else { return Vec::new() };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            state.editor = None;
            state.notice = Some("edit cancelled: nothing written".into());
        }
        KeyCode::Char('s') if ctrl => match ed.plan() {
            Ok((title, lines, effect)) => {
                state.editor = None;
                state.overlay = Some(Overlay::Confirm(Box::new(Confirm { title, lines, effect })));
            }
            Err(e) => state.notice = Some(e),
        },
        _ => {
            ed.area.input(k);
        }
    }
    Vec::new()
}

fn targets_with_files(state: &State, app: &str) -> Vec<(HostTarget, String)> {
    let reports = state.fleet.hosts.iter().filter_map(|h| h.status.report());
    let template = state.env_file_template.replace("{app}", app);
    crate::model::targets(reports, app, &[], &[])
        .into_iter()
        .filter(|t| t.platform.caps.env_write.yes())
        .filter_map(|t| file_for(&t, &template).map(|f| (t, f)))
        .collect()
}

/// `e` and `E` in the Env tab.
pub fn open(state: &mut State, action: Action) -> Vec<Effect> {
    let View::App { name } = &state.view else { return Vec::new() };
    if state.app_tab != AppTab::Env {
        return Vec::new();
    }
    let app = name.clone();
    let targets = targets_with_files(state, &app);
    if targets.is_empty() {
        let all = crate::model::targets(state.fleet.hosts.iter().filter_map(|h| h.status.report()), &app, &[], &[]);
        let refused = all.iter().find_map(|t| match t.platform.caps.env_write {
            Can::No(why) => Some(format!("{app} on {}: {why}", t.host)),
            Can::Yes => None,
        });
        state.notice = Some(refused.unwrap_or_else(|| {
            format!("{app}'s processes use no env file fleet can edit (systemd: EnvironmentFile=; compose: env_file:)")
        }));
        return Vec::new();
    }
    match action {
        Action::Edit => {
            let Some(env) = state.env.as_ref() else { return Vec::new() };
            let Some(key) = env.key_at(env.cursor).map(str::to_string) else { return Vec::new() };
            let value = env.rows.iter().find(|r| r.key == key).and_then(|r| r.values.first()).map(|v| v.value.clone()).unwrap_or_default();
            state.editor = Some(Editor::key(app, key, &value, targets));
            Vec::new()
        }
        Action::EditFile => {
            let (target, path) = targets.into_iter().next().expect("not empty");
            vec![Effect::LoadEnvFile { app, target, path }]
        }
        _ => Vec::new(),
    }
}

/// A write finished: show each host's result, reload the tab, and offer the restart.
pub fn written(state: &mut State, app: String, changed: Vec<HostTarget>, report: Vec<String>) -> Vec<Effect> {
    let steps = report
        .into_iter()
        .map(|line| {
            let failed =
                line.contains("refused") || line.contains("fail") || line.contains("cannot") || line.contains("changed on the host");
            (crate::model::HostId(String::new()), line, if failed { StepKind::Failed } else { StepKind::Done })
        })
        .collect();
    let ok = !changed.is_empty();
    state.activity = Some(Activity {
        title: format!("{app}: env change"),
        steps,
        finished: Some((ok, if ok { format!("written on {} host(s)", changed.len()) } else { "nothing written".into() })),
    });
    let mut effects = Vec::new();
    if matches!(&state.view, View::App { name } if *name == app) {
        effects.extend(super::input::load_env(state, app.clone()));
    }
    if ok {
        let op = Operation::Restart { app: app.clone(), targets: changed };
        let mut lines = op.lines();
        lines.insert(0, "The app runs with the old values until it restarts.".into());
        state.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            title: format!("Restart {app} to load the new env?"),
            lines,
            effect: Effect::Run(op),
        })));
    } else {
        state.overlay = Some(Overlay::Activity);
    }
    effects
}
