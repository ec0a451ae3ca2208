//! One running plugin process: launched with go-plugin's environment, reached over gRPC on
//! the socket it announces, its stdout and go-plugin's stdio stream drained and its stderr
//! forwarded under TF_LOG, and
//! stopped with `GRPCController.Shutdown`, then killed. Every live plugin is also listed so
//! that [`stop_all`] can ask them to cancel what they are doing (a first Ctrl-C) and
//! [`kill_all`] can end them when terrane exits abruptly (a second Ctrl-C).

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::channel::Channel;
use crate::handshake;
use crate::Error;

/// How long a plugin may take to print its handshake (Terraform allows a minute).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a plugin may take to stop after `Shutdown` before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(2);
/// Lines of a plugin's stderr kept to explain a crash.
const STDERR_TAIL: usize = 20;

type Shared = Arc<Mutex<Option<Child>>>;

/// What [`stop_all`] and [`kill_all`] reach of a running plugin.
struct Live {
    child: Shared,
    channel: Channel,
    protocol: u32,
}

static LIVE: LazyLock<Mutex<BTreeMap<u64, Live>>> = LazyLock::new(Mutex::default);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Kills every plugin process still running; for exits that skip destructors.
pub fn kill_all() {
    let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|e| e.into_inner()));
    for l in live.values() {
        if let Some(mut c) = l.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = c.start_kill();
        }
    }
}

/// Asks every running plugin to cancel its operations in flight, as Terraform does on the
/// first Ctrl-C (`StopProvider`): they end early with the plugin's own errors, and the run
/// finishes gracefully. A plugin that does not answer in time is left to finish.
pub async fn stop_all() {
    let live: Vec<(Channel, u32)> = LIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|l| (l.channel.clone(), l.protocol))
        .collect();
    futures::future::join_all(
        live.into_iter()
            .map(|(channel, protocol)| tokio::time::timeout(STOP_TIMEOUT, stop(channel, protocol))),
    )
    .await;
}

async fn stop(channel: Channel, protocol: u32) {
    let mut grpc = crate::client::grpc(&channel);
    if grpc.ready().await.is_err() {
        return;
    }
    let method = if protocol == 6 {
        "StopProvider"
    } else {
        "Stop"
    };
    let Ok(path) =
        http::uri::PathAndQuery::try_from(format!("/tfplugin{protocol}.Provider/{method}"))
    else {
        return;
    };
    let codec =
        tonic_prost::ProstCodec::<crate::proto::Empty, crate::proto::StopResponse>::default();
    let _ = grpc
        .unary(tonic::Request::new(crate::proto::Empty {}), path, codec)
        .await;
}

