//! The interactive loop: draw the first frame at once, then turn input, backend events and the
//! clock into `Msg`s, drain everything queued, update, and redraw only when something changed.

mod terminal;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers, MouseEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::context::Context;
use crate::model::BackendEvent;
use crate::model::HostId;
use crate::model::Operation;
use crate::runtime::{self, HostCommand, executor::Executor, log_sessions};
use crate::state::{Effect, FilterKey, FleetState, Msg, State, update};

pub struct Tui {
    /// When the process started: the time to the first frame is logged (and benchmarked).
    pub started: std::time::Instant,
    /// Draw the first frame and return (the start-up benchmark).
    pub exit_after_first_frame: bool,
    pub ctx: Context,
    pub theme: Theme,
    pub keymap: Keymap,
}

/// Coalesce bursts: at most one draw per this interval.
const FRAME: Duration = Duration::from_millis(16);

pub async fn run(tui: Tui) -> anyhow::Result<()> {
    let Tui { ctx, theme, keymap, exit_after_first_frame, started } = tui;
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let fleet = FleetState::new(ctx.specs.clone(), ctx.config.convention.process_order.clone());
    let mut state = State::new(fleet, Timestamp::now());
    state.size = (size.width, size.height);
    state.demo = ctx.demo;
    state.log_capacity = ctx.config.log_buffer_lines;
    state.notice = ctx.warnings.first().cloned();
    // The first frame, before any backend has been asked anything.
    guard.terminal.draw(|f| crate::ui::render(f, &state, &theme, &keymap))?;
    tracing::info!(micros = started.elapsed().as_micros() as u64, "first frame drawn");
    if exit_after_first_frame {
        return Ok(());
    }
    // Reads /etc/localtime: after the first frame, like everything else that touches the system.
    state.tz = jiff::tz::TimeZone::system();

    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<BackendEvent>();
    let backends = runtime::build_backends(&ctx.specs, &ctx.backend);
    // Log views share the hosts' connections.
    let by_id: HashMap<HostId, std::sync::Arc<dyn crate::platform::Backend>> =
        backends.iter().map(|b| (b.id().clone(), b.clone())).collect();
    let mut log_sessions = log_sessions::Sessions::default();
    let mut actions = Executor::new(backends.clone(), events_tx.clone());
    if ctx.demo {
        actions = actions.without_local_kubeconfig();
    }
    state.readonly = ctx.config.readonly;
    state.forward_bind = ctx.config.forward_bind;
    state.health = ctx.config.apps.keys().map(|a| (a.clone(), ctx.config.health_for(a))).collect();
    runtime::metrics::spawn_host_metrics(&backends, &ctx.specs, &ctx.config, events_tx.clone());
    state.metrics_config = ctx.config.metrics.clone();
    state.certs_config = ctx.config.certs.clone();
    state.problems.limits = crate::check::Limits::of(&ctx.config);
    state.app_settings = ctx.config.apps.clone();
    // Held for its Drop: replacing or clearing it stops the sampling.
    let mut _app_watch: Option<runtime::metrics::AppWatch> = None;
    let hosts: HashMap<HostId, mpsc::UnboundedSender<HostCommand>> =
        runtime::spawn_refreshers(backends, ctx.config.convention.clone(), ctx.config.refresh, events_tx.clone());

    let mut input = EventStream::new();
    let mut last_draw = tokio::time::Instant::now();
    let mut dirty = false;
    loop {
        let tick = if state.animating() { Duration::from_millis(100) } else { Duration::from_secs(1) };
        let deadline = if dirty { FRAME.saturating_sub(last_draw.elapsed()) } else { tick };
        let mut msgs = Vec::new();
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => msgs.extend(input_msg(&state, &keymap, ev)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(ev) = events_rx.recv() => msgs.push(Msg::Backend(ev)),
            _ = tokio::time::sleep(deadline) => {
                msgs.push(Msg::Tick(Timestamp::now()));
                if actions.has_forwards() || !state.forwards.is_empty() {
                    msgs.push(Msg::Backend(BackendEvent::Forwards(actions.forward_rows())));
                }
            }
        }
        // Drain whatever else is already queued, then draw once.
        while let Ok(ev) = events_rx.try_recv() {
            msgs.push(Msg::Backend(ev));
        }
        for msg in msgs {
            let (effects, changed) = update(&mut state, msg);
            dirty |= changed;
            for effect in effects {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::RefreshAll => {
                        for tx in hosts.values() {
                            let _ = tx.send(HostCommand::RefreshNow);
                        }
                    }
                    Effect::AcceptHostKey { host, fingerprint } => {
                        if let Some(tx) = hosts.get(&host) {
                            let _ = tx.send(HostCommand::AcceptHostKey { fingerprint });
                            let _ = tx.send(HostCommand::RefreshNow);
                        }
                    }
                    Effect::StartLogs { session, plan, history } => log_sessions.start(session, plan, history, &by_id, events_tx.clone()),
                    Effect::StopLogs { session } => log_sessions.stop(session),
                    Effect::LoadOlderLogs { session, plan, before, lines } => {
                        log_sessions::load_older(session, plan, before, lines, &by_id, events_tx.clone())
                    }
                    Effect::Run(Operation::Shell { app, target }) => {
                        // The shell needs the terminal: give it up, run, take it back.
                        drop(input);
                        let note = match actions.backend(&target.host) {
                            Some(b) => {
                                terminal::suspend();
                                println!("fleet: shell for {app} on {} — exit the shell to come back\r", target.host);
                                let r = crate::actions::shell::interactive(b.as_ref(), &app, &target).await;
                                terminal::resume(&mut guard)?;
                                match r {
                                    Ok(code) => format!("shell on {} ended (exit {code})", target.host),
                                    Err(e) => format!("shell on {}: {e}", target.host),
                                }
                            }
                            None => format!("{}: not in the inventory", target.host),
                        };
                        input = EventStream::new();
                        state.notice = Some(note);
                        dirty = true;
                    }
                    Effect::Run(op) => actions.run(op),
                    Effect::ResolvePort { app, target } => actions.resolve_port(app, target),
                    Effect::StopForward { id } => actions.stop_forward(id),
                    Effect::LoadAudit => actions.load_audit(),
                    Effect::LoadEnv { app, hosts } => actions.load_env(app, hosts),
                    Effect::LoadAddons { app, reports } => actions.load_addons(app, reports),
                    Effect::LoadCerts { reports } => actions.load_certs(reports),
                    Effect::LoadActivity { app, reports } => actions.load_activity(app, reports),
                    Effect::Observe { reports } => actions.observe(reports, ctx.config.metrics.node_exporter.clone()),
                    Effect::LoadAppCerts { app, reports, domains } => actions.load_app_certs(app, reports, domains),
                    Effect::WatchAppMetrics { app, targets, metrics_url } => {
                        _app_watch = Some(runtime::metrics::watch_app(
                            &by_id,
                            app,
                            targets,
                            metrics_url,
                            ctx.config.metrics.interval,
                            events_tx.clone(),
                        ));
                    }
                    Effect::StopAppMetrics => _app_watch = None,
                    Effect::LoadEnvFile { app, target, path } => actions.load_env_file(app, target, path),
                    Effect::WriteEnv { app, targets, change } => actions.write_env(app, targets, change),
                    Effect::WriteEnvFile { app, target, path, sha, text } => actions.write_env_file(app, target, path, sha, text),
                }
            }
        }
        if dirty && last_draw.elapsed() >= FRAME {
            guard.terminal.draw(|f| crate::ui::render(f, &state, &theme, &keymap))?;
            last_draw = tokio::time::Instant::now();
            dirty = false;
        }
    }
}

