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
        for (rule, n) in &mut inner.rules {
            if rule.operation.as_deref().is_some_and(|o| o != op) {
                continue;
            }
            *n += 1;
            let hit = match rule.when {
                When::First(k) => *n <= k,
                When::Every(k) => k > 0 && *n % k == 0,
                When::Always => true,
            };
            if hit && fault.is_none() {
                fault = Some(rule.fault.clone());
            }
        }
        if matches!(fault, Some(Fault::Unavailable | Fault::Error { .. })) {
            *inner.failed.entry(op.to_string()).or_default() += 1;
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
        match fault {
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
            None => {}
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

/// An error body in the request's protocol: JSON for `X-Amz-Target` requests, EC2's
/// `<Response><Errors>` for EC2 (API version 2016-11-15), else the query `<ErrorResponse>`.
fn error_body(head: &str, body: &[u8], code: &str, message: &str) -> (String, &'static str) {
    if header(head, "x-amz-target").is_some() {
        let text = format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}");
        return (text, "application/x-amz-json-1.1");
    }
    let id = "00000000-0000-0000-0000-000000000000";
    if String::from_utf8_lossy(body).contains("Version=2016-11-15") {
        let text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>");
        return (text, "text/xml");
    }
    let text = format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>");
    (text, "text/xml")
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
}
