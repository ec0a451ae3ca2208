//! go-plugin's handshake: the environment a plugin expects, and the line it prints on
//! stdout once it listens: `CORE|APP|NETWORK|ADDRESS|PROTOCOL[|SERVER-CERT]`.

use base64::Engine as _;

use crate::Error;

/// The cookie Terraform's plugins check before serving; without it they refuse to run.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The plugin protocol versions terrane speaks, in the form go-plugin reads them.
pub const PROTOCOL_VERSIONS: &str = "5,6";

/// The port range a plugin listening on TCP (Windows) may choose from, as Terraform sets it.
pub const MIN_PORT: &str = "10000";
pub const MAX_PORT: &str = "25000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(std::path::PathBuf),
    Tcp(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The plugin protocol version the plugin chose: 5 or 6.
    pub protocol: u32,
    pub address: Address,
    /// The server's certificate (DER) under AutoMTLS; the only certificate trusted.
    pub server_cert: Option<Vec<u8>>,
}

/// Parses the handshake line, refusing anything but gRPC on plugin protocol 5 or 6.
pub fn parse(line: &str) -> Result<Handshake, Error> {
    let bad = |why: String| Error::Handshake(why);
    let parts: Vec<&str> = line.trim_end().splitn(6, '|').collect();
    let [core, app, network, addr, proto, rest @ ..] = parts.as_slice() else {
        return Err(bad(format!(
            "it printed {:?} instead of a plugin handshake; is it a Terraform provider plugin?",
            truncate(line)
        )));
    };
    if *core != "1" {
        return Err(bad(format!(
            "it speaks go-plugin core protocol {core:?}; terrane speaks version 1"
        )));
    }
    let protocol: u32 = app
        .parse()
        .map_err(|_| bad(format!("it announced plugin protocol {app:?}")))?;
    if protocol != 5 && protocol != 6 {
        return Err(bad(format!(
            "it speaks plugin protocol version {protocol}; terrane supports versions 5 and 6"
        )));
    }
    if *proto != "grpc" {
        return Err(bad(format!(
            "it serves {proto:?}; terrane talks to plugins over gRPC only"
        )));
    }
    let address = match *network {
        "unix" => Address::Unix(addr.into()),
        "tcp" => Address::Tcp((*addr).to_string()),
        other => return Err(bad(format!("it listens on an unknown network {other:?}"))),
    };
    // Newer plugins may append a seventh field (broker multiplexing) after the certificate.
    let cert = rest
        .first()
        .map(|c| c.split('|').next().unwrap_or_default());
    let server_cert = match cert.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(c.trim_end_matches('='))
                .map_err(|e| bad(format!("its certificate is not valid base64: {e}")))?,
        ),
    };
    Ok(Handshake {
        protocol,
        address,
        server_cert,
    })
}

fn truncate(s: &str) -> String {
    let s = s.trim_end();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_plaintext_unix_handshake() {
        let h = parse("1|5|unix|/tmp/plugin123|grpc|\n").unwrap();
        assert_eq!(h.protocol, 5);
        assert_eq!(h.address, Address::Unix("/tmp/plugin123".into()));
        assert_eq!(h.server_cert, None);
    }

    #[test]
    fn reads_the_certificate_and_ignores_a_seventh_field() {
        let h = parse("1|6|tcp|127.0.0.1:10001|grpc|AQID|true").unwrap();
        assert_eq!(h.address, Address::Tcp("127.0.0.1:10001".into()));
        assert_eq!(h.server_cert, Some(vec![1, 2, 3]));
    }

    #[test]
    fn refuses_what_terrane_cannot_speak() {
        let msg = |l: &str| parse(l).unwrap_err().to_string();
        insta::assert_snapshot!(
            [
                msg("1|4|unix|/tmp/p|grpc|"),
                msg("1|5|unix|/tmp/p|netrpc|"),
                msg("hello world"),
            ]
            .join("\n"),
            @r#"
        the plugin did not complete the handshake: it speaks plugin protocol version 4; terrane supports versions 5 and 6
        the plugin did not complete the handshake: it serves "netrpc"; terrane talks to plugins over gRPC only
        the plugin did not complete the handshake: it printed "hello world" instead of a plugin handshake; is it a Terraform provider plugin?
        "#
        );
    }
}
