//! The `backend "s3"` arguments, as Terraform spells them, decoded from the merged
//! settings (the block's attributes overlaid with `-backend-config`), and the object keys
//! and DynamoDB item IDs they imply.

use std::collections::BTreeMap;

use serde_json::Value;
use terrane_engine::state::DEFAULT_WORKSPACE;

/// Terraform's default `workspace_key_prefix`.
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

/// The suffix of the S3 lock file beside the state object (`use_lockfile`).
pub const LOCKFILE_SUFFIX: &str = ".tflock";

/// The suffix of the DynamoDB item holding the state object's MD5 digest.
pub const DIGEST_SUFFIX: &str = "-md5";

/// Arguments accepted for compatibility that change nothing here: terrane never calls STS
/// or IMDS to validate credentials or regions, and lets the SDK pick checksums.
const NO_EFFECT: &[&str] = &[
    "skip_credentials_validation",
    "skip_region_validation",
    "skip_metadata_api_check",
    "skip_requesting_account_id",
    "skip_s3_checksum",
];

/// Arguments of Terraform's s3 backend that terrane does not implement. They are refused
/// rather than ignored, because each changes where or how state is stored or who may read
/// it.
const UNSUPPORTED: &[&str] = &[
    "sse_customer_key",
    "shared_credentials_files",
    "shared_config_files",
    "assume_role_with_web_identity",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "insecure",
    "forbidden_account_ids",
    "allowed_account_ids",
    "retry_mode",
    "sts_region",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
    "use_legacy_workflow",
];

const SUPPORTED: &[&str] = &[
    "bucket",
    "key",
    "region",
    "workspace_key_prefix",
    "dynamodb_table",
    "use_lockfile",
    "encrypt",
    "kms_key_id",
    "acl",
    "profile",
    "access_key",
    "secret_key",
    "token",
    "endpoints",
    "use_path_style",
    "assume_role",
    "max_retries",
    // Deprecated spellings older configurations still use.
    "endpoint",
    "dynamodb_endpoint",
    "force_path_style",
    "role_arn",
    "session_name",
    "external_id",
];

/// A `backend "s3"` configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the s3 backend requires {name:?}: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("the s3 backend's {name:?} must be {expected}, not {got}")]
    Type {
        name: String,
        expected: &'static str,
        got: String,
    },
    #[error("the s3 backend has no argument {name:?}{suggestion}")]
    Unknown { name: String, suggestion: String },
    #[error("the s3 backend's {name:?} is not supported by terrane yet; remove it, or use Terraform for this state")]
    Unsupported { name: String },
    #[error("the s3 backend's {name:?} is invalid: {reason}")]
    Invalid { name: String, reason: String },
}

/// `assume_role = { role_arn = ..., ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// A decoded `backend "s3"` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    pub key: String,
    /// `None`: the SDK's region chain (AWS_REGION, the profile).
    pub region: Option<String>,
    pub workspace_key_prefix: String,
    pub dynamodb_table: Option<String>,
    pub use_lockfile: bool,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    pub acl: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub endpoint_s3: Option<String>,
    pub endpoint_dynamodb: Option<String>,
    pub use_path_style: bool,
    pub assume_role: Option<AssumeRole>,
    pub max_retries: Option<u32>,
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a bool".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Reads typed values out of a settings map, remembering type errors.
struct Reader<'a> {
    settings: &'a BTreeMap<String, Value>,
    prefix: &'a str,
}

impl Reader<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.settings.get(name).filter(|v| !v.is_null())
    }

    fn qualified(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn string(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // `-backend-config=max_retries=5` and HCL numbers both arrive here.
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(ConfigError::Type {
                name: self.qualified(name),
                expected: "a string",
                got: describe(other),
            }),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            // -backend-config=KEY=VALUE values are strings.
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(other) => Err(ConfigError::Type {
                name: self.qualified(name),
                expected: "a bool (true or false)",
                got: describe(other),
            }),
        }
    }

    fn object(&self, name: &str) -> Result<Option<BTreeMap<String, Value>>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone().into_iter().collect())),
            Some(other) => Err(ConfigError::Type {
                name: self.qualified(name),
                expected: "an object, like { s3 = \"https://...\" }",
                got: describe(other),
            }),
        }
    }
}

