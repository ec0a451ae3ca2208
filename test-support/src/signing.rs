//! OpenPGP keys for tests of registry signatures: made from a seed (so each test's key is
//! the same on every run, and quick to make), signing as a registry's release key signs
//! SHA256SUMS (a binary detached signature).

use pgp::composed::{
    ArmorOptions, DetachedSignature, EncryptionCaps, KeyType, SecretKeyParamsBuilder,
    SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::ser::Serialize as _;
use pgp::types::{KeyDetails as _, Password, Timestamp};
use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;

pub struct TestKey {
    secret: SignedSecretKey,
    /// The public key, ASCII-armored as a registry's `signing_keys` carries it.
    pub armored_public: String,
    /// The primary key's ID, 16 upper-case hex digits as Terraform prints it.
    pub key_id: String,
}

impl TestKey {
    /// An Ed25519 signing key for `user_id`, made from `seed` at a fixed time (the key's
    /// ID covers its creation time, so snapshots can show it).
    pub fn generate(seed: u64, user_id: &str) -> TestKey {
        let params = SecretKeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .can_encrypt(EncryptionCaps::None)
            .primary_user_id(user_id.into())
            .created_at(Timestamp::from_secs(1_577_836_800))
            .build()
            .expect("key parameters");
        let secret = params
            .generate(ChaCha20Rng::seed_from_u64(seed))
            .expect("generate a key");
        let armored_public = SignedPublicKey::from(secret.clone())
            .to_armored_string(ArmorOptions::default())
            .expect("armor the public key");
        let key_id = secret
            .primary_key
            .legacy_key_id()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        TestKey {
            secret,
            armored_public,
            key_id,
        }
    }

    /// The binary detached signature of `data`.
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        self.detached(data)
            .to_bytes()
            .expect("serialize the signature")
    }

    /// This key's trust signature on `key`, as a registry lists it with a partner's
    /// signing key: an ASCII-armored detached signature of the key in binary form.
    pub fn trust_signature(&self, key: &TestKey) -> String {
        let binary = SignedPublicKey::from(key.secret.clone())
            .to_bytes()
            .expect("serialize the public key");
        self.detached(&binary)
            .to_armored_string(ArmorOptions::default())
            .expect("armor the signature")
    }

    fn detached(&self, data: &[u8]) -> DetachedSignature {
        DetachedSignature::sign_binary_data(
            ChaCha20Rng::seed_from_u64(0),
            &self.secret.primary_key,
            &Password::empty(),
            HashAlgorithm::Sha256,
            data,
        )
        .expect("sign")
    }
}
