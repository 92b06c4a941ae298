//! The real binary in a real terminal (tmux), driven as a person would: it shows the lab's apps,
//! answers keys, and restores the terminal when it quits.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::lab::Lab;

struct Session(String);

impl Session {
    fn start(name: &str, cmd: &str, w: u16, h: u16) -> Session {
        common::tmux_session(name, w, h, cmd);
        Session(name.into())
    }

    fn capture(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.0]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Waits (bounded) until the screen shows every one of `texts`.
    fn wait_for(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "waited 20 s for {texts:?}; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Session {
    /// Waits (bounded) until the screen shows every one of `texts` and none of `gone`.
    fn wait_for_without(&self, texts: &[&str], gone: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.wait_for(texts);
            if !screen.contains(gone) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "waited 20 s for {gone:?} to go; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The real binary against the lab with this test's files, in tmux; prints FLEET-EXIT=<status>
/// when it ends.
fn fleet_on_lab(lab: &Lab, name: &str, w: u16, h: u16) -> Session {
    let cmd = format!(
        "env -u SSH_AUTH_SOCK HOME={home} {bin} --config {cfg} --ssh-config {ssh}; echo FLEET-EXIT=$?; sleep 30",
        home = lab.scratch.path().display(),
        bin = env!("CARGO_BIN_EXE_fleet"),
        cfg = lab.fleet_toml().display(),
        ssh = lab.ssh_config().display(),
    );
    Session::start(name, &cmd, w, h)
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).output();
    }
}

#[test]
fn the_tui_shows_the_lab_apps_and_quits_cleanly() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\nrefresh = \"2s\"\n[inventory]\ninclude = [\"lab-1\", \"lab-2\", \"lab-down\"]\n");
    let s = fleet_on_lab(&lab, "fleet-tmux-test", 120, 32);
    let screen = s.wait_for(&["shop", "web×2 worker×2 clock×1", "ledger", "billing", "connection refused"]);
    std::fs::create_dir_all("target/tmux").ok();
    std::fs::write("target/tmux/apps.txt", &screen).ok();
    assert!(screen.contains("down"), "ledger is down:\n{screen}");
    assert!(!screen.contains("acme"), "a vendor unit is not an app:\n{screen}");

    s.keys(&["?"]);
    s.wait_for(&["in the apps table", "fuzzy-filter apps"]);
    // A person does not type Esc and the next key within the terminal's escape-sequence window
    // (Esc followed at once by "/" reads as Alt-/), so Esc goes on its own.
    s.keys(&["Escape"]);
    s.wait_for(&["enter open"]);
    // The whole name: the filter is fuzzy, and "bil" also matches notes's "lab-1 … mailer".
    s.keys(&["/", "b", "i", "l", "l", "i", "n", "g", "Enter"]);
    let filtered = s.wait_for(&["/billing", "1 shown"]);
    assert!(!filtered.contains("ledger"), "{filtered}");
    s.keys(&["Escape"]);
    s.wait_for(&["apps 9 "]);
    s.keys(&["/", "s", "h", "o", "p", "Enter"]);
    s.wait_for(&["/shop", "1 shown"]);
    s.keys(&["Enter"]);
    let detail = s.wait_for(&["apps › shop", "shop-clock.service", "running"]);
    std::fs::write("target/tmux/app-shop.txt", &detail).ok();
    // The Env tab, masked; then the Add-ons tab.
    s.keys(&["Tab"]);
    let env = s.wait_for(&["secrets masked", "SECRET_KEY_BASE", "••••••••", "postgres://shop:••••@localhost:5432/shop"]);
    assert!(!env.contains("s3cret") && !env.contains("lab-not-a-secret"), "a secret on screen:\n{env}");
    std::fs::write("target/tmux/env-shop.txt", &env).ok();
    s.keys(&["Tab"]);
    let addons = s.wait_for(&["add-ons", "postgresql", "DATABASE_URL", "redis", "REDIS_URL", "shop.lab.test"]);
    std::fs::write("target/tmux/addons-shop.txt", &addons).ok();
    // Metrics: the units' accounting sampled through ssh, with a chart of the selected series.
    s.keys(&["Tab"]);
    let metrics = s.wait_for(&["metrics", "shop-web lab-1 memory", "shop-clock lab-1 memory · last 1m"]);
    std::fs::write("target/tmux/metrics-shop.txt", &metrics).ok();
    // Certs: the app's domain, served on lab-1 through the ssh connection.
    s.keys(&["Tab"]);
    let certs = s.wait_for(&["shop.lab.test", "served 127.0.0.1:443", "shop.lab.test (file)"]);
    assert!(!certs.contains("billing.lab.test") && !certs.contains("ledger.lab.test"), "another app's domain:\n{certs}");
    std::fs::write("target/tmux/certs-shop.txt", &certs).ok();
    // Activity: systemd's record of shop's units, newest first.
    s.keys(&["Tab"]);
    let activity = s.wait_for(&["activity (tab) newest first", "systemd", "Started shop-"]);
    std::fs::write("target/tmux/activity-shop.txt", &activity).ok();
    s.keys(&["Tab"]);
    s.wait_for(&["shop-clock.service"]);
    // Logs of the selected process (web on lab-1), following.
    s.keys(&["l"]);
    let logs = s.wait_for(&["shop · logs", "● following", "web@lab-1 │ web heartbeat"]);
    assert!(!logs.contains("worker@"), "only the selected process:\n{logs}");
    std::fs::write("target/tmux/logs-shop-web.txt", &logs).ok();
    s.keys(&["k"]);
    s.wait_for(&["paused — G resumes"]);
    s.keys(&["G"]);
    s.wait_for(&["● following"]);
    s.keys(&["Escape"]);
    s.wait_for(&["apps › shop", "shop-clock.service"]);
    s.keys(&["Escape"]);
    s.wait_for(&["┌ apps 9"]);
    s.keys(&["q"]);
    let after = s.wait_for(&["FLEET-EXIT=0"]);
    assert!(!after.contains("┌ apps"), "the alternate screen is gone after quitting:\n{after}");
}

