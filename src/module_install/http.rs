//! A small HTTPS (and loopback HTTP) GET client for module registries and downloads, on the
//! hyper and rustls stack the AWS SDK already brings in.

use anyhow::{bail, Context as _};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

/// How many redirects a request follows, as Go's HTTP client does.
const MAX_REDIRECTS: usize = 10;

pub struct Response {
    pub status: u16,
    /// The URL finally answered, after redirects (relative addresses resolve against it).
    pub url: Url,
    pub terraform_get: Option<String>,
    pub body: Vec<u8>,
}

/// GETs `url`, following redirects, with `token` as a bearer credential when given.
pub async fn get(url: &Url, token: Option<&str>) -> anyhow::Result<Response> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .context("loading the system's TLS root certificates")?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let mut url = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        if url.scheme() == "http" && !is_loopback(&url) {
            bail!("refusing to fetch {url} over plain HTTP; module registries and downloads must use HTTPS");
        }
        let mut req = hyper::Request::get(url.as_str());
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req = req
            .header("User-Agent", concat!("terrane/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .with_context(|| format!("building a request for {url}"))?;
        let resp = client
            .request(req)
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = resp.status().as_u16();
        let header = |name: &str| -> Option<String> {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if (300..400).contains(&status) {
            if let Some(loc) = header("location") {
                url = url
                    .join(&loc)
                    .with_context(|| format!("invalid redirect {loc:?} from {url}"))?;
                continue;
            }
        }
        let terraform_get = header("x-terraform-get");
        let body = resp
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the answer of {url}"))?
            .to_bytes()
            .to_vec();
        return Ok(Response {
            status,
            url,
            terraform_get,
            body,
        });
    }
    bail!("GET {url}: stopped after {MAX_REDIRECTS} redirects")
}

/// Plain HTTP is accepted only on the local machine (a registry run for tests or a
/// local mirror); everything else must use TLS.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
