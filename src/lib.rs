//! fleet: a terminal dashboard for the hosts and clusters a small team runs its apps on.
//!
//! Layers, each knowing only those above it in this list:
//! `model` (plain types) · `config` · `discovery` (pure parsing) · `backend` (transports) ·
//! `runtime` (tasks, channels) · `state` (update, no I/O) · `ui` (pure drawing) · `tui` (the
//! loop) · `cli` (one-shot commands, which never touch `state` or `ui`).

pub mod actions;
pub mod addons;
pub mod backend;
pub mod certs;
pub mod cli;
pub mod config;
pub mod context;
pub mod discovery;
pub mod env;
pub mod kube;
pub mod logging;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod runtime;
pub mod state;
pub mod text;
pub mod tui;
pub mod ui;
