//! One kubeconfig context as a host row. Nothing happens until the first refresh: then a client
//! is made (client certificate, bearer token or exec plugin, as kube-rs reads the kubeconfig),
//! the API server's version is asked (reachability and credentials), and one watcher per kind
//! and namespace fills an in-memory store (kube-runtime's reflector: list with resourceVersion,
//! then watch; a 410 Gone re-lists). Later refreshes read the stores: the cluster is watched,
//! not polled. A forbidden namespace (RBAC) or an unreachable server stays on this row.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::Pod;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::apps::{Labels, Objects, processes};
use crate::model::{HostError, HostErrorKind, HostFacts, HostId, HostReport};

/// How long a first refresh waits for every watcher's initial list.
const FIRST_LIST: Duration = Duration::from_secs(15);

/// Cheap to clone: clones share the watchers (a pod-log follower keeps one).
#[derive(Clone)]
pub struct KubeBackend {
    id: HostId,
    context: String,
    /// The merged kubeconfig, or why this row has none (a broken file).
    kubeconfig: Result<Arc<Kubeconfig>, String>,
    namespaces: Vec<String>,
    labels: Labels,
    watching: Arc<tokio::sync::Mutex<Option<Arc<Watching>>>>,
    /// Pod metrics from this in-cluster Prometheus instead of metrics-server.
    pub prometheus: Option<crate::config::kubernetes::PromRef>,
}

/// Watch errors by "kind in namespace", cleared when that watcher recovers.
type Errors = Arc<Mutex<BTreeMap<String, String>>>;

struct Watching {
    client: Client,
    version: String,
    server: String,
    deployments: Vec<(String, Store<Deployment>)>,
    statefulsets: Vec<(String, Store<StatefulSet>)>,
    daemonsets: Vec<(String, Store<DaemonSet>)>,
    cronjobs: Vec<(String, Store<CronJob>)>,
    pods: Vec<(String, Store<Pod>)>,
    errors: Errors,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A kube error in a user's words, with its kind. The API server's own text is remote input:
/// control characters are made visible here, where it enters, so no caller prints them raw.
pub fn describe(e: &kube::Error) -> (HostErrorKind, String) {
    let (kind, text) = describe_raw(e);
    (kind, crate::text::sanitize(&text).into_owned())
}

fn describe_raw(e: &kube::Error) -> (HostErrorKind, String) {
    match e {
        kube::Error::Api(s) if s.code == 401 => (HostErrorKind::Auth, format!("the cluster refused the credentials (401): {}", s.message)),
        kube::Error::Api(s) if s.code == 403 => (HostErrorKind::Auth, format!("forbidden by RBAC (403): {}", s.message)),
        kube::Error::Api(s) => (HostErrorKind::Command, format!("{} ({})", s.message, s.code)),
        kube::Error::Auth(a) => (HostErrorKind::Auth, format!("credentials: {a}")),
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            (HostErrorKind::Unreachable, format!("cannot reach the API server: {}", root_cause(e)))
        }
        other => (HostErrorKind::Command, root_cause(other)),
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        last = s.to_string();
        cur = s.source();
    }
    last
}

fn watch_error(e: &watcher::Error) -> String {
    match e {
        watcher::Error::InitialListFailed(k) | watcher::Error::WatchStartFailed(k) | watcher::Error::WatchFailed(k) => describe(k).1,
        watcher::Error::WatchError(s) => crate::text::sanitize(&format!("{} ({})", s.message, s.code)).into_owned(),
        other => other.to_string(),
    }
}

impl KubeBackend {
    pub fn new(
        id: HostId,
        context: String,
        kubeconfig: Result<Arc<Kubeconfig>, String>,
        namespaces: Vec<String>,
        labels: Labels,
    ) -> KubeBackend {
        KubeBackend { id, context, kubeconfig, namespaces, labels, watching: Arc::new(tokio::sync::Mutex::new(None)), prometheus: None }
    }

    pub fn id(&self) -> &HostId {
        &self.id
    }

    pub fn context(&self) -> &str {
        &self.context
    }

    /// The namespaces fleet.toml limits this cluster to (empty: all).
    pub fn namespaces(&self) -> &[String] {
        &self.namespaces
    }