fn check_names(
    settings: &BTreeMap<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), ConfigError> {
    // Terraform's own record of the settings (.terraform/terraform.tfstate) lists every
    // argument it knows, unset ones as null; only the ones that are set matter.
    let set = settings
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k);
    for name in set {
        if allowed.contains(&name.as_str())
            || (prefix.is_empty() && NO_EFFECT.contains(&name.as_str()))
        {
            continue;
        }
        if prefix.is_empty() && UNSUPPORTED.contains(&name.as_str()) {
            return Err(ConfigError::Unsupported { name: name.clone() });
        }
        let best = allowed
            .iter()
            .map(|c| (strsim::jaro_winkler(name, c), *c))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .filter(|(score, _)| *score > 0.8);
        return Err(ConfigError::Unknown {
            name: format!("{prefix}{name}"),
            suggestion: best.map_or_else(String::new, |(_, c)| format!("; did you mean {c:?}?")),
        });
    }
    Ok(())
}

/// Terraform's rules for `key` and `workspace_key_prefix`: no leading or trailing slash, no
/// empty path segment, because either would make S3 keys Terraform cannot find again.
fn check_path(name: &str, value: &str, allow_empty: bool) -> Result<(), ConfigError> {
    let reason = if value.is_empty() && !allow_empty {
        Some("it must not be empty")
    } else if value.starts_with('/') || value.ends_with('/') {
        Some("it must not start or end with \"/\"")
    } else if value.contains("//") {
        Some("it must not contain \"//\"")
    } else {
        None
    };
    match reason {
        Some(r) => Err(ConfigError::Invalid {
            name: name.into(),
            reason: format!("{value:?}: {r}"),
        }),
        None => Ok(()),
    }
}

