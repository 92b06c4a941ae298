//! A cluster's certificates: every `kubernetes.io/tls` Secret's `tls.crt` (what an Ingress
//! serves) and every cert-manager `Certificate` (its notAfter and whether it is Ready). They
//! join `fleet certs` and the certs view beside droplets' and kubeconfig credentials. A cluster
//! without cert-manager simply has no Certificate rows.

use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, ListParams};

use super::KubeBackend;
use crate::certs::x509::{CertInfo, first_from_pem};
use crate::certs::{CertRow, CertSource};
use crate::model::{HostError, HostErrorKind};

fn certificate_resource() -> ApiResource {
    ApiResource {
        group: "cert-manager.io".into(),
        version: "v1".into(),
        api_version: "cert-manager.io/v1".into(),
        kind: "Certificate".into(),
        plural: "certificates".into(),
    }
}

pub async fn cluster_certs(k: &KubeBackend) -> Result<Vec<CertRow>, HostError> {
    let client = k.client().await?;
    let scopes: Vec<Option<String>> =
        if k.namespaces().is_empty() { vec![None] } else { k.namespaces().iter().cloned().map(Some).collect() };
    let mut rows = Vec::new();
    for ns in &scopes {
        let secrets: Api<Secret> = match ns {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        let list = secrets.list(&ListParams::default().fields("type=kubernetes.io/tls")).await.map_err(|e| {
            let (kind, msg) = super::backend::describe(&e);
            HostError::new(kind, format!("TLS secrets: {msg}"))
        })?;
        for s in list.items {
            let name = format!("{}/{}", s.metadata.namespace.as_deref().unwrap_or("default"), s.metadata.name.as_deref().unwrap_or(""));
            let pem = s.data.as_ref().and_then(|d| d.get("tls.crt")).map(|b| b.0.clone());
            let (info, error) = match pem.map(|p| first_from_pem(&p)) {
                Some(Ok(i)) => (Some(i), None),
                Some(Err(e)) => (None, Some(e)),
                None => (None, Some("no tls.crt in the secret".into())),
            };
            let what = info.as_ref().and_then(|i| i.sans.first().cloned()).unwrap_or_else(|| name.clone());
            rows.push(CertRow {
                host: k.id().clone(),
                what,
                source: CertSource::Kube { resource: format!("secret {name}") },
                info,
                error,
                note: None,
            });
        }
        let certs: Api<DynamicObject> = match ns {
            Some(n) => Api::namespaced_with(client.clone(), n, &certificate_resource()),
            None => Api::all_with(client.clone(), &certificate_resource()),
        };
        match certs.list(&ListParams::default()).await {
            Ok(list) => rows.extend(list.items.iter().map(|c| certificate_row(k, c))),
            // No cert-manager here (the CRD is not installed): nothing to show.
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => {
                return Err(HostError::new(
                    HostErrorKind::Command,
                    format!("cert-manager Certificates: {}", super::backend::describe(&e).1),
                ));
            }
        }
    }
    Ok(rows)
}

/// A cert-manager Certificate: its notAfter, DNS names and Ready condition.
fn certificate_row(k: &KubeBackend, c: &DynamicObject) -> CertRow {
    let ns = c.metadata.namespace.as_deref().unwrap_or("default");
    let name = c.metadata.name.as_deref().unwrap_or("");
    let spec = &c.data["spec"];
    let status = &c.data["status"];
    let sans: Vec<String> =
        spec["dnsNames"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    let ready = status["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"));
    let note = match ready {
        Some(r) if r["status"] == "True" => None,
        Some(r) => Some(
            crate::text::sanitize(&format!("not Ready: {} ({})", r["message"].as_str().unwrap_or(""), r["reason"].as_str().unwrap_or("")))
                .into_owned(),
        ),
        None => Some("not Ready: cert-manager has not issued it yet".into()),
    };
    let not_after = status["notAfter"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let info = not_after.map(|not_after| CertInfo {
        subject: spec["commonName"].as_str().map(|cn| format!("CN={cn}")).unwrap_or_default(),
        sans: sans.clone(),
        issuer: spec["issuerRef"]["name"].as_str().map(|i| format!("issuer {i}")).unwrap_or_default(),
        not_after,
        serial: String::new(),
        is_ca: spec["isCA"].as_bool().unwrap_or(false),
    });
    let error = info.is_none().then(|| "no notAfter in its status yet".to_string());
    CertRow {
        host: k.id().clone(),
        what: sans.first().cloned().unwrap_or_else(|| name.to_string()),
        source: CertSource::Kube { resource: format!("certificate {ns}/{name} → secret {}", spec["secretName"].as_str().unwrap_or("?")) },
        info,
        error,
        note,
    }
}
