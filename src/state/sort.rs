//! Sorting the tables: `o` sorts the table in view by its next column, `O` reverses it; the
//! header marks the column. Rows keep their data's order until asked; names sort naturally
//! (lab-2 before lab-10). Selections follow the sorted order, so what is highlighted is what
//! a key acts on.

use std::cmp::Ordering;

use super::{AppTab, Focus, HostRow, State, View};
use crate::model::{App, HostStatus, Process};
use crate::text::natural_cmp;

/// The tables that sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    Apps,
    Hosts,
    Processes,
    Certs,
}

impl TableId {
    /// How many columns it has (the headers the views draw).
    pub fn columns(self) -> usize {
        match self {
            TableId::Apps => 5,
            TableId::Hosts => 7,
            TableId::Processes => 8,
            TableId::Certs => 7,
        }
    }
}

/// A table's order: by which column, and whether descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub desc: bool,
}

impl State {
    /// The table the keys act on now, if it sorts.
    pub fn table_in_view(&self) -> Option<TableId> {
        match (&self.view, self.focus) {
            (View::Apps, Focus::Apps) => Some(TableId::Apps),
            (View::Apps, Focus::Hosts) => Some(TableId::Hosts),
            (View::App { .. }, _) if self.app_tab == AppTab::Processes => Some(TableId::Processes),
            (View::Certs, _) => Some(TableId::Certs),
            _ => None,
        }
    }

    pub fn sort_of(&self, t: TableId) -> Option<Sort> {
        self.sorts.get(&t).copied()
    }

    /// The hosts panel's rows in their shown order (indices into `fleet.hosts`).
    pub fn host_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.fleet.hosts.len()).collect();
        if let Some(s) = self.sort_of(TableId::Hosts) {
            let hosts = &self.fleet.hosts;
            order.sort_by(|a, b| directed(s, host_cmp(self, s.column, &hosts[*a], &hosts[*b])));
        }
        order
    }

    /// The host row under the hosts panel's cursor.
    pub fn selected_host(&self) -> Option<&HostRow> {
        self.host_order().get(self.hosts_cursor.selected).map(|i| &self.fleet.hosts[*i])
    }

    /// An app's processes in the app view's shown order.
    pub fn app_processes(&self, name: &str) -> Vec<&Process> {
        let Some(app) = self.fleet.app(name) else { return Vec::new() };
        let mut procs: Vec<&Process> = app.processes.iter().collect();
        if let Some(s) = self.sort_of(TableId::Processes) {
            procs.sort_by(|a, b| directed(s, process_cmp(s.column, a, b)));
        }
        procs
    }

    /// The process row under the app view's cursor.
    pub fn selected_process(&self) -> Option<&Process> {
        let View::App { name } = &self.view else { return None };
        self.app_processes(name).get(self.detail_cursor.selected).copied()
    }
}

fn directed(s: Sort, o: Ordering) -> Ordering {
    if s.desc { o.reverse() } else { o }
}

/// Orders app indices by the apps table's sort (the filter's ranking wins while filtering).
pub fn sort_apps(state: &State, order: &mut [usize]) {
    let Some(s) = state.sort_of(TableId::Apps) else { return };
    let apps = &state.fleet.apps;
    order.sort_by(|a, b| directed(s, app_cmp(s.column, &apps[*a], &apps[*b])));
}

fn app_cmp(column: usize, a: &App, b: &App) -> Ordering {
    let count = |x: &App| x.formation.iter().map(|(_, n)| n).sum::<usize>();
    match column {
        1 => count(a).cmp(&count(b)),
        2 => a.hosts.len().cmp(&b.hosts.len()),
        // Worst first reads better ascending: down, degraded, unknown, up.
        3 => health_rank(a.health).cmp(&health_rank(b.health)),
        4 => a.since.cmp(&b.since),
        _ => Ordering::Equal,
    }
    .then_with(|| natural_cmp(&a.name, &b.name))
}

fn health_rank(h: crate::model::Health) -> u8 {
    match h {
        crate::model::Health::Down => 0,
        crate::model::Health::Degraded => 1,
        crate::model::Health::Unknown => 2,
        crate::model::Health::Up => 3,
    }
}

