//! `aws_cognito_user_pool`. Name, sign-in attributes, username case sensitivity and the
//! schema replace; the rest changes in place with one UpdateUserPool carrying every
//! setting (and the tags: UpdateUserPool takes them, so tag changes need no calls of
//! their own). Import by pool ID.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder as Create;
use aws_sdk_cognitoidentityprovider::operation::update_user_pool::builders::UpdateUserPoolFluentBuilder as Update;
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, EmailConfigurationType,
    MessageTemplateType, NumberAttributeConstraintsType, PasswordPolicyType, RecoveryOptionType,
    SchemaAttributeType, StringAttributeConstraintsType, UserPoolPolicyType, UserPoolType,
    UsernameConfigurationType, VerificationMessageTemplateType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{date, gone, importing, n, num, plan_computed_blocks, s, set_or_current, strings_as};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    plan_all_blocks, refuse_blocks, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val;

pub struct PoolRes;

type PoolTable = Table<UserPoolType, Create, Update>;

fn b(item: &Value, k: &str) -> Option<bool> {
    val::bool_attr(item, k)
}

/// Settings blocks that are optional and computed in Terraform.
const COMPUTED_BLOCKS: &[&str] = &[
    "password_policy",
    "admin_create_user_config",
    "account_recovery_setting",
    "verification_message_template",
    "email_configuration",
    "username_configuration",
];

// ---- the settings' blocks ----

fn policies(v: Arg) -> Option<UserPoolPolicyType> {
    let p = v.first()?;
    let policy = PasswordPolicyType::builder()
        .set_minimum_length(n(p, "minimum_length"))
        .set_require_lowercase(b(p, "require_lowercase"))
        .set_require_numbers(b(p, "require_numbers"))
        .set_require_symbols(b(p, "require_symbols"))
        .set_require_uppercase(b(p, "require_uppercase"))
        .set_temporary_password_validity_days(n(p, "temporary_password_validity_days"))
        .set_password_history_size(n(p, "password_history_size"))
        .build();
    Some(
        UserPoolPolicyType::builder()
            .password_policy(policy)
            .build(),
    )
}

fn policy_value(p: &PasswordPolicyType) -> Value {
    Value::object([
        ("minimum_length", num(p.minimum_length())),
        ("require_lowercase", Value::Bool(p.require_lowercase())),
        ("require_numbers", Value::Bool(p.require_numbers())),
        ("require_symbols", Value::Bool(p.require_symbols())),
        ("require_uppercase", Value::Bool(p.require_uppercase())),
        (
            "temporary_password_validity_days",
            val::num(p.temporary_password_validity_days()),
        ),
        ("password_history_size", num(p.password_history_size())),
    ])
}

const TEMPLATE: [&str; 3] = ["email_message", "email_subject", "sms_message"];

fn admin_config(v: Arg) -> Option<AdminCreateUserConfigType> {
    let c = v.first()?;
    let invite = val::first_block(c, "invite_message_template").map(|t| {
        MessageTemplateType::builder()
            .set_email_message(s(t, TEMPLATE[0]))
            .set_email_subject(s(t, TEMPLATE[1]))
            .set_sms_message(s(t, TEMPLATE[2]))
            .build()
    });
    Some(
        AdminCreateUserConfigType::builder()
            .set_allow_admin_create_user_only(b(c, "allow_admin_create_user_only"))
            .set_invite_message_template(invite)
            .build(),
    )
}

fn admin_value(c: &AdminCreateUserConfigType) -> Value {
    let invite = Value::List(
        c.invite_message_template()
            .map(|t| {
                Value::object([
                    (TEMPLATE[0], val::opt_str(t.email_message())),
                    (TEMPLATE[1], val::opt_str(t.email_subject())),
                    (TEMPLATE[2], val::opt_str(t.sms_message())),
                ])
            })
            .into_iter()
            .collect(),
    );
    Value::object([
        (
            "allow_admin_create_user_only",
            Value::Bool(c.allow_admin_create_user_only()),
        ),
        ("invite_message_template", invite),
    ])
}

