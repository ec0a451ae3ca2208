//! The gRPC channel to one plugin: a single HTTP/2 connection over the socket the plugin
//! announced, driven by hyper directly. tonic's own `transport::Channel` would turn on
//! tower's balancing and buffering features for the whole workspace, and so rebuild every
//! AWS SDK crate that shares tower; a plugin needs none of that. Under go-plugin's
//! AutoMTLS the connection is TLS, trusting only the certificate of the handshake.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};

use std::sync::Arc;

use crate::handshake::{Address, Handshake};
use crate::mtls::Identity;
use crate::Error;

/// Requests go to whatever the connection reaches; the URI only fills HTTP/2's
/// `:scheme` and `:authority`, which go-plugin's server ignores.
pub const ORIGIN: &str = "http://plugin";

#[derive(Clone, Debug)]
pub struct Channel {
    sender: http2::SendRequest<tonic::body::Body>,
}

impl Channel {
    /// Connects to the plugin's socket and starts HTTP/2 on it, inside TLS when the plugin
    /// announced a certificate (AutoMTLS), with `identity` as the client's.
    pub async fn connect(hs: &Handshake, identity: &Identity) -> Result<Channel, Error> {
        let fail = |e: &dyn std::fmt::Display| {
            Error::Handshake(format!("its socket refused the connection: {e}"))
        };
        let tls = match &hs.server_cert {
            Some(cert) => Some(Arc::new(identity.client_config(cert)?)),
            None => None,
        };
        let (sender, connection) = match &hs.address {
            Address::Unix(path) => {
                let path: PathBuf = path.clone();
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| fail(&e))?;
                start(stream, tls).await
            }
            Address::Tcp(addr) => {
                let stream = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| fail(&e))?;
                let _ = stream.set_nodelay(true);
                start(stream, tls).await
            }
        }
        .map_err(|e| fail(&e))?;
        // The connection ends when the plugin exits; calls then fail with their own error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Channel { sender })
    }
}

/// HTTP/2 on `stream`, after a TLS handshake when `tls` is given.
async fn start<S>(
    stream: S,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<(http2::SendRequest<tonic::body::Body>, Driver), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    match tls {
        Some(config) => {
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(crate::mtls::server_name(), stream)
                .await
                .map_err(|e| format!("TLS handshake failed: {e}"))?;
            http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .map(|(s, c)| (s, Box::pin(c) as Driver))
                .map_err(|e| fail(&e))
        }
        None => http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .map(|(s, c)| (s, Box::pin(c) as Driver))
            .map_err(|e| fail(&e)),
    }
}

/// The task that reads and writes the connection's frames.
type Driver = Pin<Box<dyn Future<Output = Result<(), hyper::Error>> + Send>>;

type Response = http::Response<hyper::body::Incoming>;

impl tower_service::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = Response;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.sender.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.sender.send_request(req))
    }
}
