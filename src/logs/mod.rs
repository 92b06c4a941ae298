//! Logs from every source as one `LogLine` stream: parsing (journald here; Docker and pods
//! later), filtering, merging across hosts, following with resume, and sanitising for display.

pub mod filter;
pub mod journal;
pub mod merge;
pub mod sanitize;
pub mod source;
pub mod units;
pub mod when;