fn recovery(v: Arg) -> Option<AccountRecoverySettingType> {
    let r = v.first()?;
    let options: Vec<RecoveryOptionType> = val::blocks(r, "recovery_mechanism")
        .iter()
        .filter_map(|m| {
            RecoveryOptionType::builder()
                .set_name(s(m, "name").map(|x| x.as_str().into()))
                .set_priority(n(m, "priority"))
                .build()
                .ok()
        })
        .collect();
    Some(
        AccountRecoverySettingType::builder()
            .set_recovery_mechanisms(Some(options))
            .build(),
    )
}

fn recovery_value(r: &AccountRecoverySettingType) -> Value {
    Value::object([(
        "recovery_mechanism",
        Value::set(
            r.recovery_mechanisms()
                .iter()
                .map(|m| {
                    Value::object([
                        ("name", Value::string(m.name().as_str())),
                        ("priority", val::num(m.priority())),
                    ])
                })
                .collect(),
        ),
    )])
}

const VERIFICATION: [&str; 6] = [
    "default_email_option",
    "email_message",
    "email_message_by_link",
    "email_subject",
    "email_subject_by_link",
    "sms_message",
];

fn verification(v: Arg) -> Option<VerificationMessageTemplateType> {
    let t = v.first()?;
    Some(
        VerificationMessageTemplateType::builder()
            .set_default_email_option(s(t, VERIFICATION[0]).map(|x| x.as_str().into()))
            .set_email_message(s(t, VERIFICATION[1]))
            .set_email_message_by_link(s(t, VERIFICATION[2]))
            .set_email_subject(s(t, VERIFICATION[3]))
            .set_email_subject_by_link(s(t, VERIFICATION[4]))
            .set_sms_message(s(t, VERIFICATION[5]))
            .build(),
    )
}

fn verification_value(t: &VerificationMessageTemplateType) -> Value {
    Value::object([
        (
            VERIFICATION[0],
            val::opt_str(t.default_email_option().map(|x| x.as_str())),
        ),
        (VERIFICATION[1], val::opt_str(t.email_message())),
        (VERIFICATION[2], val::opt_str(t.email_message_by_link())),
        (VERIFICATION[3], val::opt_str(t.email_subject())),
        (VERIFICATION[4], val::opt_str(t.email_subject_by_link())),
        (VERIFICATION[5], val::opt_str(t.sms_message())),
    ])
}

const EMAIL: [&str; 5] = [
    "configuration_set",
    "email_sending_account",
    "from_email_address",
    "reply_to_email_address",
    "source_arn",
];

fn email(v: Arg) -> Option<EmailConfigurationType> {
    let e = v.first()?;
    Some(
        EmailConfigurationType::builder()
            .set_configuration_set(s(e, EMAIL[0]))
            .set_email_sending_account(s(e, EMAIL[1]).map(|x| x.as_str().into()))
            .set_from(s(e, EMAIL[2]))
            .set_reply_to_email_address(s(e, EMAIL[3]))
            .set_source_arn(s(e, EMAIL[4]))
            .build(),
    )
}

fn email_value(e: &EmailConfigurationType) -> Value {
    Value::object([
        (EMAIL[0], val::opt_str(e.configuration_set())),
        (
            EMAIL[1],
            val::opt_str(e.email_sending_account().map(|x| x.as_str())),
        ),
        (EMAIL[2], val::opt_str(e.from())),
        (EMAIL[3], val::opt_str(e.reply_to_email_address())),
        (EMAIL[4], val::opt_str(e.source_arn())),
    ])
}

