//! fleet: a terminal dashboard for the hosts and clusters a small team runs its apps on.
//!
//! Layers, each using only those before it (tests/architecture.rs checks it):
//! `text`, `model` (plain types and the messages between layers) · `config` · `transport`
//! (ssh, local, demo) · helpers (`discovery`, `env`, `logs`, `metrics`, `certs`, `addons`,
//! `audit`: parsing and algorithms) · `platform` (where apps run: machines and their process
//! managers, clusters) · `actions` · `runtime` (tasks, the effect executor) · `context` ·
//! `state` (update, no I/O) · `ui` (pure drawing) · `tui` (the loop) · `cli` (one-shot commands,
//! which never touch `state` or `ui`).

pub mod actions;
pub mod addons;
pub mod audit;
pub mod certs;
pub mod check;
pub mod cli;
pub mod config;
pub mod context;
pub mod discovery;
pub mod env;
pub mod logging;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod platform;
pub mod runtime;
pub mod state;
pub mod text;
pub mod transport;
pub mod tui;
pub mod ui;
