//! Login Kit with QR code (wire reference `more-v2-products.md` §2): the life of a QR login and
//! the `scan_qrcode_url` a TV or desktop app renders. Pure: the stored state and the time in,
//! the status TikTok's `check_qrcode` reports out.
use url::Url;

/// What the app must leave in `scan_qrcode_url` for its own ticket (TikTok's literal).
pub const TICKET_PLACEHOLDER: &str = "tobefilled";
/// TikTok's limit on a ticket: "the URL-encoded version is under 512 characters".
pub const MAX_TICKET_ENCODED: usize = 511;

/// A QR login as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Handed out by `get_qrcode`, not yet opened by a phone.
    New,
    /// Opened on a phone (the scan page), not yet confirmed.
    Scanned,
    /// Confirmed by the creator; the code is handed out at the next `check_qrcode`.
    Confirmed,
    /// The code was handed out.
    Utilised,
    /// The creator cancelled on the phone.
    Denied,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Scanned => "scanned",
            Stage::Confirmed => "confirmed",
            Stage::Utilised => "utilised",
            Stage::Denied => "denied",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "new" => Stage::New,
            "scanned" => Stage::Scanned,
            "confirmed" => Stage::Confirmed,
            "utilised" => Stage::Utilised,
            "denied" => Stage::Denied,
            _ => return None,
        })
    }
}

/// The `status` of `check_qrcode`, TikTok's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    New,
    Scanned,
    Confirmed,
    Expired,
    Utilised,
}

impl Reported {
    pub fn as_str(self) -> &'static str {
        match self {
            Reported::New => "new",
            Reported::Scanned => "scanned",
            Reported::Confirmed => "confirmed",
            Reported::Expired => "expired",
            Reported::Utilised => "utilised",
        }
    }
    /// TikTok's `client_ticket` is empty for `new` and `expired`.
    pub fn shows_ticket(self) -> bool {
        !matches!(self, Reported::New | Reported::Expired)
    }
}

/// What `check_qrcode` reports for a stored stage at `now`. A QR not confirmed before its
/// expiry expires, and so does a confirmed one whose code was never fetched; a denied QR reads
/// as expired (TikTok documents no denial status). A handed-out code stays `utilised`.
pub fn report(stage: Stage, expires_at: i64, now: i64) -> Reported {
    match stage {
        Stage::Utilised => Reported::Utilised,
        Stage::Denied => Reported::Expired,
        _ if now >= expires_at => Reported::Expired,
        Stage::New => Reported::New,
        Stage::Scanned => Reported::Scanned,
        Stage::Confirmed => Reported::Confirmed,
    }
}

/// `aweme://authorize?authType=100&client_key=…&client_ticket=tobefilled&qr_id=…`: TikTok's
/// scheme, host and parameters, plus reelbox's `qr_id` so the scan page finds the login.
pub fn scan_url(client_key: &str, qr_id: &str) -> String {
    let mut u = Url::parse("aweme://authorize").expect("static URL");
    u.query_pairs_mut()
        .append_pair("authType", "100")
        .append_pair("client_key", client_key)
        .append_pair("client_ticket", TICKET_PLACEHOLDER)
        .append_pair("qr_id", qr_id);
    u.to_string()
}

/// The parameters of a scanned URL (the app's copy, ticket filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub client_key: String,
    pub client_ticket: String,
    pub qr_id: String,
}

/// Reads a `scan_qrcode_url` the way a phone would: scheme `aweme`, host `authorize`, no path,
/// port, fragment or user info, and the three parameters present.
pub fn parse_scan_url(s: &str) -> Result<Scanned, &'static str> {
    let u = Url::parse(s).map_err(|_| "not a URL")?;
    if u.scheme() != "aweme"
        || u.host_str() != Some("authorize")
        || !matches!(u.path(), "" | "/")
        || u.port().is_some()
        || u.fragment().is_some()
        || !u.username().is_empty()
        || u.password().is_some()
    {
        return Err("not an aweme://authorize URL");
    }
    scanned_from_pairs(u.query_pairs().into_owned())
}

