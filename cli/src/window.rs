//! `--since` and `--until`: the time window of a replay, as the records' `eventTime` and as the
//! date folders that can hold them.

use trailwarden_events::EventTime;

/// Records from `since` to `until`, both included; `None`: no bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<EventTime>,
    pub until: Option<EventTime>,
}

/// Which end of the window a time is for: a bare date means the day's first second for
/// `--since` and its last for `--until`, so that `--until 2026-11-30` includes the 30th.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Since,
    Until,
}

const DAY: i64 = 86_400;

/// A time as the command takes it: `2026-11-02T10:00:00Z`, `2026-11-02`, or an age (`90d`,
/// `12h`) before `now`.
pub fn parse_time(text: &str, end: End, now: EventTime) -> Result<EventTime, String> {
    let text = text.trim();
    let bad = || {
        format!(
            "{text:?} is not a time (2026-11-02T10:00:00Z, 2026-11-02, or an age such as 90d or 12h)"
        )
    };
    if let Some((number, unit)) = text
        .strip_suffix('d')
        .map(|n| (n, DAY))
        .or_else(|| text.strip_suffix('h').map(|n| (n, 3_600)))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
    {
        let n: i64 = number.parse().map_err(|_| bad())?;
        let seconds = n.checked_mul(unit).ok_or_else(bad)?;
        return Ok(EventTime::from_epoch_seconds(
            now.epoch_seconds().saturating_sub(seconds),
        ));
    }
    if text.len() == 10 {
        let day = EventTime::parse(&format!("{text}T00:00:00Z")).map_err(|_| bad())?;
        return Ok(match end {
            End::Since => day,
            End::Until => EventTime::from_epoch_seconds(day.epoch_seconds() + DAY - 1),
        });
    }
    EventTime::parse(text).map_err(|_| bad())
}

impl Window {
    pub fn contains(&self, time: EventTime) -> bool {
        self.since.is_none_or(|since| time >= since) && self.until.is_none_or(|until| time <= until)
    }

    /// Whether a folder of log files delivered in `[start, end)` (epoch seconds) can hold records
    /// of the window. A file holds records of up to a day before its delivery (CloudTrail delivers
    /// within about 15 minutes; a day leaves room for late ones), never after.
    pub fn may_hold_delivered(&self, start: i64, end: i64) -> bool {
        self.since.is_none_or(|since| end > since.epoch_seconds())
            && self
                .until
                .is_none_or(|until| start - DAY <= until.epoch_seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_instants_dates_or_ages() {
        let now = EventTime::parse("2026-12-02T12:00:00Z").unwrap();
        let at = |s: &str, end| parse_time(s, end, now).map(|t| t.to_string());
        assert_eq!(
            at("2026-11-02T10:00:00Z", End::Since).unwrap(),
            "2026-11-02T10:00:00Z"
        );
        assert_eq!(
            at("2026-11-02", End::Since).unwrap(),
            "2026-11-02T00:00:00Z"
        );
        assert_eq!(
            at("2026-11-02", End::Until).unwrap(),
            "2026-11-02T23:59:59Z"
        );
        // 90 days before 2 December at noon, counted by hand: to 2 November is 30 days, to
        // 2 October 31 more, to 2 September 30 more (91): so 3 September at noon.
        assert_eq!(at("90d", End::Since).unwrap(), "2026-09-03T12:00:00Z");
        assert_eq!(at("12h", End::Since).unwrap(), "2026-12-02T00:00:00Z");
        for bad in ["yesterday", "d", "2026-13-01", "-5d", "2026-11-02 10:00"] {
            let error = at(bad, End::Since).unwrap_err();
            assert!(error.contains("is not a time"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_window_includes_both_ends() {
        let t = |s: &str| EventTime::parse(s).unwrap();
        let w = Window {
            since: Some(t("2026-11-02T00:00:00Z")),
            until: Some(t("2026-11-02T23:59:59Z")),
        };
        assert!(w.contains(t("2026-11-02T00:00:00Z")));
        assert!(w.contains(t("2026-11-02T23:59:59Z")));
        assert!(!w.contains(t("2026-11-01T23:59:59Z")));
        assert!(!w.contains(t("2026-11-03T00:00:00Z")));
        assert!(Window::default().contains(t("1999-01-01T00:00:00Z")));
    }
}
