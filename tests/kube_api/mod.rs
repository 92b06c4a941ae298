//! A Kubernetes API server for the tests: real protocol over HTTPS (rustls), real payloads (the
//! fixtures under fixtures/kube/, checked against k8s-openapi types), lists with
//! resourceVersion, watches (410 Gone after compaction), pod logs with follow, PATCH with a
//! small rollout controller, 403 for an RBAC-limited user, client-certificate and bearer-token
//! authentication. A test server, not a product: one per cluster, on 127.0.0.1 only, on its
//! own thread, gone when dropped.
#![allow(dead_code)]

pub mod controller;
pub mod routes;
pub mod store;
pub mod stream;
pub mod tls;

use std::path::Path;
use std::sync::{Arc, Mutex};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

pub use store::Store;

pub struct ApiServer {
    pub port: u16,
    pub store: Arc<Mutex<Store>>,
    pub pki: tls::Pki,
    runtime: Option<tokio::runtime::Runtime>,
}

/// How a kubeconfig user authenticates.
pub enum Auth {
    ClientCert,
    Token(&'static str),
}

impl ApiServer {
    /// Starts a server holding the objects of `fixture` (a file under fixtures/kube/).
    pub fn start(fixture: &str) -> ApiServer {
        let mut store = Store::new();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kube").join(fixture);
        store.load_yaml(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        controller::adopt(&mut store);
        let store = Arc::new(Mutex::new(store));
        let pki = tls::pki();
        let config = tls::server_config(&pki);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let shared = store.clone();
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let acceptor = acceptor.clone();
                let store = shared.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let has_cert = tls.get_ref().1.peer_certificates().is_some_and(|c| !c.is_empty());
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let store = store.clone();
                        async move {
                            let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(String::from);
                            let resp = match routes::identity(has_cert, auth.as_deref()) {
                                Some(who) => routes::handle(store, who, req).await,
                                None => routes::status(401, "Unauthorized", "Unauthorized"),
                            };
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).with_upgrades().await;
                });
            }
        });
        ApiServer { port, store, pki, runtime: Some(runtime) }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// A kubeconfig with one context `name` for this server.
    pub fn kubeconfig(&self, name: &str, auth: Auth) -> String {
        let b64 = |s: &str| data_encoding::BASE64.encode(s.as_bytes());
        let user = match auth {
            Auth::ClientCert => format!(
                "    client-certificate-data: {}\n    client-key-data: {}\n",
                b64(&self.pki.client_cert_pem),
                b64(&self.pki.client_key_pem)
            ),
            Auth::Token(t) => format!("    token: {t}\n"),
        };
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\ncontexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-user\nusers:\n- name: {name}-user\n  user:\n{user}",
            url = self.url(),
            ca = b64(&self.pki.ca_pem),
        )
    }

    /// Runs `f` with the store locked (test setup and changes).
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock().unwrap())
    }

    /// Runs a future on the server's runtime (for changes that start tasks, like a rollout).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.as_ref().unwrap().block_on(f)
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
