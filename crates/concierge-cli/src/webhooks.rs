//! `concierge serve-webhooks`: serves Buildium's signed webhooks (`POST /webhooks/buildium`,
//! `concierge::webhook_server`) until stopped. Each delivery is verified with the
//! `buildium_webhook` settings, recorded and answered at once; the property it names is synced
//! again through the `buildium` settings. Deliveries a stopped server had accepted are acted on
//! when it starts.

use crate::ops::open;
use crate::settings::Layers;
use concierge::*;
use std::io::Write;

/// `concierge serve-webhooks`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
}

/// Serves until the process is stopped.
pub async fn serve(layers: &Layers, args: ServeArgs, out: &mut impl Write) -> Result<()> {
    let settings = layers.load(&[])?;
    if settings.buildium_webhook.is_none() {
        return Err(Error::invalid(
            "buildium_webhook",
            "is required: the subscription's secret ([buildium_webhook] secret in the config file, or CONCIERGE_BUILDIUM_WEBHOOK_SECRET)",
        ));
    }
    let c = open(settings).await?;
    let settled = c.process_webhook_events().await?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Error::invalid("listen", format!("cannot listen there: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::invalid("listen", e.to_string()))?;
    let _ = writeln!(
        out,
        "Serving Buildium webhooks on http://{address}{} ({settled} properties re-synced for deliveries received before)",
        concierge::webhook_server::PATH
    );
    let _ = out.flush();
    axum::serve(
        listener,
        concierge::webhook_server::buildium_webhook_router(c),
    )
    .await
    .map_err(|e| Error::invalid("listen", format!("the server stopped: {e}")))
}