pub struct Process {
    id: u64,
    /// Whether the connection is TLS (the plugin took part in AutoMTLS).
    pub tls: bool,
    child: Shared,
    /// Holds the plugin's socket (its TMPDIR and go-plugin's socket directory), removed
    /// when the process is dropped.
    _dir: tempfile::TempDir,
    pub channel: Channel,
    pub protocol: u32,
    pub name: String,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Process {
    /// Starts the plugin at `path` and connects to it.
    pub async fn launch(path: &Path) -> Result<Process, Error> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = tempfile::Builder::new()
            .prefix("terrane-plugin")
            .tempdir()
            .map_err(|e| Error::Launch(path.to_path_buf(), e))?;
        // AutoMTLS, as Terraform asks for it: plugins that support it answer with a
        // certificate of their own and serve TLS; older ones ignore the variable.
        let identity = crate::mtls::Identity::generate()?;
        let mut child = Command::new(path)
            .env("PLUGIN_CLIENT_CERT", identity.cert_pem())
            .env(handshake::MAGIC_COOKIE_KEY, handshake::MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", handshake::PROTOCOL_VERSIONS)
            .env("PLUGIN_MIN_PORT", handshake::MIN_PORT)
            .env("PLUGIN_MAX_PORT", handshake::MAX_PORT)
            // Older go-plugin servers put their socket in TMPDIR, newer ones here; both
            // then live in a directory terrane removes.
            .env("PLUGIN_UNIX_SOCKET_DIR", dir.path())
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Launch(path.to_path_buf(), e))?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(err) = child.stderr.take() {
            tokio::spawn(forward_stderr(err, name.clone(), stderr_tail.clone()));
        }
        let Some(stdout) = child.stdout.take() else {
            return Err(Error::Handshake("its stdout could not be read".into()));
        };
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
        let hs = match first {
            Ok(Ok(Some(line))) => handshake::parse(&line),
            Ok(Ok(None) | Err(_)) => {
                let status = child.wait().await.ok();
                // Let the stderr task catch up with what the plugin printed before exiting.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(Error::Handshake(format!(
                    "it exited{} without printing a handshake{}",
                    status
                        .and_then(|s| s.code())
                        .map(|c| format!(" with status {c}"))
                        .unwrap_or_default(),
                    tail_text(&stderr_tail)
                )))
            }
            Err(_) => Err(Error::Handshake(format!(
                "it printed no handshake within {}s",
                START_TIMEOUT.as_secs()
            ))),
        };
        let hs = match hs {
            Ok(h) => h,
            Err(e) => {
                let _ = child.start_kill();
                return Err(e);
            }
        };
        // Whatever else the plugin writes to stdout is not for us, but must be read so it
        // never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let channel = match Channel::connect(&hs, &identity).await {
            Ok(c) => c,
            Err(e) => {
                let _ = child.start_kill();
                return Err(e);
            }
        };
        tokio::spawn(drain_stdio(
            channel.clone(),
            name.clone(),
            stderr_tail.clone(),
        ));
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let child = Arc::new(Mutex::new(Some(child)));
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            Live {
                child: child.clone(),
                channel: channel.clone(),
                protocol: hs.protocol,
            },
        );
        Ok(Process {
            id,
            tls: hs.server_cert.is_some(),
            child,
            _dir: dir,
            channel,
            protocol: hs.protocol,
            name,
            stderr_tail,
        })
    }

    /// The last lines the plugin wrote to stderr, to explain a crash.
    pub fn stderr_tail(&self) -> String {
        tail_text(&self.stderr_tail)
    }

    /// Asks the plugin to stop, waits a moment, then kills it.
    pub async fn shutdown(&self) {
        let mut grpc = crate::client::grpc(&self.channel);
        let call = async {
            grpc.ready().await.ok()?;
            let codec =
                tonic_prost::ProstCodec::<crate::proto::Empty, crate::proto::Empty>::default();
            let path = http::uri::PathAndQuery::from_static("/plugin.GRPCController/Shutdown");
            grpc.unary(tonic::Request::new(crate::proto::Empty {}), path, codec)
                .await
                .ok()
        };
        let _ = tokio::time::timeout(STOP_TIMEOUT, call).await;
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = child {
            if tokio::time::timeout(STOP_TIMEOUT, child.wait())
                .await
                .is_err()
            {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
        let running = self
            .child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if !running {
            return;
        }
        // A graceful stop needs the runtime; where it can be waited for (terrane's
        // multi-threaded runtime) do it, anywhere else the child is killed when dropped.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                tokio::task::block_in_place(|| handle.block_on(self.shutdown()));
            }
        }
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = child {
            let _ = child.start_kill();
        }
    }
}

/// Logs the plugin's stderr lines as Terraform does when TF_LOG asks for logs (see
/// [`crate::plugin_log`]), and keeps the last few for error messages.
async fn forward_stderr(
    err: impl AsyncRead + Unpin,
    name: String,
    tail: Arc<Mutex<VecDeque<String>>>,
) {
    let sink = crate::plugin_log::LogSink::from_env();
    let mut lines = BufReader::new(err).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(sink) = &sink {
            sink.write(&name, &line);
        }
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        if t.len() == STDERR_TAIL {
            t.pop_front();
        }
        t.push_back(line);
    }
}

/// Reads go-plugin's stdio stream (`GRPCStdio.StreamStdio`): what the plugin printed to
/// its redirected stdout and stderr, which would otherwise fill a buffer in the plugin.
/// Terraform logs it as "unexpected data"; so does terrane, and keeps it to explain a
/// crash. Plugins older than the service answer "unimplemented", which ends this quietly.
async fn drain_stdio(channel: Channel, name: String, tail: Arc<Mutex<VecDeque<String>>>) {
    let mut grpc = crate::client::grpc(&channel);
    if grpc.ready().await.is_err() {
        return;
    }
    let path = http::uri::PathAndQuery::from_static("/plugin.GRPCStdio/StreamStdio");
    let codec = tonic_prost::ProstCodec::<crate::proto::Empty, crate::proto::StdioData>::default();
    let Ok(resp) = grpc
        .server_streaming(tonic::Request::new(crate::proto::Empty {}), path, codec)
        .await
    else {
        return;
    };
    let mut stream = resp.into_inner();
    let sink = crate::plugin_log::LogSink::from_env();
    while let Ok(Some(d)) = stream.message().await {
        let source = if d.channel == 2 { "stderr" } else { "stdout" };
        let text = String::from_utf8_lossy(&d.data).trim().to_string();
        if let Some(sink) = &sink {
            let entry = serde_json::json!({
                "@level": "warn",
                "@message": "unexpected data",
                format!("{name}:{source}"): text,
            });
            sink.write(&name, &entry.to_string());
        }
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        for line in text.lines() {
            if t.len() == STDERR_TAIL {
                t.pop_front();
            }
            t.push_back(line.to_string());
        }
    }
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    let t = tail.lock().unwrap_or_else(|e| e.into_inner());
    if t.is_empty() {
        String::new()
    } else {
        let lines: Vec<&str> = t.iter().map(String::as_str).collect();
        format!("; its last output was:\n{}", lines.join("\n"))
    }
}
