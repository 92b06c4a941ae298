//! The one-shot commands. They share config, backends, model and discovery with the TUI, and
//! never import its state or views.

pub mod activity;
pub mod addons;
pub mod apps;
pub mod args;
pub mod audit;
pub mod certs;
pub mod check;
pub mod config_set;
pub mod config_vars;
pub mod discover;
pub mod docs;
pub mod forward;
pub mod hosts;
pub mod logs;
pub mod metrics;
pub mod output;
pub mod prompt;
pub mod restart;
pub mod shell;
