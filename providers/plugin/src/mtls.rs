//! go-plugin's AutoMTLS: the client makes a P-521 ECDSA key and a self-signed certificate
//! for the run and hands it to the plugin in `PLUGIN_CLIENT_CERT`; a plugin that supports it
//! answers with its own certificate in the handshake line. Each side then trusts exactly
//! the other's certificate, compared byte for byte: both are self-signed CA certificates
//! (as go-plugin makes them), which no WebPKI chain check would accept as an end entity.

use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P521_SHA512_ASN1_SIGNING};
use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::Error;

/// A certificate and its key, both DER.
#[derive(Clone)]
pub struct Identity {
    pub cert: Vec<u8>,
    pub key_pkcs8: Vec<u8>,
}

impl Identity {
    /// A new P-521 key and a certificate for `localhost` signed by it, as go-plugin's
    /// `generateCert` makes them.
    pub fn generate() -> Result<Identity, Error> {
        let rng = SystemRandom::new();
        let fail = |what: &str| Error::Handshake(format!("could not make a TLS {what}"));
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P521_SHA512_ASN1_SIGNING, &rng)
            .map_err(|_| fail("key"))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_ASN1_SIGNING, pkcs8.as_ref())
            .map_err(|_| fail("key"))?;
        let mut serial = [0u8; 16];
        rng.fill(&mut serial).map_err(|_| fail("serial number"))?;
        // A positive serial in minimal DER: a first byte of 0 (then not needed) or with its
        // top bit set (then negative) makes Go's strict parser refuse the certificate.
        serial[0] = (serial[0] & 0x3f) | 0x40;
        let tbs = der::tbs_certificate(&serial, key.public_key().as_ref());
        let sig = key.sign(&rng, &tbs).map_err(|_| fail("certificate"))?;
        Ok(Identity {
            cert: der::certificate(&tbs, sig.as_ref()),
            key_pkcs8: pkcs8.as_ref().to_vec(),
        })
    }

    /// The certificate as PEM, the form `PLUGIN_CLIENT_CERT` carries.
    #[must_use]
    pub fn cert_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.cert);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }

    /// The client's TLS configuration: this identity, and only `server_cert` trusted.
    pub fn client_config(&self, server_cert: &[u8]) -> Result<rustls::ClientConfig, Error> {
        let provider = provider();
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned::new(server_cert, provider)))
            .with_client_auth_cert(vec![CertificateDer::from(self.cert.clone())], self.key())
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }

    /// A plugin's TLS configuration: this identity, and only `client_cert` accepted.
    pub fn server_config(&self, client_cert: &[u8]) -> Result<rustls::ServerConfig, Error> {
        let provider = provider();
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_client_cert_verifier(Arc::new(Pinned::new(client_cert, provider)))
            .with_single_cert(vec![CertificateDer::from(self.cert.clone())], self.key())
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// The name both sides' certificates carry, and the client asks for.
#[must_use]
pub fn server_name() -> ServerName<'static> {
    ServerName::DnsName(
        rustls::pki_types::DnsName::try_from("localhost").unwrap_or_else(|_| unreachable!()),
    )
}

