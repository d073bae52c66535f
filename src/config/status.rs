//! Validation of `[status]`: where the health and metrics listener binds.

use std::net::SocketAddr;

use super::check::Checker;
use super::raw::RawStatus;

pub(super) fn listen(check: &mut Checker<'_>, raw: &RawStatus) -> Option<SocketAddr> {
    let text = raw.listen.as_ref()?;
    let Ok(addr) = text.get_ref().trim().parse::<SocketAddr>() else {
        let msg = format!(
            "{:?} is not an address and port (expected e.g. \"127.0.0.1:9187\")",
            text.get_ref()
        );
        check.push(Some(text.span()), "status.listen", msg);
        return None;
    };
    let remote_allowed = raw.allow_remote.as_ref().is_some_and(|b| *b.get_ref());
    if !addr.ip().is_loopback() && !remote_allowed {
        let msg = format!(
            "{addr} is reachable from other machines; /metrics names your brands and \
             sources, so use 127.0.0.1 (or set status.allow_remote = true)"
        );
        check.push(Some(text.span()), "status.listen", msg);
    }
    Some(addr)
}
