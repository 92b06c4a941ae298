//! What each view offers: the full list of its keys (the help overlay shows them first) and
//! the few the status bar hints. One place, so the two never disagree.

use super::{Action, AppTab, Focus, State, View};

/// The view's name as the help overlay titles it, and every action that does something here.
pub fn view_actions(state: &State) -> (&'static str, Vec<Action>) {
    let moves = [Action::Up, Action::Down, Action::PageUp, Action::PageDown, Action::Top, Action::Bottom];
    let on_app = [
        Action::Logs,
        Action::Restart,
        Action::Rollout,
        Action::Rollback,
        Action::Rebuild,
        Action::Shell,
        Action::Forward,
        Action::Forwards,
        Action::Audit,
    ];
    let tabs = [
        Action::NextPanel,
        Action::PrevPanel,
        Action::TabProcesses,
        Action::TabEnv,
        Action::TabAddons,
        Action::TabMetrics,
        Action::TabCerts,
        Action::TabActivity,
    ];
    let mut v: Vec<Action> = Vec::new();
    let name = match (&state.view, state.focus) {
        (View::Apps, Focus::Apps) => {
            v.push(Action::Open);
            v.extend(on_app);
            v.extend([
                Action::Filter,
                Action::Sort,
                Action::SortReverse,
                Action::Problems,
                Action::Certs,
                Action::NextPanel,
                Action::Refresh,
            ]);
            v.extend(moves);
            "the apps table"
        }
        (View::Apps, Focus::Hosts) => {
            v.extend([Action::Open, Action::AcceptHostKey, Action::Sort, Action::SortReverse, Action::PrevPanel, Action::Refresh]);
            v.extend(moves);
            "the hosts panel"
        }
        (View::App { .. }, _) => {
            v.push(Action::Back);
            v.extend(tabs);
            match state.app_tab {
                AppTab::Processes => {
                    v.push(Action::Open);
                    v.extend(on_app);
                    v.extend([Action::Sort, Action::SortReverse]);
                }
                AppTab::Env => v.extend([Action::Open, Action::Reveal, Action::RevealAll, Action::Edit, Action::EditFile, Action::Restart]),
                AppTab::Addons => v.extend([Action::Open, Action::Restart, Action::Refresh]),
                AppTab::Metrics => v.push(Action::Refresh),
                AppTab::Certs => v.extend([Action::Open, Action::Refresh]),
                AppTab::Activity => v.extend([Action::Open, Action::Refresh]),
            }
            v.extend(moves);
            match state.app_tab {
                AppTab::Processes => "an app's processes",
                AppTab::Env => "an app's env",
                AppTab::Addons => "an app's add-ons",
                AppTab::Metrics => "an app's metrics",
                AppTab::Certs => "an app's certificates",
                AppTab::Activity => "an app's activity",
            }
        }
        (View::Host { .. }, _) => {
            v.extend([Action::Back, Action::Up, Action::Down]);
            "a host"
        }
        (View::Certs, _) => {
            v.extend([Action::Back, Action::Open, Action::Sort, Action::SortReverse, Action::Refresh]);
            v.extend(moves);
            "the certificates"
        }
        (View::Problems, _) => {
            v.extend([Action::Back, Action::Open, Action::Refresh, Action::Certs]);
            v.extend(moves);
            "the problems"
        }
        (View::Logs { .. }, _) => {
            v.extend([
                Action::Back,
                Action::Bottom,
                Action::Top,
                Action::Filter,
                Action::SearchNext,
                Action::SearchPrev,
                Action::Include,
                Action::Exclude,
                Action::Toggles,
                Action::Wrap,
                Action::JumpTime,
                Action::Up,
                Action::Down,
                Action::PageUp,
                Action::PageDown,
            ]);
            "the log view"
        }
    };
    v.extend([Action::Command, Action::Help, Action::Quit]);
    // A platform that cannot do it, or read-only, takes it off the list.
    v.retain(|a| state.offers(*a) && !(state.readonly && a.mutating()));
    v.dedup();
    (name, v)
}

/// The few keys the status bar hints in this view.
pub fn hints(state: &State) -> Vec<Action> {
    let mut v = match (&state.view, state.focus) {
        (View::Apps, Focus::Apps) => {
            vec![
                Action::Open,
                Action::Logs,
                Action::Restart,
                Action::Rollout,
                Action::Shell,
                Action::Forward,
                Action::Problems,
                Action::Certs,
                Action::NextPanel,
            ]
        }
        (View::Apps, Focus::Hosts) => vec![Action::Open, Action::NextPanel, Action::AcceptHostKey],
        (View::App { .. }, _) if state.app_tab == AppTab::Addons => vec![Action::Back, Action::NextPanel, Action::Logs, Action::Restart],
        (View::App { .. }, _) if state.app_tab == AppTab::Env => {
            vec![Action::Back, Action::NextPanel, Action::Reveal, Action::RevealAll, Action::Logs, Action::Restart]
        }
        (View::App { .. }, _) => vec![Action::Back, Action::NextPanel, Action::Logs, Action::Restart, Action::Shell, Action::Forward],
        (View::Host { .. }, _) => vec![Action::Back],
        (View::Certs, _) => vec![Action::Back, Action::Refresh],
        (View::Problems, _) => vec![Action::Back, Action::Open, Action::Refresh],
        (View::Logs { .. }, _) => {
            vec![
                Action::Back,
                Action::Bottom,
                Action::SearchNext,
                Action::Include,
                Action::Exclude,
                Action::Toggles,
                Action::Wrap,
                Action::JumpTime,
            ]
        }
    };
    for a in [Action::Help, Action::Command, Action::Filter, Action::Refresh, Action::Quit] {
        if !v.contains(&a) {
            v.push(a);
        }
    }
    if matches!(state.view, View::Logs { .. }) {
        v.retain(|a| *a != Action::Refresh);
    }
    // Read-only hides what it would refuse, and so does a platform that cannot do it.
    if state.readonly {
        v.retain(|a| !a.mutating());
    }
    v.retain(|a| state.offers(*a));
    v
}
