//! `terraform-provider-example`: a Terraform provider plugin on protocol 6, written for
//! terrane's tests of plugins that are not the null provider. It serves, as go-plugin
//! servers do, gRPC on a unix socket announced by the handshake line on stdout, and keeps
//! its objects in a JSON file under `$EXAMPLE_PROVIDER_DIR`, so a test can make drift by
//! editing that file.
//!
//! - `example_thing`: nested attributes of every nesting, a set, a dynamic attribute, a
//!   write-only attribute, private data, import, and `crash = true` to die mid-apply.
//! - `example_token` (ephemeral): a generated token, renewed and closed by its lease.
//! - `example_marker` (action): writes a file and reports two progress lines.

mod grpc;
mod provider;
mod store;
mod thing;

use std::io::Write as _;

use terrane_provider_plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

fn main() {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "This binary is a plugin. These are not meant to be executed directly.\n\
             Please execute the program that consumes these plugins, which will\n\
             load any plugins automatically"
        );
        std::process::exit(1);
    }
    let versions = std::env::var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
    if !versions.split(',').any(|v| v.trim() == "6") {
        eprintln!("example: the client does not speak plugin protocol 6 (it offered {versions:?})");
        std::process::exit(1);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("example: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(serve()) {
        eprintln!("example: {e}");
        std::process::exit(1);
    }
}

async fn serve() -> std::io::Result<()> {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .or_else(|| std::env::var_os("TMPDIR"))
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let socket = dir.join(format!("plugin{}", std::process::id()));
    let listener = tokio::net::UnixListener::bind(&socket)?;
    let (tls, announced) = auto_mtls()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "1|6|unix|{}|grpc|{announced}", socket.display())?;
    out.flush()?;
    drop(out);
    let provider = std::sync::Arc::new(provider::Provider::new());
    loop {
        let (stream, _) = listener.accept().await?;
        let provider = provider.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => grpc::serve_connection(stream, provider).await,
                    Err(e) => eprintln!("example: TLS handshake failed: {e}"),
                },
                None => grpc::serve_connection(stream, provider).await,
            }
        });
    }
}

/// go-plugin's AutoMTLS: when the client sent its certificate, serve TLS trusting only
/// that one, and announce our own certificate in the handshake. `EXAMPLE_PROVIDER_TLS=off`
/// makes this an older plugin that ignores the offer; `=wrong-cert` announces a
/// certificate other than the one it serves, which the client must refuse.
fn auto_mtls() -> std::io::Result<(Option<tokio_rustls::TlsAcceptor>, String)> {
    use base64::Engine as _;
    use terrane_provider_plugin::mtls::{pem_to_der, Identity};
    let mode = std::env::var("EXAMPLE_PROVIDER_TLS").unwrap_or_default();
    let Some(client) = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|_| mode != "off")
    else {
        return Ok((None, String::new()));
    };
    let bad = |e: String| std::io::Error::other(e);
    let client = pem_to_der(&client)
        .ok_or_else(|| bad("PLUGIN_CLIENT_CERT is not a PEM certificate".into()))?;
    let identity = Identity::generate().map_err(|e| bad(e.to_string()))?;
    let config = identity
        .server_config(&client)
        .map_err(|e| bad(e.to_string()))?;
    let announced = if mode == "wrong-cert" {
        Identity::generate().map_err(|e| bad(e.to_string()))?.cert
    } else {
        identity.cert.clone()
    };
    Ok((
        Some(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))),
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(announced),
    ))
}
