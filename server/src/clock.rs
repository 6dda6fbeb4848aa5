//! Wall-clock time as Kassa stores it: Unix milliseconds, shown as RFC 3339.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// RFC 3339 in UTC, always with milliseconds: same-length strings sort in
/// time order, so a client may compare them as text.
const RFC3339_MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

pub fn now_millis() -> i64 {
    millis(OffsetDateTime::now_utc())
}

pub fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn rfc3339(millis: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()?.format(RFC3339_MILLIS).ok()
}

/// The start of today (UTC), for "today's payments".
pub fn start_of_today_millis() -> i64 {
    millis(OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip_through_rfc3339() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(rfc3339(1_764_000_000_120).as_deref(), Some("2025-11-24T16:00:00.120Z"));
        assert_eq!(rfc3339(1_764_000_000_123).as_deref(), Some("2025-11-24T16:00:00.123Z"));
        let parsed =
            time::OffsetDateTime::parse("2025-11-24T16:00:00.120Z", &time::format_description::well_known::Rfc3339);
        assert_eq!(parsed.map(millis).ok(), Some(1_764_000_000_120), "still RFC 3339");
        let today = start_of_today_millis();
        assert!(today <= now_millis() && now_millis() - today < 86_400_000);
        assert_eq!(today % 86_400_000, 0);
    }
}
