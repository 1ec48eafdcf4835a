//! [`EventTime`]: CloudTrail's `eventTime`, parsed without panicking on any input, compared to
//! order events against later changes.

use crate::EventError;
use std::fmt;

/// A CloudTrail `eventTime`: seconds since the Unix epoch, UTC.
///
/// CloudTrail always writes `YYYY-MM-DDTHH:MM:SSZ`; fractions of a second are accepted and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime(i64);

impl EventTime {
    pub fn from_epoch_seconds(seconds: i64) -> Self {
        EventTime(seconds)
    }

    pub fn epoch_seconds(self) -> i64 {
        self.0
    }

    /// The clock's time, to the second (CloudTrail's precision).
    pub fn now() -> Self {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        EventTime(seconds)
    }

    /// Sets an event's time to `self`: the envelope's `time` and the record's `eventTime`, of an
    /// EventBridge event or of a bare record. The sample events carry a fixed time; a test or demo
    /// that makes the change in the emulator stamps the event with the time it made it.
    pub fn stamp(self, event: &mut serde_json::Value) {
        let text = serde_json::Value::String(self.to_string());
        if event.get("time").is_some() {
            event["time"] = text.clone();
        }
        if let Some(detail) = event.get_mut("detail").filter(|d| d.is_object()) {
            detail["eventTime"] = text;
        } else if event.get("eventTime").is_some() {
            event["eventTime"] = text;
        }
    }

    pub fn parse(text: &str) -> Result<Self, EventError> {
        let bad = || EventError::BadTime(text.to_string());
        let b = text.as_bytes();
        // ASCII only: every index below is then a char boundary (found by `cargo fuzz`: a
        // multi-byte character at byte 18 made `&text[19..]` panic).
        if !text.is_ascii()
            || b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(bad());
        }
        let tail = &text[19..];
        let tail_ok = tail == "Z"
            || (tail.starts_with('.')
                && tail.ends_with('Z')
                && tail[1..tail.len() - 1].bytes().all(|c| c.is_ascii_digit())
                && tail.len() > 2);
        if !tail_ok {
            return Err(bad());
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, EventError> {
            let s = &text[range];
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<i64>().map_err(|_| bad())
        };
        let (y, mo, d, h, mi, s) = (
            num(0..4)?,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        );
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 60
        {
            return Err(bad());
        }
        Ok(EventTime(
            days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s,
        ))
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms, proleptic Gregorian.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_sets_the_envelope_time_and_the_records_event_time() {
        let t = EventTime::parse("2030-01-02T03:04:05Z").unwrap();
        let mut envelope = serde_json::json!({"time": "x", "detail": {"eventTime": "y", "eventName": "StopLogging"}});
        t.stamp(&mut envelope);
        assert_eq!(
            envelope,
            serde_json::json!({"time": "2030-01-02T03:04:05Z", "detail": {"eventTime": "2030-01-02T03:04:05Z", "eventName": "StopLogging"}})
        );
        let mut record = serde_json::json!({"eventTime": "y"});
        t.stamp(&mut record);
        assert_eq!(
            record,
            serde_json::json!({"eventTime": "2030-01-02T03:04:05Z"})
        );
    }

    #[test]
    fn a_multi_byte_character_where_a_digit_belongs_is_an_error_not_a_panic() {
        // The input `cargo fuzz run decide` found (fuzz/README in the project README).
        let err = EventTime::parse("2026-11-21T10:00:0ϥ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "eventTime \"2026-11-21T10:00:0ϥ\" is not an ISO 8601 UTC time"
        );
        assert!(EventTime::parse("2026-11-21T10:00:00ϥZ").is_err());
        assert!(EventTime::parse("ϥ026-11-21T10:00:00Z").is_err());
    }

    #[test]
    fn known_instants() {
        // Checked with `date -u -d 2023-07-10T11:45:00Z +%s`.
        assert_eq!(
            EventTime::parse("2023-07-10T11:45:00Z")
                .unwrap()
                .epoch_seconds(),
            1_688_989_500
        );
        assert_eq!(
            EventTime::parse("1970-01-01T00:00:00Z")
                .unwrap()
                .epoch_seconds(),
            0
        );
        assert_eq!(
            EventTime::parse("2024-02-29T23:59:59.123Z")
                .unwrap()
                .epoch_seconds(),
            1_709_251_199
        );
    }

    #[test]
    fn round_trip() {
        let t = EventTime::parse("2026-11-21T08:09:10Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-21T08:09:10Z");
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "2023-07-10",
            "2023-07-10T11:45:00",
            "2023-13-10T11:45:00Z",
            "2023-02-29T00:00:00Z",
            "2023-07-10T11:45:00+02:00",
            "yyyy-07-10T11:45:00Z",
            "2023-07-10T11:45:00.Z",
        ] {
            assert!(EventTime::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
