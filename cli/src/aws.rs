//! The AWS configuration of the person running the command.

/// A person's AWS configuration (profiles, SSO, the environment; `AWS_ENDPOINT_URL` honoured),
/// with the functions' one HTTP client. us-east-1 when no region is configured: IAM's events
/// and the global services are there.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(trailwarden_responder::environment::https_client())
        .load()
        .await;
    if sdk.region().is_some() {
        return sdk;
    }
    sdk.to_builder()
        .region(aws_config::Region::new("us-east-1"))
        .build()
}
