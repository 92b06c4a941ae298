//! Keys that act on hosts: restart, rollout, shell (behind a confirmation showing the exact
//! commands), forward (a ports prompt), and the forwards and audit overlays.

use super::actions_view::{Activity, StepKind};
use super::{Action, Confirm, Effect, FilterKey, Focus, Overlay, State, View};
use crate::model::{ActionEvent, Can, HostTarget, Operation, action_targets};

/// The app and, from a process row, the process and host the action is about.
fn selection(state: &State) -> Option<(String, Vec<String>, Vec<String>)> {
    match (&state.view, state.focus) {
        (View::Apps, Focus::Apps) => state.selected_app_name().map(|a| (a, vec![], vec![])),
        (View::App { name }, _) if state.app_tab != super::AppTab::Processes => Some((name.clone(), vec![], vec![])),
        (View::App { name }, _) => {
            let p = state.selected_process()?;
            Some((name.clone(), vec![p.process.clone()], vec![p.host.0.clone()]))
        }
        _ => None,
    }
}

fn app_targets(state: &State, app: &str, processes: &[String], hosts: &[String]) -> Vec<HostTarget> {
    action_targets(state.fleet.hosts.iter().filter_map(|h| h.status.report()), app, processes, hosts)
}

fn confirm(state: &mut State, op: Operation) {
    state.overlay = Some(Overlay::Confirm(Box::new(Confirm { title: op.title(), lines: op.lines(), effect: Effect::Run(op) })));
}

/// The targets whose platform can do it; when none can, the notice says why (the first
/// platform's reason) and there is nothing to confirm.
fn capable(state: &mut State, app: &str, ts: Vec<HostTarget>, can: impl Fn(&HostTarget) -> Can) -> Option<Vec<HostTarget>> {
    let why = ts.iter().find_map(|t| match can(t) {
        Can::No(why) => Some(format!("{app} on {}: {why}", t.host)),
        Can::Yes => None,
    });
    let able: Vec<HostTarget> = ts.into_iter().filter(|t| can(t).yes()).collect();
    if able.is_empty() {
        state.notice = why;
        return None;
    }
    Some(able)
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if action.mutating() && state.readonly {
        state.notice = Some(format!("read-only: {} is refused (--readonly / readonly = true)", action.hint()));
        return Vec::new();
    }
    match action {
        Action::Forwards => {
            state.overlay = Some(Overlay::Forwards);
            return Vec::new();
        }
        Action::Audit => {
            state.overlay = Some(Overlay::Audit);
            return vec![Effect::LoadAudit];
        }
        _ => {}
    }
    let Some((app, processes, hosts)) = selection(state) else {
        state.notice = Some("select an app (or a process row) first".into());
        return Vec::new();
    };
    // A rollout is of the whole app on every host, whatever row is selected.
    let (processes, hosts) =
        if matches!(action, Action::Rollout | Action::Rollback | Action::Rebuild) { (vec![], vec![]) } else { (processes, hosts) };
    let ts = app_targets(state, &app, &processes, &hosts);
    if ts.is_empty() {
        state.notice = Some(format!("{app}: no host has answered with its units"));
        return Vec::new();
    }
    match action {
        Action::Restart => confirm(state, Operation::Restart { app, targets: ts }),
        Action::Rollout => {
            let health = state.health.get(&app).cloned().unwrap_or_default();
            confirm(state, Operation::Rollout { app, targets: crate::model::rollout_steps(ts), health });
        }
        Action::Rollback => {
            let health = state.health.get(&app).cloned().unwrap_or_default();
            let Some(ts) = capable(state, &app, ts, |t| t.platform.caps.rollback) else { return Vec::new() };
            confirm(state, Operation::Rollback { app, targets: ts, health });
        }
        Action::Rebuild => {
            let Some(ts) = capable(state, &app, ts, |t| t.platform.caps.rebuild) else { return Vec::new() };
            confirm(state, Operation::Rebuild { app, targets: ts });
        }
        Action::Shell => {
            let Some(mut ts) = capable(state, &app, ts, |t| t.platform.caps.exec) else { return Vec::new() };
            let mut t = ts.remove(0);
            // A selected process row is the instance to go into, where its platform has a
            // choice (a pod of the workload).
            if let View::App { .. } = &state.view
                && state.app_tab == super::AppTab::Processes
                && let Some(p) = state.selected_process()
            {
                t.exec.instance = Some(p.source.clone());
            }
            confirm(state, Operation::Shell { app, target: t });
        }
        Action::Forward => {
            let Some(mut ts) = capable(state, &app, ts, |t| t.platform.caps.forward) else { return Vec::new() };
            let t = ts.remove(0);
            return vec![Effect::ResolvePort { app, target: t }];
        }
        _ => {}
    }
    Vec::new()
}

