//! The gRPC channel to one plugin: a single HTTP/2 connection over the socket the plugin
//! announced, driven by hyper directly. tonic's own `transport::Channel` would turn on
//! tower's balancing and buffering features for the whole workspace, and so rebuild every
//! AWS SDK crate that shares tower; a plugin needs none of that.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::handshake::{Address, Handshake};
use crate::Error;

/// Requests go to whatever the connection reaches; the URI only fills HTTP/2's
/// `:scheme` and `:authority`, which go-plugin's server ignores.
pub const ORIGIN: &str = "http://plugin";

#[derive(Clone, Debug)]
pub struct Channel {
    sender: http2::SendRequest<tonic::body::Body>,
}

impl Channel {
    /// Connects to the plugin's socket and starts HTTP/2 on it.
    pub async fn connect(hs: &Handshake) -> Result<Channel, Error> {
        let fail = |e: &dyn std::fmt::Display| {
            Error::Handshake(format!("its socket refused the connection: {e}"))
        };
        if hs.server_cert.is_some() {
            return Err(Error::Handshake(
                "it requires TLS, which terrane did not ask for".into(),
            ));
        }
        let (sender, connection) = match &hs.address {
            Address::Unix(path) => {
                let path: PathBuf = path.clone();
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| fail(&e))?;
                http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                    .await
                    .map(|(s, c)| (s, Box::pin(c) as Driver))
            }
            Address::Tcp(addr) => {
                let stream = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| fail(&e))?;
                let _ = stream.set_nodelay(true);
                http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                    .await
                    .map(|(s, c)| (s, Box::pin(c) as Driver))
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