impl S3Config {
    /// Decodes the merged settings.
    ///
    /// # Errors
    /// A missing `bucket` or `key`, a value of the wrong type, an unknown or unsupported
    /// argument, or a `key` that Terraform would refuse.
    pub fn from_settings(settings: &BTreeMap<String, Value>) -> Result<S3Config, ConfigError> {
        check_names(settings, SUPPORTED, "")?;
        let r = Reader {
            settings,
            prefix: "",
        };
        let bucket = r
            .string("bucket")?
            .filter(|b| !b.is_empty())
            .ok_or(ConfigError::Missing {
            name: "bucket",
            hint: "set it in the backend block or pass -backend-config=bucket=NAME to terrane init",
        })?;
        let key = r.string("key")?.ok_or(ConfigError::Missing {
            name: "key",
            hint: "set it in the backend block or pass -backend-config=key=PATH to terrane init",
        })?;
        check_path("key", &key, false)?;
        let workspace_key_prefix = r
            .string("workspace_key_prefix")?
            .unwrap_or_else(|| DEFAULT_WORKSPACE_KEY_PREFIX.to_string());
        check_path("workspace_key_prefix", &workspace_key_prefix, true)?;

        let mut endpoint_s3 = r.string("endpoint")?;
        let mut endpoint_dynamodb = r.string("dynamodb_endpoint")?;
        if let Some(endpoints) = r.object("endpoints")? {
            // Terraform's endpoints object also names iam, sso, sts; terrane calls none of them.
            check_names(
                &endpoints,
                &["s3", "dynamodb", "iam", "sso", "sts"],
                "endpoints.",
            )?;
            let er = Reader {
                settings: &endpoints,
                prefix: "endpoints.",
            };
            endpoint_s3 = er.string("s3")?.or(endpoint_s3);
            endpoint_dynamodb = er.string("dynamodb")?.or(endpoint_dynamodb);
        }

        let mut assume_role = r.string("role_arn")?.map(|role_arn| AssumeRole {
            role_arn,
            session_name: None,
            external_id: None,
        });
        if let Some(ar) = &mut assume_role {
            ar.session_name = r.string("session_name")?;
            ar.external_id = r.string("external_id")?;
        }
        if let Some(obj) = r.object("assume_role")? {
            check_names(
                &obj,
                &["role_arn", "session_name", "external_id", "duration"],
                "assume_role.",
            )?;
            let ar = Reader {
                settings: &obj,
                prefix: "assume_role.",
            };
            assume_role = Some(AssumeRole {
                role_arn: ar.string("role_arn")?.ok_or(ConfigError::Missing {
                    name: "assume_role.role_arn",
                    hint: "the ARN of the role to assume",
                })?,
                session_name: ar.string("session_name")?,
                external_id: ar.string("external_id")?,
            });
        }

        let max_retries = match r.string("max_retries")? {
            None => None,
            Some(s) => Some(s.parse::<u32>().map_err(|_| ConfigError::Invalid {
                name: "max_retries".into(),
                reason: format!("{s:?} is not a whole number"),
            })?),
        };
        let dynamodb_table = r.string("dynamodb_table")?;
        if dynamodb_table.as_deref() == Some("") {
            return Err(ConfigError::Invalid {
                name: "dynamodb_table".into(),
                reason: "it must not be empty; remove it to lock without DynamoDB".into(),
            });
        }
        Ok(S3Config {
            bucket,
            key,
            region: r.string("region")?.filter(|s| !s.is_empty()),
            workspace_key_prefix,
            dynamodb_table,
            use_lockfile: r.bool("use_lockfile")?.unwrap_or(false),
            encrypt: r.bool("encrypt")?.unwrap_or(false),
            kms_key_id: r.string("kms_key_id")?,
            acl: r.string("acl")?,
            profile: r.string("profile")?,
            access_key: r.string("access_key")?,
            secret_key: r.string("secret_key")?,
            token: r.string("token")?,
            endpoint_s3,
            endpoint_dynamodb,
            use_path_style: r
                .bool("use_path_style")?
                .or(r.bool("force_path_style")?)
                .unwrap_or(false),
            assume_role,
            max_retries,
        })
    }

