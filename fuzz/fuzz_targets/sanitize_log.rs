#![no_main]
//! Whatever bytes a remote log holds, the sanitiser neither panics nor lets a control character
//! (other than tab, or the ESC of a rebuilt SGR when asked to keep colours) through.

use fleet::logs::sanitize::{is_safe_output, sanitize_log};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(is_safe_output(&sanitize_log(&text, false), false));
    assert!(is_safe_output(&sanitize_log(&text, true), true));
});
