//! A minimal gRPC server on h2: each request is one length-prefixed message, each answer
//! one or more (a server stream), ended by `grpc-status` trailers.

use std::sync::Arc;

use bytes::{Buf as _, BufMut as _, Bytes, BytesMut};
use h2::server::SendResponse;
use http::{HeaderMap, HeaderValue, Request, Response};

use crate::provider::Provider;

/// A failed call: gRPC status code and message.
pub struct Status(pub u32, pub String);

pub async fn serve_connection<S>(stream: S, provider: Arc<Provider>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Ok(mut conn) = h2::server::handshake(stream).await else {
        return;
    };
    while let Some(Ok((req, respond))) = conn.accept().await {
        let provider = provider.clone();
        tokio::spawn(async move {
            let _ = answer(req, respond, &provider).await;
        });
    }
}

async fn answer(
    req: Request<h2::RecvStream>,
    mut respond: SendResponse<Bytes>,
    provider: &Provider,
) -> Result<(), h2::Error> {
    let path = req.uri().path().to_string();
    let mut body = req.into_body();
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
        buf.put(chunk);
    }
    // 1 byte "compressed" flag (never set by terrane) and a 4-byte big-endian length.
    let result = if buf.len() < 5 {
        Err(Status(13, "a gRPC message needs its 5-byte prefix".into()))
    } else {
        let mut prefix = buf.split_to(5);
        prefix.advance(1);
        let len = prefix.get_u32() as usize;
        if buf.len() == len {
            provider.call(&path, &buf).await
        } else {
            Err(Status(
                13,
                format!("the message is {} bytes, not {len}", buf.len()),
            ))
        }
    };
    let head = Response::builder()
        .status(200)
        .header("content-type", "application/grpc");
    match result {
        Ok(messages) => {
            let mut send = respond.send_response(head.body(()).unwrap_or_default(), false)?;
            for m in messages {
                let mut frame = BytesMut::with_capacity(m.len() + 5);
                frame.put_u8(0);
                frame.put_u32(u32::try_from(m.len()).unwrap_or(u32::MAX));
                frame.put_slice(&m);
                send.send_data(frame.freeze(), false)?;
            }
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", HeaderValue::from_static("0"));
            send.send_trailers(trailers)
        }
        Err(Status(code, message)) => {
            // A trailers-only answer: the status travels in the headers.
            let head = head
                .header("grpc-status", code.to_string())
                .header("grpc-message", percent_encode(&message));
            respond
                .send_response(head.body(()).unwrap_or_default(), true)
                .map(drop)
        }
    }
}

/// gRPC's percent-encoding of `grpc-message`.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if (0x20..0x7f).contains(&b) && b != b'%' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
