//! Plain-text tables and JSON for the one-shot commands. Everything remote is sanitised before
//! it is printed; a closed pipe (`| head`) ends quietly.

use std::io::Write;

use crate::text::sanitize;

/// Left-aligned columns sized to their widest cell; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cols = headers.len();
    let clean: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| sanitize(c).into_owned()).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &clean {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for r in &clean {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// Writes to stdout; a closed pipe is not an error.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A per-host problem on stderr: "fleet: lab-down: connection refused (127.0.0.1:2209)".
pub fn host_error(host: &str, message: &str) {
    eprintln!("fleet: {}: {}", sanitize(host), sanitize(message));
}
