//! Caddy's routes from its Caddyfile: each top-level site block's addresses and where
//! `reverse_proxy` sends them. Caddy serves every hostname address over TLS (automatic HTTPS)
//! unless the address says `http://`. Snippets `(name)`, global options `{` and bare ports are
//! not sites. Files pulled in with `import` are not followed.

use super::Route;

/// Strips a `#` comment that starts a word (Caddy's rule), keeping `#` inside words.
fn strip_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

fn port_of(upstream: &str) -> Option<u16> {
    super::upstream_addr(upstream).map(|(_, p)| p)
}

pub fn routes(caddyfile: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Route> = None;
    for raw in caddyfile.lines() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if depth == 0 && line.ends_with('{') {
            let addrs = line.trim_end_matches('{').trim();
            let mut domains = Vec::new();
            let mut tls = false;
            let mut tls_port = None;
            for a in addrs.split([',', ' ']).map(str::trim).filter(|a| !a.is_empty()) {
                if a.starts_with('(') || a.starts_with(':') {
                    continue;
                }
                let plain_http = a.starts_with("http://");
                let rest = a.trim_start_matches("https://").trim_start_matches("http://");
                let (host, port) = match rest.rsplit_once(':') {
                    Some((h, p)) => (h, p.parse::<u16>().ok()),
                    None => (rest, None),
                };
                if host.is_empty() || !crate::text::is_domain(host) || host.parse::<std::net::IpAddr>().is_ok() {
                    continue;
                }
                if !plain_http && port != Some(80) {
                    tls = true;
                    tls_port = tls_port.or(port).or(Some(443));
                }
                domains.push(host.to_string());
            }
            current = (!domains.is_empty()).then(|| Route {
                domains,
                tls,
                tls_port,
                cert_file: None,
                upstream: String::new(),
                upstream_port: None,
                app: None,
                upstream_listening: None,
            });
            depth = 1;
            continue;
        }
        if depth == 1
            && let Some(r) = current.as_mut()
            && r.upstream.is_empty()
            && let Some(target) = line.strip_prefix("reverse_proxy").map(str::trim)
        {
            let first = target.split_whitespace().find(|t| !t.starts_with('/') && *t != "{").unwrap_or("");
            r.upstream = first.to_string();
            r.upstream_port = port_of(first);
        }
        if depth == 1
            && let Some(r) = current.as_mut()
            && let Some(args) = line.strip_prefix("tls ")
        {
            // `tls cert.pem key.pem`: the certificate file to compare with what is served.
            let mut words = args.split_whitespace();
            if let (Some(cert), Some(_key)) = (words.next(), words.next())
                && cert.starts_with('/')
            {
                r.cert_file = Some(cert.to_string());
            }
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        if depth == 0
            && let Some(r) = current.take()
        {
            routes.push(r);
        }
    }
    if let Some(r) = current {
        routes.push(r);
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_addresses_and_upstreams() {
        let conf = r#"
{
    email ops@example.com   # global options are not a site
}
(common) {
    encode gzip
}
shop.example.com, www.shop.example.com {
    import common
    reverse_proxy 127.0.0.1:8080
}
http://plain.example.com {
    reverse_proxy localhost:9000
}
:8081 {
    respond "health"
}
billing.example.com:8443 {
    tls /etc/ssl/billing.pem /etc/ssl/billing.key
    handle /api/* {
        reverse_proxy 127.0.0.1:7000
    }
    reverse_proxy 127.0.0.1:7001
}
"#;
        let r = routes(conf);
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[0].domains, vec!["shop.example.com", "www.shop.example.com"]);
        assert!(r[0].tls);
        assert_eq!((r[0].tls_port, r[0].upstream_port), (Some(443), Some(8080)));
        assert!(!r[1].tls, "http:// is not TLS");
        assert_eq!(r[1].upstream_port, Some(9000));
        assert_eq!(r[2].tls_port, Some(8443));
        assert_eq!(r[2].cert_file.as_deref(), Some("/etc/ssl/billing.pem"));
        assert_eq!(r[2].upstream_port, Some(7001), "the site's own reverse_proxy, not a nested handle's");
    }

    #[test]
    fn hostile_input_is_no_route() {
        assert!(routes("$(reboot) {\n}\n`x` , ;rm {\n").is_empty());
        assert!(routes("{{{{").is_empty());
    }
}
