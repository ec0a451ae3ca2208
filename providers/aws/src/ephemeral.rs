//! Ephemeral resources (`ephemeral "aws_..." "x"`): values read for one run and never
//! stored, typically a secret handed to a write-only argument or a provider block. AWS
//! holds no lease for any of these, so opening one is a read, and each is served through
//! the data source interface; renew and close have nothing to do.

use async_trait::async_trait;
use aws_smithy_types::date_time::Format;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::{err, AwsError};
use crate::schema::*;
use crate::val::{self, Obj};

pub fn all() -> Vec<Box<dyn AwsDataSource>> {
    vec![
        Box::new(SecretVersion),
        Box::new(RandomPassword),
        Box::new(SsmParameter),
    ]
}

/// `aws_secretsmanager_secret_version`: one version's value, by `version_id`, else by
/// `version_stage` (default `AWSCURRENT`).
pub struct SecretVersion;

#[async_trait]
impl AwsDataSource for SecretVersion {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret_version"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("secret_id", req(STR))
            .attr("version_id", opt_comp(STR))
            .attr("version_stage", opt(STR))
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("created_date", comp(STR))
            .attr("secret_string", comp(STR).sensitive())
            .attr("secret_binary", comp(STR).sensitive())
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let secret = val::str_attr(config, "secret_id").unwrap_or_default();
        let version_id = val::str_attr(config, "version_id");
        let stage = match version_id {
            Some(_) => None,
            None => Some(val::str_attr(config, "version_stage").unwrap_or("AWSCURRENT")),
        };
        let v = c
            .secrets
            .get()
            .await
            .get_secret_value()
            .secret_id(secret)
            .set_version_id(version_id.map(str::to_string))
            .set_version_stage(stage.map(str::to_string))
            .send()
            .await
            .map_err(err("GetSecretValue"))?;
        let created = v.created_date().and_then(|d| d.fmt(Format::DateTime).ok());
        let binary = v
            .secret_binary()
            .map(|b| aws_smithy_types::base64::encode(b.as_ref()));
        // The provider's ID: the secret's ARN and the version, as the managed resource's.
        let id = format!(
            "{}|{}",
            v.arn().unwrap_or_default(),
            v.version_id().unwrap_or_default()
        );
        let mut o = Obj::from(config);
        o.set("id", Value::string(id))
            .set("arn", val::opt_str(v.arn()))
            .set("version_id", val::opt_str(v.version_id()))
            .set("created_date", val::opt_str(created.as_deref()))
            .set("secret_string", val::opt_str(v.secret_string()))
            .set("secret_binary", val::opt_str(binary.as_deref()));
        Ok(o.done())
    }
}

/// `aws_secretsmanager_random_password`: a password from Secrets Manager's
/// GetRandomPassword, new on every run.
pub struct RandomPassword;

#[async_trait]
impl AwsDataSource for RandomPassword {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_random_password"
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("exclude_characters", opt(STR))
            .attr("password_length", opt(NUM))
            .attr("random_password", comp(STR).sensitive());
        for flag in FLAGS {
            s = s.attr(flag, opt(BOOL));
        }
        s.build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let flag = |name: &str| val::bool_attr(config, name);
        let length = val::num_attr(config, "password_length");
        let out = c
            .secrets
            .get()
            .await
            .get_random_password()
            .set_exclude_characters(val::str_attr(config, "exclude_characters").map(str::to_string))
            .set_password_length(length)
            .set_exclude_lowercase(flag("exclude_lowercase"))
            .set_exclude_numbers(flag("exclude_numbers"))
            .set_exclude_punctuation(flag("exclude_punctuation"))
            .set_exclude_uppercase(flag("exclude_uppercase"))
            .set_include_space(flag("include_space"))
            .set_require_each_included_type(flag("require_each_included_type"))
            .send()
            .await
            .map_err(err("GetRandomPassword"))?;
        let mut o = Obj::from(config);
        o.set("random_password", val::opt_str(out.random_password()));
        Ok(o.done())
    }
}

/// The boolean arguments of [`RandomPassword`], each passed to GetRandomPassword as is.
const FLAGS: [&str; 6] = [
    "exclude_lowercase",
    "exclude_numbers",
    "exclude_punctuation",
    "exclude_uppercase",
    "include_space",
    "require_each_included_type",
];

/// `aws_ssm_parameter`: a parameter's value by ARN, decrypted unless
/// `with_decryption = false`.
pub struct SsmParameter;

#[async_trait]
impl AwsDataSource for SsmParameter {
    fn type_name(&self) -> &'static str {
        "aws_ssm_parameter"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("arn", req(STR))
            .attr("with_decryption", opt_comp(BOOL))
            .attr("name", comp(STR))
            .attr("type", comp(STR))
            .attr("value", comp(STR).sensitive())
            .attr("version", comp(NUM))
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let arn = val::str_attr(config, "arn").unwrap_or_default();
        let decrypt = val::bool_attr(config, "with_decryption").unwrap_or(true);
        // GetParameter takes an ARN where it takes a name.
        let out = c
            .ssm
            .get()
            .await
            .get_parameter()
            .name(arn)
            .with_decryption(decrypt)
            .send()
            .await
            .map_err(err("GetParameter"))?;
        let p = out
            .parameter()
            .ok_or_else(|| AwsError::Invalid(format!("SSM parameter {arn:?} not found")))?;
        let mut o = Obj::from(config);
        o.set("with_decryption", Value::Bool(decrypt))
            .set("name", val::opt_str(p.name()))
            .set("type", val::opt_str(p.r#type().map(|t| t.as_str())))
            .set("value", val::opt_str(p.value()))
            .set("version", Value::number(p.version()));
        Ok(o.done())
    }
}
