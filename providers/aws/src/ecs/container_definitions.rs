//! `container_definitions` of a task definition: a JSON string compared by meaning. AWS
//! hands back what it stored, not what the user wrote: keys in another order, defaults
//! filled in (`essential: true`, `cpu: 0`, empty `environment`/`mountPoints`/`volumesFrom`,
//! `protocol: "tcp"`, `hostPort` equal to `containerPort` under awsvpc, health check
//! interval/retries/timeout), environment variables and secrets reordered. Both sides are
//! reduced to one canonical form with the rules the Terraform provider applies, so that a
//! definition that means the same never plans a change, and the string the user wrote is
//! kept in state.

use serde_json::{Map, Value as J};

/// The members of ECS's `ContainerDefinition`, spelt as the API spells them.
const MEMBERS: [&str; 42] = [
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

/// A container definition's keys in the API's spelling. The provider decodes the JSON
/// with Go's decoder, which matches keys to members regardless of case, so `entrypoint`
/// (as the ECS community module writes it) is the `entryPoint` member; sent as written,
/// ECS would drop it.
fn api_case(m: Map<String, J>) -> Map<String, J> {
    let mut out = Map::new();
    for (k, v) in m {
        let member = MEMBERS
            .iter()
            .find(|n| **n != k && n.eq_ignore_ascii_case(&k))
            .filter(|n| !out.contains_key(**n));
        out.insert(member.map_or(k, |n| (*n).to_string()), v);
    }
    out
}

/// Parses the attribute value into the array ECS takes, with sparse elements (empty
/// objects) of the object lists removed and keys spelt as the API's members, as the
/// provider sends it.
pub fn parse(text: &str) -> Result<Vec<J>, String> {
    let v: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let J::Array(items) = v else {
        return Err("expected a JSON array of container definitions".into());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, c)| match c {
            J::Object(m) if !m.is_empty() => Ok(J::Object(compact(api_case(m)))),
            _ => Err(format!(
                "invalid container definition supplied at index ({i})"
            )),
        })
        .collect()
}

/// Removes empty-object elements from every list member of a container definition.
fn compact(mut m: Map<String, J>) -> Map<String, J> {
    for v in m.values_mut() {
        if let J::Array(items) = v {
            items.retain(|x| !is_empty(x));
        }
    }
    m
}

fn is_empty(v: &J) -> bool {
    match v {
        J::Null => true,
        J::Array(a) => a.is_empty(),
        J::Object(o) => o.is_empty() || o.values().all(is_empty),
        J::String(s) => s.is_empty(),
        _ => false,
    }
}

/// The canonical form of a definitions string (`None` when it is not valid).
pub fn canonical(text: &str, awsvpc: bool) -> Option<String> {
    let mut defs: Vec<J> = parse(text)
        .ok()?
        .into_iter()
        .map(|c| reduce(c, awsvpc))
        .collect();
    defs.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    Some(sort_keys(J::Array(defs)).to_string())
}

