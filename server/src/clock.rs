//! Wall-clock time as Kassa stores it: Unix milliseconds, shown as RFC 3339.

use jiff::tz::TimeZone;
use jiff::Timestamp;
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

/// The zone a store keeps (UTC only for a store no longer configured).
pub fn store_zone(store: Option<&crate::config::StoreConfig>) -> TimeZone {
    store.and_then(|store| store.zone()).unwrap_or(TimeZone::UTC)
}

/// The start of the day `at` (Unix ms) falls on in `zone`, as Unix ms: a
/// Swedish store's day starts at 23:00 UTC in winter, 22:00 in summer.
pub fn start_of_day_millis(at: i64, zone: &TimeZone) -> i64 {
    let day =
        Timestamp::from_millisecond(at).map(|at| at.to_zoned_datetime(zone.clone())).and_then(|at| at.start_of_day());
    // Out of jiff's range (years beyond 9999): UTC's day, as before zones.
    day.map(|start| start.timestamp().as_millisecond()).unwrap_or(at - at.rem_euclid(86_400_000))
}

/// The start of today in `zone`, for "today's payments".
pub fn start_of_today_millis(zone: &TimeZone) -> i64 {
    start_of_day_millis(now_millis(), zone)
}

/// RFC 3339 with milliseconds at `zone`'s offset then
/// (`2026-11-30T09:00:02.120+01:00`), for a screen to show.
pub fn local_rfc3339(millis: i64, zone: &TimeZone) -> Option<String> {
    let at = Timestamp::from_millisecond(millis).ok()?.to_zoned_datetime(zone.clone());
    Some(at.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
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
        let today = start_of_today_millis(&TimeZone::UTC);
        assert!(today <= now_millis() && now_millis() - today < 86_400_000);
        assert_eq!(today % 86_400_000, 0);
    }

    fn at(text: &str) -> i64 {
        millis(OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap())
    }

    #[test]
    fn a_swedish_day_starts_at_local_midnight_across_dst_changes() {
        let stockholm = TimeZone::get("Europe/Stockholm").unwrap();
        // Winter (UTC+1): 00:30 local on 30 November is 23:30 UTC the day before.
        assert_eq!(start_of_day_millis(at("2026-11-29T23:30:00Z"), &stockholm), at("2026-11-29T23:00:00Z"));
        assert_eq!(start_of_day_millis(at("2026-11-29T22:59:59Z"), &stockholm), at("2026-11-28T23:00:00Z"));
        // Summer (UTC+2).
        assert_eq!(start_of_day_millis(at("2026-07-01T12:00:00Z"), &stockholm), at("2026-06-30T22:00:00Z"));
        // The spring change (29 March 2026, 02:00 -> 03:00): the day began in
        // winter time, and the day after begins in summer time.
        assert_eq!(start_of_day_millis(at("2026-03-29T10:00:00Z"), &stockholm), at("2026-03-28T23:00:00Z"));
        assert_eq!(start_of_day_millis(at("2026-03-30T10:00:00Z"), &stockholm), at("2026-03-29T22:00:00Z"));
        // The autumn change (25 October 2026, 03:00 -> 02:00): a 25-hour day.
        assert_eq!(start_of_day_millis(at("2026-10-25T23:30:00Z"), &stockholm), at("2026-10-25T23:00:00Z"));
        assert_eq!(start_of_day_millis(at("2026-10-25T22:30:00Z"), &stockholm), at("2026-10-24T22:00:00Z"));
    }

    #[test]
    fn local_times_carry_the_stores_offset_then() {
        let stockholm = TimeZone::get("Europe/Stockholm").unwrap();
        assert_eq!(
            local_rfc3339(at("2026-11-30T08:00:02.120Z"), &stockholm).as_deref(),
            Some("2026-11-30T09:00:02.120+01:00")
        );
        assert_eq!(
            local_rfc3339(at("2026-07-01T08:00:00Z"), &stockholm).as_deref(),
            Some("2026-07-01T10:00:00.000+02:00")
        );
        assert_eq!(local_rfc3339(0, &TimeZone::UTC).as_deref(), Some("1970-01-01T00:00:00.000+00:00"));
    }
}
