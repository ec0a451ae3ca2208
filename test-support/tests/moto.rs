//! The harness itself: moto starts, answers, and can be reset.

#[test]
fn moto_starts_and_answers() {
    let m = terrane_test_support::moto();
    let (status, _) = m.http("GET", "/moto-api/").expect("moto answers");
    assert_eq!(status, 200);
    let (status, _) = m.http("POST", "/moto-api/reset").expect("reset answers");
    assert_eq!(status, 200);
    assert!(m
        .env()
        .iter()
        .any(|(k, v)| *k == "AWS_ENDPOINT_URL" && v.ends_with(&m.port.to_string())));
}
