//! The problems view and the count in the title bar: `check::problems` (the same function
//! `fleet check` prints) over what the TUI already knows — each host's latest report or error
//! and its live metrics — plus what only a slower look finds (certificates, add-ons, env
//! drift), read on opening the view, on ctrl-r there, and every few minutes.

use jiff::{SignedDuration, Timestamp};

use super::{AppTab, Effect, State, View};
use crate::check::{Limits, Observed};
use crate::model::problem::{Area, Problem};
use crate::model::{HostId, HostStatus};

/// How often the slower look runs while the TUI is open.
pub const OBSERVE_EVERY: SignedDuration = SignedDuration::from_mins(5);

#[derive(Debug, Clone, Default)]
pub struct ProblemsState {
    /// Every problem now, the worst first.
    pub list: Vec<Problem>,
    pub limits: Limits,
    /// The last slower look (None: not yet).
    pub observed: Option<Observed>,
    pub observed_at: Option<Timestamp>,
    /// A slower look is on its way.
    pub observing: bool,
}

impl ProblemsState {
    pub fn critical(&self) -> usize {
        self.list.iter().filter(|p| p.severity == crate::model::problem::Severity::Critical).count()
    }
}

/// Recomputes the list from the current reports, metrics and the last slower look.
pub fn recheck(state: &mut State) {
    // Lent, not copied: this runs on every host refresh and metrics sample.
    let hosts: Vec<crate::check::Host> = state
        .fleet
        .hosts
        .iter()
        .filter_map(|h| match &h.status {
            HostStatus::Up { report } => Some((&h.spec.id, Ok(report))),
            HostStatus::Failed { error, .. } => Some((&h.spec.id, Err(error))),
            _ => None,
        })
        .collect();
    let metrics: Vec<(&HostId, &crate::model::HostMetrics)> =
        state.metrics.iter().filter_map(|(h, m)| m.latest.as_ref().map(|l| (h, l))).collect();
    let none = Observed::default();
    let slow = state.problems.observed.as_ref().unwrap_or(&none);
    let list = crate::check::problems_of(&hosts, &metrics, slow, &state.problems.limits, state.now);
    state.problems.list = list;
    if state.view == View::Problems {
        state.detail_cursor.clamp(state.problems.list.len());
    }
}

/// The slower look, when one is due: once every host has answered once, then every few minutes.
pub fn due(state: &mut State) -> Option<Effect> {
    if state.problems.observing || state.fleet.hosts.iter().any(|h| h.last_attempt.is_none()) {
        return None;
    }
    let due = state.problems.observed_at.is_none_or(|at| state.now >= at.checked_add(OBSERVE_EVERY).unwrap_or(at));
    due.then(|| observe(state))
}

pub fn observe(state: &mut State) -> Effect {
    state.problems.observing = true;
    Effect::Observe { reports: state.fleet.hosts.iter().filter_map(|h| h.status.report()).cloned().collect() }
}

pub fn observed(state: &mut State, o: Observed) {
    state.problems.observed = Some(o);
    state.problems.observed_at = Some(state.now);
    state.problems.observing = false;
    recheck(state);
}

/// Opens the problems view, and looks again unless a look is on its way.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.view = View::Problems;
    state.detail_cursor.selected = 0;
    recheck(state);
    if state.problems.observing { Vec::new() } else { vec![observe(state)] }
}

/// Enter on a problem: the app, host or certificates it is about.
pub fn open_selected(state: &mut State) -> Vec<Effect> {
    let Some(p) = state.problems.list.get(state.detail_cursor.selected).cloned() else { return Vec::new() };
    match (p.area, &p.app, &p.host) {
        (Area::Certs, _, _) => super::input::on_action(state, crate::model::Action::Certs),
        (area, Some(app), _) if state.fleet.app(app).is_some() => {
            let tab = match area {
                Area::Env => AppTab::Env,
                Area::Addons => AppTab::Addons,
                _ => AppTab::Processes,
            };
            state.view = View::App { name: app.clone() };
            state.detail_cursor.selected = 0;
            state.app_tab = AppTab::Processes;
            super::input::switch_tab(state, app.clone(), tab)
        }
        (_, _, Some(host)) if state.fleet.hosts.iter().any(|h| h.spec.id == *host) => {
            state.view = View::Host { host: host.clone() };
            state.detail_cursor.selected = 0;
            Vec::new()
        }
        _ => {
            state.notice = Some(format!("{}: nothing to open for it here", p.subject));
            Vec::new()
        }
    }
}