fn schema_attrs(v: Arg) -> Option<Vec<SchemaAttributeType>> {
    let items = v.items();
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(|a| {
                let strings = val::first_block(a, "string_attribute_constraints").map(|c| {
                    StringAttributeConstraintsType::builder()
                        .set_min_length(s(c, "min_length"))
                        .set_max_length(s(c, "max_length"))
                        .build()
                });
                let numbers = val::first_block(a, "number_attribute_constraints").map(|c| {
                    NumberAttributeConstraintsType::builder()
                        .set_min_value(s(c, "min_value"))
                        .set_max_value(s(c, "max_value"))
                        .build()
                });
                SchemaAttributeType::builder()
                    .set_name(s(a, "name"))
                    .set_attribute_data_type(s(a, "attribute_data_type").map(|x| x.as_str().into()))
                    .set_developer_only_attribute(b(a, "developer_only_attribute"))
                    .set_mutable(b(a, "mutable"))
                    .set_required(b(a, "required"))
                    .set_string_attribute_constraints(strings)
                    .set_number_attribute_constraints(numbers)
                    .build()
            })
            .collect()
    })
}

/// The schema attributes configured, as AWS reports them. AWS lists the standard
/// attributes too (`sub`, `email`, ...), which Terraform leaves out unless configured;
/// custom ones come back prefixed `custom:`.
fn schema_value(p: &UserPoolType, cur: &Value) -> Value {
    // An import reads the custom attributes (the standard ones are every pool's).
    let custom: Vec<Value> = p
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name()?.strip_prefix("custom:"))
        .map(|name| Value::object([("name", Value::string(name))]))
        .collect();
    let wanted = if importing(cur) {
        &custom[..]
    } else {
        val::blocks(cur, "schema")
    };
    let items = wanted.iter().filter_map(|w| {
        let name = val::str_attr(w, "name")?;
        let a = p
            .schema_attributes()
            .iter()
            .find(|a| a.name() == Some(name) || a.name() == Some(&format!("custom:{name}")))?;
        let pair = |x: Option<(&str, Option<&str>, &str, Option<&str>)>| {
            Value::List(
                x.map(|(k1, v1, k2, v2)| {
                    Value::object([(k1, val::opt_str(v1)), (k2, val::opt_str(v2))])
                })
                .into_iter()
                .collect(),
            )
        };
        let configured_block = |k| importing(cur) || !val::blocks(w, k).is_empty();
        Some(Value::object([
            ("name", Value::string(name)),
            (
                "attribute_data_type",
                val::opt_str(a.attribute_data_type().map(|t| t.as_str())),
            ),
            (
                "developer_only_attribute",
                flag(w, "developer_only_attribute", a.developer_only_attribute()),
            ),
            ("mutable", flag(w, "mutable", a.mutable())),
            ("required", flag(w, "required", a.required())),
            (
                "string_attribute_constraints",
                pair(
                    a.string_attribute_constraints()
                        .filter(|_| configured_block("string_attribute_constraints"))
                        .map(|c| ("min_length", c.min_length(), "max_length", c.max_length())),
                ),
            ),
            (
                "number_attribute_constraints",
                pair(
                    a.number_attribute_constraints()
                        .filter(|_| configured_block("number_attribute_constraints"))
                        .map(|c| ("min_value", c.min_value(), "max_value", c.max_value())),
                ),
            ),
        ]))
    });
    Value::set(items.collect())
}

/// A flag the Terraform provider does not tell from unset when off: off stays as
/// configured (null or false).
fn flag(configured: &Value, k: &str, v: Option<bool>) -> Value {
    match v {
        Some(true) => Value::Bool(true),
        _ => match configured.get_attr(k) {
            Some(Value::Bool(false)) => Value::Bool(false),
            _ => Value::Null,
        },
    }
}

fn schema_block() -> S {
    S::new()
        .attr("name", req(STR))
        .attr("attribute_data_type", req(STR))
        .attr("developer_only_attribute", opt(BOOL))
        .attr("mutable", opt(BOOL))
        .attr("required", opt(BOOL))
        .block(
            "string_attribute_constraints",
            Nesting::List,
            S::new()
                .attr("min_length", opt(STR))
                .attr("max_length", opt(STR)),
        )
        .block(
            "number_attribute_constraints",
            Nesting::List,
            S::new()
                .attr("min_value", opt(STR))
                .attr("max_value", opt(STR)),
        )
}

