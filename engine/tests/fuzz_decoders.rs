//! Fuzzing the decoders of what terrane reads back from disk: state files, plan files and
//! apply journals. Inputs are arbitrary bytes and, more usefully, JSON shaped like each
//! format with random values in every field. Properties: never a panic; a state that
//! decodes encodes again and decodes to the same state; a journal replays or is refused.
//!
//! Case counts are small so the suite stays fast; `PROPTEST_CASES` raises them
//! (scripts/reliability runs them long).

use proptest::prelude::*;
use serde_json::{json, Value};
use terrane_engine::plan::file::PlanFile;
use terrane_engine::state::journal::{replay, JournalEntry};
use terrane_engine::state::State;

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("managed"),
            Just("data"),
            Just("tainted"),
            Just("module.a"),
            Just("module.a[\"k\"].module.b[0]"),
            Just("provider[\"registry.terraform.io/hashicorp/null\"]"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A field of a format: usually a value of the right shape, sometimes anything at all.
fn field(right: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![12 => right, 1 => any_json()].boxed()
}

fn instance() -> impl Strategy<Value = Value> {
    (
        field(prop_oneof![Just(Value::Null), Just(json!(0)), Just(json!("k"))].boxed()),
        field(
            any_json()
                .prop_map(|v| json!({ "id": "x", "v": v }))
                .boxed(),
        ),
        field(Just(json!([])).boxed()),
        field(prop_oneof![Just(Value::Null), Just(json!("tainted"))].boxed()),
        field(prop_oneof![Just(Value::Null), Just(json!("deadbeef"))].boxed()),
    )
        .prop_map(|(key, attrs, sens, status, deposed)| {
            json!({
                "index_key": key,
                "schema_version": 0,
                "attributes": attrs,
                "sensitive_attributes": sens,
                "status": status,
                "deposed": deposed,
            })
        })
}

fn resource() -> impl Strategy<Value = Value> {
    (
        field(prop_oneof![Just(Value::Null), Just(json!("module.a"))].boxed()),
        field(prop_oneof![Just(json!("managed")), Just(json!("data"))].boxed()),
        field("[a-z_]{1,12}".prop_map(Value::String).boxed()),
        prop::collection::vec(instance(), 0..3),
    )
        .prop_map(|(module, mode, name, instances)| {
            json!({
                "module": module,
                "mode": mode,
                "type": "null_resource",
                "name": name,
                "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
                "instances": instances,
            })
        })
}

fn state_json() -> impl Strategy<Value = Value> {
    (
        field(Just(json!(4)).boxed()),
        field(any::<u32>().prop_map(|n| json!(n)).boxed()),
        prop::collection::vec(resource(), 0..4),
        field(
            any_json()
                .prop_map(|v| json!({ "o": { "value": v, "type": "dynamic" } }))
                .boxed(),
        ),
    )
        .prop_map(|(version, serial, resources, outputs)| {
            json!({
                "version": version,
                "terraform_version": "1.15.5",
                "serial": serial,
                "lineage": "3f1c0c3e-6a4b-4c59-9f5e-0d6f7a1b2c3d",
                "outputs": outputs,
                "resources": resources,
            })
        })
}

fn journal_line() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("begin"),
            Just("set_instance"),
            Just("remove_instance"),
            Just("intent"),
            Just("settled"),
        ],
        resource(),
        instance(),
        any_json(),
    )
        .prop_map(|(op, resource, instance, extra)| {
            json!({
                "op": op,
                "lineage": "3f1c0c3e-6a4b-4c59-9f5e-0d6f7a1b2c3d",
                "serial": 1,
                "resource": resource,
                "instance": instance,
                "index_key": extra,
                "identity": { "name": "x" },
            })
        })
}

fn plan_json() -> impl Strategy<Value = Value> {
    (
        field(Just(json!("terrane-plan")).boxed()),
        prop::collection::btree_map("[a-z]{1,6}", any_json(), 0..3),
        prop::collection::vec(any_json(), 0..3),
        any_json(),
    )
        .prop_map(|(format, variables, changes, outputs)| {
            json!({
                "format": format,
                "format_version": 1,
                "terrane_version": "0.1.0",
                "mode": "normal",
                "workspace": "default",
                "lineage": null,
                "serial": null,
                "config_hash": "00",
                "variables": variables,
                "changes": changes,
                "outputs": outputs,
            })
        })
}

/// A state that decodes encodes again, and decodes to the same state.
fn state_round_trips(bytes: &[u8]) {
    if let Ok(state) = State::from_bytes(bytes) {
        let again = State::from_bytes(&state.to_bytes())
            .unwrap_or_else(|e| panic!("a decoded state does not decode again: {e}"));
        assert_eq!(again.to_bytes(), state.to_bytes());
    }
}

fn journal_replays_or_is_refused(lines: &[Value]) {
    let entries: Vec<JournalEntry> = lines
        .iter()
        .filter_map(|l| serde_json::from_value(l.clone()).ok())
        .collect();
    let mut state = State::new();
    state.lineage = "3f1c0c3e-6a4b-4c59-9f5e-0d6f7a1b2c3d".into();
    if replay(&mut state, &entries).is_ok() {
        state_round_trips(&state.to_bytes());
    }
}

fn plan_file_decodes_or_is_refused(bytes: &[u8]) {
    if let Ok(file) = serde_json::from_slice::<PlanFile>(bytes) {
        let _ = file.to_display_plan();
        for v in file.variables.values() {
            let _ = v.to_value();
            let _ = v.to_display_value();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        state_round_trips(&bytes);
        plan_file_decodes_or_is_refused(&bytes);
    }

    #[test]
    fn state_shaped_json_round_trips(v in state_json()) {
        state_round_trips(v.to_string().as_bytes());
    }

    #[test]
    fn journals_replay_or_are_refused(lines in prop::collection::vec(journal_line(), 0..8)) {
        journal_replays_or_is_refused(&lines);
    }

    #[test]
    fn plan_shaped_json_never_panics(v in plan_json()) {
        plan_file_decodes_or_is_refused(v.to_string().as_bytes());
    }
}

/// The generators reach past the first check of each decoder: a good share of generated
/// states decode (so the round trip is exercised), as do journals that replay.
#[test]
fn generated_inputs_mostly_decode() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let n = 200;
    let mut states = 0;
    let mut journals = 0;
    for _ in 0..n {
        let v = state_json().new_tree(&mut runner).unwrap().current();
        if State::from_bytes(v.to_string().as_bytes()).is_ok() {
            states += 1;
        }
        let mut lines = vec![json!({
            "op": "begin",
            "lineage": "3f1c0c3e-6a4b-4c59-9f5e-0d6f7a1b2c3d",
            "serial": 1
        })];
        lines.extend(
            prop::collection::vec(journal_line(), 1..4)
                .new_tree(&mut runner)
                .unwrap()
                .current(),
        );
        let entries: Vec<JournalEntry> = lines
            .iter()
            .filter_map(|l| serde_json::from_value(l.clone()).ok())
            .collect();
        let mut state = State::new();
        state.lineage = "3f1c0c3e-6a4b-4c59-9f5e-0d6f7a1b2c3d".into();
        if entries.len() > 1 && replay(&mut state, &entries).is_ok() {
            journals += 1;
        }
    }
    assert!(
        states > n / 4,
        "only {states} of {n} generated states decode"
    );
    assert!(
        journals > n / 10,
        "only {journals} of {n} generated journals replay"
    );
}