/// Terminal input as messages: while the filter prompt is open, keys edit it.
fn input_msg(state: &State, keymap: &Keymap, ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            if state.editor.is_some() {
                let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                return Some(if ctrl_c { Msg::Action(crate::state::Action::Quit) } else { Msg::EditorKey(k) });
            }
            if state.editing_text() {
                let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                return Some(match k.code {
                    _ if ctrl_c => Msg::Action(crate::state::Action::Quit),
                    KeyCode::Esc => Msg::FilterKey(FilterKey::Clear),
                    KeyCode::Enter => Msg::FilterKey(FilterKey::Accept),
                    KeyCode::Backspace => Msg::FilterKey(FilterKey::Backspace),
                    KeyCode::Char(c) => Msg::FilterKey(FilterKey::Char(c)),
                    KeyCode::Up => Msg::FilterKey(FilterKey::Up),
                    KeyCode::Down => Msg::FilterKey(FilterKey::Down),
                    _ => return None,
                });
            }
            match keymap.action(&k, state.key_context()) {
                Some(a) => Some(Msg::Action(a)),
                // A modifier alone, or a key a terminal sends on its own, is not worth a word.
                None if matches!(k.code, KeyCode::Modifier(_) | KeyCode::Null) => None,
                None => Some(Msg::Unbound(crate::config::keymap::Key::from_event(&k).label())),
            }
        }
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) => Some(Msg::Click { column: m.column, row: m.row }),
            MouseEventKind::ScrollDown => Some(Msg::Scroll { down: true, column: m.column, row: m.row }),
            MouseEventKind::ScrollUp => Some(Msg::Scroll { down: false, column: m.column, row: m.row }),
            _ => None,
        },
        _ => None,
    }
}
