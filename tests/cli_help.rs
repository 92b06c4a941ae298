//! `--help` a newcomer can read: every option of every subcommand says what it does, and the
//! global options stand apart from the command's own.

fn fleet(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleet")).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn subcommands() -> Vec<String> {
    let help = fleet(&["--help"]);
    let list = help.split("Commands:").nth(1).expect("a command list").split("\n\n").next().unwrap();
    list.lines().filter_map(|l| l.split_whitespace().next()).filter(|c| *c != "help").map(String::from).collect()
}

#[test]
fn every_option_says_what_it_does_and_globals_stand_apart() {
    let commands = subcommands();
    assert!(commands.len() >= 10, "{commands:?}");
    for c in &commands {
        let help = fleet(&[c, "--help"]);
        let (own, global) = help.split_once("Global options:").unwrap_or_else(|| panic!("{c}: no Global options heading:\n{help}"));
        assert!(!own.contains("--config <PATH>") && !own.contains("--readonly"), "{c}: global options among its own:\n{help}");
        assert!(global.contains("--readonly"), "{c}");
        let options = own.split("Options:").nth(1).unwrap_or("");
        for line in options.lines().filter(|l| l.trim_start().starts_with('-')) {
            let text = line.trim_start();
            // "--flag <VALUE>   what it does": the flag, then at least two spaces, then words.
            let described = text.split("  ").filter(|p| !p.trim().is_empty()).count() >= 2;
            assert!(described, "{c}: an option without a description: {line:?}");
        }
    }
}

#[test]
fn completions_and_man_pages_come_from_the_same_definitions_and_need_no_config() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleet"))
            .args(args)
            .env("FLEET_CONFIG", "/nonexistent/fleet.toml")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let commands = subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completion lacks {c}");
        }
    }
    let page = run(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH fleet 1"), "{}", &page[..200.min(page.len())]);
    for c in &commands {
        assert!(page.contains(&c.replace('-', "\\-")), "the man page lacks {c}");
    }
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    let logs = std::fs::read_to_string(dir.path().join("fleet-logs.1")).unwrap();
    assert!(logs.contains(".TH fleet-logs 1") && logs.contains(env!("CARGO_PKG_VERSION")) && logs.contains("\\-\\-grep"), "{logs}");
}
