//! Data Portability (wire reference `more-v2-products.md` §5): which categories a request may
//! name, which granted scope covers them (and is used up when it is a `.single` one), who may
//! export, and a request's status over time. Pure.

/// `category_selection_list` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Profile,
    Video,
    Activity,
    DirectMessage,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Profile,
        Category::Video,
        Category::Activity,
        Category::DirectMessage,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Profile => "profile",
            Category::Video => "video",
            Category::Activity => "activity",
            Category::DirectMessage => "direct_message",
        }
    }
    /// The scope group that covers it (besides `all`).
    fn group(self) -> &'static str {
        match self {
            Category::Profile | Category::Video => "postsandprofile",
            Category::Activity => "activity",
            Category::DirectMessage => "directmessages",
        }
    }
}

/// The categories of a request: `all_data` takes precedence over the rest (TikTok's rule). The
/// message names a value that is none of TikTok's.
pub fn parse_categories(list: &[String]) -> Result<(Vec<Category>, bool), String> {
    let mut all = false;
    let mut cats = Vec::new();
    for v in list {
        match v.as_str() {
            "all_data" => all = true,
            "profile" => cats.push(Category::Profile),
            "video" => cats.push(Category::Video),
            "activity" => cats.push(Category::Activity),
            "direct_message" => cats.push(Category::DirectMessage),
            other => {
                return Err(format!(
                    "category_selection_list holds {other:?}; use all_data, video, profile, activity or direct_message."
                ));
            }
        }
    }
    if list.is_empty() {
        return Err("category_selection_list is required.".into());
    }
    if all {
        return Ok((Category::ALL.to_vec(), true));
    }
    cats.sort();
    cats.dedup();
    Ok((cats, false))
}

/// Every portability scope.
pub const SCOPES: [&str; 8] = [
    "portability.all.single",
    "portability.all.ongoing",
    "portability.postsandprofile.single",
    "portability.postsandprofile.ongoing",
    "portability.activity.single",
    "portability.activity.ongoing",
    "portability.directmessages.single",
    "portability.directmessages.ongoing",
];

pub fn is_scope(s: &str) -> bool {
    SCOPES.contains(&s)
}

pub fn is_single(scope: &str) -> bool {
    scope.ends_with(".single")
}

/// The scope a request for `categories` is made under, from `granted` less the `.single` ones
/// `used`: an `.ongoing` scope before a `.single` one (it is not used up), the request's own
/// group before `all` (so the broad one stays for later requests); a request spanning groups
/// (or `all_data`) needs an `all` scope. None: no granted scope covers it.
pub fn covering_scope(
    categories: &[Category],
    all_data: bool,
    granted: &[String],
    used: &[String],
) -> Option<String> {
    let has = |s: &str| granted.iter().any(|g| g == s) && !used.iter().any(|u| u == s);
    let mut groups: Vec<&str> = categories.iter().map(|c| c.group()).collect();
    groups.dedup();
    let mut candidates = Vec::new();
    if !all_data && groups.len() == 1 {
        candidates.push(format!("portability.{}.ongoing", groups[0]));
    }
    candidates.push("portability.all.ongoing".into());
    if !all_data && groups.len() == 1 {
        candidates.push(format!("portability.{}.single", groups[0]));
    }
    candidates.push("portability.all.single".into());
    candidates.into_iter().find(|s| has(s))
}

/// Data Portability "currently only covers data for TikTok users in the EEA and UK".
pub fn eligible_region(region_code: &str) -> bool {
    const EEA_UK: [&str; 31] = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
        "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "IS", "LI",
        "GB",
    ];
    EEA_UK.contains(&region_code.to_ascii_uppercase().as_str())
}

/// A request's status as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Downloading,
    Expired,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Downloading => "downloading",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending" => Status::Pending,
            "downloading" => Status::Downloading,
            "expired" => Status::Expired,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }
}

/// The status at `now`: a ready archive expires `keep_ms` after it was ready ("Request expires
/// within 4 days from when it was ready to be downloaded").
pub fn status_at(stored: Status, ready_at: Option<i64>, keep_ms: i64, now: i64) -> Status {
    match (stored, ready_at) {
        (Status::Downloading, Some(r)) if now >= r + keep_ms => Status::Expired,
        (s, _) => s,
    }
}

/// A new request id: positive and below 2^53 (JavaScript clients keep it exact).
pub fn request_id() -> i64 {
    use rand::Rng;
    rand::rng().random_range(1..(1i64 << 53))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn all_data_takes_precedence_and_unknown_categories_are_named() {
        assert_eq!(
            parse_categories(&s(&["video", "all_data"])).unwrap(),
            (Category::ALL.to_vec(), true)
        );
        assert_eq!(
            parse_categories(&s(&["video", "profile", "video"])).unwrap(),
            (vec![Category::Profile, Category::Video], false)
        );
        assert!(
            parse_categories(&s(&["direct_messages"]))
                .unwrap_err()
                .contains("\"direct_messages\"")
        );
        assert!(parse_categories(&[]).is_err());
    }

    #[test]
    fn the_covering_scope_follows_tiktoks_example() {
        let granted = s(&["portability.all.single", "portability.activity.single"]);
        // A request spanning groups uses the all scope…
        assert_eq!(
            covering_scope(&[Category::Video, Category::Activity], false, &granted, &[]),
            Some("portability.all.single".into())
        );
        // …and activity can still be asked for afterwards.
        assert_eq!(
            covering_scope(
                &[Category::Activity],
                false,
                &granted,
                &s(&["portability.all.single"])
            ),
            Some("portability.activity.single".into())
        );
        // Used up: nothing covers it.
        assert_eq!(
            covering_scope(&[Category::Activity], false, &granted, &granted),
            None
        );
        // Ongoing first; all_data only under all.
        let granted = s(&[
            "portability.postsandprofile.single",
            "portability.postsandprofile.ongoing",
        ]);
        assert_eq!(
            covering_scope(&[Category::Profile, Category::Video], false, &granted, &[]),
            Some("portability.postsandprofile.ongoing".into())
        );
        assert_eq!(covering_scope(&Category::ALL, true, &granted, &[]), None);
        assert_eq!(
            covering_scope(&[Category::DirectMessage], false, &granted, &[]),
            None
        );
    }

    #[test]
    fn only_eea_and_uk_creators_export_and_archives_expire() {
        assert!(eligible_region("FR") && eligible_region("gb") && eligible_region("NO"));
        assert!(!eligible_region("US") && !eligible_region("CH"));
        let day = 86_400_000;
        assert_eq!(
            status_at(Status::Downloading, Some(0), 4 * day, 4 * day - 1),
            Status::Downloading
        );
        assert_eq!(
            status_at(Status::Downloading, Some(0), 4 * day, 4 * day),
            Status::Expired
        );
        assert_eq!(
            status_at(Status::Pending, None, 4 * day, 9 * day),
            Status::Pending
        );
        assert!(is_single("portability.all.single") && !is_single("portability.all.ongoing"));
        assert!(SCOPES.iter().all(|s| is_scope(s)));
    }
}
