//! Scale benchmark for clusters: the test API server (tests/kube_api) with a few thousand pods,
//! and the time from launch to the first full apps table plus peak RSS, for `fleet apps --json`,
//! fleet's TUI, kdash and kubetui on the same kubeconfig (the TUIs in tmux, "full" meaning the
//! last pod's or app's name is on screen).
//!
//!   cargo bench --bench kube_scale -- [PODS]      (default 3000; 10 pods per deployment)
//!   cargo bench --bench kube_scale -- [PODS] --hold   (serve only: prints the kubeconfig and
//!                                                     keeps the server up for 30 minutes, to
//!                                                     look at fleet with a profiler)
//!
//! kdash and kubetui are looked up in PATH and /var/tmp/bench-tools/bin
//! (`cargo install kdash kubetui --root /var/tmp/bench-tools`); missing ones are reported as
//! such, not measured. Everything shares this machine's cores with the API server.

#[path = "../tests/kube_api/mod.rs"]
mod kube_api;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kube_api::{ApiServer, Auth};
use serde_json::json;

fn deployment(i: usize, replicas: usize) -> serde_json::Value {
    let name = format!("app{i:04}-web");
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "generation": 1, "labels": {"app.kubernetes.io/name": format!("app{i:04}"), "app.kubernetes.io/component": "web"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/instance": name}},
            "template": {"metadata": {"labels": {"app.kubernetes.io/instance": name}}, "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.0"}]}}},
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas}})
}

fn pod(i: usize, j: usize) -> serde_json::Value {
    let name = format!("app{i:04}-web-5d8f7c6b9-p{j:03}");
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "creationTimestamp": "2026-11-22T00:00:00Z",
            "labels": {"app.kubernetes.io/instance": format!("app{i:04}-web"), "pod-template-hash": "5d8f7c6b9"}},
        "spec": {"nodeName": format!("node-{}", j % 5), "containers": [{"name": "web", "image": "registry.example.com/web:1.0"}]},
        "status": {"phase": "Running", "startTime": "2026-11-22T00:00:00Z", "podIP": "10.42.0.9", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "web", "image": "registry.example.com/web:1.0", "imageID": "", "ready": true, "restartCount": 0, "started": true, "state": {"running": {}}}]}})
}

