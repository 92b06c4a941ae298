//! Writing env files on a lab droplet: an edit keeps everything else; a concurrent change is
//! refused; and 50 saves cut off by a killed connection leave the old file or the new one,
//! never a partial or missing one, with a backup whenever the new one landed.
//! (Its own test binary: it kills root's ssh sessions on lab-2.)

mod common;

use std::process::Command;
use std::time::Duration;

use common::lab::Lab;
use fleet::env::write::sha256_hex;
use fleet::model::HostId;
use fleet::platform::machine::commands::{read_env_files, write_env_file};
use fleet::transport::ssh::UnknownKeyPolicy;
use fleet::transport::{SshTransport, Transport};

/// The kill test cuts every root session on lab-2: the tests here take turns.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn docker(script: &str) -> String {
    let out = Command::new("docker").args(["exec", "lab-2", "sh", "-c", script]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn backend(lab: &Lab) -> Transport {
    Transport::Ssh(SshTransport::new(HostId("lab-2".into()), "lab-2".into(), Some(lab.ssh_config()), UnknownKeyPolicy::Refuse, None))
}

#[tokio::test]
async fn edits_keep_the_file_and_concurrent_changes_are_refused() {
    let _turn = SERIAL.lock().await;
    let lab = Lab::get();
    lab.write_fleet_toml("local = false\n[inventory]\ninclude = [\"lab-2\"]\n");
    // The file as provisioning wrote it, whatever an earlier run left.
    let original = "# billing environment (fleet lab)\nPORT=8082\nDATABASE_URL=postgres://billing:s3cret@localhost:5432/billing\nREDIS_URL=redis://localhost:6379/0\nSECRET_KEY_BASE=lab-not-a-secret\n".to_string();
    docker(&format!("printf '%s' '{original}' > /etc/billing/env; rm -f /etc/billing/env.fleet-*.bak"));
    assert_eq!(docker("cat /etc/billing/env"), original);
    let out = lab.fleet(&["config:set", "billing", "PORT=9090", "NEW_KEY=a b", "--no-restart"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let edited = docker("cat /etc/billing/env");
    assert_eq!(edited, original.replace("PORT=8082", "PORT=9090") + "NEW_KEY=\"a b\"\n", "only the changed line differs");
    assert_eq!(docker("stat -c '%U:%G %a' /etc/billing/env").trim(), "root:billing 640", "owner and mode kept");
    assert!(docker("ls /etc/billing").contains("env.fleet-"), "a backup is kept");
    let out = lab.fleet(&["config:unset", "billing", "NEW_KEY", "--no-restart"]);
    assert_eq!(out.status.code(), Some(0));
    let out = lab.fleet(&["config:set", "billing", "PORT=8082", "--no-restart"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(docker("cat /etc/billing/env"), original, "the round trip gives the original back");

    // Someone edits the file between fleet's read and its write: refused, nothing written.
    let b = backend(&lab);
    let read = b.exec(&read_env_files(&["/etc/billing/env".into()], true)).await.unwrap();
    let sha = String::from_utf8_lossy(&read.stdout).lines().nth(1).unwrap().to_string();
    docker("echo '# edited by hand' >> /etc/billing/env");
    let new = "PORT=1\n";
    let out =
        b.exec_with_input(&write_env_file("/etc/billing/env", &sha, &sha256_hex(new.as_bytes()), 5, true), new.as_bytes()).await.unwrap();
    assert_eq!(out.status, Some(17));
    assert!(docker("cat /etc/billing/env").ends_with("# edited by hand\n"), "the hand edit survives");
    docker("sed -i '/# edited by hand/d' /etc/billing/env; rm -f /etc/billing/env.fleet-*.bak");
    assert_eq!(docker("cat /etc/billing/env"), original);
}

#[tokio::test]
async fn fifty_cut_off_saves_leave_the_old_file_or_the_new_one() {
    let _turn = SERIAL.lock().await;
    let lab = Lab::get();
    let b = backend(&lab);
    let path = "/root/fleet-kill/env";
    docker(
        "rm -rf /root/fleet-kill && mkdir -p /root/fleet-kill && printf 'A=start\\n' > /root/fleet-kill/env && chmod 640 /root/fleet-kill/env",
    );
    // A big file, so a save takes long enough to be cut in the middle.
    let padding: String = (0..20_000).map(|i| format!("# padding line {i} to make the transfer take a while\n")).collect();
    let (mut landed, mut cut) = (0, 0);
    for i in 0..50u64 {
        let old = docker(&format!("cat {path}"));
        let old_sha = sha256_hex(old.as_bytes());
        let new = format!("A={i}\n{padding}");
        let new_sha = sha256_hex(new.as_bytes());
        let cmd = write_env_file(path, &old_sha, &new_sha, 3, true);
        let delay = Duration::from_millis((i * 7919) % 40);
        if i % 2 == 0 {
            // Our side drops the connection mid-save.
            let _ = tokio::time::timeout(delay, b.exec_with_input(&cmd, new.as_bytes())).await;
            b.reset().await;
        } else {
            // The server side kills the session mid-save.
            let killer = tokio::task::spawn_blocking(move || {
                std::thread::sleep(delay);
                let _ = Command::new("docker").args(["exec", "lab-2", "pkill", "-f", "sshd: root@notty"]).status();
            });
            let _ = b.exec_with_input(&cmd, new.as_bytes()).await;
            killer.await.unwrap();
            b.reset().await;
        }
        // Give a remote script that outlived the connection time to finish or die.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = docker(&format!("cat {path}"));
        let now_sha = sha256_hex(now.as_bytes());
        if now_sha == new_sha {
            landed += 1;
            let backups = docker(&format!("cat {path}.fleet-*.bak 2>/dev/null | sha256sum | cut -c1-64; ls {path}.fleet-*.bak | wc -l"));
            assert!(backups.lines().nth(1).unwrap_or("0").trim() != "0", "round {i}: new file without a backup");
        } else {
            assert_eq!(now_sha, old_sha, "round {i}: the file is neither old nor new ({} bytes)", now.len());
            cut += 1;
        }
    }
    assert!(landed > 0 && cut > 0, "the test must both interrupt saves and let some land: {landed} landed, {cut} cut");
    docker("rm -rf /root/fleet-kill");
}
