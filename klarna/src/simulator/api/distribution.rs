//! Sending the payment link: `/hpp/v1/sessions/{id}/distribution`.

use super::request::{check_auth, parse_body};
use crate::simulator::distribution::DistributionInput;
use crate::simulator::envelope::Refusal;
use crate::simulator::Simulator;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

pub async fn distribute(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    check_auth(&sim, &headers)?;
    let input: DistributionInput = parse_body(&body)?;
    sim.distribute_link(&id, &input)?;
    Ok(StatusCode::CREATED)
}
