//! Traefik's routes where simple: routers in its dynamic configuration files (YAML or TOML)
//! whose rule names hosts with ``Host(`a`, `b`)``, and whose router or file mentions TLS or the
//! `websecure` entry point. Docker labels and the KV stores are not read.

use super::Route;

/// Hosts named by every `Host(...)` in a rule (backquoted or quoted).
pub fn hosts_in_rule(rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rule;
    while let Some(i) = rest.find("Host(") {
        let after = &rest[i + 5..];
        let end = after.find(')').unwrap_or(after.len());
        for part in after[..end].split(',') {
            let h = part.trim().trim_matches(|c| c == '`' || c == '"' || c == '\'' || c == '\\');
            if crate::text::is_domain(h) && !out.iter().any(|x| x == h) {
                out.push(h.to_string());
            }
        }
        rest = &after[end..];
    }
    out
}

/// `files` is the `@@traefik-file PATH` framed dump of /etc/traefik.
pub fn routes(files: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    for file in files.split("@@traefik-file ").skip(1) {
        let tls_file = file.contains("tls") || file.contains("websecure");
        for line in file.lines() {
            let l = line.trim();
            if !(l.starts_with("rule") && l.contains("Host(")) {
                continue;
            }
            let domains = hosts_in_rule(l);
            if domains.is_empty() {
                continue;
            }
            routes.push(Route {
                domains,
                tls: tls_file,
                tls_port: tls_file.then_some(443),
                cert_file: None,
                upstream: String::new(),
                upstream_port: None,
                app: None,
                upstream_listening: None,
            });
        }
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_yaml_and_toml() {
        let dump = "@@traefik-file /etc/traefik/dynamic/shop.yml\nhttp:\n  routers:\n    shop:\n      rule: \"Host(`shop.example.com`) || Host(`www.shop.example.com`)\"\n      entryPoints: [websecure]\n      tls:\n        certResolver: le\n@@traefik-file /etc/traefik/dynamic/old.toml\n[http.routers.old]\n  rule = \"Host(`old.example.com`, `legacy.example.com`)\"\n";
        let r = routes(dump);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].domains, vec!["shop.example.com", "www.shop.example.com"]);
        assert!(r[0].tls);
        assert_eq!(r[1].domains, vec!["old.example.com", "legacy.example.com"]);
        assert!(!r[1].tls, "no TLS in that file");
        assert!(hosts_in_rule("Host(`$(x)`)").is_empty());
    }
}
