//! One engine, watched: its containers inspected once, then kept true by the engine's event
//! stream (start, die, restart, oom, health_status, rename, destroy …): a refresh reads this
//! store and asks the engine nothing, so an idle host costs nothing on either end. Only
//! containers whose health is in doubt are inspected again at a refresh (a failing streak grows
//! without an event). A broken stream marks the store stale; the next refresh starts over.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bollard::Docker;
use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use bollard::query_parameters::{EventsOptionsBuilder, ListContainersOptionsBuilder};
use futures::StreamExt;
use jiff::Timestamp;
use tokio::sync::Notify;

use super::client::{describe, not_found};
use super::containers::{self, name_of};

/// Container events that change what fleet shows (exec_* and attach are left out: a
/// HEALTHCHECK execs every few seconds).
pub const EVENTS: &[&str] =
    &["create", "start", "restart", "die", "stop", "kill", "oom", "pause", "unpause", "rename", "destroy", "update", "health_status"];

/// How many inspects run at once (a first look at a host with hundreds of containers).
const PARALLEL: usize = 16;

pub struct Engine {
    pub docker: Docker,
    /// By container name.
    containers: Mutex<BTreeMap<String, ContainerInspectResponse>>,
    /// When each image (by ID) was created: asked once per image.
    images: Mutex<HashMap<String, Option<Timestamp>>>,
    /// Set when the event stream broke: the store may be behind.
    broken: Mutex<Option<String>>,
    pub changed: Arc<Notify>,
    /// The compose env files of each service, by its compose files, service and config hash:
    /// read once per service config (a scaled service's containers share it; a changed config
    /// has a new hash and is read again).
    env_files: Mutex<HashMap<String, Vec<String>>>,
    watcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Ok(mut w) = self.watcher.lock()
            && let Some(task) = w.take()
        {
            task.abort();
        }
    }
}

impl Engine {
    /// Subscribes to events, then lists and inspects every container (events that arrive
    /// meanwhile are applied after: inspecting twice is harmless, missing one is not).
    pub async fn start(docker: Docker, changed: Arc<Notify>) -> Result<Arc<Engine>, String> {
        let filters: HashMap<&str, Vec<&str>> = HashMap::from([("type", vec!["container"]), ("event", EVENTS.to_vec())]);
        let mut events = docker.events(Some(EventsOptionsBuilder::new().filters(&filters).build()));
        let engine = Arc::new(Engine {
            docker,
            containers: Mutex::default(),
            images: Mutex::default(),
            broken: Mutex::default(),
            changed,
            env_files: Mutex::default(),
            watcher: Mutex::default(),
        });
        engine.relist().await?;
        let weak = Arc::downgrade(&engine);
        let task = tokio::spawn(async move {
            let reason = loop {
                let Some(item) = events.next().await else { break "the engine closed its event stream".to_string() };
                let Some(engine) = weak.upgrade() else { return };
                match item {
                    Ok(ev) => {
                        let Some(id) = ev.actor.and_then(|a| a.id) else { continue };
                        engine.reinspect(&id).await;
                        engine.changed.notify_one();
                    }
                    Err(e) => break describe(&e),
                }
            };
            if let Some(engine) = weak.upgrade() {
                if let Ok(mut b) = engine.broken.lock() {
                    *b = Some(reason);
                }
                engine.changed.notify_one();
            }
        });
        if let Ok(mut w) = engine.watcher.lock() {
            *w = Some(task);
        }
        Ok(engine)
    }

    /// Why the store can no longer be trusted, if it cannot.
    pub fn broken(&self) -> Option<String> {
        self.broken.lock().ok().and_then(|b| b.clone())
    }

    /// Lists and inspects every container again (after an action that replaced some: Dokku's
    /// deploys), not waiting for their events.
    pub async fn relist(&self) -> Result<(), String> {
        let list =
            self.docker.list_containers(Some(ListContainersOptionsBuilder::new().all(true).build())).await.map_err(|e| describe(&e))?;
        let ids: Vec<String> = list.into_iter().filter_map(|c| c.id).collect();
        let inspected: Vec<_> = futures::stream::iter(ids)
            .map(|id| async move { self.docker.inspect_container(&id, None).await })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        let mut map = BTreeMap::new();
        for c in inspected {
            match c {
                Ok(c) => {
                    map.insert(name_of(&c), c);
                }
                // Removed between the list and its inspect.
                Err(e) if not_found(&e) => {}
                Err(e) => return Err(describe(&e)),
            }
        }
        let images: Vec<String> = map.values().filter_map(|c| c.image.clone()).collect();
        for id in images {
            self.image_created(&id).await;
        }
        if let Ok(mut m) = self.containers.lock() {
            *m = map;
        }
        Ok(())
    }

    /// Inspects one container again (an event named it) and puts it under its current name;
    /// a container that is gone leaves the store.
    pub async fn reinspect(&self, id: &str) {
        let r = self.docker.inspect_container(id, None).await;
        if let Ok(Some(image)) = r.as_ref().map(|c| c.image.clone()) {
            self.image_created(&image).await;
        }
        let Ok(mut m) = self.containers.lock() else { return };
        // Renamed or destroyed: whatever held this ID goes first.
        m.retain(|_, c| c.id.as_deref() != Some(id));
        if let Ok(c) = r {
            m.insert(name_of(&c), c);
        }
    }

    /// At a refresh: containers whose health is in doubt (unhealthy, starting) are inspected
    /// again, since a growing failing streak sends no event.
    pub async fn recheck_health(&self) {
        let doubtful: Vec<String> = self
            .snapshot()
            .iter()
            .filter(|c| matches!(containers::health(c), Some(HealthStatusEnum::UNHEALTHY | HealthStatusEnum::STARTING)))
            .filter_map(|c| c.id.clone())
            .collect();
        for id in doubtful {
            self.reinspect(&id).await;
        }
    }

    /// Every container as last seen, by name.
    pub fn snapshot(&self) -> Vec<ContainerInspectResponse> {
        self.containers.lock().map(|m| m.values().cloned().collect()).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<ContainerInspectResponse> {
        self.containers.lock().ok()?.get(name).cloned()
    }

    async fn image_created(&self, id: &str) -> Option<Timestamp> {
        if let Some(t) = self.images.lock().ok()?.get(id) {
            return *t;
        }
        let created = self.docker.inspect_image(id).await.ok().and_then(|i| containers::parse_time(i.created.as_deref()));
        self.images.lock().ok()?.insert(id.to_string(), created);
        created
    }

    /// The compose env files the container's service reads, from its compose files on the host,
    /// read once per container. An unreadable compose file leaves none (the env view says why).
    pub async fn env_files_of(&self, transport: &crate::transport::Transport, c: &ContainerInspectResponse) -> Vec<String> {
        let l = super::containers::labels(c);
        let Some(service) = l.get(super::containers::COMPOSE_SERVICE) else { return Vec::new() };
        let key = format!(
            "{}\0{service}\0{}",
            super::compose::compose_files(c).join(","),
            l.get("com.docker.compose.config-hash").map(String::as_str).unwrap_or("")
        );
        if let Some(files) = self.env_files.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return files;
        }
        let files = match super::compose::service_env(transport, c).await {
            Some(Ok(env)) => env.env_files,
            _ => Vec::new(),
        };
        if let Ok(mut m) = self.env_files.lock() {
            m.insert(key, files.clone());
        }
        files
    }

    pub fn created_of(&self, c: &ContainerInspectResponse) -> Option<Timestamp> {
        let id = c.image.as_deref()?;
        self.images.lock().ok()?.get(id).copied().flatten()
    }
}
