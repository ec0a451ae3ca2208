//! Hash functions, `bcrypt`, `rsadecrypt`, `uuid` and `uuidv5`.

use base64::Engine as _;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::args::{arg_int, arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

#[derive(Clone, Copy)]
pub(super) enum Alg {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

pub(super) fn digest(alg: Alg, data: &[u8]) -> Vec<u8> {
    match alg {
        Alg::Md5 => Md5::digest(data).to_vec(),
        Alg::Sha1 => Sha1::digest(data).to_vec(),
        Alg::Sha256 => Sha256::digest(data).to_vec(),
        Alg::Sha512 => Sha512::digest(data).to_vec(),
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex_of(args: Args, alg: Alg) -> Result<Value, Fail> {
    Ok(string(hex(&digest(alg, arg_str(args, 0)?.as_bytes()))))
}

fn b64_of(args: Args, alg: Alg) -> Result<Value, Fail> {
    Ok(string(b64(&digest(alg, arg_str(args, 0)?.as_bytes()))))
}

pub(super) fn md5(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Md5)
}

pub(super) fn sha1(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha1)
}

pub(super) fn sha256(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha256)
}

pub(super) fn sha512(args: Args, _: Ctx) -> Result<Value, Fail> {
    hex_of(args, Alg::Sha512)
}

pub(super) fn base64sha256(args: Args, _: Ctx) -> Result<Value, Fail> {
    b64_of(args, Alg::Sha256)
}

pub(super) fn base64sha512(args: Args, _: Ctx) -> Result<Value, Fail> {
    b64_of(args, Alg::Sha512)
}

pub(super) fn uuid(_: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(string(uuid::Uuid::new_v4().to_string()))
}

/// `uuidv5(namespace, name)`: a name-based UUID; the namespace is `dns`, `url`, `oid`,
/// `x500` or a UUID.
pub(super) fn uuidv5(args: Args, _: Ctx) -> Result<Value, Fail> {
    let ns_text = arg_str(args, 0)?;
    let name = arg_str(args, 1)?;
    let ns = match ns_text.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other)
            .map_err(|e| Fail::Msg(format!("uuidv5() doesn't support namespace {other} ({e})")))?,
    };
    Ok(string(uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string()))
}

/// `bcrypt(str, cost = 10)`: a Blowfish hash with a random salt, in the `$2a$` form Go's
/// implementation writes, so every call gives a different (but verifiable) result.
pub(super) fn bcrypt(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    let cost = if args.len() > 1 {
        arg_int(args, 1)?
    } else {
        10
    };
    if args.len() > 2 {
        return Err(Fail::Msg(
            "bcrypt() takes no more than two arguments".into(),
        ));
    }
    let cost = u32::try_from(cost)
        .ok()
        .filter(|c| (4..=31).contains(c))
        .ok_or_else(|| {
            Fail::Msg(format!(
                "error occurred generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
            ))
        })?;
    if s.len() > 72 {
        return Err(Fail::Msg(
            "error occurred generating password bcrypt: password length exceeds 72 bytes".into(),
        ));
    }
    bcrypt::hash_with_result(&s, cost)
        .map(|h| string(h.format_for_version(bcrypt::Version::TwoA)))
        .map_err(|e| Fail::Msg(format!("error occurred generating password {e}")))
}

/// `rsadecrypt` needs an RSA implementation terrane does not include yet: the arguments are
/// checked, then the call fails with an explanation rather than a wrong result.
pub(super) fn rsadecrypt(args: Args, _: Ctx) -> Result<Value, Fail> {
    let ciphertext = arg_str(args, 0)?;
    let key = arg_str(args, 1)?;
    base64::engine::general_purpose::STANDARD
        .decode(&ciphertext)
        .map_err(|_| {
            Fail::Msg(
                "failed to decode input \"cipher_text\": cipher text must be base64-encoded".into(),
            )
        })?;
    if !key.contains("-----BEGIN") {
        return Err(Fail::Msg(
            "invalid private key: failed to parse key: no key found".into(),
        ));
    }
    Err(Fail::Msg(
        "terrane does not implement RSA decryption yet; decrypt the value outside the configuration".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_ok, s};

    #[test]
    fn hash_examples() {
        let hw = || vec![s("hello world")];
        assert_eq!(call_ok("md5", hw()), s("5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(
            call_ok("sha1", hw()),
            s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
        assert_eq!(
            call_ok("sha256", hw()),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
        assert_eq!(
            call_ok("sha512", hw()),
            s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f")
        );
        assert_eq!(
            call_ok("base64sha256", hw()),
            s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(
            call_ok("base64sha512", hw()),
            s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==")
        );
    }

    #[test]
    fn uuid_is_random_v4() {
        let a = call_ok("uuid", vec![]);
        let b = call_ok("uuid", vec![]);
        assert_ne!(a, b);
        let text = a.as_str().unwrap_or_default().to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.chars().nth(14), Some('4'));
    }

    #[test]
    fn uuidv5_examples() {
        use super::super::testutil::call_err;
        assert_eq!(
            call_ok("uuidv5", vec![s("dns"), s("www.terraform.io")]),
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert_eq!(
            call_ok("uuidv5", vec![s("url"), s("https://www.terraform.io/")]),
            s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")
        );
        assert_eq!(
            call_ok("uuidv5", vec![s("oid"), s("1.3.6.1.4")]),
            s("af9d40a5-7a36-5c07-b23a-851cd99fbfa5")
        );
        assert_eq!(
            call_ok("uuidv5", vec![s("x500"), s("CN=Example,C=GB")]),
            s("84e09961-4aa4-57f8-95b7-03edb1073253")
        );
        assert_eq!(
            call_ok(
                "uuidv5",
                vec![
                    s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    s("www.terraform.io")
                ]
            ),
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert!(call_err("uuidv5", vec![s("tube"), s("x")]).starts_with(
            "Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace tube ("
        ));
    }

    #[test]
    fn bcrypt_hashes_verify() {
        use super::super::testutil::{call_err, n};
        let h = call_ok("bcrypt", vec![s("hello world")]);
        let h = h.as_str().unwrap();
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(bcrypt::verify("hello world", h).unwrap());
        let h4 = call_ok("bcrypt", vec![s("x"), n(4.0)]);
        assert!(h4.as_str().unwrap().starts_with("$2a$04$"));
        assert_ne!(call_ok("bcrypt", vec![s("x"), n(4.0)]), h4, "salted");
        assert!(call_err("bcrypt", vec![s("x"), n(3.0)])
            .contains("cost 3 is outside allowed range (4,31)"));
    }

    #[test]
    fn rsadecrypt_fails_with_an_explanation() {
        use super::super::testutil::call_err;
        assert!(call_err("rsadecrypt", vec![s("!!"), s("k")])
            .contains("cipher text must be base64-encoded"));
        assert!(call_err("rsadecrypt", vec![s("aGk="), s("k")]).contains("no key found"));
        assert!(call_err(
            "rsadecrypt",
            vec![s("aGk="), s("-----BEGIN RSA PRIVATE KEY-----\n")]
        )
        .contains("does not implement RSA decryption"));
    }
}
