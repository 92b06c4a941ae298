//! `enter` on a row opens the whole of it: whatever a column had to cut (a long error, a
//! unit's env files, a certificate's names) can be read there. Secrets stay masked unless the
//! Env tab reveals them.

use super::{AppTab, Overlay, State, View};
use crate::model::Process;
use crate::text::age;

/// A popup's title and its lines, label and value each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub title: String,
    pub lines: Vec<(String, String)>,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "—".into())
}

fn process(state: &State, p: &Process) -> Detail {
    let mut lines = vec![
        ("app".into(), p.app.clone()),
        ("process".into(), p.process.clone()),
        ("host".into(), p.host.0.clone()),
        ("platform".into(), p.platform.name().into()),
        ("name there".into(), p.source.clone()),
        ("state".into(), format!("{} · {}", p.state.label(), p.detail)),
    ];
    if let Some(why) = &p.why {
        lines.push(("why".into(), why.clone()));
    }
    lines.extend([
        ("pid".into(), opt(p.pid)),
        ("memory".into(), p.memory_bytes.map(crate::text::bytes).unwrap_or_else(|| "—".into())),
        (
            "since".into(),
            p.since.map(|s| format!("{} ({} ago)", s.strftime("%Y-%m-%d %H:%M:%S UTC"), age(s, state.now))).unwrap_or_else(|| "—".into()),
        ),
        ("restarts".into(), opt(p.restarts)),
        ("user".into(), opt(p.user.as_ref())),
        ("directory".into(), opt(p.working_dir.as_ref())),
    ]);
    if !p.env_files.is_empty() {
        lines.push(("env files".into(), p.env_files.join(" ")));
    }
    if let Some(w) = &p.workload {
        lines.push(("workload".into(), w.clone()));
    }
    Detail { title: format!("{} · {} on {}", p.app, p.process, p.host), lines }
}

fn env_var(state: &State) -> Option<Detail> {
    let env = state.env.as_ref()?;
    let key = env.key_at(env.cursor)?;
    let row = env.rows.iter().find(|r| r.key == key)?;
    let reveal = env.reveal_all || env.revealed.contains(key);
    let mut lines = vec![("secret".into(), if row.secret { "yes (masked unless revealed: v)".into() } else { "no".into() })];
    if row.drift {
        lines.push(("drift".into(), "one process type gets different values on different hosts".into()));
    }
    for (value, source, places) in row.grouped() {
        lines.push(("value".into(), row.shown(value, reveal)));
        lines.push(("  from".into(), source.label()));
        lines.push(("  for".into(), places.join(" ")));
    }
    Some(Detail { title: format!("{} · {key}", env.app), lines })
}

fn addon(state: &State) -> Option<Detail> {
    let v = state.addons.as_ref()?;
    let a = v.list.get(v.cursor)?;
    let mut lines = vec![
        ("kind".into(), a.kind.label().into()),
        ("host".into(), a.host.0.clone()),
        ("name there".into(), a.unit.clone()),
        ("state".into(), format!("{} · {}", a.state.label(), a.detail)),
        ("version".into(), opt(a.version.as_ref())),
        ("listens".into(), if a.listen.is_empty() { "—".into() } else { a.listen.join(" ") }),
        ("memory".into(), a.memory_bytes.map(crate::text::bytes).unwrap_or_else(|| "—".into())),
    ];
    for u in &a.used_by {
        lines.push(("used by".into(), format!("{} ({})", u.app, u.key)));
    }
    for r in &a.routes {
        let tls = if r.tls { " (TLS)" } else { "" };
        lines.push(("routes".into(), format!("{}{tls} → {}", r.domains.join(" "), r.upstream)));
    }
    Some(Detail { title: format!("{} on {}", a.kind.label(), a.host), lines })
}

fn cert(state: &State, r: &crate::certs::CertRow) -> Detail {
    let mut lines = vec![("host".into(), r.host.0.clone()), ("where".into(), r.source.label())];
    if let Some(i) = &r.info {
        let days = r.days_left(state.now).map(|d| if d < 0 { format!("expired {} days ago", -d) } else { format!("{d} days left") });
        lines.extend([
            ("not after".into(), format!("{} ({})", i.not_after.strftime("%Y-%m-%d %H:%M UTC"), days.unwrap_or_default())),
            ("subject".into(), i.subject.clone()),
            ("names".into(), i.sans.join(" ")),
            ("issuer".into(), i.issuer.clone()),
            ("serial".into(), i.serial.clone()),
        ]);
    }
    if let Some(e) = &r.error {
        lines.push(("error".into(), e.clone()));
    }
    if let Some(n) = &r.note {
        lines.push(("note".into(), n.clone()));
    }
    Detail { title: r.what.clone(), lines }
}

/// The detail of the row under the cursor, when the view has rows with more than they show.
pub fn of_selection(state: &State) -> Option<Detail> {
    match &state.view {
        View::App { .. } => match state.app_tab {
            AppTab::Processes => state.selected_process().map(|p| process(state, p)),
            AppTab::Env => env_var(state),
            AppTab::Addons => addon(state),
            AppTab::Certs => {
                let v = state.app_certs.as_ref()?;
                v.rows.as_ref()?.get(v.cursor).map(|r| cert(state, r))
            }
            AppTab::Metrics => None,
            AppTab::Activity => {
                let v = state.app_activity.as_ref()?;
                v.entries.as_ref()?.get(v.cursor).map(|e| Detail {
                    title: format!("{} · {}", e.what, e.host),
                    lines: vec![
                        ("when".into(), e.at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()),
                        ("host".into(), e.host.0.clone()),
                        ("who".into(), e.who.clone()),
                        ("what".into(), e.what.clone()),
                        ("detail".into(), e.detail.clone()),
                    ],
                })
            }
        },
        View::Certs => state.certs.as_ref()?.0.get(state.detail_cursor.selected).map(|r| cert(state, r)),
        _ => None,
    }
}

/// `enter` in a view of rows: the detail popup.
pub fn open(state: &mut State) -> bool {
    match of_selection(state) {
        Some(d) => {
            state.overlay = Some(Overlay::Detail(Box::new(d)));
            true
        }
        None => false,
    }
}
