//! The license face data of an entity, for relying parties that fill forms from the license
//! (R12 registration, R22 credit-database sync).

use yizhao_proto::authority as api;

use super::{Authority, face};
use crate::error::ApiError;

impl Authority {
    /// The face data (照面信息) of the entity `uscc` as the registry has it now, if it is known.
    pub async fn face_data(&self, uscc: &str) -> Result<Option<api::FaceData>, ApiError> {
        let mut tx = self.db.read().await?;
        Ok(tx.enterprise(uscc).await?.as_ref().map(face))
    }
}