/// The DER of the first certificate in PEM `text`.
#[must_use]
pub fn pem_to_der(text: &str) -> Option<Vec<u8>> {
    let body = text.split("-----BEGIN CERTIFICATE-----").nth(1)?;
    let body = body.split("-----END CERTIFICATE-----").next()?;
    let b64: String = body.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn tls_error(e: rustls::Error) -> Error {
    Error::Handshake(format!("TLS setup failed: {e}"))
}

/// Trusts one certificate, byte for byte, and checks that the peer holds its key.
#[derive(Debug)]
struct Pinned {
    cert: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl Pinned {
    fn new(cert: &[u8], provider: Arc<CryptoProvider>) -> Pinned {
        Pinned {
            cert: cert.to_vec(),
            provider,
        }
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if presented.as_ref() == self.cert.as_slice() {
            Ok(())
        } else {
            Err(rustls::Error::General(
                "the peer's certificate is not the one its handshake announced".into(),
            ))
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

impl ClientCertVerifier for Pinned {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

/// Just enough DER to write an X.509 v3 certificate.
mod der {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap_or_default());
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | u8::try_from(bytes.len()).unwrap_or_default());
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    fn oid(arcs: &[u64]) -> Vec<u8> {
        let mut body = vec![u8::try_from(arcs[0] * 40 + arcs[1]).unwrap_or_default()];
        for &a in &arcs[2..] {
            let mut chunk = vec![u8::try_from(a & 0x7f).unwrap_or_default()];
            let mut rest = a >> 7;
            while rest > 0 {
                chunk.push(0x80 | u8::try_from(rest & 0x7f).unwrap_or_default());
                rest >>= 7;
            }
            chunk.reverse();
            body.extend(chunk);
        }
        tlv(0x06, &body)
    }

    fn bit_string(bytes: &[u8]) -> Vec<u8> {
        tlv(0x03, &[&[0u8][..], bytes].concat())
    }

    fn name() -> Vec<u8> {
        let rdn = |o: &[u64], v: &str| tlv(0x31, &seq(&[oid(o), tlv(0x0c, v.as_bytes())]));
        seq(&[
            rdn(&[2, 5, 4, 10], "HashiCorp"),
            rdn(&[2, 5, 4, 3], "localhost"),
        ])
    }

    fn utc_time(t: time::OffsetDateTime) -> Vec<u8> {
        let text = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        tlv(0x17, text.as_bytes())
    }

    fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
        let mut parts = vec![oid(id)];
        if critical {
            parts.push(tlv(0x01, &[0xff]));
        }
        parts.push(tlv(0x04, value));
        seq(&parts)
    }

    /// ecdsa-with-SHA512.
    fn signature_algorithm() -> Vec<u8> {
        seq(&[oid(&[1, 2, 840, 10045, 4, 3, 4])])
    }

    /// The to-be-signed part: a CA certificate for `localhost`, usable by a TLS server and
    /// client, valid from a minute ago for ten years, with the P-521 `public_key`.
    pub fn tbs_certificate(serial: &[u8], public_key: &[u8]) -> Vec<u8> {
        let now = time::OffsetDateTime::now_utc();
        let validity = seq(&[
            utc_time(now - time::Duration::minutes(1)),
            utc_time(now + time::Duration::days(3650)),
        ]);
        let spki = seq(&[
            seq(&[oid(&[1, 2, 840, 10045, 2, 1]), oid(&[1, 3, 132, 0, 35])]),
            bit_string(public_key),
        ]);
        let extensions = seq(&[
            // digitalSignature, keyEncipherment, keyCertSign
            extension(&[2, 5, 29, 15], true, &tlv(0x03, &[0x02, 0xa4])),
            // serverAuth, clientAuth
            extension(
                &[2, 5, 29, 37],
                false,
                &seq(&[
                    oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]),
                    oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2]),
                ]),
            ),
            extension(&[2, 5, 29, 19], true, &seq(&[tlv(0x01, &[0xff])])),
            extension(&[2, 5, 29, 17], false, &seq(&[tlv(0x82, b"localhost")])),
        ]);
        seq(&[
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, serial),
            signature_algorithm(),
            name(),
            validity,
            name(),
            spki,
            tlv(0xa3, &extensions),
        ])
    }

    pub fn certificate(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
        seq(&[tbs.to_vec(), signature_algorithm(), bit_string(signature)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_is_p521_and_round_trips_through_pem() {
        let id = Identity::generate().unwrap();
        assert_eq!(pem_to_der(&id.cert_pem()), Some(id.cert.clone()));
        // rustls accepts the pair as a TLS identity (it checks the key against the cert).
        id.server_config(&id.cert).unwrap();
        id.client_config(&id.cert).unwrap();
        // secp521r1 and ecdsa-with-SHA512 are named in it.
        let has = |needle: &[u8]| id.cert.windows(needle.len()).any(|w| w == needle);
        assert!(has(&[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]));
        assert!(has(&[
            0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04
        ]));
    }

    #[test]
    fn serial_numbers_are_always_positive_and_minimal() {
        for _ in 0..200 {
            let cert = Identity::generate().unwrap().cert;
            // After the version ([0] { INTEGER 2 }) comes INTEGER serial, 16 bytes.
            let at = cert
                .windows(5)
                .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
                .unwrap();
            assert_eq!(cert[at + 5..at + 7], [0x02, 16]);
            assert!(
                (0x01..0x80).contains(&cert[at + 7]),
                "{:x?}",
                &cert[at..at + 24]
            );
        }
    }
}
