#![no_main]
//! Whatever bytes a remote log holds, the sanitiser neither panics nor lets a control character
//! (other than tab, or the ESC of a rebuilt SGR when asked to keep colours) through.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for c in fleet::logs::sanitize::sanitize_log(&text, false).chars() {
        assert!(c == '\t' || !c.is_control(), "{c:?} survived");
    }
    let kept = fleet::logs::sanitize::sanitize_log(&text, true);
    let mut chars = kept.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            assert_eq!(chars.next(), Some('['));
            loop {
                match chars.next() {
                    Some('m') => break,
                    Some(d) if d.is_ascii_digit() || d == ';' => {}
                    other => panic!("not an SGR: {other:?}"),
                }
            }
        } else {
            assert!(c == '\t' || !c.is_control(), "{c:?} survived");
        }
    }
});
