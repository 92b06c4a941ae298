//! The environment systemd gives each process: EnvironmentFile= parsed by systemd's rules plus
//! Environment=, in systemd's precedence, and masked for display.

pub mod edit;
pub mod mask;
pub mod parse;
pub mod read;
pub mod table;
pub mod write;