    /// A client for this context (made on first use; no network until a request).
    pub async fn client(&self) -> Result<Client, HostError> {
        if let Some(w) = self.watching.lock().await.as_ref() {
            return Ok(w.client.clone());
        }
        self.make_client().await.map(|(c, _)| c)
    }

    async fn make_client(&self) -> Result<(Client, String), HostError> {
        let kc = self.kubeconfig.as_ref().map_err(|e| HostError::new(HostErrorKind::Config, e.clone()))?;
        let options = KubeConfigOptions { context: Some(self.context.clone()), ..Default::default() };
        let mut config = kube::Config::from_custom_kubeconfig((**kc).clone(), &options)
            .await
            .map_err(|e| HostError::new(HostErrorKind::Config, format!("context {}: {e}", self.context)))?;
        config.connect_timeout = Some(Duration::from_secs(5));
        // kube-rs retries 429/503/504 up to 15 times with backoff up to 1000 s: a proxied
        // service without endpoints would hang a command for minutes. fleet says what happened
        // at once; its watchers and refresh loop retry on their own schedule.
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config)
            .map_err(|e| HostError::new(HostErrorKind::Config, format!("context {}: {}", self.context, root_cause(&e))))?;
        Ok((client, server))
    }

    async fn start(&self) -> Result<Arc<Watching>, HostError> {
        let (client, server) = self.make_client().await?;
        let version = tokio::time::timeout(Duration::from_secs(10), client.apiserver_version())
            .await
            .map_err(|_| HostError::new(HostErrorKind::Unreachable, format!("{server}: no answer within 10 s")))?
            .map_err(|e| {
                let (kind, msg) = describe(&e);
                HostError::new(kind, msg)
            })?;
        let errors: Errors = Arc::default();
        let mut tasks = Vec::new();
        let scopes: Vec<Option<String>> =
            if self.namespaces.is_empty() { vec![None] } else { self.namespaces.iter().cloned().map(Some).collect() };
        macro_rules! watch_all {
            ($t:ty, $plural:expr) => {
                scopes
                    .iter()
                    .map(|ns| {
                        let api: Api<$t> = match ns {
                            Some(n) => Api::namespaced(client.clone(), n),
                            None => Api::all(client.clone()),
                        };
                        let key = format!("{} in {}", $plural, ns.as_deref().unwrap_or("all namespaces"));
                        let (store, task) = reflect(api, key.clone(), errors.clone());
                        tasks.push(task);
                        (key, store)
                    })
                    .collect::<Vec<_>>()
            };
        }
        let deployments = watch_all!(Deployment, "deployments");
        let statefulsets = watch_all!(StatefulSet, "statefulsets");
        let daemonsets = watch_all!(DaemonSet, "daemonsets");
        let cronjobs = watch_all!(CronJob, "cronjobs");
        let pods = watch_all!(Pod, "pods");
        let w =
            Watching { client, version: version.git_version, server, deployments, statefulsets, daemonsets, cronjobs, pods, errors, tasks };
        // The first answer waits for every initial list (or its error).
        let deadline = tokio::time::Instant::now() + FIRST_LIST;
        let keys: Vec<(String, bool)> = w
            .deployments
            .iter()
            .map(|(k, s)| (k.clone(), ready(s)))
            .chain(w.statefulsets.iter().map(|(k, s)| (k.clone(), ready(s))))
            .chain(w.daemonsets.iter().map(|(k, s)| (k.clone(), ready(s))))
            .chain(w.cronjobs.iter().map(|(k, s)| (k.clone(), ready(s))))
            .chain(w.pods.iter().map(|(k, s)| (k.clone(), ready(s))))
            .collect();
        let _ = keys;
        loop {
            let pending = w.pending();
            if pending == 0 || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(Arc::new(w))
    }

    /// One look at the cluster: its apps' workloads and pods, from the watched stores.
    pub async fn refresh(&self) -> Result<HostReport, HostError> {
        let w = {
            let mut guard = self.watching.lock().await;
            match guard.as_ref() {
                Some(w) => w.clone(),
                None => {
                    let w = self.start().await?;
                    *guard = Some(w.clone());
                    w
                }
            }
        };
        let errors = w.errors.lock().map(|e| e.clone()).unwrap_or_default();
        let total = w.deployments.len() + w.statefulsets.len() + w.daemonsets.len() + w.cronjobs.len() + w.pods.len();
        if !errors.is_empty() && errors.len() == total {
            // Nothing can be watched: the server went away or the credentials stopped working.
            // Start over on the next refresh.
            *self.watching.lock().await = None;
            let first = errors.values().next().cloned().unwrap_or_default();
            let kind = if first.contains("403") || first.contains("401") { HostErrorKind::Auth } else { HostErrorKind::Unreachable };
            return Err(HostError::new(kind, first));
        }
        let objects = w.objects();
        let mut facts = HostFacts { os: Some(format!("Kubernetes {}", w.version)), hostname: Some(w.server.clone()), ..Default::default() };
        if !errors.is_empty() {
            let mut notes: Vec<String> = errors.iter().map(|(k, e)| format!("{k}: {e}")).collect();
            notes.dedup();
            facts.note = Some(notes.join("; "));
        }
        let platforms = vec![crate::model::PlatformStatus { platform: super::info(), note: None }];
        Ok(HostReport {
            host: self.id.clone(),
            facts,
            processes: processes(&objects, &self.id, &self.labels),
            platforms,
            at: jiff::Timestamp::now(),
        })
    }

    /// The watched pods (empty before the first refresh).
    pub async fn pods(&self) -> Vec<Arc<Pod>> {
        match self.watching.lock().await.as_ref() {
            Some(w) => w.objects().pods,
            None => Vec::new(),
        }
    }

    /// Drops the watchers (a broken cluster is started over on the next refresh).
    pub async fn reset(&self) {
        *self.watching.lock().await = None;
    }
}