fn find_tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/var/tmp/bench-tools/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Peak RSS (KiB) of a process tree's main process, from /proc.
fn hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Runs a TUI in tmux until the screen shows `until`; returns (seconds, peak RSS MiB).
fn tui(label: &str, cmd: &str, kubeconfig: &str, until: &str) -> Option<(f64, f64)> {
    let session = format!("kube-bench-{label}");
    let _ = Command::new("tmux").args(["kill-session", "-t", &session]).output();
    let script = format!("echo $$ > /tmp/{session}.pid; exec env KUBECONFIG={kubeconfig} HOME=/tmp/{session}-home {cmd}");
    std::fs::create_dir_all(format!("/tmp/{session}-home")).ok();
    let start = Instant::now();
    Command::new("tmux").args(["new-session", "-d", "-s", &session, "-x", "200", "-y", "60", &script]).status().ok()?;
    let deadline = start + Duration::from_secs(120);
    let mut found = None;
    while Instant::now() < deadline {
        let screen =
            String::from_utf8_lossy(&Command::new("tmux").args(["capture-pane", "-p", "-t", &session]).output().ok()?.stdout).into_owned();
        if screen.contains(until) {
            found = Some(start.elapsed().as_secs_f64());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if found.is_none() {
        let screen = Command::new("tmux").args(["capture-pane", "-p", "-t", &session]).output().ok()?;
        std::fs::write(format!("target/kube-bench-{label}.txt"), &screen.stdout).ok();
    }
    let pid: Option<u32> = std::fs::read_to_string(format!("/tmp/{session}.pid")).ok().and_then(|p| p.trim().parse().ok());
    let rss = pid.and_then(hwm_kib).map(|k| k as f64 / 1024.0);
    let _ = Command::new("tmux").args(["kill-session", "-t", &session]).output();
    match (found, rss) {
        (Some(t), Some(r)) => Some((t, r)),
        (None, _) => {
            eprintln!("{label}: never showed {until:?} within 120 s");
            None
        }
        _ => None,
    }
}

fn main() {
    // `cargo test --all-targets` runs benches once in test mode, without `--bench`: this one is
    // a measurement that takes minutes, not a test.
    if !std::env::args().any(|a| a == "--bench") {
        println!("kube_scale: a measurement; run it with `cargo bench --bench kube_scale`");
        return;
    }
    let pods: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3000);
    assert!(pods > 0, "PODS must be at least 1");
    let per = 10;
    let deployments = pods.div_ceil(per);
    let server = ApiServer::start("cluster-b.yaml");
    server.with(|s| {
        for i in 0..deployments {
            s.apply(deployment(i, per));
            for j in 0..per {
                s.apply(pod(i, j));
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let mut config = server.kubeconfig("bench", Auth::ClientCert);
    config.push_str("current-context: bench\n");
    std::fs::write(&kc, config).unwrap();
    let kc = kc.display().to_string();
    if std::env::args().any(|a| a == "--hold") {
        println!("test API server: {deployments} deployments, {} pods; KUBECONFIG={kc}", deployments * per);
        std::thread::sleep(Duration::from_secs(30 * 60));
        return;
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let fleet = target.join("release/fleet");
    assert!(Command::new("cargo").args(["build", "--release", "--locked", "-q"]).status().unwrap().success());
    println!("test API server: {deployments} deployments, {} pods (+ cluster-b's fixtures)", deployments * per);

    // fleet apps --json: launch to exit. Its peak RSS comes from GNU time, its parent: a child
    // of this process would report this process's own RSS (the API server's 3,000 pods), because
    // Linux folds the parent's high-water mark into the child's at exec (ru_maxrss of a
    // vfork/fork child). That is where the 156 MiB once reported for `fleet apps --json` came from.
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut times = Vec::new();
    let mut rss = 0u64;
    for _ in 0..5 {
        let start = Instant::now();
        let mut cmd = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"]).arg(&fleet);
            c
        } else {
            Command::new(&fleet)
        };
        let out = cmd
            .args(["--config", "/dev/null", "--no-local", "apps", "--json"])
            .env("KUBECONFIG", &kc)
            .stdout(std::process::Stdio::null())
            .output()
            .unwrap();
        times.push(start.elapsed().as_secs_f64());
        let kib = String::from_utf8_lossy(&out.stderr).lines().last().and_then(|l| l.trim().parse::<u64>().ok()).unwrap_or(0);
        rss = rss.max(kib);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if gnu_time {
        println!("fleet apps --json           {:.3} s (median of 5)  peak RSS {:.1} MiB", times[2], rss as f64 / 1024.0);
    } else {
        println!("fleet apps --json           {:.3} s (median of 5)  peak RSS: needs /usr/bin/time (apt-get install time)", times[2]);
    }

    // Each TUI renders its table once the whole list is in: the first row on screen marks it.
    let first_pod = "app0000-web-5d8f7c6b9-p000";
    if let Some((t, r)) =
        tui("fleet", &format!("{} --config /dev/null --no-local", fleet.display()), &kc, &format!("apps {}", deployments + 2))
    {
        println!("fleet TUI (apps table full)  {t:.3} s  peak RSS {r:.1} MiB");
    }
    for (name, args) in [("kdash", ""), ("kubetui", "")] {
        match find_tool(name) {
            Some(bin) => match tui(name, &format!("{} {args}", bin.display()), &kc, first_pod) {
                Some((t, r)) => println!("{name:<27} {t:.3} s  peak RSS {r:.1} MiB (until its pod table shows)"),
                None => println!("{name}: did not show the pods"),
            },
            None => println!("{name}: not installed (cargo install {name} --root /var/tmp/bench-tools)"),
        }
    }
}