/// The parameters of a scan, from a URL's query pairs.
pub fn scanned_from_pairs(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<Scanned, &'static str> {
    let (mut key, mut ticket, mut id) = (None, None, None);
    for (k, v) in pairs {
        match k.as_str() {
            "client_key" => key = Some(v),
            "client_ticket" => ticket = Some(v),
            "qr_id" => id = Some(v),
            _ => {}
        }
    }
    let scanned = Scanned {
        client_key: key
            .filter(|k| !k.is_empty())
            .ok_or("client_key is missing")?,
        client_ticket: ticket.ok_or("client_ticket is missing")?,
        qr_id: id.filter(|k| !k.is_empty()).ok_or("qr_id is missing")?,
    };
    check_ticket(&scanned.client_ticket)?;
    Ok(scanned)
}

/// TikTok's rule for a ticket: URL safe, under 512 characters once URL-encoded, and not the
/// placeholder (an app that forgot to fill it in).
pub fn check_ticket(ticket: &str) -> Result<(), &'static str> {
    if ticket.is_empty() || ticket == TICKET_PLACEHOLDER {
        return Err("client_ticket was not filled in");
    }
    if encoded_len(ticket) > MAX_TICKET_ENCODED {
        return Err("client_ticket is longer than 511 characters URL-encoded");
    }
    Ok(())
}

/// The length of `s` percent-encoded: unreserved characters stay, every other byte takes three.
fn encoded_len(s: &str) -> usize {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                1
            } else {
                3
            }
        })
        .sum()
}

/// The `redirect_uri` of a confirmed QR: the app's first registered redirect URI with the code.
pub fn redirect_with_code(redirect_uri: &str, code: &str) -> String {
    match Url::parse(redirect_uri) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair("code", code);
            u.to_string()
        }
        Err(_) => format!(
            "{redirect_uri}?code={}",
            url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_expires_unless_its_code_was_handed_out() {
        assert_eq!(report(Stage::New, 10, 9), Reported::New);
        assert_eq!(report(Stage::New, 10, 10), Reported::Expired);
        assert_eq!(report(Stage::Scanned, 10, 11), Reported::Expired);
        assert_eq!(report(Stage::Confirmed, 10, 9), Reported::Confirmed);
        assert_eq!(report(Stage::Confirmed, 10, 10), Reported::Expired);
        assert_eq!(report(Stage::Utilised, 10, 99), Reported::Utilised);
        assert_eq!(report(Stage::Denied, 10, 0), Reported::Expired);
        assert!(!Reported::New.shows_ticket() && !Reported::Expired.shows_ticket());
        assert!(Reported::Utilised.shows_ticket());
    }

    #[test]
    fn the_scan_url_keeps_tiktoks_form_and_survives_the_ticket_replacement() {
        let u = scan_url("aw7nk86b7czitwc9", "q1");
        assert_eq!(
            u,
            "aweme://authorize?authType=100&client_key=aw7nk86b7czitwc9&client_ticket=tobefilled&qr_id=q1"
        );
        // Clients string-replace the placeholder.
        let filled = u.replace("tobefilled", "t-1_x");
        let s = parse_scan_url(&filled).unwrap();
        assert_eq!(
            s,
            Scanned {
                client_key: "aw7nk86b7czitwc9".into(),
                client_ticket: "t-1_x".into(),
                qr_id: "q1".into()
            }
        );
        assert!(parse_scan_url(&u).is_err(), "placeholder left in");
        assert!(parse_scan_url("https://authorize/?client_key=a&client_ticket=b&qr_id=c").is_err());
        assert!(
            parse_scan_url("aweme://authorize:8/?client_key=a&client_ticket=b&qr_id=c").is_err()
        );
        assert!(
            parse_scan_url("aweme://authorize/x?client_key=a&client_ticket=b&qr_id=c").is_err()
        );
        assert!(parse_scan_url("aweme://authorize?client_key=a&client_ticket=b").is_err());
        assert!(check_ticket(&"a".repeat(511)).is_ok());
        assert!(check_ticket(&"a".repeat(512)).is_err());
        // Encoded length counts: 200 spaces are 600 characters encoded.
        assert!(check_ticket(&" ".repeat(200)).is_err());
        for st in ["new", "scanned", "confirmed", "utilised", "denied"] {
            assert_eq!(Stage::parse(st).unwrap().as_str(), st);
        }
    }

    #[test]
    fn the_confirmed_redirect_uri_carries_the_code_encoded() {
        assert_eq!(
            redirect_with_code("https://app.example/cb/", "a*b/c"),
            "https://app.example/cb/?code=a*b%2Fc"
        );
        assert_eq!(
            redirect_with_code("https://app.example/cb/?x=1", "c"),
            "https://app.example/cb/?x=1&code=c"
        );
    }
}
