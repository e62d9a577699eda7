import DNSKit

/// `soa-timers`, `serial-future`, `serial-revision`: the apex SOA on its own.
extension Linter {
    /// RFC 1912 §2.2 recommends refresh 1200..43200 s, retry below refresh, expire
    /// 1209600..2419200 s (two to four weeks) and a minimum of about a day; RFC 2308 §5 turns
    /// the minimum into the negative-caching TTL and advises 1..3 hours. What is checked here is
    /// the looser, widely used floor (RIPE-203 style): refresh >= 1200, retry < refresh,
    /// expire >= 7 x refresh and >= one week, minimum 300..86400.
    mutating func checkSOA(_ soa: SOA, at location: SourceLocation) {
        if soa.refresh < 1200 {
            report(
                .soaTimers, location,
                "SOA refresh is \(soa.refresh) s: secondaries would poll more often than every 20 minutes; "
                    + "use at least 1200 (RFC 1912 §2.2), NOTIFY makes changes arrive sooner anyway")
        }
        if soa.retry >= soa.refresh {
            report(
                .soaTimers, location,
                "SOA retry (\(soa.retry) s) is not shorter than refresh (\(soa.refresh) s): a secondary that "
                    + "missed the primary would wait longer than a regular poll; make retry smaller than refresh")
        }
        if soa.expire < 604_800 || UInt64(soa.expire) < 7 * UInt64(soa.refresh) {
            report(
                .soaTimers, location,
                "SOA expire is \(soa.expire) s: secondaries stop answering for the zone after that long without "
                    + "the primary; use at least one week (604800) and 7 x refresh (RFC 1912 §2.2 suggests 2-4 weeks)")
        }
        if soa.minimum < 300 || soa.minimum > 86_400 {
            report(
                .soaTimers, location,
                "SOA minimum (the negative-caching TTL, RFC 2308 §4) is \(soa.minimum) s: use 300 to 86400; "
                    + "too low floods the servers with repeated misses, too high hides new names for days")
        }
        checkSerialDate(soa.serial, at: location)
    }

    /// RFC 1912 §2.2's `YYYYMMDDnn`: a date after today leaves no room to edit without
    /// going backwards; a ten-digit serial in the date range that is no date at all is usually
    /// a revision counted past 99 into the day (`2026113199` + 1 = `2026113200`).
    mutating func checkSerialDate(_ serial: Serial, at location: SourceLocation) {
        if let date = serial.dateStyle {
            if date.day > today {
                report(
                    .serialFuture, location,
                    "serial \(serial) is dated \(date.day), after today (\(today)): the next edits must stay "
                        + "above it, so the date stops meaning anything; if it is a typo, lower it in two steps "
                        + "of less than 2^31 (RFC 1982 §7) or leave it and count on from there")
            }
            return
        }
        let value = Int(serial.rawValue)
        let year = value / 1_000_000
        guard DateSerial.years.contains(year) else { return }
        let month = value / 10_000 % 100
        let day = value / 100 % 100
        report(
            .serialRevision, location,
            "serial \(serial) looks like YYYYMMDDnn but \(year)-\(month)-\(day) is not a date (month \(month), "
                + "day \(day)): a revision counted past 99 into the date does this; the serial still works, "
                + "but its date says nothing: move on to the next real date when it comes")
    }
}
