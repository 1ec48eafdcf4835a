//! The AWS clients, made once per cold start: each guard's own set, and every one for tests.

use aws_config::{Region as SdkRegion, SdkConfig};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use trailwarden_events::Region;

/// A service's clients, one per region, built on first use from the cold start's configuration:
/// a trail is changed from its home region, which need not be the function's.
#[derive(Clone)]
pub struct Regional<C> {
    sdk: SdkConfig,
    build: fn(&SdkConfig) -> C,
    clients: Arc<Mutex<HashMap<String, C>>>,
    /// One client for every region (a test's mock), when set.
    fixed: Option<C>,
}

impl<C: Clone> Regional<C> {
    pub fn new(sdk: &SdkConfig, build: fn(&SdkConfig) -> C) -> Self {
        Regional {
            sdk: sdk.clone(),
            build,
            clients: Arc::default(),
            fixed: None,
        }
    }

    /// Clients that a test never uses: built (and failing for want of a region) only if called.
    pub fn unused(build: fn(&SdkConfig) -> C) -> Self {
        Regional::new(&SdkConfig::builder().build(), build)
    }

    /// One client for every region: a mock in a test.
    pub fn fixed(client: C) -> Self {
        Regional {
            sdk: SdkConfig::builder().build(),
            build: |_| unreachable!("a fixed Regional never builds a client"),
            clients: Arc::default(),
            fixed: Some(client),
        }
    }

    pub fn get(&self, region: &Region) -> C {
        if let Some(client) = &self.fixed {
            return client.clone();
        }
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(region.as_str().to_string())
            .or_insert_with(|| {
                let regional = self
                    .sdk
                    .to_builder()
                    .region(SdkRegion::new(region.as_str().to_string()))
                    .build();
                (self.build)(&regional)
            })
            .clone()
    }
}

/// iam-guard's clients: IAM, and CloudTrail for event history.
#[derive(Clone)]
pub struct IamClients {
    pub iam: aws_sdk_iam::Client,
    pub cloudtrail: Regional<aws_sdk_cloudtrail::Client>,
}

impl IamClients {
    pub fn new(sdk: &SdkConfig) -> Self {
        IamClients {
            iam: aws_sdk_iam::Client::new(sdk),
            cloudtrail: Regional::new(sdk, aws_sdk_cloudtrail::Client::new),
        }
    }
}

/// trail-guard's clients: CloudTrail, and the KMS keys and S3 buckets of its trails.
#[derive(Clone)]
pub struct TrailClients {
    pub cloudtrail: Regional<aws_sdk_cloudtrail::Client>,
    /// KMS keys are regional: a trail's key is restored in the key's region.
    pub kms: Regional<aws_sdk_kms::Client>,
    /// S3 calls go to the bucket's region.
    pub s3: Regional<aws_sdk_s3::Client>,
}

impl TrailClients {
    pub fn new(sdk: &SdkConfig) -> Self {
        TrailClients {
            cloudtrail: Regional::new(sdk, aws_sdk_cloudtrail::Client::new),
            kms: Regional::new(sdk, aws_sdk_kms::Client::new),
            s3: Regional::new(sdk, s3_client),
        }
    }
}

/// Every client of every guard: for tests and tools that carry out any action. A function builds
/// only its own guard's ([`IamClients`], [`TrailClients`]).
#[derive(Clone)]
pub struct AwsClients {
    pub cloudtrail: Regional<aws_sdk_cloudtrail::Client>,
    pub iam: aws_sdk_iam::Client,
    /// KMS keys are regional: a trail's key is restored in the key's region.
    pub kms: Regional<aws_sdk_kms::Client>,
    /// S3 calls go to the bucket's region.
    pub s3: Regional<aws_sdk_s3::Client>,
}

impl AwsClients {
    pub fn new(sdk: &SdkConfig) -> Self {
        AwsClients {
            cloudtrail: Regional::new(sdk, aws_sdk_cloudtrail::Client::new),
            iam: aws_sdk_iam::Client::new(sdk),
            kms: Regional::new(sdk, aws_sdk_kms::Client::new),
            s3: Regional::new(sdk, s3_client),
        }
    }

    pub fn for_iam_guard(&self) -> IamClients {
        IamClients {
            iam: self.iam.clone(),
            cloudtrail: self.cloudtrail.clone(),
        }
    }

    pub fn for_trail_guard(&self) -> TrailClients {
        TrailClients {
            cloudtrail: self.cloudtrail.clone(),
            kms: self.kms.clone(),
            s3: self.s3.clone(),
        }
    }
}

/// An S3 client; path-style when an endpoint is configured (a local emulator has no
/// virtual-hosted bucket names).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
