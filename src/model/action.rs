//! The one vocabulary of things a user can ask for: keymap files, the help overlay and the
//! status-bar hints all speak it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    NextPanel,
    Filter,
    Help,
    Refresh,
    AcceptHostKey,
    Confirm,
    Cancel,
    Logs,
    SearchNext,
    SearchPrev,
    Include,
    Exclude,
    Toggles,
    Wrap,
    JumpTime,
    Restart,
    Rollout,
    Rollback,
    Shell,
    Forward,
    Forwards,
    Audit,
    Reveal,
    RevealAll,
    Edit,
    EditFile,
    Certs,
    Quit,
}

impl Action {
    pub const ALL: [Action; 36] = [
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::NextPanel,
        Action::Filter,
        Action::Help,
        Action::Refresh,
        Action::AcceptHostKey,
        Action::Confirm,
        Action::Cancel,
        Action::Logs,
        Action::SearchNext,
        Action::SearchPrev,
        Action::Include,
        Action::Exclude,
        Action::Toggles,
        Action::Wrap,
        Action::JumpTime,
        Action::Restart,
        Action::Rollout,
        Action::Rollback,
        Action::Shell,
        Action::Forward,
        Action::Forwards,
        Action::Audit,
        Action::Reveal,
        Action::RevealAll,
        Action::Edit,
        Action::EditFile,
        Action::Certs,
        Action::Quit,
    ];

    /// The names keymap files use ("page_down").
    pub fn names() -> Vec<String> {
        Self::ALL.iter().map(|a| serde_json::to_value(a).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()).collect()
    }

    pub fn description(self) -> &'static str {
        match self {
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::Open => "open the selected app",
            Action::Back => "back / close / clear the filter",
            Action::NextPanel => "switch between apps and hosts; in an app, its processes, env and add-ons",
            Action::Filter => "fuzzy-filter apps; in logs, search",
            Action::Help => "show this help",
            Action::Refresh => "refresh every host now",
            Action::AcceptHostKey => "accept the unknown host key of the selected host",
            Action::Confirm => "confirm (in a prompt)",
            Action::Cancel => "cancel (in a prompt)",
            Action::Logs => "logs of the app or the selected process",
            Action::SearchNext => "next match, towards older lines",
            Action::SearchPrev => "previous match, towards newer lines",
            Action::Include => "show only lines matching a regex (empty clears)",
            Action::Exclude => "hide lines matching a regex (empty clears)",
            Action::Toggles => "show or hide processes and hosts",
            Action::Wrap => "wrap long lines",
            Action::JumpTime => "jump to a time (10:42, 10:42:05, 2026-11-22T10:42)",
            Action::Restart => "restart the app on all hosts, or the selected process",
            Action::Rollout => "rolling restart: one host at a time, each after a health check",
            Action::Rollback => "roll a cluster app's deployments back to their previous revision",
            Action::Shell => "shell on the host, as the app's user, with its env",
            Action::Forward => "forward a local port to the app's port on its host",
            Action::Forwards => "list and stop port-forwards",
            Action::Audit => "show the audit log of actions taken",
            Action::Reveal => "env: show the selected secret unmasked (again: mask it)",
            Action::RevealAll => "env: show every secret unmasked (again: mask them)",
            Action::Edit => "env: edit the selected variable on every host (ctrl-s saves, esc cancels)",
            Action::EditFile => "env: edit the whole env file of the first host",
            Action::Certs => "every certificate (served, on disk, kubeconfig), soonest expiry first",
            Action::Quit => "quit",
        }
    }

    /// Changes something on a host: refused (and hidden) when fleet runs read-only.
    pub fn mutating(self) -> bool {
        matches!(self, Action::Restart | Action::Rollout | Action::Rollback | Action::Shell | Action::Edit | Action::EditFile)
    }

    /// A short word for the status bar.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Open => "open",
            Action::Back => "back",
            Action::NextPanel => "panel",
            Action::Filter => "filter/search",
            Action::Help => "help",
            Action::Refresh => "refresh",
            Action::AcceptHostKey => "accept key",
            Action::Quit => "quit",
            Action::Confirm => "yes",
            Action::Cancel => "no",
            Action::Logs => "logs",
            Action::Bottom => "follow",
            Action::SearchNext => "next",
            Action::Include => "include",
            Action::Exclude => "exclude",
            Action::Toggles => "processes",
            Action::Wrap => "wrap",
            Action::JumpTime => "time",
            Action::Restart => "restart",
            Action::Rollout => "rollout",
            Action::Rollback => "rollback",
            Action::Shell => "shell",
            Action::Forward => "forward",
            Action::Forwards => "forwards",
            Action::Audit => "audit",
            Action::Reveal => "reveal",
            Action::RevealAll => "reveal all",
            Action::Edit => "edit",
            Action::EditFile => "edit file",
            Action::Certs => "certs",
            _ => "",
        }
    }
}
