//! Snapshots with a Kubernetes cluster beside the droplets, from the test clusters' fixtures
//! (fixtures/kube/), with a pinned clock: the apps table and hosts panel with a cluster row,
//! and a k8s app's view (pods with phase, node, replicas, image; a crash loop; a CronJob).

mod common;

use fleet::model::HostSpec;
use fleet::model::{HostFacts, HostId, HostKind, HostReport};
use fleet::platform::kube::apps::{Labels, Objects, processes};
use fleet::state::{Action, FleetState, Msg, State, update};

fn objects(fixture: &str) -> Objects {
    let text = std::fs::read_to_string(format!("{}/fixtures/kube/{fixture}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut o = Objects::default();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
        match v["kind"].as_str().unwrap_or("") {
            "Deployment" => o.deployments.push(std::sync::Arc::new(serde_json::from_value(v).unwrap())),
            "StatefulSet" => o.statefulsets.push(std::sync::Arc::new(serde_json::from_value(v).unwrap())),
            "DaemonSet" => o.daemonsets.push(std::sync::Arc::new(serde_json::from_value(v).unwrap())),
            "CronJob" => o.cronjobs.push(std::sync::Arc::new(serde_json::from_value(v).unwrap())),
            "Pod" => o.pods.push(std::sync::Arc::new(serde_json::from_value(v).unwrap())),
            _ => {}
        }
    }
    o
}

fn state() -> State {
    let kube = HostSpec {
        id: HostId("k3s-a".into()),
        kind: HostKind::Kube,
        destination: "k3s-a".into(),
        tags: vec!["kubernetes".into()],
        group: None,
        login: None,
        platforms: Vec::new(),
    };
    let mut fleet = FleetState::new(vec![common::spec("lon-1"), kube], fleet::config::Convention::default().process_order);
    let at = common::now() - jiff::SignedDuration::from_secs(3);
    fleet.apply(HostId("lon-1".into()), Ok(common::report("lon-1", common::LAB_1)), at);
    let host = HostId("k3s-a".into());
    let report = HostReport {
        host: host.clone(),
        facts: HostFacts {
            os: Some("Kubernetes v1.31.4+k3s1".into()),
            hostname: Some("https://127.0.0.1:6443/".into()),
            ..Default::default()
        },
        processes: processes(&objects("cluster-a.yaml"), &host, &Labels::default()),
        platforms: vec![fleet::model::PlatformStatus { platform: fleet::platform::kube::info(), note: None }],
        at: common::now(),
    };
    fleet.apply(host, Ok(report), at);
    State::new(fleet, common::now())
}

#[test]
fn apps_and_hosts_with_a_cluster() {
    let s = state();
    let ledger = s.fleet.app("ledger").expect("ledger");
    assert_eq!(ledger.hosts.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(), ["k3s-a", "lon-1"], "one app across a droplet and a cluster");
    crate::snap!("kube_apps", s);
}

#[test]
fn a_k8s_app_view() {
    let mut s = state();
    update(&mut s, Msg::Action(Action::Filter));
    for c in "ledger".chars() {
        update(&mut s, Msg::FilterKey(fleet::state::FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(fleet::state::FilterKey::Accept));
    update(&mut s, Msg::Action(Action::Open));
    assert_eq!(s.view, fleet::state::View::App { name: "ledger".into() });
    crate::snap!("kube_app_ledger", s);
}

#[test]
fn a_cluster_apps_env_is_read_only() {
    let mut s = state();
    update(&mut s, Msg::Action(Action::Filter));
    for c in "redis".chars() {
        update(&mut s, Msg::FilterKey(fleet::state::FilterKey::Char(c)));
    }
    update(&mut s, Msg::FilterKey(fleet::state::FilterKey::Accept));
    update(&mut s, Msg::Action(Action::Open));
    let (effects, _) = update(&mut s, Msg::Action(Action::NextPanel));
    assert!(matches!(effects[..], [fleet::state::Effect::LoadEnv { .. }]), "{effects:?}");
    let (effects, _) = update(&mut s, Msg::Action(Action::Edit));
    assert!(effects.is_empty() && s.editor.is_none());
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("read-only here")), "{:?}", s.notice);
}
