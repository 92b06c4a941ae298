//! Everything the user configures: fleet.toml, the ssh-config inventory, the keymap and themes.
//! Loading never touches the network.

pub mod check;
pub mod convention;
pub mod duration;
pub mod error;
pub mod fleet;
pub mod inventory;
pub mod keymap;
pub mod kubernetes;
pub mod metrics;
pub mod paths;
pub mod ssh_config;
pub mod theme;

pub use convention::Convention;
pub use error::ConfigError;
pub use fleet::{FleetConfig, HostEntry, Inventory};
