//! A fault-injecting HTTP proxy in front of moto: it answers chosen requests itself with
//! what AWS sends under load (HTTP 503, a throttling error body) or holds them back for a
//! while, and forwards everything else to moto unchanged. It is the real emulator behind a
//! bad network, not a fake of AWS: the tests use it to prove that retries, error reports
//! and timeouts behave.
//!
//! Requests are matched by operation name: the `Action=` of query-protocol bodies (EC2,
//! IAM, ...) or the `X-Amz-Target` header of JSON protocols. Plain threads rather than
//! tokio, so the proxy outlives any one test's runtime and serves synchronous CLI tests too.
//! Every answer closes its connection, which keeps the relaying trivial (moto handles one
//! request at a time anyway).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What the proxy does with a matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// HTTP 503 with an empty body (a transient server error).
    Unavailable,
    /// An error in the service's own format with this code (`RequestLimitExceeded` for
    /// EC2, `Throttling`, `ThrottlingException`), as AWS throttles: HTTP 503 for EC2's
    /// `RequestLimitExceeded`, 400 otherwise.
    Error { code: String, message: String },
    /// Forward the request, but only after this long (a slow API).
    Delay(Duration),
    /// The service's own throttling error: EC2's `RequestLimitExceeded` (HTTP 503),
    /// `ThrottlingException` for JSON protocols, `Throttling` for the query protocol.
    Throttle,
    /// Close the connection without an answer; the request never reaches moto (so a
    /// create sent again makes no second object).
    Reset,
}

impl Fault {
    /// EC2's throttling answer.
    pub fn request_limit_exceeded() -> Fault {
        Fault::Error {
            code: "RequestLimitExceeded".into(),
            message: "Request limit exceeded.".into(),
        }
    }
}

/// Which of the matching requests get the fault.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// The first `n` matching requests.
    First(u32),
    /// Every `k`-th matching request (the k-th, 2k-th, ...).
    Every(u32),
    /// A share of the matching requests, chosen at random (from a fixed seed, so a run
    /// repeats). The shares of several `Chance` rules do not overlap: with 0.2 and 0.05,
    /// 20% of requests get the first fault and another 5% the second.
    Chance(f64),
    /// All of them.
    Always,
}

/// One injection rule: requests for `operation` (any operation when `None`).
#[derive(Debug, Clone)]
pub struct Rule {
    pub operation: Option<String>,
    pub when: When,
    pub fault: Fault,
}

impl Rule {
    pub fn new(operation: Option<&str>, when: When, fault: Fault) -> Rule {
        Rule {
            operation: operation.map(str::to_string),
            when,
            fault,
        }
    }
}

#[derive(Default)]
struct Inner {
    /// Each rule with how many requests it has matched so far.
    rules: Vec<(Rule, u32)>,
    /// Requests seen per operation (answered by the proxy or forwarded).
    seen: BTreeMap<String, u32>,
    /// Requests answered with an error per operation.
    failed: BTreeMap<String, u32>,
    /// The body of the last request per operation, for tests that check what was sent
    /// (an argument the API never returns, such as a password).
    last_body: BTreeMap<String, String>,
    /// Requests being served right now, and the most there ever were at once.
    in_flight: u32,
    max_in_flight: u32,
    /// Added to every request before it is answered or forwarded (a distant region).
    latency: Duration,
    /// State of the generator behind [`When::Chance`].
    rng: u64,
    /// Connections closed without an answer.
    resets: u32,
}

/// A running proxy. Its listener thread lives as long as the test process.
#[derive(Clone)]
pub struct FaultProxy {
    pub port: u16,
    pub endpoint: String,
    inner: Arc<Mutex<Inner>>,
}

impl FaultProxy {
    /// A proxy in front of this test process's moto server.
    ///
    /// # Panics
    /// When no local port can be bound (the machine is out of ports).
    pub fn for_moto() -> FaultProxy {
        FaultProxy::start(crate::moto().port)
    }

