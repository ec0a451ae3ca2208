//! OpenPGP authentication of a registry's SHA256SUMS document, as Terraform does it: the
//! detached signature must verify with one of the release's `signing_keys`; who signed it
//! decides how the install is reported. Terraform also reports "signed by a HashiCorp
//! partner" for a key whose `trust_signature` verifies with the HashiCorp partners key;
//! terrane does not carry that key, so such a key is reported as self-signed (the weaker
//! claim) rather than vouched for unverified.

use std::fmt;

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails;

/// HashiCorp's release key (HashiCorp Security, the key of `security@hashicorp.com`): a
/// signature verified with the registry's key of this fingerprint is HashiCorp's.
const HASHICORP_FINGERPRINT: &str = "C874011F0AB405110D02105534365D9472D7468F";

/// One of `signing_keys.gpg_public_keys` in a registry's download description.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct SigningKey {
    #[serde(default)]
    pub ascii_armor: String,
}

/// Who signed a package's checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    HashiCorp,
    /// Any other key the registry lists.
    SelfSigned {
        key_id: String,
    },
}

impl Signer {
    /// The signing key's ID, printed for keys other than HashiCorp's.
    pub fn third_party_key_id(&self) -> Option<&str> {
        match self {
            Signer::HashiCorp => None,
            Signer::SelfSigned { key_id } => Some(key_id),
        }
    }
}

impl fmt::Display for Signer {
    /// Terraform's name for how a package was authenticated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signer::HashiCorp => "signed by HashiCorp",
            Signer::SelfSigned { .. } => "self-signed",
        })
    }
}

/// Verifies the binary detached `signature` of `document` with the first of `keys` that
/// issued it. Errors are Terraform's words for the same failures.
pub fn verify(document: &[u8], signature: &[u8], keys: &[SigningKey]) -> Result<Signer, String> {
    let unknown = || "authentication signature from unknown issuer".to_string();
    // No signature packet at all: no key issued it.
    if signature.is_empty() {
        return Err(unknown());
    }
    let sig = DetachedSignature::from_bytes(signature)
        .map_err(|e| format!("error checking signature: {e}"))?;
    let issuers = sig.signature.issuer_key_id();
    for key in keys {
        let (cert, _) = SignedPublicKey::from_string(&key.ascii_armor)
            .map_err(|e| format!("error decoding signing key: {e}"))?;
        // The signature may be by the primary key or by one of its signing subkeys.
        let primary_issued = issuers.contains(&&cert.primary_key.legacy_key_id());
        let checked = if primary_issued {
            Some(sig.verify(&cert.primary_key, document))
        } else {
            cert.public_subkeys
                .iter()
                .find(|s| issuers.contains(&&s.key.legacy_key_id()))
                .map(|s| {
                    s.verify_bindings(&cert.primary_key)
                        .and_then(|()| sig.verify(&s.key, document))
                })
        };
        match checked {
            None => continue,
            Some(Err(e)) => return Err(format!("error checking signature: {e}")),
            Some(Ok(())) => return Ok(classify(&cert)),
        }
    }
    Err(unknown())
}

/// HashiCorp's own key, or anyone's.
fn classify(cert: &SignedPublicKey) -> Signer {
    if hex_upper(cert.primary_key.fingerprint().as_bytes()) == HASHICORP_FINGERPRINT {
        Signer::HashiCorp
    } else {
        Signer::SelfSigned {
            key_id: hex_upper(cert.primary_key.legacy_key_id().as_ref()),
        }
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
