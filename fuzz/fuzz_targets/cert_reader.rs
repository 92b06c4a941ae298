#![no_main]
//! Any bytes as a certificate file (PEM) and as a DER certificate (what a server presents): the
//! reader returns facts or an error, never panics, and what it returns renders safely.

use fleet::certs::x509::{first_from_pem, from_der};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for parsed in [first_from_pem(data), from_der(data)] {
        if let Ok(info) = parsed {
            // Subjects and SANs come from the certificate: the UI sanitises them.
            let shown = fleet::text::sanitize(&info.subject);
            assert!(!shown.contains('\x1b'));
            for san in &info.sans {
                assert!(!fleet::text::sanitize(san).contains('\x1b'));
            }
        }
    }
});
