//! Remote log text is untrusted. Terminal control sequences (CSI, OSC, DCS and friends, 7- and
//! 8-bit) and every other C0/C1 control character except tab are stripped. With `keep_sgr`, SGR
//! colour sequences (`ESC [ digits;… m`) survive, rebuilt from their parsed parameters so nothing
//! else can ride along. Bidi overrides, which can make text read differently than it is, go too.

use std::borrow::Cow;

const ESC: char = '\u{1b}';

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn needs_work(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && c != '\t') || is_bidi_control(c))
}

pub fn sanitize_log(input: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !needs_work(input) {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push('\t'),
            ESC => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    csi(&mut chars, &mut out, keep_sgr);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // A two-character escape (ESC c, ESC 7, …): drop both.
                Some(n) if !n.is_control() => {
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => csi(&mut chars, &mut out, keep_sgr),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The sanitiser's promise about its output: no control character but tab, and with
/// `keep_sgr` every ESC starts a rebuilt `ESC [ digits;… m`. The fuzz targets and the tests
/// check it.
pub fn is_safe_output(out: &str, keep_sgr: bool) -> bool {
    let mut chars = out.chars();
    while let Some(c) = chars.next() {
        if c == ESC && keep_sgr {
            if chars.next() != Some('[') {
                return false;
            }
            loop {
                match chars.next() {
                    Some('m') => break,
                    Some(d) if d.is_ascii_digit() || d == ';' => {}
                    _ => return false,
                }
            }
        } else if c != '\t' && c.is_control() {
            return false;
        }
    }
    true
}

/// After `ESC [` (or 8-bit CSI): parameters, intermediates, one final byte.
fn csi(chars: &mut std::iter::Peekable<std::str::Chars>, out: &mut String, keep_sgr: bool) {
    let mut params = String::new();
    let mut intermediates = false;
    while let Some(&c) = chars.peek() {
        match c {
            '0'..='?' if !intermediates => params.push(c),
            ' '..='/' => intermediates = true,
            '@'..='~' => {
                chars.next();
                let sgr = c == 'm' && !intermediates && params.chars().all(|p| p.is_ascii_digit() || p == ';');
                if keep_sgr && sgr && params.len() <= 64 {
                    // Rebuilt from digits and semicolons only.
                    out.push(ESC);
                    out.push('[');
                    out.push_str(&params);
                    out.push('m');
                }
                return;
            }
            // Anything else ends a malformed sequence; the character itself is looked at again.
            _ => return,
        }
        chars.next();
    }
}

/// OSC, DCS, SOS, PM, APC: skip to BEL or ST (`ESC \` or 8-bit 0x9c).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            ESC if chars.peek() == Some(&'\\') => {
                chars.next();
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A corpus of hostile sequences and what must come out of each, with colours stripped and kept.
    const CORPUS: &[(&str, &str, &str)] = &[
        ("plain text", "plain text", "plain text"),
        ("tab\tstays", "tab\tstays", "tab\tstays"),
        ("\u{1b}[31mred\u{1b}[0m", "red", "\u{1b}[31mred\u{1b}[0m"),
        ("\u{1b}[1;38;5;196mbold\u{1b}[m", "bold", "\u{1b}[1;38;5;196mbold\u{1b}[m"),
        ("\u{1b}[2Jcleared", "cleared", "cleared"),
        ("\u{1b}[H\u{1b}[2K\u{1b}[1Amoved", "moved", "moved"),
        ("\u{1b}]0;pwned title\u{7}after", "after", "after"),
        ("\u{1b}]8;;http://evil/\u{1b}\\link\u{1b}]8;;\u{1b}\\", "link", "link"),
        ("\u{1b}P+q544e\u{1b}\\dcs", "dcs", "dcs"),
        ("\u{9b}31m8-bit csi", "8-bit csi", "\u{1b}[31m8-bit csi"),
        ("\u{9d}0;title\u{9c}x", "x", "x"),
        ("bell\u{7}back\u{8}space\rcr", "bellbackspacecr", "bellbackspacecr"),
        ("\u{1b}[?1049hsmcup", "smcup", "smcup"),
        ("\u{1b}[6n report", " report", " report"),
        ("\u{1b}[31;\u{1b}]0;x\u{7}m", "m", "m"),
        ("unterminated \u{1b}[31", "unterminated ", "unterminated "),
        ("unterminated osc \u{1b}]0;title", "unterminated osc ", "unterminated osc "),
        ("\u{1b}cRIS", "RIS", "RIS"),
        ("del\u{7f}ete", "delete", "delete"),
        ("bidi \u{202e}txt.exe", "bidi txt.exe", "bidi txt.exe"),
        ("\u{1b}[4:3munderline", "underline", "underline"),
        ("\u{1b}", "", ""),
        ("ünïcödé ✓", "ünïcödé ✓", "ünïcödé ✓"),
    ];

    #[test]
    fn corpus() {
        for (input, stripped, kept) in CORPUS {
            assert_eq!(sanitize_log(input, false), *stripped, "stripping {input:?}");
            assert_eq!(sanitize_log(input, true), *kept, "keeping SGR in {input:?}");
        }
    }

    #[test]
    fn output_never_holds_a_control_but_tab_or_a_rebuilt_sgr() {
        for (input, _, _) in CORPUS {
            for c in sanitize_log(input, false).chars() {
                assert!(c == '\t' || !c.is_control(), "{input:?} left {c:?}");
            }
        }
    }
}

/// The fuzz target's property (fuzz/fuzz_targets/sanitize_log.rs), run here over a seeded
/// stream of random and escape-heavy inputs so the suite checks it on every run.
#[cfg(test)]
mod property {
    use super::{is_safe_output, sanitize_log};

    fn check(text: &str) {
        assert!(is_safe_output(&sanitize_log(text, false), false), "{text:?}");
        assert!(is_safe_output(&sanitize_log(text, true), true), "{text:?}");
    }

    #[test]
    fn random_inputs_never_leak_controls() {
        let mut rng = crate::text::XorShift(0x9e37_79b9_7f4a_7c15);
        let alphabet: Vec<char> = "\u{1b}\u{9b}\u{9d}\u{9c}\u{7}\\[]();:?0123456789mHJKPX^_ \tab\r\n\u{7f}\u{202e}é✓".chars().collect();
        for _ in 0..20_000 {
            check(&rng.string(&alphabet, 24));
            let len = rng.next() % 24;
            let raw: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            check(&String::from_utf8_lossy(&raw));
        }
    }
}
