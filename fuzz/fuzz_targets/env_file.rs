#![no_main]
//! Any bytes as an env file: the parser never panics, every key it returns is valid, and a value
//! written back by `edit::set` reads back exactly (or `set` refuses).

use fleet::env::{edit, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let f = parse::parse(&text);
    for a in &f.assignments {
        assert!(parse::valid_key(&a.key));
        assert!(a.first_line <= a.last_line);
    }
    if let Some(value) = text.lines().next()
        && !value.contains('\0')
        && !value.contains('\r')
    {
        // set refuses rather than write something that reads back differently.
        if let Ok(out) = edit::set(&text, "FUZZ_KEY", value) {
            let back = parse::parse(&out);
            let got = back.effective().into_iter().find(|a| a.key == "FUZZ_KEY").map(|a| a.value.clone());
            assert_eq!(got.as_deref(), Some(value));
        }
    }
});
