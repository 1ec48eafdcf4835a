//! iam-guard: reverts an unauthorized IAM permission change, exactly, and says so.

use lambda_runtime::{Error, LambdaEvent, run, service_fn, tracing};
use trailwarden_actions::IamGuard;
use trailwarden_responder::{Responder, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let responder = Responder::from_env(IamGuard::new).await?;
    run(service_fn(|event: LambdaEvent<Value>| {
        responder.handle(event.payload)
    }))
    .await
}
