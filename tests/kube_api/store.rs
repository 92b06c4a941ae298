//! The test cluster's objects: what a list returns, the resourceVersion every change bumps, the
//! history a watch replays from a version (compacted history answers 410 Gone, as etcd's does),
//! and pod logs. Objects are JSON as the API serves them; every one is checked against the
//! k8s-openapi type of its kind when it goes in.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// (store key, API path prefix, plural in the URL, kind) for every resource the server knows.
pub const RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("deployments", "/apis/apps/v1", "deployments", "Deployment"),
    ("statefulsets", "/apis/apps/v1", "statefulsets", "StatefulSet"),
    ("daemonsets", "/apis/apps/v1", "daemonsets", "DaemonSet"),
    ("replicasets", "/apis/apps/v1", "replicasets", "ReplicaSet"),
    ("cronjobs", "/apis/batch/v1", "cronjobs", "CronJob"),
    ("pods", "/api/v1", "pods", "Pod"),
    ("nodes", "/api/v1", "nodes", "Node"),
    ("namespaces", "/api/v1", "namespaces", "Namespace"),
    ("secrets", "/api/v1", "secrets", "Secret"),
    ("services", "/api/v1", "services", "Service"),
    ("configmaps", "/api/v1", "configmaps", "ConfigMap"),
    ("events", "/api/v1", "events", "Event"),
    ("certificates", "/apis/cert-manager.io/v1", "certificates", "Certificate"),
    ("podmetrics", "/apis/metrics.k8s.io/v1beta1", "pods", "PodMetrics"),
    ("nodemetrics", "/apis/metrics.k8s.io/v1beta1", "nodes", "NodeMetrics"),
];

/// The store key of a kind.
pub fn plural_of(kind: &str) -> &'static str {
    RESOURCES.iter().find(|r| r.3 == kind).map(|r| r.0).unwrap_or_else(|| panic!("unknown kind {kind}"))
}

/// (store key, kind) of a URL's prefix and plural.
pub fn resource_at(prefix: &str, plural: &str) -> Option<(&'static str, &'static str)> {
    RESOURCES.iter().find(|r| r.1 == prefix && r.2 == plural).map(|r| (r.0, r.3))
}

/// Fails when `obj` is not a valid object of its kind (as k8s-openapi reads it).
pub fn check(obj: &Value) {
    use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
    let v = obj.clone();
    let ok = match obj["kind"].as_str().unwrap_or("") {
        "Deployment" => serde_json::from_value::<apps::Deployment>(v).map(|_| ()),
        "StatefulSet" => serde_json::from_value::<apps::StatefulSet>(v).map(|_| ()),
        "DaemonSet" => serde_json::from_value::<apps::DaemonSet>(v).map(|_| ()),
        "ReplicaSet" => serde_json::from_value::<apps::ReplicaSet>(v).map(|_| ()),
        "CronJob" => serde_json::from_value::<batch::CronJob>(v).map(|_| ()),
        "Pod" => serde_json::from_value::<core::Pod>(v).map(|_| ()),
        "Secret" => serde_json::from_value::<core::Secret>(v).map(|_| ()),
        "ConfigMap" => serde_json::from_value::<core::ConfigMap>(v).map(|_| ()),
        "Event" => serde_json::from_value::<core::Event>(v).map(|_| ()),
        "Node" => serde_json::from_value::<core::Node>(v).map(|_| ()),
        "Namespace" => serde_json::from_value::<core::Namespace>(v).map(|_| ()),
        "Service" => serde_json::from_value::<core::Service>(v).map(|_| ()),
        // metrics.k8s.io has no k8s-openapi types: the fields fleet reads must be there.
        "PodMetrics" => {
            assert!(
                obj["containers"]
                    .as_array()
                    .is_some_and(|c| c.iter().all(|c| c["usage"]["cpu"].is_string() && c["usage"]["memory"].is_string())),
                "not PodMetrics: {obj}"
            );
            Ok(())
        }
        "NodeMetrics" => {
            assert!(obj["usage"]["cpu"].is_string() && obj["usage"]["memory"].is_string(), "not NodeMetrics: {obj}");
            Ok(())
        }
        // cert-manager's CRD has no k8s-openapi type: the fields fleet reads must be there.
        "Certificate" => {
            assert!(obj["spec"]["secretName"].is_string() && obj["apiVersion"] == "cert-manager.io/v1", "not a Certificate: {obj}");
            Ok(())
        }
        other => panic!("the test API server does not know kind {other:?}"),
    };
    ok.unwrap_or_else(|e| panic!("not a valid {}: {e}\n{obj}", obj["kind"]));
}

#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub plural: &'static str,
    pub namespace: String,
    pub kind: &'static str,
    pub object: Value,
}

/// One log line of one pod's container.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub namespace: String,
    pub pod: String,
    pub at: Timestamp,
    pub text: String,
}