/// Settings blocks declared (modules write them through `dynamic` blocks) but not sent
/// yet: refused when set.
const REFUSED: &[&str] = &[
    "device_configuration",
    "email_mfa_configuration",
    "lambda_config",
    "sign_in_policy",
    "sms_configuration",
    "software_token_mfa_configuration",
    "user_attribute_update_settings",
    "user_pool_add_ons",
    "web_authn_configuration",
];

fn tags_of(planned: &Value) -> Option<HashMap<String, String>> {
    let all = val::string_map(planned, "tags_all");
    Some(all.into_iter().collect())
}

static TABLE: LazyLock<PoolTable> = LazyLock::new(|| {
    let t = PoolTable::new(|| Some(UserPoolType::builder().build()))
        .tags_all(|p| {
            let m: BTreeMap<String, String> = p
                .user_pool_tags()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            val::str_map(&m)
        })
        .attr("id", comp(STR))
        .read(|p, _| val::str_or_empty(p.id()))
        .attr("arn", comp(STR))
        .read(|p, _| val::str_or_empty(p.arn()))
        .attr("endpoint", comp(STR))
        .read(|p, cx| {
            Value::string(format!(
                "cognito-idp.{}.amazonaws.com/{}",
                cx.region,
                p.id().unwrap_or_default()
            ))
        })
        .attr("domain", comp(STR))
        .read(|p, _| val::str_or_empty(p.domain()))
        .attr("custom_domain", comp(STR))
        .read(|p, _| val::str_or_empty(p.custom_domain()))
        .attr("creation_date", comp(STR))
        .read(|p, _| date(p.creation_date()))
        .attr("last_modified_date", comp(STR))
        .read(|p, _| date(p.last_modified_date()))
        .attr("estimated_number_of_users", comp(NUM))
        .read(|p, _| val::num(p.estimated_number_of_users()))
        .attr("name", req(STR).force_new())
        .read(|p, _| val::str_or_empty(p.name()))
        .create(|b, v| b.set_pool_name(v.str()))
        .attr("alias_attributes", opt(set_of(STR)).force_new())
        .read(|p, cx| {
            set_or_current(
                p.alias_attributes().iter().map(|x| x.as_str()),
                cx.current,
                "alias_attributes",
            )
        })
        .create(|b, v| b.set_alias_attributes(strings_as(v)))
        .attr("username_attributes", opt(set_of(STR)).force_new())
        .read(|p, cx| {
            set_or_current(
                p.username_attributes().iter().map(|x| x.as_str()),
                cx.current,
                "username_attributes",
            )
        })
        .create(|b, v| b.set_username_attributes(strings_as(v)))
        .attr("auto_verified_attributes", opt(set_of(STR)))
        .read(|p, cx| {
            let a = p.auto_verified_attributes().iter().map(|x| x.as_str());
            set_or_current(a, cx.current, "auto_verified_attributes")
        })
        .create(|b, v| b.set_auto_verified_attributes(strings_as(v)))
        .update(|b, v| b.set_auto_verified_attributes(strings_as(v)))
        .attr(
            "deletion_protection",
            opt_default(STR, Value::string("INACTIVE")),
        )
        .read(|p, _| Value::string(p.deletion_protection().map_or("INACTIVE", |d| d.as_str())))
        .create(|b, v| b.set_deletion_protection(v.str().map(|x| x.as_str().into())))
        .update(|b, v| b.set_deletion_protection(v.str().map(|x| x.as_str().into())))
        .attr("mfa_configuration", opt_default(STR, Value::string("OFF")))
        .read(|p, _| Value::string(p.mfa_configuration().map_or("OFF", |m| m.as_str())))
        .create(|b, v| b.set_mfa_configuration(v.str().map(|x| x.as_str().into())))
        .update(|b, v| b.set_mfa_configuration(v.str().map(|x| x.as_str().into())))
        .attr("email_verification_message", opt_comp(STR))
        .read(|p, _| val::opt_str(p.email_verification_message()))
        .create(|b, v| b.set_email_verification_message(v.str()))
        .update(|b, v| b.set_email_verification_message(v.str()))
        .attr("email_verification_subject", opt_comp(STR))
        .read(|p, _| val::opt_str(p.email_verification_subject()))
        .create(|b, v| b.set_email_verification_subject(v.str()))
        .update(|b, v| b.set_email_verification_subject(v.str()))
        .attr("sms_authentication_message", opt(STR))
        .read(|p, _| val::opt_str(p.sms_authentication_message()))
        .create(|b, v| b.set_sms_authentication_message(v.str()))
        .update(|b, v| b.set_sms_authentication_message(v.str()))
        .attr("sms_verification_message", opt_comp(STR))
        .read(|p, _| val::opt_str(p.sms_verification_message()))
        .create(|b, v| b.set_sms_verification_message(v.str()))
        .update(|b, v| b.set_sms_verification_message(v.str()));
    let t = t
        .block(
            "password_policy",
            Nesting::List,
            S::new()
                .attr("minimum_length", opt_comp(NUM))
                .attr("require_lowercase", opt_comp(BOOL))
                .attr("require_numbers", opt_comp(BOOL))
                .attr("require_symbols", opt_comp(BOOL))
                .attr("require_uppercase", opt_comp(BOOL))
                .attr("temporary_password_validity_days", opt_comp(NUM))
                .attr("password_history_size", opt_comp(NUM)),
        )
        .max_items(1)
        .read(|p, _| val::opt_block(p.policies().and_then(|x| x.password_policy()), policy_value))
        .create(|b, v| b.set_policies(policies(v)))
        .update(|b, v| b.set_policies(policies(v)))
        .block(
            "admin_create_user_config",
            Nesting::List,
            S::new()
                .attr("allow_admin_create_user_only", opt_comp(BOOL))
                .block(
                    "invite_message_template",
                    Nesting::List,
                    TEMPLATE
                        .iter()
                        .fold(S::new(), |s, k| s.attr(k, opt_comp(STR))),
                ),
        )
        .max_items(1)
        .read(|p, _| val::opt_block(p.admin_create_user_config(), admin_value))
        .create(|b, v| b.set_admin_create_user_config(admin_config(v)))
        .update(|b, v| b.set_admin_create_user_config(admin_config(v)))
        .block(
            "account_recovery_setting",
            Nesting::List,
            S::new().block(
                "recovery_mechanism",
                Nesting::Set,
                S::new().attr("name", req(STR)).attr("priority", req(NUM)),
            ),
        )
        .max_items(1)
        .read(|p, _| val::opt_block(p.account_recovery_setting(), recovery_value))
        .create(|b, v| b.set_account_recovery_setting(recovery(v)))
        .update(|b, v| b.set_account_recovery_setting(recovery(v)))
        .block(
            "verification_message_template",
            Nesting::List,
            VERIFICATION
                .iter()
                .fold(S::new(), |s, k| s.attr(k, opt_comp(STR))),
        )
        .max_items(1)
        .read(|p, _| val::opt_block(p.verification_message_template(), verification_value))
        .create(|b, v| b.set_verification_message_template(verification(v)))
        .update(|b, v| b.set_verification_message_template(verification(v)))
        .block(
            "email_configuration",
            Nesting::List,
            EMAIL.iter().fold(S::new(), |s, k| s.attr(k, opt(STR))),
        )
        .max_items(1)
        .read(|p, _| val::opt_block(p.email_configuration(), email_value))
        .create(|b, v| b.set_email_configuration(email(v)))
        .update(|b, v| b.set_email_configuration(email(v)))
        .block(
            "username_configuration",
            Nesting::List,
            S::new().attr("case_sensitive", req(BOOL)),
        )
        .max_items(1)
        .force_new_block()
        .read(|p, _| {
            val::opt_block(
                p.username_configuration(),
                |u: &UsernameConfigurationType| {
                    Value::object([("case_sensitive", Value::Bool(u.case_sensitive()))])
                },
            )
        })
        .create(|b, v| {
            b.set_username_configuration(v.first().and_then(|u| {
                UsernameConfigurationType::builder()
                    .set_case_sensitive(val::bool_attr(u, "case_sensitive"))
                    .build()
                    .ok()
            }))
        })
        .block("schema", Nesting::Set, schema_block())
        .force_new_block()
        .read(|p, cx| schema_value(p, cx.current))
        .create(|b, v| b.set_schema(schema_attrs(v)));
    REFUSED.iter().fold(t, |t, name| {
        t.block(name, Nesting::List, S::new()).updated_by_hand()
    })
});