    /// The object key of a workspace's state, as Terraform computes it.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == DEFAULT_WORKSPACE {
            self.key.clone()
        } else if self.workspace_key_prefix.is_empty() {
            format!("{workspace}/{}", self.key)
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }

    /// The DynamoDB `LockID` of a workspace's lock item: `<bucket>/<state key>`.
    pub fn lock_id(&self, workspace: &str) -> String {
        format!("{}/{}", self.bucket, self.state_key(workspace))
    }

    /// The DynamoDB `LockID` of the item holding the state's MD5 digest.
    pub fn digest_id(&self, workspace: &str) -> String {
        format!("{}{DIGEST_SUFFIX}", self.lock_id(workspace))
    }

    /// The key of the S3 lock file of a workspace (`use_lockfile`).
    pub fn lockfile_key(&self, workspace: &str) -> String {
        format!("{}{LOCKFILE_SUFFIX}", self.state_key(workspace))
    }

    /// The prefix under which non-default workspaces' objects are listed.
    pub fn workspace_list_prefix(&self) -> String {
        if self.workspace_key_prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.workspace_key_prefix)
        }
    }

    /// The workspace an object key belongs to, if it is a non-default workspace's state
    /// object (Terraform's `keyEnv`): `<prefix>/<ws>/<key>` with exactly our `key`.
    pub fn workspace_of(&self, object_key: &str) -> Option<String> {
        let rest = object_key.strip_prefix(&self.workspace_list_prefix())?;
        let (ws, key) = rest.split_once('/')?;
        (key == self.key && !ws.is_empty() && ws != DEFAULT_WORKSPACE).then(|| ws.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(v: Value) -> BTreeMap<String, Value> {
        v.as_object().unwrap().clone().into_iter().collect()
    }

    #[test]
    fn keys_are_terraforms() {
        let c = S3Config::from_settings(&settings(json!({"bucket": "b", "key": "a/t.tfstate"})))
            .unwrap();
        assert_eq!(c.state_key("default"), "a/t.tfstate");
        assert_eq!(c.state_key("dev"), "env:/dev/a/t.tfstate");
        assert_eq!(c.lock_id("dev"), "b/env:/dev/a/t.tfstate");
        assert_eq!(c.digest_id("default"), "b/a/t.tfstate-md5");
        assert_eq!(c.lockfile_key("default"), "a/t.tfstate.tflock");
        assert_eq!(
            c.workspace_of("env:/dev/a/t.tfstate").as_deref(),
            Some("dev")
        );
        assert_eq!(c.workspace_of("env:/dev/other.tfstate"), None);
        assert_eq!(c.workspace_of("env:/dev/a/t.tfstate.tflock"), None);

        let c = S3Config::from_settings(&settings(
            json!({"bucket": "b", "key": "t", "workspace_key_prefix": ""}),
        ))
        .unwrap();
        assert_eq!(c.state_key("dev"), "dev/t");
        assert_eq!(c.workspace_of("dev/t").as_deref(), Some("dev"));
    }

    #[test]
    fn values_from_backend_config_flags_are_strings() {
        let c = S3Config::from_settings(&settings(json!({
            "bucket": "b", "key": "k", "use_lockfile": "true", "encrypt": false,
            "max_retries": "3", "endpoints": {"s3": "http://x", "dynamodb": "http://y"},
            "assume_role": {"role_arn": "arn:aws:iam::1:role/r"},
            "skip_credentials_validation": true,
        })))
        .unwrap();
        assert!(c.use_lockfile);
        assert_eq!(c.max_retries, Some(3));
        assert_eq!(c.endpoint_s3.as_deref(), Some("http://x"));
        assert_eq!(c.endpoint_dynamodb.as_deref(), Some("http://y"));
        assert_eq!(c.assume_role.unwrap().role_arn, "arn:aws:iam::1:role/r");
    }

    #[test]
    fn terraforms_record_with_unset_arguments_as_null_is_accepted() {
        let c = S3Config::from_settings(&settings(json!({
            "bucket": "b", "key": "k", "region": "eu-west-1", "access_key": null,
            "sse_customer_key": null, "some_future_argument": null, "endpoints": null,
            "workspace_key_prefix": null,
        })))
        .unwrap();
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.workspace_key_prefix, "env:");
    }

    #[test]
    fn bad_configurations_say_what_is_wrong() {
        let cases = [
            (json!({"key": "k"}), "requires \"bucket\""),
            (json!({"bucket": "b"}), "requires \"key\""),
            (json!({"bucket": "b", "key": "/k"}), "must not start or end"),
            (json!({"bucket": "b", "key": "a//k"}), "//"),
            (
                json!({"bucket": "b", "key": "k", "buckett": "x"}),
                "did you mean \"bucket\"",
            ),
            (
                json!({"bucket": "b", "key": "k", "encrypt": "yes"}),
                "must be a bool",
            ),
            (
                json!({"bucket": "b", "key": "k", "endpoints": {"s4": "x"}}),
                "endpoints.s4",
            ),
            (
                json!({"bucket": "b", "key": "k", "sse_customer_key": "x"}),
                "not supported",
            ),
            (json!({"bucket": ["b"], "key": "k"}), "must be a string"),
            (
                json!({"bucket": "b", "key": "k", "dynamodb_table": ""}),
                "must not be empty",
            ),
        ];
        for (v, want) in cases {
            let err = S3Config::from_settings(&settings(v.clone()))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{v}: {err}");
        }
    }
}
