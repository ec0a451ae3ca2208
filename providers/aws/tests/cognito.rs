//! Cognito user pools, app clients and domains (what the ALB module's authenticate-cognito
//! example builds) against moto, through the engine: create, converge, update in place,
//! replace, import, destroy.

mod common;

use common::{attr, changed_attrs, changes, converged, found_by_identity, updated, Env};
use terrane_engine::state::State;

fn idp() -> aws_sdk_cognitoidentityprovider::Client {
    use aws_sdk_cognitoidentityprovider::config;
    let m = terrane_test_support::moto();
    aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(config::Credentials::new("test", "test", None, None, "test"))
            .build(),
    )
}

fn src(pool: &str, min_length: u32, team: &str, callback: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_cognito_user_pool" "p" {{
  name                     = "{pool}"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]

  password_policy {{
    minimum_length                   = {min_length}
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = false
    require_uppercase                = true
    temporary_password_validity_days = 3
  }}
  schema {{
    name                = "team"
    attribute_data_type = "String"
    mutable             = true
    string_attribute_constraints {{
      min_length = "1"
      max_length = "32"
    }}
  }}
  tags = {{ team = "{team}" }}
}}
resource "aws_cognito_user_pool_client" "c" {{
  name                                 = "web-client"
  user_pool_id                         = aws_cognito_user_pool.p.id
  generate_secret                      = true
  allowed_oauth_flows                  = ["code", "implicit"]
  callback_urls                        = ["https://{callback}/callback"]
  allowed_oauth_scopes                 = ["email", "openid"]
  allowed_oauth_flows_user_pool_client = true
}}
resource "aws_cognito_user_pool_domain" "d" {{
  domain       = "terrane-auth-test"
  user_pool_id = aws_cognito_user_pool.p.id
}}
"#
    )
}

#[tokio::test]
async fn user_pool_client_and_domain() {
    let env = Env::new();
    let (pool, client, domain) = (
        "aws_cognito_user_pool.p",
        "aws_cognito_user_pool_client.c",
        "aws_cognito_user_pool_domain.d",
    );
    let config = src("users", 10, "a", "a.example.com");
    let state = env.apply(&config, &State::new()).await;
    let id = attr(&state, pool, "id");
    assert!(attr(&state, pool, "arn").ends_with(&format!(":userpool/{id}")));
    assert_eq!(
        attr(&state, pool, "endpoint"),
        format!("cognito-idp.us-east-1.amazonaws.com/{id}")
    );
    assert_eq!(attr(&state, pool, "mfa_configuration"), "OFF");
    assert!(!attr(&state, client, "client_secret").is_empty());
    assert_eq!(attr(&state, client, "refresh_token_validity"), "30");
    assert_eq!(attr(&state, domain, "id"), "terrane-auth-test");
    converged(&env, &config, &state).await;
    found_by_identity(&env, &state, domain).await;

    // Import: the pool by ID, the client by POOL/CLIENT, the domain by name. (Before
    // any update: moto's UpdateUserPool forgets the pool's username attributes.)
    let client_id = attr(&state, client, "id");
    let imported = env.import_into(&state, pool, &id).await;
    let imported = env
        .import_into(&imported, client, &format!("{id}/{client_id}"))
        .await;
    let imported = env
        .import_into(&imported, domain, "terrane-auth-test")
        .await;
    converged(&env, &config, &imported).await;

    // The password policy and tags change in place; so does a client's callback URL.
    let config = src("users", 12, "b", "a.example.com");
    let state = updated(
        &env,
        &config,
        &state,
        pool,
        &["password_policy", "tags", "tags_all"],
    )
    .await;
    let described = idp()
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let p = described.user_pool().unwrap();
    let policy = p.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(12));
    assert_eq!(
        p.user_pool_tags().unwrap().get("team").map(String::as_str),
        Some("b")
    );
    // The update resends the settings it did not change (UpdateUserPool resets them).
    assert_eq!(
        p.auto_verified_attributes()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        ["email"]
    );
    let config = src("users", 12, "b", "b.example.com");
    let state = updated(&env, &config, &state, client, &["callback_urls"]).await;

    // A new pool name replaces the pool (and so its client and domain).
    let plan = env
        .plan(&src("users-2", 12, "b", "b.example.com"), &state)
        .await;
    assert!(
        changes(&plan).contains(&format!("DeleteThenCreate {pool}")),
        "{:?}",
        changes(&plan)
    );
    assert!(changed_attrs(&plan, pool).contains(&"name".to_string()));

    env.destroy(&config, &state).await;
    assert!(idp()
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .is_err());
}