type Key = (&'static str, String, String);

pub struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    /// Watch history; versions at or below `compacted` are gone.
    history: Vec<Event>,
    compacted: u64,
    pub events: broadcast::Sender<Event>,
    logs: HashMap<(String, String), Vec<(Timestamp, String)>>,
    pub log_lines: broadcast::Sender<LogLine>,
    /// Bumped to end every open watch and log stream (a "dropped connection").
    pub cuts: tokio::sync::watch::Sender<u64>,
    /// How many watches were answered 410 Gone.
    pub gone: usize,
    /// Pods' ports for portforward: pod port → a local TCP port that plays it.
    pub pod_ports: HashMap<u16, u16>,
    /// An in-cluster Prometheus behind the service proxy (`monitoring/prometheus-operated:9090`):
    /// per pod (namespace, name, CPU cores, memory bytes). None: no such service.
    pub prometheus: Option<Vec<(String, String, f64, f64)>>,
}

impl Store {
    pub fn new() -> Store {
        Store {
            objects: BTreeMap::new(),
            rv: 1000,
            history: Vec::new(),
            compacted: 0,
            events: broadcast::channel(4096).0,
            logs: HashMap::new(),
            log_lines: broadcast::channel(65536).0,
            cuts: tokio::sync::watch::channel(0).0,
            gone: 0,
            pod_ports: HashMap::new(),
            prometheus: None,
        }
    }

    pub fn load_yaml(&mut self, text: &str) {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let v: Value = serde::Deserialize::deserialize(doc).expect("fixture YAML");
            if !v.is_null() {
                self.apply(v);
            }
        }
        // The namespaces the objects live in exist (clients like kubetui list them first).
        let mut names: Vec<String> = self.objects.values().filter_map(|o| o["metadata"]["namespace"].as_str().map(String::from)).collect();
        names.extend(["default".to_string(), "kube-system".to_string()]);
        names.sort();
        names.dedup();
        for n in names {
            self.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "uid": format!("uid-ns-{n}")}, "status": {"phase": "Active"}}));
        }
    }

    /// Whether any object of this kind was ever stored (a CRD "installed").
    pub fn has_kind(&self, kind: &str) -> bool {
        self.history.iter().any(|e| e.object["kind"] == kind) || self.objects.values().any(|o| o["kind"] == kind)
    }

    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// Creates or replaces an object; returns it with its new resourceVersion.
    pub fn apply(&mut self, mut obj: Value) -> Value {
        check(&obj);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let plural = plural_of(obj["kind"].as_str().unwrap());
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let key = (plural, ns.clone(), name);
        let kind = if self.objects.contains_key(&key) { "MODIFIED" } else { "ADDED" };
        // The API server stamps creation itself and keeps it across updates.
        if obj["metadata"]["creationTimestamp"].is_null() {
            let created = self.objects.get(&key).map(|old| old["metadata"]["creationTimestamp"].clone()).filter(|c| !c.is_null());
            obj["metadata"]["creationTimestamp"] =
                created.unwrap_or_else(|| json!(Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()));
        }
        self.objects.insert(key, obj.clone());
        self.record(Event { rv: self.rv, plural, namespace: ns, kind, object: obj.clone() });
        obj
    }

    pub fn delete(&mut self, plural: &'static str, ns: &str, name: &str) -> Option<Value> {
        let mut obj = self.objects.remove(&(plural, ns.to_string(), name.to_string()))?;
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.record(Event { rv: self.rv, plural, namespace: ns.to_string(), kind: "DELETED", object: obj.clone() });
        Some(obj)
    }

    fn record(&mut self, e: Event) {
        self.history.push(e.clone());
        let _ = self.events.send(e);
    }

    pub fn get(&self, plural: &'static str, ns: &str, name: &str) -> Option<Value> {
        self.objects.get(&(plural, ns.to_string(), name.to_string())).cloned()
    }

    pub fn list(&self, plural: &str, ns: Option<&str>) -> Vec<Value> {
        self.objects.iter().filter(|((p, n, _), _)| *p == plural && ns.is_none_or(|x| x == n)).map(|(_, v)| v.clone()).collect()
    }

    /// Events after `rv` for this resource (and namespace); Err when that history is compacted.
    pub fn since(&mut self, plural: &str, ns: Option<&str>, rv: u64) -> Result<Vec<Event>, ()> {
        if rv < self.compacted {
            self.gone += 1;
            return Err(());
        }
        Ok(self.history.iter().filter(|e| e.rv > rv && e.plural == plural && ns.is_none_or(|n| n == e.namespace)).cloned().collect())
    }

    /// Forgets the watch history, as etcd compaction does: older versions answer 410 Gone.
    pub fn compact(&mut self) {
        self.compacted = self.rv;
        self.history.clear();
    }

    /// Ends every open watch and log stream.
    pub fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn log(&mut self, ns: &str, pod: &str, at: Timestamp, text: &str) {
        self.logs.entry((ns.to_string(), pod.to_string())).or_default().push((at, text.to_string()));
        let _ = self.log_lines.send(LogLine { namespace: ns.into(), pod: pod.into(), at, text: text.into() });
    }

    pub fn logs(&self, ns: &str, pod: &str) -> Vec<(Timestamp, String)> {
        self.logs.get(&(ns.to_string(), pod.to_string())).cloned().unwrap_or_default()
    }
}
