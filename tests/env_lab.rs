//! fleet's EnvironmentFile parser against systemd's own, on a lab droplet: every key of a corpus
//! of tricky files must come out exactly as systemd hands it to a process.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

const CORPUS: &str = r#"# a comment
; another comment
PLAIN=plain
TRAILING=trailing blanks   
   SPACED  =   spaced out  
EMPTY=
HASH=has # not a comment
SINGLE='single $HOME \n literal'
DOUBLE="double \"quoted\" \\ \$ \` \n kept"
MULTI_D="multi
line"
MULTI_S='multi
line'
CONT=con\
tinued
CONT_D="con\
tinued"
MIXED=a"b c"d
QUOTE_THEN=" b c"d
TWO='x' 'y'
LEAD=\ lead
TAB=tab\	here
URL=postgres://shop:s3cret@localhost:5432/shop?sslmode=disable&x=1
UNICODE=ünïcödé ✓
export BAD=not for systemd
REPEATED=first
REPEATED=second
LAST="unterminated
"#;

#[test]
fn the_parser_agrees_with_systemd() {
    let _lab = common::lab::Lab::get();
    let mut put = Command::new("docker")
        .args(["exec", "-i", "lab-1", "sh", "-c", "cat > /tmp/fleet-env-corpus"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    put.stdin.take().unwrap().write_all(CORPUS.as_bytes()).unwrap();
    assert!(put.wait().unwrap().success());

    // Everything systemd puts in a process's environment from that file, NUL-separated.
    let out = Command::new("docker")
        .args([
            "exec",
            "lab-1",
            "systemd-run",
            "--quiet",
            "--wait",
            "--collect",
            "--pipe",
            "-p",
            "EnvironmentFile=/tmp/fleet-env-corpus",
            "--",
            "sh",
            "-c",
            "cat /proc/self/environ",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let systemd: std::collections::BTreeMap<String, String> = out
        .stdout
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok()?.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();

    let ours = fleet::env::parse::parse(CORPUS);
    for a in ours.effective() {
        assert_eq!(systemd.get(&a.key), Some(&a.value), "{} differs from systemd", a.key);
    }
    let our_keys: Vec<&str> = ours.effective().iter().map(|a| a.key.as_str()).collect();
    for key in ["PLAIN", "MIXED", "LEAD", "LAST", "REPEATED"] {
        assert!(our_keys.contains(&key), "{key} missing");
    }
    assert!(!systemd.contains_key("BAD") && !systemd.contains_key("export BAD"), "systemd ignores `export` lines too");
    assert_eq!(ours.invalid.iter().map(|i| i.line).collect::<Vec<_>>(), [25], "{:?}", ours.invalid);
}