/// The app's PORT arrived: open the prompt with it (editable).
pub fn port_resolved(state: &mut State, app: String, target: HostTarget, port: Option<u16>) {
    let text = port.map(|p| format!("{p}:{p}")).unwrap_or_default();
    if port.is_none() {
        state.notice = Some(format!("{app} has no PORT in its env: type the remote port"));
    }
    state.forward_prompt = Some((app, target, text));
}

pub fn on_prompt_key(state: &mut State, key: FilterKey) -> Vec<Effect> {
    let Some((_, _, text)) = state.forward_prompt.as_mut() else { return Vec::new() };
    match key {
        FilterKey::Char(c) if c.is_ascii_digit() || c == ':' => text.push(c),
        FilterKey::Char(_) | FilterKey::Up | FilterKey::Down => {}
        FilterKey::Backspace => {
            text.pop();
        }
        FilterKey::Clear => state.forward_prompt = None,
        FilterKey::Accept => {
            let Some((app, target, text)) = state.forward_prompt.take() else { return Vec::new() };
            let parsed = match text.split_once(':') {
                Some((l, r)) => l.parse::<u16>().ok().zip(r.parse::<u16>().ok()),
                None => text.parse::<u16>().ok().map(|r| (r, r)),
            };
            let Some((local_port, remote_port)) = parsed.filter(|(_, r)| *r > 0) else {
                state.notice = Some(format!("{text:?}: type REMOTE or LOCAL:REMOTE, e.g. 8080 or 18080:8080"));
                return Vec::new();
            };
            return vec![Effect::Run(Operation::Forward {
                label: app,
                host: target.host,
                platform: Some(target.platform),
                remote_port,
                local_port,
                bind: state.forward_bind,
            })];
        }
    }
    Vec::new()
}

/// The confirmed action starts: restart and rollout show their steps in the activity overlay.
pub fn started(state: &mut State, op: &Operation) {
    if matches!(op, Operation::Restart { .. } | Operation::Rollout { .. } | Operation::Rollback { .. } | Operation::Rebuild { .. }) {
        state.activity = Some(Activity { title: op.title().trim_end_matches('?').to_string(), steps: Vec::new(), finished: None });
        state.overlay = Some(Overlay::Activity);
    }
}

pub fn on_event(state: &mut State, ev: ActionEvent) -> Vec<Effect> {
    let Some(a) = state.activity.as_mut() else { return Vec::new() };
    match ev {
        ActionEvent::Step { host, text } => a.steps.push((host, text, StepKind::Working)),
        ActionEvent::HostDone { host, units } => {
            settle(&mut a.steps, &host, StepKind::Done);
            for u in units {
                a.steps.push((host.clone(), u.label(), StepKind::Done));
            }
        }
        ActionEvent::HostFailed { host, error } => {
            settle(&mut a.steps, &host, StepKind::Failed);
            a.steps.push((host, error, StepKind::Failed));
        }
        ActionEvent::Finished { ok, summary } => {
            a.finished = Some((ok, summary));
            // Show the new state and PIDs everywhere.
            return vec![Effect::RefreshAll];
        }
    }
    Vec::new()
}

/// A host's steps still marked as working take its outcome.
fn settle(steps: &mut [(crate::model::HostId, String, StepKind)], host: &crate::model::HostId, to: StepKind) {
    for (h, _, k) in steps.iter_mut() {
        if h == host && *k == StepKind::Working {
            *k = to.clone();
        }
    }
}

/// Keys inside the activity, forwards and audit overlays.
pub fn on_overlay_action(state: &mut State, overlay: &Overlay, action: Action) -> Vec<Effect> {
    match (overlay, action) {
        (_, Action::Back | Action::Quit) => state.overlay = None,
        (Overlay::Forwards, Action::Up) => state.forwards_cursor.up(1),
        (Overlay::Forwards, Action::Down) => state.forwards_cursor.down(1, state.forwards.len()),
        (Overlay::Forwards, Action::Open) => {
            if let Some(f) = state.forwards.get(state.forwards_cursor.selected) {
                return vec![Effect::StopForward { id: f.id }];
            }
        }
        (Overlay::Activity, Action::Open) => state.overlay = None,
        (Overlay::Forwards, Action::Forwards) | (Overlay::Audit, Action::Audit) => state.overlay = None,
        _ => {}
    }
    Vec::new()
}
