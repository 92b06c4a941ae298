//! nginx's routes from `nginx -T`: for each `server` block, its server_name, whether it listens
//! with TLS, and where `location /` (or the first location) proxies to.

use super::Route;

/// Strips comments and splits into tokens, with `{`, `}` and `;` as tokens of their own.
fn tokens(config: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in config.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut cur = String::new();
        for c in line.chars() {
            match c {
                '{' | '}' | ';' => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    out.push(c.to_string());
                }
                c if c.is_whitespace() => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

pub fn routes(config: &str) -> Vec<Route> {
    let toks = tokens(config);
    let mut routes = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == "server" && toks.get(i + 1).map(String::as_str) == Some("{") {
            let (route, end) = server_block(&toks, i + 2);
            if let Some(r) = route {
                routes.push(r);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    routes
}

/// Reads one server block starting after its `{`; returns the route and the index after `}`.
fn server_block(toks: &[String], start: usize) -> (Option<Route>, usize) {
    let mut depth = 1;
    let mut i = start;
    let mut domains = Vec::new();
    let mut tls = false;
    let mut tls_port: Option<u16> = None;
    let mut cert_file: Option<String> = None;
    let mut upstream: Option<String> = None;
    while i < toks.len() && depth > 0 {
        let t = toks[i].as_str();
        match t {
            "{" => depth += 1,
            "}" => depth -= 1,
            "server_name" => {
                let mut j = i + 1;
                while j < toks.len() && toks[j] != ";" {
                    if toks[j] != "_" {
                        domains.push(toks[j].clone());
                    }
                    j += 1;
                }
            }
            "listen" => {
                let mut j = i + 1;
                let mut port = None;
                let mut ssl = false;
                while j < toks.len() && toks[j] != ";" {
                    let t = toks[j].as_str();
                    if t == "ssl" {
                        ssl = true;
                    }
                    if port.is_none() {
                        port = t.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                    }
                    j += 1;
                }
                if ssl || port == Some(443) {
                    tls = true;
                    tls_port = tls_port.or(port).or(Some(443));
                }
            }
            "ssl_certificate" if cert_file.is_none() => cert_file = toks.get(i + 1).cloned(),
            "proxy_pass" if upstream.is_none() => upstream = toks.get(i + 1).cloned(),
            _ => {}
        }
        i += 1;
    }
    let route = match (domains.is_empty(), upstream) {
        // A TLS server without a proxy still has a certificate worth watching.
        (false, None) if tls => Some(super::Route {
            domains,
            tls,
            tls_port,
            cert_file,
            upstream: String::new(),
            upstream_port: None,
            app: None,
            upstream_listening: None,
        }),
        (false, Some(up)) => {
            let port = super::upstream_addr(&up).map(|(_, p)| p);
            Some(super::Route { domains, tls, tls_port, cert_file, upstream: up, upstream_port: port, app: None, upstream_listening: None })
        }
        _ => None,
    };
    (route, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_blocks() {
        let conf = "http {\n server { listen 80 default_server; server_name _; root /var/www; }\n\
                    server {\n  listen 443 ssl; # tls\n  server_name shop.example.com www.shop.example.com;\n\
                    location / { proxy_pass http://127.0.0.1:8080; }\n location /api { proxy_pass http://127.0.0.1:9000/; }\n }\n}\n";
        let r = routes(conf);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].domains, ["shop.example.com", "www.shop.example.com"]);
        assert!(r[0].tls);
        assert_eq!(r[0].upstream_port, Some(8080));
        assert_eq!(r[0].tls_port, Some(443));
    }
}