    /// A proxy in front of `127.0.0.1:upstream`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port for the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let proxy = FaultProxy {
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            inner: Arc::default(),
        };
        let p = proxy.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let p = p.clone();
                std::thread::spawn(move || {
                    // A broken client or upstream connection only ends that exchange.
                    let _ = p.serve(conn, upstream);
                });
            }
        });
        proxy
    }

    /// Adds a rule; earlier rules win when several match.
    pub fn add(&self, rule: Rule) {
        self.lock().rules.push((rule, 0));
    }

    /// Delays every request by `d` (on top of any fault) from now on.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// Connections closed without an answer so far ([`Fault::Reset`]).
    pub fn resets(&self) -> u32 {
        self.lock().resets
    }

    /// Removes all rules (and keeps the counts).
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Requests seen for `operation`, or for all operations when `None`.
    pub fn seen(&self, operation: Option<&str>) -> u32 {
        count(&self.lock().seen, operation)
    }

    /// Requests answered with an injected error for `operation` (or all).
    pub fn failed(&self, operation: Option<&str>) -> u32 {
        count(&self.lock().failed, operation)
    }

    /// The body of the last request for `operation`, as text.
    pub fn last_body(&self, operation: &str) -> Option<String> {
        self.lock().last_body.get(operation).cloned()
    }

    /// The most requests that were in the proxy at the same time (a client's concurrency).
    pub fn max_in_flight(&self) -> u32 {
        self.lock().max_in_flight
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fault for a request of `op`, counting it.
    fn decide(&self, op: &str) -> Option<Fault> {
        let mut inner = self.lock();
        *inner.seen.entry(op.to_string()).or_default() += 1;
        inner.in_flight += 1;
        inner.max_in_flight = inner.max_in_flight.max(inner.in_flight);
        let mut fault = None;
        let draw = next_unit(&mut inner.rng);
        let mut band = 0.0;
        for (rule, n) in &mut inner.rules {
            if rule.operation.as_deref().is_some_and(|o| o != op) {
                continue;
            }
            *n += 1;
            let hit = match rule.when {
                When::First(k) => *n <= k,
                When::Every(k) => k > 0 && *n % k == 0,
                When::Chance(p) => {
                    let hit = draw >= band && draw < band + p;
                    band += p;
                    hit
                }
                When::Always => true,
            };
            if hit && fault.is_none() {
                fault = Some(rule.fault.clone());
            }
        }
        match fault {
            Some(Fault::Unavailable | Fault::Error { .. } | Fault::Throttle) => {
                *inner.failed.entry(op.to_string()).or_default() += 1;
            }
            Some(Fault::Reset) => inner.resets += 1,
            _ => {}
        }
        fault
    }

    fn serve(&self, conn: TcpStream, upstream: u16) -> std::io::Result<()> {
        let mut reader = BufReader::new(conn.try_clone()?);
        let mut client = conn;
        let (head, body) = read_message(&mut reader)?;
        let op = operation(&head, &body);
        self.lock()
            .last_body
            .insert(op.clone(), String::from_utf8_lossy(&body).into_owned());
        let fault = self.decide(&op);
        let mut leaving = Leaving(Some(self));
        self.answer(fault, &mut client, &head, &body, upstream, &mut leaving)
    }

    /// Answers with the fault, or forwards to moto (after a delay fault's wait).
    fn answer(
        &self,
        fault: Option<Fault>,
        client: &mut TcpStream,
        head: &str,
        body: &[u8],
        upstream: u16,
        leaving: &mut Leaving<'_>,
    ) -> std::io::Result<()> {
        let latency = self.lock().latency;
        if !latency.is_zero() {
            std::thread::sleep(latency);
        }
        let fault = match fault {
            Some(Fault::Throttle) => Some(throttling(head, body)),
            other => other,
        };
        match fault {
            Some(Fault::Reset) => {
                leaving.now();
                return client.shutdown(std::net::Shutdown::Both);
            }
            Some(Fault::Unavailable) => {
                leaving.now();
                return respond(client, 503, "Service Unavailable", "", "text/plain");
            }
            Some(Fault::Error { code, message }) => {
                let (status, reason) = if code == "RequestLimitExceeded" {
                    (503, "Service Unavailable")
                } else {
                    (400, "Bad Request")
                };
                let (text, ty) = error_body(head, body, &code, &message);
                leaving.now();
                return respond(client, status, reason, &text, ty);
            }
            Some(Fault::Delay(d)) => std::thread::sleep(d),
            Some(Fault::Throttle) | None => {}
        }
        let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
        up.write_all(with_close(head).as_bytes())?;
        up.write_all(body)?;
        let mut reply = Vec::new();
        up.read_to_end(&mut reply)?;
        let split = find(&reply, b"\r\n\r\n").map_or(reply.len(), |i| i + 4);
        let reply_head = String::from_utf8_lossy(&reply[..split]).into_owned();
        leaving.now();
        client.write_all(with_close(&reply_head).as_bytes())?;
        client.write_all(&reply[split..])?;
        client.flush()
    }
}

/// A request leaving the proxy: no longer in flight once its answer is ready, before the
/// answer is written, since the client may send its next request (within its own
/// concurrency limit) the moment it reads this one's answer. Dropped on an error too.
struct Leaving<'a>(Option<&'a FaultProxy>);

impl Leaving<'_> {
    fn now(&mut self) {
        if let Some(p) = self.0.take() {
            p.lock().in_flight -= 1;
        }
    }
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

fn count(m: &BTreeMap<String, u32>, operation: Option<&str>) -> u32 {
    match operation {
        Some(op) => m.get(op).copied().unwrap_or(0),
        None => m.values().sum(),
    }
}

/// Reads one HTTP request: the head (up to the blank line) and a `Content-Length` body.
fn read_message(r: &mut impl BufRead) -> std::io::Result<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            break;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let len = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok((head, body))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The operation a request calls: `X-Amz-Target: Service.Operation`, else the form
/// body's `Action=`, else the request line.
fn operation(head: &str, body: &[u8]) -> String {
    if let Some(t) = header(head, "x-amz-target") {
        return t.rsplit('.').next().unwrap_or(t).to_string();
    }
    let body = String::from_utf8_lossy(body);
    body.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map_or_else(
            || head.lines().next().unwrap_or_default().to_string(),
            str::to_string,
        )
}

