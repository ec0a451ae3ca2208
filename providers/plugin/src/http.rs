//! A small HTTPS GET client for registries, network mirrors and package downloads, on the
//! hyper and rustls stack the workspace already links (no AWS SDK). Plain HTTP is allowed
//! only to this machine (a registry or mirror served for tests or a local mirror).

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use url::Url;

/// How many redirects a request follows, as Go's HTTP client does.
const MAX_REDIRECTS: usize = 10;

/// Terraform's limit for one registry request (`TF_REGISTRY_CLIENT_TIMEOUT` seconds).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("loading the system's TLS root certificates: {0}")]
    Tls(#[source] std::io::Error),
    #[error(
        "refusing to fetch {0} over plain HTTP; registries, mirrors and downloads must use HTTPS"
    )]
    PlainHttp(Url),
    #[error("GET {0}: {1}")]
    Request(Url, String),
    #[error("GET {0}: no answer within {1} seconds")]
    Timeout(Url, u64),
    #[error("GET {0}: stopped after {MAX_REDIRECTS} redirects")]
    Redirects(Url),
    #[error("invalid redirect {1:?} from {0}")]
    BadRedirect(Url, String),
    #[error("{path}: {source}", path = .0.display(), source = .1)]
    Io(std::path::PathBuf, #[source] std::io::Error),
}

/// One answer, its body read whole.
pub struct Response {
    pub status: u16,
    /// The URL finally answered, after redirects (relative addresses resolve against it).
    pub url: Url,
    pub content_type: Option<String>,
    /// The module registry's `X-Terraform-Get` header.
    pub terraform_get: Option<String>,
    pub body: Vec<u8>,
}

/// GETs `url`, following redirects, with `token` as a bearer credential when given.
pub async fn get(url: &Url, token: Option<&str>) -> Result<Response, HttpError> {
    let (resp, url) = send(url, token).await?;
    let header = |name: &str| -> Option<String> {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (status, content_type, terraform_get) = (
        resp.status().as_u16(),
        header("content-type"),
        header("x-terraform-get"),
    );
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| HttpError::Request(url.clone(), e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(Response {
        status,
        url,
        content_type,
        terraform_get,
        body,
    })
}

/// Downloads `url` into the file `to` (streamed, not held in memory) and returns the HTTP
/// status; the file holds the body only when the status is 200.
pub async fn download(url: &Url, to: &Path) -> Result<u16, HttpError> {
    use tokio::io::AsyncWriteExt as _;
    let (resp, url) = send(url, None).await?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Ok(status);
    }
    let io = |e| HttpError::Io(to.to_path_buf(), e);
    let mut file = tokio::fs::File::create(to).await.map_err(io)?;
    let mut body = resp.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| HttpError::Request(url.clone(), e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            file.write_all(&data).await.map_err(io)?;
        }
    }
    file.flush().await.map_err(io)?;
    Ok(status)
}

/// Sends the request, following redirects; returns the final answer and its URL.
async fn send(
    url: &Url,
    token: Option<&str>,
) -> Result<(hyper::Response<hyper::body::Incoming>, Url), HttpError> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(HttpError::Tls)?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let mut url = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(HttpError::PlainHttp(url));
        }
        let mut req = hyper::Request::get(url.as_str());
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req = req
            .header("User-Agent", concat!("terrane/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .map_err(|e| HttpError::Request(url.clone(), e.to_string()))?;
        // Each request waits at most the registry timeout for its answer's headers.
        let limit = timeout();
        let resp = tokio::time::timeout(limit, client.request(req))
            .await
            .map_err(|_| HttpError::Timeout(url.clone(), limit.as_secs()))?
            .map_err(|e| HttpError::Request(url.clone(), error_chain(&e)))?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match location {
            Some(loc) if resp.status().is_redirection() => {
                url = url
                    .join(&loc)
                    .map_err(|_| HttpError::BadRedirect(url.clone(), loc))?;
            }
            _ => return Ok((resp, url)),
        }
    }
    Err(HttpError::Redirects(url))
}

/// hyper's errors say little at the top ("client error (Connect)"); the cause says why.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn timeout() -> Duration {
    std::env::var("TF_REGISTRY_CLIENT_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// Plain HTTP is accepted only on the local machine; everything else must use TLS.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