fn ready<K: Resource + Clone + 'static>(s: &Store<K>) -> bool
where
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    futures::FutureExt::now_or_never(s.wait_until_ready()).is_some()
}

impl Watching {
    /// Stores neither listed nor failed yet.
    fn pending(&self) -> usize {
        let errors = self.errors.lock().map(|e| e.clone()).unwrap_or_default();
        let waiting = |k: &String, r: bool| !r && !errors.contains_key(k);
        self.deployments.iter().filter(|(k, s)| waiting(k, ready(s))).count()
            + self.statefulsets.iter().filter(|(k, s)| waiting(k, ready(s))).count()
            + self.daemonsets.iter().filter(|(k, s)| waiting(k, ready(s))).count()
            + self.cronjobs.iter().filter(|(k, s)| waiting(k, ready(s))).count()
            + self.pods.iter().filter(|(k, s)| waiting(k, ready(s))).count()
    }

    fn objects(&self) -> Objects {
        fn all<K: Resource + Clone + 'static>(stores: &[(String, Store<K>)]) -> Vec<Arc<K>>
        where
            K::DynamicType: Eq + std::hash::Hash + Clone,
        {
            stores.iter().flat_map(|(_, s)| s.state()).collect()
        }
        Objects {
            deployments: all(&self.deployments),
            statefulsets: all(&self.statefulsets),
            daemonsets: all(&self.daemonsets),
            cronjobs: all(&self.cronjobs),
            pods: all(&self.pods),
        }
    }
}

/// A reflector for one kind in one scope; its errors go to `errors[key]` until it recovers.
fn reflect<K>(api: Api<K>, key: String, errors: Errors) -> (Store<K>, JoinHandle<()>)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone + Default,
{
    let (reader, writer) = reflector::store();
    let stream = watcher(api, watcher::Config::default()).default_backoff().reflect(writer);
    let task = tokio::spawn(async move {
        futures::pin_mut!(stream);
        while let Some(ev) = stream.next().await {
            if let Ok(mut errs) = errors.lock() {
                match ev {
                    Ok(_) => {
                        errs.remove(&key);
                    }
                    // 410 Gone: the watcher lists again by itself; not a problem to show.
                    Err(watcher::Error::WatchError(s)) if s.code == 410 => {}
                    Err(e) => {
                        errs.insert(key.clone(), watch_error(&e));
                    }
                }
            }
        }
    });
    (reader, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_server_text_is_sanitised_where_it_enters() {
        let status = kube::core::Status { code: 403, message: "no \u{1b}]0;pwned\u{7}\u{1b}[2Jway".into(), ..Default::default() };
        let (kind, text) = describe(&kube::Error::Api(Box::new(status)));
        assert_eq!(kind, HostErrorKind::Auth);
        assert!(text.contains("no ") && text.contains("way") && text.contains("403"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
    }
}
