//! Calls to the plugin's `Provider` service through tonic's generic client, by method name;
//! protocol 6 renamed a few methods, [`Method::path`] knows both names.

use prost::Message;

use crate::channel::Channel;
use crate::process::Process;
use crate::Error;

/// Schemas of large providers (AWS) exceed gRPC's default 4 MiB message limit.
const MAX_MESSAGE: usize = 256 << 20;

#[derive(Debug, Clone, Copy)]
pub enum Method {
    GetSchema,
    ValidateProviderConfig,
    ValidateResourceConfig,
    ValidateDataSourceConfig,
    Configure,
    UpgradeResourceState,
    ReadResource,
    PlanResourceChange,
    ApplyResourceChange,
    ImportResourceState,
    ReadDataSource,
    ValidateEphemeralResourceConfig,
    OpenEphemeralResource,
    RenewEphemeralResource,
    CloseEphemeralResource,
    ValidateActionConfig,
    PlanAction,
    InvokeAction,
}

impl Method {
    fn path(self, protocol: u32) -> String {
        let v6 = protocol == 6;
        let name = match self {
            Method::GetSchema if v6 => "GetProviderSchema",
            Method::GetSchema => "GetSchema",
            Method::ValidateProviderConfig if v6 => "ValidateProviderConfig",
            Method::ValidateProviderConfig => "PrepareProviderConfig",
            Method::ValidateResourceConfig if v6 => "ValidateResourceConfig",
            Method::ValidateResourceConfig => "ValidateResourceTypeConfig",
            Method::ValidateDataSourceConfig if v6 => "ValidateDataResourceConfig",
            Method::ValidateDataSourceConfig => "ValidateDataSourceConfig",
            Method::Configure if v6 => "ConfigureProvider",
            Method::Configure => "Configure",
            Method::UpgradeResourceState => "UpgradeResourceState",
            Method::ReadResource => "ReadResource",
            Method::PlanResourceChange => "PlanResourceChange",
            Method::ApplyResourceChange => "ApplyResourceChange",
            Method::ImportResourceState => "ImportResourceState",
            Method::ReadDataSource => "ReadDataSource",
            // Added to both versions at once, under the same names.
            Method::ValidateEphemeralResourceConfig => "ValidateEphemeralResourceConfig",
            Method::OpenEphemeralResource => "OpenEphemeralResource",
            Method::RenewEphemeralResource => "RenewEphemeralResource",
            Method::CloseEphemeralResource => "CloseEphemeralResource",
            Method::ValidateActionConfig => "ValidateActionConfig",
            Method::PlanAction => "PlanAction",
            Method::InvokeAction => "InvokeAction",
        };
        format!("/tfplugin{protocol}.Provider/{name}")
    }
}

/// A gRPC client on the plugin's channel, with the message-size limit raised.
pub fn grpc(channel: &Channel) -> tonic::client::Grpc<Channel> {
    let origin = http::Uri::from_static(crate::channel::ORIGIN);
    tonic::client::Grpc::with_origin(channel.clone(), origin)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

fn failed(p: &Process, method: Method, status: &tonic::Status) -> Error {
    Error::Call {
        plugin: p.name.clone(),
        method: format!("{method:?}"),
        message: status.message().to_string(),
        stderr: p.stderr_tail(),
    }
}

/// A client ready for a call of `method`, and the method's path.
async fn ready(
    p: &Process,
    method: Method,
) -> Result<(tonic::client::Grpc<Channel>, http::uri::PathAndQuery), Error> {
    let mut grpc = grpc(&p.channel);
    grpc.ready()
        .await
        .map_err(|e| failed(p, method, &tonic::Status::unavailable(e.to_string())))?;
    let path = http::uri::PathAndQuery::try_from(method.path(p.protocol))
        .map_err(|e| Error::Protocol(e.to_string()))?;
    Ok((grpc, path))
}

/// Makes one unary call.
pub async fn call<Req, Resp>(p: &Process, method: Method, req: Req) -> Result<Resp, Error>
where
    Req: Message + Send + Sync + 'static,
    Resp: Message + Default + Send + Sync + 'static,
{
    let (mut grpc, path) = ready(p, method).await?;
    let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
    grpc.unary(tonic::Request::new(req), path, codec)
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| failed(p, method, &s))
}

/// Makes a call answered by a stream, handing each message to `each` as it arrives.
pub async fn call_streaming<Req, Resp>(
    p: &Process,
    method: Method,
    req: Req,
    mut each: impl FnMut(Resp),
) -> Result<(), Error>
where
    Req: Message + Send + Sync + 'static,
    Resp: Message + Default + Send + Sync + 'static,
{
    let (mut grpc, path) = ready(p, method).await?;
    let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
    let mut stream = grpc
        .server_streaming(tonic::Request::new(req), path, codec)
        .await
        .map_err(|s| failed(p, method, &s))?
        .into_inner();
    while let Some(msg) = stream.message().await.map_err(|s| failed(p, method, &s))? {
        each(msg);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_six_uses_its_own_method_names() {
        assert_eq!(Method::Configure.path(5), "/tfplugin5.Provider/Configure");
        assert_eq!(
            Method::Configure.path(6),
            "/tfplugin6.Provider/ConfigureProvider"
        );
        assert_eq!(
            Method::GetSchema.path(6),
            "/tfplugin6.Provider/GetProviderSchema"
        );
    }
}
