//! The AWS SDK configuration from the environment Lambda gives a function: its region, its role's
//! credentials in the standard variables, and `AWS_ENDPOINT_URL` (the local AWS of the tests and
//! the demo). Not `aws_config::load_defaults`: its chain of credential sources (profiles, SSO, web
//! identity, STS, IMDS) is code a Lambda never runs, linked into every function (about 1 MB).

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use trailwarden_rules::ConfigError;

/// The one HTTP client of every AWS client: rustls with ring (HTTP too, for the local AWS). The
/// SDK's default client would link aws-lc, twice the size in every binary.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Reads the configuration through `get` (the process environment in a function).
pub fn sdk_config(get: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, ConfigError> {
    let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    let region = set("AWS_REGION")
        .or_else(|| set("AWS_DEFAULT_REGION"))
        .ok_or_else(|| ConfigError {
            variable: "AWS_REGION",
            problem: "is not set (Lambda sets it; set it when running a function elsewhere)".into(),
        })?;
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ));
    if let Some(endpoint) = set("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    Ok(config.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<SdkConfig, ConfigError> {
        sdk_config(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn region_and_endpoint_come_from_the_environment() {
        let config = from(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ])
        .unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(config.credentials_provider().is_some());
    }

    #[test]
    fn the_default_region_stands_in_and_no_endpoint_means_aws() {
        let config = from(&[
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", ""),
        ])
        .unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
        assert_eq!(config.endpoint_url(), None);
    }

    #[test]
    fn no_region_is_a_cold_start_error_naming_the_variable() {
        let error = from(&[]).unwrap_err();
        assert_eq!(error.variable, "AWS_REGION");
    }
}