/// The fleet-wide certs view on the lab: the expired, the renewal trap, the close and the
/// healthy certificate, each in its colour (compared by the escape codes tmux gives back).
#[test]
fn the_certs_view_colours_the_lab_certificates() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\"]\n");
    let s = fleet_on_lab(&lab, "fleet-tmux-certs", 160, 30);
    // Every host has answered (ledger is lab-1's, billing lab-2's) before the view is opened.
    s.wait_for(&["ledger", "billing"]);
    s.keys(&["C"]);
    // The first row (ledger's served certificate, soonest) is selected and has the selection's
    // colours, so the checks below use other rows.
    let screen = s.wait_for(&["ledger.lab.test (file)", "ticker.lab.test (file)", "billing.lab.test", "renewed on disk", "expired"]);
    std::fs::create_dir_all("target/tmux").ok();
    std::fs::write("target/tmux/certs.txt", &screen).ok();
    let out = Command::new("tmux").args(["capture-pane", "-p", "-e", "-t", &s.0]).output().unwrap();
    let styled = String::from_utf8_lossy(&out.stdout).into_owned();
    // The escape sequence in force at the LEFT cell ("expired …" or "N d") of the row whose
    // line contains `marker`.
    let left = regex::Regex::new(r"expired \d+ d ago|\d+ d\b").unwrap();
    let colour = |marker: &str| -> String {
        let l = styled.lines().find(|l| l.contains(marker)).unwrap_or_else(|| panic!("no line with {marker}:\n{styled}"));
        let at = left.find(l).unwrap_or_else(|| panic!("no days-left cell in {l:?}")).start();
        let before = &l[..at];
        before.rfind("\x1b[").map(|i| before[i..].to_string()).unwrap_or_default()
    };
    let expired = colour("ledger.lab.test (file)");
    let critical = colour("renewed on disk");
    let warn = colour("shop.lab.test  ");
    let ok = colour("ticker.lab.test  ");
    assert!(!expired.is_empty() && !ok.is_empty(), "coloured cells:\n{styled}");
    assert_eq!(expired, critical, "expired and inside 7 days are both red");
    assert_ne!(warn, ok, "amber is not green");
    assert_ne!(warn, expired, "amber is not red");
    assert_ne!(ok, expired);
    s.keys(&["q"]);
    s.wait_for(&["FLEET-EXIT=0"]);
}