#[async_trait]
impl AwsResource for PoolRes {
    fn type_name(&self) -> &'static str {
        "aws_cognito_user_pool"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        refuse_blocks(
            config,
            self.type_name(),
            "pool",
            REFUSED.iter().copied(),
            None,
            diags,
        );
        crate::resource::check_enum(
            config,
            "mfa_configuration",
            &["OFF", "ON", "OPTIONAL"],
            diags,
        );
        crate::resource::check_enum(
            config,
            "deletion_protection",
            &["ACTIVE", "INACTIVE"],
            diags,
        );
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        plan_computed_blocks(prior, config, planned, COMPUTED_BLOCKS);
        PlanExtra::default()
    }

    /// A pool whose deletion protection is on cannot be deleted.
    fn refuse_destroy(&self, prior: &Value) -> Option<terrane_engine::diag::Diagnostic> {
        (val::str_attr(prior, "deletion_protection") == Some("ACTIVE")).then(|| {
            terrane_engine::diag::Diagnostic::error("Cannot destroy a protected user pool").detail(format!(
                "User pool {} has deletion_protection = \"ACTIVE\"; set it to \"INACTIVE\" and apply first.",
                val::str_attr(prior, "id").unwrap_or_default()
            ))
        })
    }

    /// One DescribeUserPool per pool, concurrently (Cognito has no batch read).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let idp = c.cognito_idp.get().await;
        let jobs = current.iter().map(|cur| {
            let idp = &idp;
            async move {
                let Some(id) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let out = match idp.describe_user_pool().user_pool_id(id).send().await {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("DescribeUserPool", e);
                        return if gone(&e) { Ok(None) } else { Err(e) };
                    }
                };
                let Some(p) = out.user_pool() else {
                    return Ok(None);
                };
                Ok(Some(TABLE.read_value(p, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.cognito_idp.get().await.create_user_pool(), planned)
            .set_user_pool_tags(tags_of(planned).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(err("CreateUserPool"))?;
        out.user_pool()
            .and_then(|p| p.id())
            .map(str::to_string)
            .ok_or_else(|| AwsError::Invalid("CreateUserPool returned no ID".into()).into())
    }

    /// Every configured setting again: UpdateUserPool resets what it is not sent.
    async fn update(
        &self,
        c: &Clients,
        _prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let idp = c.cognito_idp.get().await;
        let id = val::str_attr(planned, "id").unwrap_or_default();
        let nothing = Value::Object(BTreeMap::new());
        let start = || idp.update_user_pool().user_pool_id(id);
        let req = TABLE
            .update_requests(&nothing, planned, start)
            .pop()
            .unwrap_or_else(start);
        req.set_user_pool_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("UpdateUserPool"))?;
        Ok(None)
    }

    /// Tags go with UpdateUserPool (see `update`).
    async fn tag(
        &self,
        _c: &Clients,
        _prior: &Value,
        _tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        Ok(())
    }

    async fn untag(
        &self,
        _c: &Clients,
        _prior: &Value,
        _keys: Vec<String>,
    ) -> Result<(), AwsError> {
        Ok(())
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .cognito_idp
            .get()
            .await
            .delete_user_pool()
            .user_pool_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteUserPool"));
        match out {
            Err(e) if !gone(&e) => Err(e),
            _ => Ok(()),
        }
    }
}
