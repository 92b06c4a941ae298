#![no_main]
//! journalctl JSON from a hostile host never panics the parser.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let units = [("a-web.service".to_string(), "a".to_string(), "web".to_string())];
    let _ = fleet::logs::journal::parse_line(data, &fleet::model::HostId("h".into()), &units);
});
