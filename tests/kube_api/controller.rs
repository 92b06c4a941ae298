//! A small deployment controller, enough for rollout status, restart and undo: a PATCH that
//! changes the pod template makes a new ReplicaSet (the next revision) and replaces the pods one
//! by one, updating the deployment's status as a real controller does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::store::Store;

/// RFC 7386 JSON merge patch (what `kubectl rollout restart` and undo send, as far as the pod
/// template's annotations and the whole template go).
pub fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn hash(v: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    format!("{:x}", h.finish())[..9].to_string()
}

fn revision(obj: &Value) -> u64 {
    obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str().and_then(|r| r.parse().ok()).unwrap_or(1)
}

/// The ReplicaSet of one revision of a deployment's template.
fn replica_set(dep: &Value, rev: u64, replicas: i64) -> Value {
    let ns = dep["metadata"]["namespace"].as_str().unwrap_or("default");
    let name = dep["metadata"]["name"].as_str().unwrap();
    let template = dep["spec"]["template"].clone();
    let h = hash(&template);
    let mut template = template;
    template["metadata"]["labels"]["pod-template-hash"] = json!(h);
    let mut selector = dep["spec"]["selector"].clone();
    selector["matchLabels"]["pod-template-hash"] = json!(h);
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("{name}-{h}"), "namespace": ns, "labels": template["metadata"]["labels"].clone(),
            "annotations": {"deployment.kubernetes.io/revision": rev.to_string()},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": dep["metadata"]["uid"].clone(), "controller": true}]},
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": replicas}
    })
}

/// ReplicaSets for the fixtures' deployments (revision 1), named after their pods' hash.
pub fn adopt(store: &mut Store) {
    for dep in store.list("deployments", None) {
        let replicas = dep["spec"]["replicas"].as_i64().unwrap_or(1);
        let mut rs = replica_set(&dep, revision(&dep), replicas);
        let name = dep["metadata"]["name"].as_str().unwrap();
        let ns = dep["metadata"]["namespace"].as_str().unwrap_or("default");
        let pods = store.list("pods", Some(ns));
        if let Some(h) = pods.iter().find_map(|p| {
            let owner = p["metadata"]["ownerReferences"][0]["name"].as_str()?;
            owner.strip_prefix(&format!("{name}-")).map(String::from)
        }) {
            rs["metadata"]["name"] = json!(format!("{name}-{h}"));
            rs["metadata"]["labels"]["pod-template-hash"] = json!(h);
            rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] = json!(h);
            rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = json!(h);
        }
        store.apply(rs);
    }
}

pub fn patch_deployment(store: &Arc<Mutex<Store>>, ns: &str, name: &str, patch: &Value) -> Option<Value> {
    let mut s = store.lock().unwrap();
    let mut dep = s.get("deployments", ns, name)?;
    let before = dep["spec"]["template"].clone();
    merge(&mut dep, patch);
    if dep["spec"]["template"] == before {
        return Some(s.apply(dep));
    }
    // A new template: the next revision, rolled out pod by pod.
    let rev = s
        .list("replicasets", Some(ns))
        .iter()
        .filter(|r| r["metadata"]["ownerReferences"][0]["name"] == name)
        .map(revision)
        .max()
        .unwrap_or(1)
        + 1;
    let generation = dep["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
    dep["metadata"]["generation"] = json!(generation);
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!(rev.to_string());
    dep["status"]["updatedReplicas"] = json!(0);
    set_progressing(&mut dep, "ReplicaSetUpdated");
    let replicas = dep["spec"]["replicas"].as_i64().unwrap_or(1);
    let rs = replica_set(&dep, rev, replicas);
    s.apply(rs.clone());
    let dep = s.apply(dep);
    drop(s);
    tokio::spawn(roll(store.clone(), ns.to_string(), name.to_string(), rs, generation));
    Some(dep)
}

fn set_progressing(dep: &mut Value, reason: &str) {
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let conds = dep["status"]["conditions"].as_array().cloned().unwrap_or_default();
    let mut conds: Vec<Value> = conds.into_iter().filter(|c| c["type"] != "Progressing").collect();
    conds.push(json!({"type": "Progressing", "status": "True", "reason": reason, "lastUpdateTime": now, "lastTransitionTime": now}));
    dep["status"]["conditions"] = json!(conds);
}

/// Replaces old pods with the new ReplicaSet's, one at a time.
async fn roll(store: Arc<Mutex<Store>>, ns: String, name: String, rs: Value, generation: i64) {
    let replicas = rs["spec"]["replicas"].as_i64().unwrap_or(1);
    let hash = rs["metadata"]["labels"]["pod-template-hash"].as_str().unwrap_or("").to_string();
    for i in 0..replicas {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let mut s = store.lock().unwrap();
        let Some(mut dep) = s.get("deployments", &ns, &name) else { return };
        if dep["metadata"]["generation"].as_i64() != Some(generation) {
            return; // a newer rollout took over
        }
        let labels = rs["spec"]["template"]["metadata"]["labels"].clone();
        let pod_name = format!("{}-{}", rs["metadata"]["name"].as_str().unwrap(), ["a1", "b2", "c3", "d4", "e5", "f6"][i as usize % 6]);
        let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let image = rs["spec"]["template"]["spec"]["containers"][0]["image"].clone();
        let container = rs["spec"]["template"]["spec"]["containers"][0]["name"].clone();
        s.apply(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod_name, "namespace": ns, "labels": labels, "uid": format!("uid-{pod_name}"), "creationTimestamp": now,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"].clone(), "uid": "x", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": rs["spec"]["template"]["spec"]["containers"].clone()},
            "status": {"phase": "Running", "startTime": now, "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": container, "image": image, "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": now}}}]}
        }));
        // One old pod goes.
        let selector = dep["spec"]["selector"]["matchLabels"].clone();
        let old = s.list("pods", Some(&ns)).into_iter().find(|p| {
            let l = &p["metadata"]["labels"];
            selector.as_object().is_some_and(|m| m.iter().all(|(k, v)| &l[k] == v)) && l["pod-template-hash"] != hash.as_str()
        });
        if let Some(p) = old {
            s.delete("pods", &ns, p["metadata"]["name"].as_str().unwrap());
        }
        dep["status"]["updatedReplicas"] = json!(i + 1);
        dep["status"]["readyReplicas"] = json!(replicas);
        dep["status"]["replicas"] = json!(replicas);
        dep["status"]["availableReplicas"] = json!(replicas);
        dep["status"]["observedGeneration"] = json!(generation);
        if i + 1 == replicas {
            set_progressing(&mut dep, "NewReplicaSetAvailable");
        }
        s.apply(dep);
    }
}