#[test]
fn the_demo_runs_with_no_config_and_no_network() {
    let home = tempfile::tempdir().unwrap();
    let cmd =
        format!("env -u FLEET_CONFIG HOME={} {} --demo; echo FLEET-EXIT=$?; sleep 30", home.path().display(), env!("CARGO_BIN_EXE_fleet"));
    let s = Session::start("fleet-tmux-demo", &cmd, 100, 30);
    let screen = s.wait_for(&["demo", "shop", "web×2 worker×2 clock×1 mailer×1", "nyc-1", "connection refused", "prod-k8s"]);
    std::fs::create_dir_all("target/tmux").ok();
    std::fs::write("target/tmux/demo.txt", &screen).ok();
    // A restart as a person does it: the palette, the confirmation with the exact commands,
    // then the new PID (the demo's world changes, in memory).
    s.keys(&[":"]);
    s.keys(&["-l", "restart shop"]);
    s.keys(&["Enter"]);
    s.wait_for(&["Restart shop?", "lon-1: systemctl restart -- shop-web.service", "kubectl rollout restart deployment/shop-mailer"]);
    s.keys(&["y"]);
    s.wait_for(&["shop: restarted on 3 host(s)"]);
    s.keys(&["Escape"]);
    // Esc and the next key at once read as Alt-key: wait for the overlay to close first.
    s.wait_for_without(&["enter open"], "restarted on 3 host(s)");
    s.keys(&[":"]);
    s.keys(&["-l", "app shop"]);
    s.keys(&["Enter"]);
    // shop-web on lon-1 gets a new PID once the refresh after the restart is in.
    s.wait_for_without(&["shop-web.service", "shop-clock.service", "2207"], " 1412 ");
    // The env tab masks secrets; v reveals the selected one.
    s.keys(&["2"]);
    let screen = s.wait_for(&["DATABASE_URL", "postgres://shop:••••@localhost", "WEB_CONCURRENCY ≠"]);
    assert!(!screen.contains("pg-7Hq2xW9e"), "{screen}");
    s.keys(&["v"]);
    s.wait_for(&["postgres://shop:pg-7Hq2xW9e@"]);
    s.keys(&["C-c"]);
    s.wait_for(&["FLEET-EXIT=0"]);
    assert!(!home.path().join(".local/state/fleet/audit.jsonl").exists(), "the demo never writes the real audit log");
}

#[test]
fn the_shell_opens_takes_keys_and_gives_the_tui_back() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    let s = fleet_on_lab(&lab, "fleet-tmux-shell", 120, 32);
    s.wait_for(&["shop", "web×1 worker×1 clock×1"]);
    s.keys(&["/", "s", "h", "o", "p", "Enter"]);
    s.wait_for(&["1 shown"]);
    s.keys(&["s"]);
    s.wait_for(&["Shell for shop on lab-1?", "systemd-run", "User=shop", "y yes"]);
    s.keys(&["y"]);
    s.wait_for(&["shop@lab-1"]);
    s.keys(&["echo port=$PORT user=$(whoami) dir=$(pwd)", "Enter"]);
    s.wait_for(&["port=8080 user=shop dir=/srv/shop"]);
    // Ctrl-C reaches the remote side: it stops the sleep, not fleet.
    s.keys(&["sleep 30; echo slept", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    s.keys(&["C-c"]);
    s.keys(&["echo after-ctrl-c", "Enter"]);
    // Its output on a line of its own and the prompt after it (the typed-ahead line echoes
    // "echo after-ctrl-c" first): bash is reading again, so the Ctrl-D below reaches it.
    let screen = s.wait_for(&["\nafter-ctrl-c\nshop@lab-1:~$"]);
    assert!(!screen.lines().any(|l| l.trim() == "slept"), "the sleep ran to its end:\n{screen}");
    // Ctrl-D ends the shell; the TUI comes back and says how it ended.
    s.keys(&["C-d"]);
    s.wait_for(&["┌ apps", "shell on lab-1 ended (exit"]);
    s.keys(&["q"]);
    s.wait_for(&["FLEET-EXIT=0"]);
}

/// A shell into a supervisord program, from the TUI: as its user, in its directory, with the
/// environment supervisord gave it.
#[test]
fn a_shell_into_a_supervisord_program_runs_as_the_program() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-1\"]\n");
    let s = fleet_on_lab(&lab, "fleet-tmux-shell-supervisord", 120, 32);
    s.wait_for(&["pay", "web×2"]);
    s.keys(&["/", "p", "a", "y", "Enter"]);
    s.wait_for(&["1 shown"]);
    s.keys(&["s"]);
    s.wait_for(&["Shell for pay on lab-1?", "a shell as pay in /srv/pay", "y yes"]);
    s.keys(&["y"]);
    s.wait_for(&["pay@lab-1:/srv/pay"]);
    s.keys(&["echo port=$PORT user=$(whoami) dir=$(pwd) as=$SUPERVISOR_PROCESS_NAME", "Enter"]);
    s.wait_for(&["port=9000 user=pay dir=/srv/pay as=pay-web_00\npay@lab-1:/srv/pay$"]);
    s.keys(&["C-d"]);
    s.wait_for(&["┌ apps", "shell on lab-1 ended (exit"]);
    s.keys(&["q"]);
    s.wait_for(&["FLEET-EXIT=0"]);
}

