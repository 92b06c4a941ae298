//! Docker's convention over `docker inspect` output captured from the lab's engine
//! (fixtures/docker/lab-2-inspect.json), and over hostile and odd containers made from it:
//! compose services and labelled containers are processes; add-ons, one-offs, compose's renamed
//! retirees, unlabelled containers and invalid names are not.

use fleet::config::Convention;
use fleet::model::{HostId, ProcessState};
use fleet::platform::docker::containers::processes_from_json;
use serde_json::Value;

const LAB_2: &str = include_str!("../fixtures/docker/lab-2-inspect.json");

fn host() -> HostId {
    HostId("lab-2".into())
}

fn sources(json: &str) -> Vec<String> {
    processes_from_json(json, &host(), &Convention::default()).unwrap().into_iter().map(|p| p.source).collect()
}

/// The fixture with one more container: notes_web_1's inspect, changed by `edit`.
fn with_extra(edit: impl Fn(&mut Value)) -> String {
    let mut all: Vec<Value> = serde_json::from_str(LAB_2).unwrap();
    let mut c = all.iter().find(|c| c["Name"] == "/notes_web_1").unwrap().clone();
    c["Id"] = Value::String("f".repeat(64));
    edit(&mut c);
    all.push(c);
    serde_json::to_string(&all).unwrap()
}

#[test]
fn the_labs_containers_by_convention() {
    let procs = processes_from_json(LAB_2, &host(), &Convention::default()).unwrap();
    let by: Vec<(String, String, String)> = procs.iter().map(|p| (p.app.clone(), p.process.clone(), p.source.clone())).collect();
    let want: Vec<(String, String, String)> = [
        ("notes", "console", "notes_console_1"),
        ("notes", "counter", "notes-counter"),
        ("notes", "sick", "notes_sick_1"),
        ("notes", "web", "notes_web_1"),
        ("notes", "web", "notes_web_2"),
        ("notes", "worker", "notes_worker_1"),
        ("relay", "agent", "relay-agent"),
    ]
    .iter()
    .map(|(a, p, s)| (a.to_string(), p.to_string(), s.to_string()))
    .collect();
    assert_eq!(by, want, "redis is an add-on, not a process");
    let web = procs.iter().find(|p| p.source == "notes_web_1").unwrap();
    let c = web.container.as_ref().unwrap();
    assert_eq!((web.state, c.health.as_deref(), c.tty), (ProcessState::Running, Some("healthy"), false));
    assert_eq!(web.working_dir.as_deref(), Some("/srv/notes"));
    assert!(c.ports[0].starts_with("127.0.0.1:") && c.ports[0].ends_with("->8000/tcp"), "{:?}", c.ports);
    let sick = procs.iter().find(|p| p.source == "notes_sick_1").unwrap();
    assert!(sick.warning.as_deref().unwrap().ends_with(": cannot reach the upstream"), "{:?}", sick.warning);
    assert!(procs.iter().find(|p| p.source == "notes_console_1").unwrap().container.as_ref().unwrap().tty);
}

#[test]
fn what_is_not_a_process() {
    let base = sources(LAB_2);
    let same = |json: String, why: &str| assert_eq!(sources(&json), base, "{why}");
    same(
        with_extra(|c| {
            c["Name"] = "/0123456789ab_notes_web_1".into();
        }),
        "compose's renamed retiree",
    );
    same(
        with_extra(|c| {
            c["Name"] = "/notes_web_run_1".into();
            c["Config"]["Labels"]["com.docker.compose.oneoff"] = "True".into();
        }),
        "a one-off `compose run`",
    );
    same(
        with_extra(|c| {
            c["Name"] = "/shop-web".into();
            c["Config"]["Labels"] = serde_json::json!({});
        }),
        "an unlabelled container, however it is named",
    );
    same(
        with_extra(|c| {
            c["Name"] = "/evil".into();
            c["Config"]["Labels"] = serde_json::json!({"fleet.app": "x\u{1b}[2J;rm -rf /"});
        }),
        "a hostile app name",
    );
    let ignored = Convention { ignore_apps: vec!["rel*".into()], ..Convention::default() };
    let procs = processes_from_json(LAB_2, &host(), &ignored).unwrap();
    assert!(procs.iter().all(|p| p.app != "relay"), "ignore_apps applies");
}

#[test]
fn exits_and_restarts_read_as_a_person_would() {
    let failed = with_extra(|c| {
        c["Name"] = "/notes_web_3".into();
        c["State"] = serde_json::json!({"Status": "exited", "Running": false, "ExitCode": 3, "OOMKilled": false,
            "StartedAt": "2026-12-02T04:00:00Z", "FinishedAt": "2026-12-02T04:01:00Z"});
    });
    let oom = with_extra(|c| {
        c["Name"] = "/notes_web_3".into();
        c["State"] = serde_json::json!({"Status": "restarting", "Running": true, "Restarting": true, "ExitCode": 137, "OOMKilled": true});
    });
    let stopped = with_extra(|c| {
        c["Name"] = "/notes_web_3".into();
        c["State"] = serde_json::json!({"Status": "exited", "Running": false, "ExitCode": 137, "OOMKilled": false});
    });
    let get = |json: &str| {
        processes_from_json(json, &host(), &Convention::default()).unwrap().into_iter().find(|p| p.source == "notes_web_3").unwrap()
    };
    let f = get(&failed);
    assert_eq!((f.state, f.why.as_deref()), (ProcessState::Failed, Some("exited 3")));
    let o = get(&oom);
    assert_eq!((o.state, o.why.as_deref()), (ProcessState::Starting, Some("killed: out of memory (exit 137); restarting")));
    let s = get(&stopped);
    assert_eq!(s.state, ProcessState::Stopped, "docker stop past its timeout is a stop");
    assert!(s.why.as_deref().unwrap().starts_with("killed (exit 137"), "{:?}", s.why);
    assert!(processes_from_json("not json", &host(), &Convention::default()).unwrap_err().starts_with("docker inspect output:"));
}