/// The wire protocol of a request, which decides how its errors look.
#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    /// JSON protocols carry `X-Amz-Target`.
    Json,
    /// EC2's query protocol (API version 2016-11-15).
    Ec2,
    /// The other query services (IAM, RDS, ELBv2, ...).
    Query,
}

fn protocol(head: &str, body: &[u8]) -> Protocol {
    if header(head, "x-amz-target").is_some() {
        Protocol::Json
    } else if String::from_utf8_lossy(body).contains("Version=2016-11-15") {
        Protocol::Ec2
    } else {
        Protocol::Query
    }
}

/// The throttling error of the service a request is for, by its protocol.
fn throttling(head: &str, body: &[u8]) -> Fault {
    let code = match protocol(head, body) {
        Protocol::Json => "ThrottlingException",
        Protocol::Ec2 => "RequestLimitExceeded",
        Protocol::Query => "Throttling",
    };
    Fault::Error {
        code: code.into(),
        message: "Rate exceeded".into(),
    }
}

/// A uniform draw in [0, 1) from a xorshift generator (seeded on first use), enough to
/// spread faults over requests reproducibly.
fn next_unit(state: &mut u64) -> f64 {
    if *state == 0 {
        *state = 0x9E37_79B9_7F4A_7C15;
    }
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// An error body in the request's protocol: JSON for `X-Amz-Target` requests, EC2's
/// `<Response><Errors>` for EC2, else the query `<ErrorResponse>`.
fn error_body(head: &str, body: &[u8], code: &str, message: &str) -> (String, &'static str) {
    let id = "00000000-0000-0000-0000-000000000000";
    match protocol(head, body) {
        Protocol::Json => (
            format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
            "application/x-amz-json-1.1",
        ),
        Protocol::Ec2 => (
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"),
            "text/xml",
        ),
        Protocol::Query => (
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"),
            "text/xml",
        ),
    }
}

fn respond(
    w: &mut impl Write,
    status: u16,
    reason: &str,
    body: &str,
    content_type: &str,
) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    w.flush()
}

/// A message head with its `Connection` header replaced by `Connection: close`.
fn with_close(head: &str) -> String {
    let mut out: String = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        })
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str("Connection: close\r\n\r\n");
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_schedules() {
        let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n";
        assert_eq!(
            operation(head, b"Action=CreateVpc&Version=2016-11-15"),
            "CreateVpc"
        );
        let json = "POST / HTTP/1.1\r\nX-Amz-Target: Logs_20140328.CreateLogGroup\r\n\r\n";
        assert_eq!(operation(json, b"{}"), "CreateLogGroup");
        let p = FaultProxy {
            port: 0,
            endpoint: String::new(),
            inner: Arc::default(),
        };
        p.add(Rule::new(Some("A"), When::First(2), Fault::Unavailable));
        p.add(Rule::new(None, When::Every(3), Fault::Unavailable));
        let hits: Vec<bool> = ["A", "A", "A", "B", "B", "B"]
            .iter()
            .map(|op| p.decide(op).is_some())
            .collect();
        assert_eq!(hits, [true, true, true, false, false, true]);
        assert_eq!(
            (p.seen(None), p.failed(Some("A")), p.failed(None)),
            (6, 3, 4)
        );
        assert_eq!(
            with_close("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nA: b\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nA: b\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn chance_rules_take_disjoint_shares_of_requests() {
        let p = FaultProxy {
            port: 0,
            endpoint: String::new(),
            inner: Arc::default(),
        };
        p.add(Rule::new(None, When::Chance(0.20), Fault::Throttle));
        p.add(Rule::new(None, When::Chance(0.05), Fault::Unavailable));
        p.add(Rule::new(None, When::Chance(0.01), Fault::Reset));
        let n = 20_000;
        let (mut throttled, mut unavailable) = (0, 0);
        for _ in 0..n {
            match p.decide("Op") {
                Some(Fault::Throttle) => throttled += 1,
                Some(Fault::Unavailable) => unavailable += 1,
                _ => {}
            }
        }
        let share = |k: u32| f64::from(k) / f64::from(n);
        assert!((share(throttled) - 0.20).abs() < 0.02, "{throttled}");
        assert!((share(unavailable) - 0.05).abs() < 0.01, "{unavailable}");
        assert!((share(p.resets()) - 0.01).abs() < 0.005, "{}", p.resets());
        assert_eq!(p.failed(None), throttled + unavailable);
    }

    #[test]
    fn throttling_speaks_each_protocol() {
        let code = |head: &str, body: &[u8]| match throttling(head, body) {
            Fault::Error { code, .. } => code,
            other => panic!("{other:?}"),
        };
        let json = "POST / HTTP/1.1\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.CreateService\r\n\r\n";
        assert_eq!(code(json, b"{}"), "ThrottlingException");
        let query = "POST / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            code(query, b"Action=CreateVpc&Version=2016-11-15"),
            "RequestLimitExceeded"
        );
        assert_eq!(
            code(query, b"Action=CreateRole&Version=2010-05-08"),
            "Throttling"
        );
    }
}