/// A shell into a Dokku dyno as the `dokku` user: `dokku enter` through its forced command,
/// on a terminal, with the dyno's env; Ctrl-D gives the TUI back.
#[test]
fn a_shell_as_the_dokku_user_enters_the_dyno() {
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2-dokku\"]\n");
    let s = fleet_on_lab(&lab, "fleet-tmux-shell-dokku", 120, 32);
    s.wait_for(&["blog", "web×2 worker×1"]);
    s.keys(&["/", "b", "l", "o", "g", "Enter"]);
    s.wait_for(&["1 shown"]);
    s.keys(&["s"]);
    s.wait_for(&["Shell for blog on lab-2-dokku?", "ssh -t dokku@HOST enter blog web.1", "y yes"]);
    s.keys(&["y"]);
    s.wait_for(&["root@"]);
    s.keys(&["echo dyno=$DYNO tty=$(tty)", "Enter"]);
    s.wait_for(&["dyno=web.1 tty=/dev/pts/"]);
    s.keys(&["C-d"]);
    s.wait_for(&["┌ apps", "shell on lab-2-dokku ended (exit"]);
    s.keys(&["q"]);
    s.wait_for(&["FLEET-EXIT=0"]);
}

/// The problems view on the lab, as a person reaches it: the count in the title bar, `P` lists
/// the planted problems (the same as `fleet check`), enter opens what one is about.
#[test]
fn the_problems_view_lists_the_lab_problems() {
    let lab = Lab::get();
    lab.write_fleet_toml(
        "local = false\n[inventory]\ninclude = [\"lab-1\", \"lab-2\", \"lab-down\"]\n[metrics]\ninterval = \"2s\"\n[check]\nrestart_loop = 2\n",
    );
    let s = fleet_on_lab(&lab, "fleet-tmux-problems", 160, 40);
    s.wait_for(&["ledger", "billing", "connection refused", "problems, "]);
    s.keys(&["P"]);
    let screen = s.wait_for(&[
        "fleet problems",
        "ledger web@lab-1 failed: crashed (exit 1)",
        "ledger report@lab-1: its last run",
        "relay worker@lab-2 has restarted",
        "nothing listens on its PORT 8083",
        "lab-down did not answer",
        "ledger.lab.test expired",
        "visitors get a 502",
        "/srv/data is 95% full",
        "checked",
    ]);
    std::fs::create_dir_all("target/tmux").ok();
    std::fs::write("target/tmux/problems.txt", &screen).ok();
    // The same list as fleet check (CPU aside: the droplets share this machine's busy cores).
    assert!(screen.contains(" problems, 9 critical"), "the same list as fleet check:\n{screen}");
    // The first is lab-1's expired certificate: enter opens the certificates.
    assert!(screen.contains(" → renew it"), "what to do about the selected one:\n{screen}");
    s.keys(&["Enter"]);
    s.wait_for(&["fleet certificates", "ledger.lab.test"]);
    s.keys(&["q"]);
    s.wait_for(&["FLEET-EXIT=0"]);
}
