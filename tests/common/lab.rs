//! The lab: real Debian droplets booted by tests/lab/lab.sh. A lab test never skips: without the
//! lab it fails and says how to bring it up.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Lab {
    pub dir: PathBuf,
    /// A scratch dir per test with its own ssh config, known_hosts and fleet.toml.
    pub scratch: tempfile::TempDir,
}

impl Lab {
    pub fn get() -> Lab {
        let dir = PathBuf::from(std::env::var("FLEET_LAB_DIR").unwrap_or_else(|_| "/var/tmp/fleet-lab".into()));
        let up = dir.join("ssh_config").exists()
            && dir.join("known_hosts").exists()
            && std::net::TcpStream::connect_timeout(&"127.0.0.1:2201".parse().unwrap(), std::time::Duration::from_secs(2)).is_ok();
        assert!(
            up,
            "the lab is not up ({} has no ssh_config/known_hosts, or 127.0.0.1:2201 does not answer). \
             Bring it up with `tests/lab/lab.sh up`, or run the README's test command (.ci/run), which does.",
            dir.display()
        );
        let lab = Lab { dir, scratch: tempfile::tempdir().unwrap() };
        std::fs::copy(lab.dir.join("known_hosts"), lab.known_hosts()).unwrap();
        lab.write_fleet_toml("local = false\n");
        lab.write_ssh_config("");
        lab
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.scratch.path().join("known_hosts")
    }
    pub fn ssh_config(&self) -> PathBuf {
        self.scratch.path().join("ssh_config")
    }
    pub fn fleet_toml(&self) -> PathBuf {
        self.scratch.path().join("fleet.toml")
    }

    pub fn write_fleet_toml(&self, text: &str) {
        std::fs::write(self.fleet_toml(), text).unwrap();
    }

    /// The lab's ssh config pointed at this test's known_hosts, with `extra` Host blocks first.
    pub fn write_ssh_config(&self, extra: &str) {
        let base = std::fs::read_to_string(self.dir.join("ssh_config")).unwrap();
        let base = base.replace(&self.dir.join("known_hosts").display().to_string(), &self.known_hosts().display().to_string());
        std::fs::write(self.ssh_config(), format!("{extra}\n{base}")).unwrap();
    }

    /// The real binary against the lab, with no ssh-agent, no kubeconfig (HOME is the scratch dir),
    /// this test's files, and stdin closed (nobody answers a confirmation).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fleet"));
        c.arg("--config")
            .arg(self.fleet_toml())
            .arg("--ssh-config")
            .arg(self.ssh_config())
            .args(args)
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEET_CONFIG")
            .env_remove("KUBECONFIG")
            .env("HOME", self.scratch.path())
            .stdin(std::process::Stdio::null());
        c
    }

    /// Runs the real binary against the lab (see `command`).
    pub fn fleet(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn fleet_json(&self, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
        let out = self.fleet(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code(), v, stderr)
    }
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}