fn host_cmp(state: &State, column: usize, a: &HostRow, b: &HostRow) -> Ordering {
    let status_rank = |h: &HostRow| match &h.status {
        HostStatus::Failed { .. } => 0,
        HostStatus::Connecting => 1,
        HostStatus::Up { .. } => 2,
    };
    let metric = |h: &HostRow, cpu: bool| {
        let m = state.metrics.get(&h.spec.id)?;
        if cpu { m.latest.as_ref()?.cpu_percent.map(|c| c as u64) } else { m.mem_percent() }
    };
    let uptime = |h: &HostRow| h.status.report().and_then(|r| r.facts.uptime_secs);
    let detail = |h: &HostRow| match &h.status {
        HostStatus::Failed { error, .. } => error.message.clone(),
        _ => h.status.report().and_then(|r| r.facts.os.clone()).unwrap_or_default(),
    };
    match column {
        1 => status_rank(a).cmp(&status_rank(b)),
        2 => metric(a, true).cmp(&metric(b, true)),
        3 => metric(a, false).cmp(&metric(b, false)),
        4 => uptime(a).cmp(&uptime(b)),
        5 => a.last_attempt.cmp(&b.last_attempt),
        6 => detail(a).cmp(&detail(b)),
        _ => Ordering::Equal,
    }
    .then_with(|| natural_cmp(&a.spec.id.0, &b.spec.id.0))
}

fn process_cmp(column: usize, a: &Process, b: &Process) -> Ordering {
    match column {
        0 => a.process.cmp(&b.process),
        1 => natural_cmp(&a.host.0, &b.host.0),
        2 => a.state.cmp(&b.state),
        3 => a.pid.cmp(&b.pid),
        4 => a.memory_bytes.cmp(&b.memory_bytes),
        5 => a.since.cmp(&b.since),
        6 => a.restarts.cmp(&b.restarts),
        7 => natural_cmp(&a.source, &b.source),
        _ => Ordering::Equal,
    }
    .then_with(|| natural_cmp(&a.host.0, &b.host.0))
    .then_with(|| natural_cmp(&a.source, &b.source))
}

/// The certs view's rows in place (they are a snapshot, not regrouped each refresh).
pub fn sort_certs(state: &mut State) {
    let (Some(s), now) = (state.sort_of(TableId::Certs), state.now) else { return };
    let Some((rows, _)) = state.certs.as_mut() else { return };
    rows.sort_by(|a, b| {
        let o = match s.column {
            0 => a.days_left(now).cmp(&b.days_left(now)),
            1 => natural_cmp(&a.host.0, &b.host.0),
            2 => natural_cmp(&a.what, &b.what),
            3 => a.info.as_ref().map(|i| i.not_after).cmp(&b.info.as_ref().map(|i| i.not_after)),
            4 => a.info.as_ref().map(|i| &i.issuer).cmp(&b.info.as_ref().map(|i| &i.issuer)),
            5 => a.source.label().cmp(&b.source.label()),
            _ => a.note.cmp(&b.note),
        };
        directed(s, o)
    });
}

/// `o`: the next column; `O`: the other direction. Says what it did.
pub fn on_sort(state: &mut State, reverse: bool) {
    let Some(t) = state.table_in_view() else {
        state.notice = Some("nothing to sort here".into());
        return;
    };
    let next = match (state.sort_of(t), reverse) {
        (None, false) => Sort { column: 0, desc: false },
        (None, true) => Sort { column: 0, desc: true },
        (Some(s), false) => Sort { column: (s.column + 1) % t.columns(), desc: false },
        (Some(s), true) => Sort { desc: !s.desc, ..s },
    };
    state.sorts.insert(t, next);
    if t == TableId::Certs {
        sort_certs(state);
    }
    let cursor = match t {
        TableId::Apps => &mut state.apps_cursor,
        TableId::Hosts => &mut state.hosts_cursor,
        TableId::Processes | TableId::Certs => &mut state.detail_cursor,
    };
    cursor.selected = 0;
}
