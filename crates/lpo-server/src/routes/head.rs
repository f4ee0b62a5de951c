//! Limits on the request line and headers, checked before routing so that what hyper lets
//! through gets a problem+json answer with the config version. Hyper itself answers, with a
//! bare status, whatever is past its own limits (docs/http.md, "Protocol errors").

use axum::extract::Request;

use crate::problem::Problem;

/// Longest request target (path and query) the service takes. Hyper's own limit is 65,534.
pub(crate) const MAX_URI_BYTES: usize = 8 << 10;
/// Most bytes of request headers (names, values and their `: ` and CRLF). Hyper's own limit is
/// its read buffer, about 400 KiB, and 100 headers.
pub(crate) const MAX_HEADER_BYTES: usize = 32 << 10;

/// The problem with a request's line or headers, if any.
pub(crate) fn check(req: &Request) -> Result<(), Problem> {
    let uri = req.uri();
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.scheme_str().map_or(0, str::len);
    if target > MAX_URI_BYTES {
        return Err(Problem::uri_too_long(MAX_URI_BYTES));
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if headers > MAX_HEADER_BYTES {
        return Err(Problem::headers_too_large(MAX_HEADER_BYTES));
    }
    Ok(())
}