/// Two definitions strings mean the same.
pub fn equivalent(a: &str, b: &str, awsvpc: bool) -> bool {
    match (canonical(a, awsvpc), canonical(b, awsvpc)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn name_of(v: &J) -> &str {
    v.get("name").and_then(J::as_str).unwrap_or_default()
}

/// One container definition with defaults made explicit and AWS's additions dropped.
fn reduce(c: J, awsvpc: bool) -> J {
    let J::Object(m) = prune(c) else {
        return J::Null;
    };
    let mut m = compact(m);
    m.entry("essential").or_insert(J::Bool(true));
    // `cpu` is a plain integer in the API: 0 and absent are the same.
    if m.get("cpu").and_then(J::as_i64) == Some(0) {
        m.remove("cpu");
    }
    if let Some(J::Object(hc)) = m.get_mut("healthCheck") {
        for (k, d) in [("interval", 30), ("retries", 3), ("timeout", 5)] {
            hc.entry(k).or_insert(J::from(d));
        }
    }
    if let Some(J::Array(pms)) = m.get_mut("portMappings") {
        for pm in pms.iter_mut().filter_map(J::as_object_mut) {
            if pm.get("protocol").and_then(J::as_str) == Some("tcp") {
                pm.remove("protocol");
            }
            if pm.get("hostPort").and_then(J::as_i64) == Some(0) {
                pm.remove("hostPort");
            }
            if awsvpc && !pm.contains_key("hostPort") {
                if let Some(p) = pm.get("containerPort").cloned() {
                    pm.insert("hostPort".into(), p);
                }
            }
        }
    }
    for k in ["environment", "secrets"] {
        if let Some(J::Array(items)) = m.get_mut(k) {
            items.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        }
    }
    m.retain(|_, v| !is_empty(v));
    J::Object(m)
}

/// Object keys in sorted order at every depth (serde_json here keeps insertion order).
fn sort_keys(v: J) -> J {
    match v {
        J::Object(m) => {
            let mut items: Vec<(String, J)> =
                m.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            J::Object(items.into_iter().collect())
        }
        J::Array(a) => J::Array(a.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Drops nulls, empty strings, empty lists and empty objects at every depth (the typed
/// SDK structs the provider decodes into cannot tell them from absent).
fn prune(v: J) -> J {
    match v {
        J::Object(m) => J::Object(
            m.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        J::Array(a) => J::Array(a.into_iter().map(prune).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRITTEN: &str = r#"[{"name":"web","image":"nginx:1","memory":512,
        "portMappings":[{"containerPort":80}],
        "environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]"#;

    /// What ECS returns for WRITTEN under awsvpc.
    const RETURNED: &str = r#"[{"cpu":0,"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
        "essential":true,"image":"nginx:1","memory":512,"mountPoints":[],"name":"web",
        "portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp"}],"volumesFrom":[]}]"#;

    #[test]
    fn defaults_and_order_do_not_matter() {
        assert!(equivalent(WRITTEN, RETURNED, true));
        // hostPort 80 is only implied under awsvpc.
        assert!(!equivalent(WRITTEN, RETURNED, false));
        assert!(!equivalent(
            WRITTEN,
            &RETURNED.replace("nginx:1", "nginx:2"),
            true
        ));
        assert!(!equivalent(
            WRITTEN,
            &RETURNED.replace("\"essential\":true", "\"essential\":false"),
            true
        ));
    }

    #[test]
    fn containers_sorted_and_health_check_defaults() {
        let a = r#"[{"name":"b","image":"x","healthCheck":{"command":["CMD","true"]}},{"name":"a","image":"y"}]"#;
        let b = r#"[{"name":"a","image":"y","essential":true},{"name":"b","image":"x","healthCheck":{"command":["CMD","true"],"interval":30,"retries":3,"timeout":5}}]"#;
        assert!(equivalent(a, b, false));
    }

    #[test]
    fn keys_match_members_whatever_their_case() {
        let written = r#"[{"name":"a","image":"x","entrypoint":["/bin/sh","-c"],"COMMAND":["true"],"dockerLabels":{"entrypoint":"kept"}}]"#;
        let sent = &parse(written).unwrap()[0];
        assert_eq!(sent["entryPoint"], serde_json::json!(["/bin/sh", "-c"]));
        assert_eq!(sent["command"], serde_json::json!(["true"]));
        assert!(sent.get("entrypoint").is_none());
        // Keys inside maps are data, not members.
        assert_eq!(sent["dockerLabels"]["entrypoint"], "kept");
        let returned = r#"[{"name":"a","image":"x","entryPoint":["/bin/sh","-c"],"command":["true"],"dockerLabels":{"entrypoint":"kept"},"essential":true}]"#;
        assert!(equivalent(written, returned, false));
        // The spelling with the API's case wins over another.
        let both = parse(r#"[{"name":"a","entryPoint":["x"],"entrypoint":["y"]}]"#).unwrap();
        assert_eq!(both[0]["entryPoint"], serde_json::json!(["x"]));
    }

    #[test]
    fn invalid_definitions() {
        assert!(parse("{}").is_err());
        assert!(parse("[{}]").unwrap_err().contains("index (0)"));
        assert!(parse("not json").is_err());
        assert_eq!(
            parse(r#"[{"name":"a","mountPoints":[{}]}]"#).unwrap()[0]["mountPoints"],
            J::Array(vec![])
        );
    }
}
