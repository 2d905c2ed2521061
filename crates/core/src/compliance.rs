//! Research batch compliance (wire reference `more-v2-products.md` §4): what a validation task's
//! file and category may hold, and the task's life. Pure.

/// TikTok: "The max IDs users can submit is 10,000 per time."
pub const MAX_IDS: usize = 10_000;

/// What a task's ids name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Video,
    Comment,
}

impl Category {
    /// TikTok's example sends `video`; any case is taken.
    pub fn parse(s: &str) -> Option<Category> {
        match s.trim().to_ascii_lowercase().as_str() {
            "video" => Some(Category::Video),
            "comment" => Some(Category::Comment),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Video => "video",
            Category::Comment => "comment",
        }
    }
}

/// `task_status`, TikTok's capitalised spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Processing,
    Completed,
    Failed,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Processing => "Processing",
            TaskStatus::Completed => "Completed",
            TaskStatus::Failed => "Failed",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        Some(match s {
            "Processing" => TaskStatus::Processing,
            "Completed" => TaskStatus::Completed,
            "Failed" => TaskStatus::Failed,
            _ => return None,
        })
    }
}

/// The ids of a task's file: decimal ids separated by newlines (TikTok's form), commas or any
/// whitespace; blanks skipped, repeats kept once, in the file's order. The message names what
/// is wrong.
pub fn parse_ids(file: &str) -> Result<Vec<String>, String> {
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for token in file
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        if token.len() > 20 || !token.bytes().all(|b| b.is_ascii_digit()) {
            let shown: String = token.chars().take(24).collect();
            return Err(format!(
                "file_data holds {shown:?}, which is not a decimal id."
            ));
        }
        if seen.insert(token) {
            ids.push(token.to_string());
            if ids.len() > MAX_IDS {
                return Err(format!("file_data holds more than {MAX_IDS} ids."));
            }
        }
    }
    if ids.is_empty() {
        return Err("file_data holds no id.".into());
    }
    Ok(ids)
}

/// The download: the valid ids in the file's order, one per line, each line ended by `\n`.
pub fn download_text(ids: &[String], valid: &std::collections::HashSet<String>) -> String {
    let mut out = String::new();
    for id in ids.iter().filter(|i| valid.contains(*i)) {
        out.push_str(id);
        out.push('\n');
    }
    out
}

/// A new task id: positive and below 2^53, so JavaScript clients send it back unchanged.
pub fn task_id() -> i64 {
    use rand::Rng;
    rand::rng().random_range(1..(1i64 << 53))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_ids_by_line_comma_or_space_at_most_ten_thousand() {
        assert_eq!(
            parse_ids("1\n2\r\n\n3, 4 2").unwrap(),
            vec!["1", "2", "3", "4"]
        );
        assert!(parse_ids("").unwrap_err().contains("no id"));
        assert!(parse_ids("12\nabc").unwrap_err().contains("\"abc\""));
        assert!(parse_ids("-5").is_err());
        let many: String = (0..10_000).map(|i| format!("{i}\n")).collect();
        assert_eq!(parse_ids(&many).unwrap().len(), 10_000);
        let too_many = format!("{many}10000\n");
        assert!(
            parse_ids(&too_many)
                .unwrap_err()
                .contains("more than 10000")
        );
        // Repeats count once.
        assert_eq!(parse_ids(&format!("{many}{many}")).unwrap().len(), 10_000);
    }

    #[test]
    fn categories_and_statuses_are_spelled_as_tiktok_does() {
        assert_eq!(Category::parse(" Video"), Some(Category::Video));
        assert_eq!(Category::parse("COMMENT"), Some(Category::Comment));
        assert_eq!(Category::parse("user"), None);
        for s in ["Processing", "Completed", "Failed"] {
            assert_eq!(TaskStatus::parse(s).unwrap().as_str(), s);
        }
        for _ in 0..100 {
            let id = task_id();
            assert!(id > 0 && id < 1 << 53);
        }
    }

    #[test]
    fn the_download_keeps_the_files_order() {
        let ids: Vec<String> = ["3", "1", "2"].map(String::from).into();
        let valid = ["2", "3"].map(String::from).into_iter().collect();
        assert_eq!(download_text(&ids, &valid), "3\n2\n");
        assert_eq!(download_text(&ids, &Default::default()), "");
    }
}
