//! Transport facts the offerer learns only from the answer: its DTLS role
//! (`a=setup`) and whether an SCTP m-section was accepted.

use rtcscope_dtls::DtlsRole;
use rtcscope_sctp::{SctpConfig, SctpTransport};

use crate::config::ConfigError;
use crate::transport::BundleTransport;

impl BundleTransport {
    /// Sets the DTLS role and the SCTP association negotiated by the answer.
    /// The role can change until DTLS starts (ICE needs the answer's
    /// credentials first, so an offerer always calls this in time); SCTP can
    /// also be added later (renegotiation). On error nothing changes.
    pub fn set_negotiated_dtls(
        &mut self,
        role: DtlsRole,
        sctp: Option<SctpConfig>,
    ) -> Result<(), ConfigError> {
        if self.dtls.is_some() {
            if role != self.dtls_role {
                return Err(ConfigError::DtlsStarted);
            }
            // A renegotiation may add the data channel m-section: SCTP starts
            // over the running DTLS association. It cannot be removed.
            if let (Some(config), None) = (sctp, self.sctp.as_ref()) {
                self.sctp = Some(
                    SctpTransport::new(crate::transport::sctp_role(role), config)
                        .map_err(|e| ConfigError::Sctp(e.to_string()))?,
                );
            }
            return Ok(());
        }
        let new_sctp = match sctp {
            Some(config) => Some(
                SctpTransport::new(crate::transport::sctp_role(role), config)
                    .map_err(|e| ConfigError::Sctp(e.to_string()))?,
            ),
            None => None,
        };
        self.dtls_role = role;
        self.sctp = new_sctp;
        Ok(())
    }

    /// Our DTLS role as configured.
    pub fn dtls_role(&self) -> DtlsRole {
        self.dtls_role
    }
}
