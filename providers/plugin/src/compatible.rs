//! Terraform's check of an applied object against its plan
//! (`objchange.AssertObjectCompatible`) inside the arguments the plan left partly
//! unknown: a nested attribute or nested block whose inner computed values were unknown
//! must still come back with every known inner value as planned. The engine compares the
//! wholly known arguments itself.

use terrane_engine::lang::eval::values_equal;
use terrane_engine::lang::Value;

/// The paths (`rules[0].port`) inside the top-level arguments of `planned` that hold
/// unknown values where the provider's `actual` object departs from a known part of the
/// plan.
pub fn incompatible_parts(planned: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(planned) = planned.as_map() else {
        return out;
    };
    for (name, p) in planned {
        let p = p.unmark_deep().0;
        if p.contains_unknown() {
            let a = actual
                .get_attr(name)
                .map(|v| v.unmark_deep().0)
                .unwrap_or_default();
            compare(&p, &a, name, &mut out);
        }
    }
    out
}

/// Pushes onto `out` the paths under `at` where `actual` is not what `planned` allows:
/// anything where it was unknown, elsewhere the same value, collections of the same length
/// or keys, and set elements that pair up one with another.
fn compare(planned: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    match (planned, actual) {
        (Value::Unknown, _) | (Value::Null, Value::Null) => {}
        (Value::Object(p), Value::Object(a)) => {
            for (k, pv) in p {
                let av = a.get(k).unwrap_or(&Value::Null);
                compare(pv, av, &format!("{at}.{k}"), out);
            }
        }
        (Value::Map(p), Value::Map(a)) if p.keys().eq(a.keys()) => {
            for (k, pv) in p {
                compare(pv, &a[k], &format!("{at}[{k:?}]"), out);
            }
        }
        (Value::List(p) | Value::Tuple(p), Value::List(a) | Value::Tuple(a))
            if p.len() == a.len() =>
        {
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                compare(pv, av, &format!("{at}[{i}]"), out);
            }
        }
        (Value::Set(p), Value::Set(a)) => {
            if !sets_pair_up(p, a) {
                out.push(at.to_string());
            }
        }
        (p, a) => {
            if !values_equal(p, a) {
                out.push(at.to_string());
            }
        }
    }
}

/// Whether every planned element is matched by an actual one and every actual one by a
/// planned one, with no more elements than planned (unknown planned elements may turn
/// out equal, so fewer may come back).
fn sets_pair_up(planned: &[Value], actual: &[Value]) -> bool {
    let fits = |p: &Value, a: &Value| {
        let mut errs = Vec::new();
        compare(p, a, "", &mut errs);
        errs.is_empty()
    };
    actual.len() <= planned.len()
        && planned.iter().all(|p| actual.iter().any(|a| fits(p, a)))
        && actual.iter().all(|a| planned.iter().any(|p| fits(p, a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(port: i64, id: Value) -> Value {
        Value::object([("port", Value::number(port as f64)), ("id", id)])
    }

    fn with_rules(rules: Value) -> Value {
        Value::object([("name", Value::string("a")), ("rules", rules)])
    }

    #[test]
    fn known_parts_of_a_partly_unknown_argument_must_come_back_as_planned() {
        let planned = with_rules(Value::List(vec![rule(80, Value::Unknown)]));
        let ok = with_rules(Value::List(vec![rule(80, Value::string("r-1"))]));
        assert!(incompatible_parts(&planned, &ok).is_empty());
        let port = with_rules(Value::List(vec![rule(81, Value::string("r-1"))]));
        assert_eq!(incompatible_parts(&planned, &port), ["rules[0].port"]);
        let more = with_rules(Value::List(vec![
            rule(80, Value::string("r-1")),
            rule(90, Value::string("r-2")),
        ]));
        assert_eq!(incompatible_parts(&planned, &more), ["rules"]);
    }

    #[test]
    fn wholly_known_arguments_are_left_to_the_engine() {
        let planned = Value::object([("name", Value::string("a")), ("id", Value::Unknown)]);
        let actual = Value::object([("name", Value::string("b")), ("id", Value::string("x"))]);
        assert!(incompatible_parts(&planned, &actual).is_empty());
    }

    #[test]
    fn set_elements_pair_up_with_unknowns_filled_in() {
        let planned = with_rules(Value::Set(vec![
            rule(80, Value::Unknown),
            rule(443, Value::Unknown),
        ]));
        let ok = with_rules(Value::Set(vec![
            rule(443, Value::string("r-2")),
            rule(80, Value::string("r-1")),
        ]));
        assert!(incompatible_parts(&planned, &ok).is_empty());
        let other = with_rules(Value::Set(vec![
            rule(80, Value::string("r-1")),
            rule(8080, Value::string("r-2")),
        ]));
        assert_eq!(incompatible_parts(&planned, &other), ["rules"]);
    }

    #[test]
    fn map_keys_and_nulls_must_stay_as_planned() {
        let planned = with_rules(Value::Map(
            [("web".to_string(), rule(80, Value::Unknown))].into(),
        ));
        let other_key = with_rules(Value::Map(
            [("db".to_string(), rule(80, Value::string("r")))].into(),
        ));
        assert_eq!(incompatible_parts(&planned, &other_key), ["rules"]);
        let gone = with_rules(Value::Null);
        assert_eq!(incompatible_parts(&planned, &gone), ["rules"]);
    }
}
