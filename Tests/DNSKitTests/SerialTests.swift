import DNSKit
import Foundation
import Testing

@Suite("Serial (RFC 1982)")
struct SerialTests {
    @Test func equalSerialsCompareEqual() {
        #expect(Serial(42).compare(to: Serial(42)) == .equal)
        #expect(Serial(0).compare(to: Serial(0)) == .equal)
        #expect(Serial(42) == Serial(rawValue: 42))
    }

    @Test(arguments: [
        (UInt32(1), UInt32(2)),
        (4_294_967_295, 0),  // wraps: 2^32 - 1 is less than 0
        (0, 1),
        (4_294_967_295, 1),
        (0, 2_147_483_647),  // 2^31 - 1 ahead: still less
        (4_000_000_000, 100),
        (2_026_112_201, 2_026_112_202),
    ])
    func lessAndGreater(pair: (UInt32, UInt32)) {
        let (small, large) = pair
        #expect(Serial(small).compare(to: Serial(large)) == .less, "\(small) < \(large)")
        #expect(Serial(large).compare(to: Serial(small)) == .greater, "\(large) > \(small)")
    }

    @Test func twoToTheThirtyOneMinusOneAgainstZero() {
        // 2^31 - 1 is the farthest ahead a serial can be and still compare greater.
        #expect(Serial(2_147_483_647).compare(to: Serial(0)) == .greater)
        #expect(Serial(0).compare(to: Serial(2_147_483_647)) == .less)
        // 2^31 + 1 ahead of 0 is, the other way round, 2^31 - 1 behind: 0 is greater.
        #expect(Serial(2_147_483_649).compare(to: Serial(0)) == .less)
        #expect(Serial(0).compare(to: Serial(2_147_483_649)) == .greater)
    }

    @Test(arguments: [(UInt32(0), UInt32(2_147_483_648)), (1, 2_147_483_649), (4_294_967_295, 2_147_483_647)])
    func exactlyHalfTheSpaceApartIsUndefined(pair: (UInt32, UInt32)) {
        let (a, b) = pair
        #expect(Serial(a).compare(to: Serial(b)) == .undefined)
        #expect(Serial(b).compare(to: Serial(a)) == .undefined)
        #expect(Serial(a).distance(to: Serial(b)) == nil)
        #expect(Serial(b).distance(to: Serial(a)) == nil)
    }

    @Test func additionWrapsModuloTwoToTheThirtyTwo() {
        #expect((Serial(4_294_967_295) + 1).rawValue == 0)
        #expect((Serial(4_294_967_290) + 10).rawValue == 4)
        #expect((Serial(7) + 0).rawValue == 7)
        #expect((Serial(0) + 2_147_483_647).rawValue == 2_147_483_647)
        // RFC 1982 §3.1: the sum is always greater than the original, even across the wrap.
        #expect((Serial(4_294_967_290) + 10).compare(to: Serial(4_294_967_290)) == .greater)
    }

    @Test func distanceCountsIncrementsAcrossTheWrap() {
        #expect(Serial(4_294_967_295).distance(to: Serial(0)) == 1)
        #expect(Serial(4_294_967_290).distance(to: Serial(5)) == 11)
        #expect(Serial(10).distance(to: Serial(10)) == 0)
        #expect(Serial(10).distance(to: Serial(12)) == 2)
        #expect(Serial(12).distance(to: Serial(10)) == nil, "an older serial is not a distance ahead")
        #expect(Serial(5).distance(to: Serial(4_294_967_290)) == nil)
    }

    @Test func dateStyleReadsRealDates() throws {
        let date = try #require(Serial(2_026_112_203).dateStyle)
        #expect(date.day == DateSerial.Day(year: 2026, month: 11, day: 22))
        #expect(date.revision == 3)
        #expect(date.serial == Serial(2_026_112_203))
        #expect(Serial(2_024_022_999).dateStyle?.day.day == 29, "2024 is a leap year")
        #expect(Serial(1_990_010_100).dateStyle != nil)
        #expect(Serial(2_199_123_199).dateStyle != nil)
    }

    @Test(arguments: [
        UInt32(2_026_132_201),  // month 13
        2_026_002_201,  // month 0
        2_026_113_101,  // November 31
        2_023_022_900,  // 29 February in a common year
        2_100_022_900,  // 1900/2100 rule: not a leap year
        2_026_110_001,  // day 0
        1_989_123_101,  // before 1990
        2_200_010_100,  // after 2199
        202_611_220,  // nine digits: a counter
        1,
        4_294_967_295,
    ])
    func dateStyleRejectsNonDates(value: UInt32) {
        #expect(Serial(value).dateStyle == nil, "\(value) is not YYYYMMDDnn with a real date")
    }

    @Test func nextOnTheSameDayRaisesTheRevision() throws {
        let today = try #require(DateSerial.Day(year: 2026, month: 11, day: 22))
        #expect(Serial(2_026_112_203).next(today: today) == Serial(2_026_112_204))
        #expect(Serial(2_026_112_200).next(today: today) == Serial(2_026_112_201))
    }

    @Test func nextOnANewDayStartsAtRevisionZero() throws {
        let today = try #require(DateSerial.Day(year: 2026, month: 11, day: 22))
        #expect(Serial(2_026_111_907).next(today: today) == Serial(2_026_112_200))
        #expect(Serial(2_025_123_199).next(today: today) == Serial(2_026_112_200))
    }

    @Test func nextWhenTheSerialIsAheadOfTodayAddsOne() throws {
        let today = try #require(DateSerial.Day(year: 2026, month: 11, day: 22))
        #expect(Serial(2_026_112_500).next(today: today) == Serial(2_026_112_501))
        // Revision 99 of today: + 1 reads as tomorrow, which the caller sees in dateStyle.
        let next = Serial(2_026_112_299).next(today: today)
        #expect(next == Serial(2_026_112_300))
        #expect(next.dateStyle?.day != today)
    }

    @Test func nextOnAPlainCounterAddsOneAndWraps() throws {
        let today = try #require(DateSerial.Day(year: 2026, month: 11, day: 22))
        #expect(Serial(41).next(today: today) == Serial(42))
        #expect(Serial(4_294_967_295).next(today: today) == Serial(0))
    }

    @Test func todayIsARealDay() {
        let today = DateSerial.today()
        #expect(DateSerial.years.contains(today.year))
        #expect(DateSerial(day: today, revision: 0).serial.dateStyle?.day == today)
    }

    @Test(
        "a clock outside 1990...2199 gives the nearest day a date serial can name, never a trap (issue 11)",
        arguments: [
            (0, "1990-01-01"), (-86_401, "1990-01-01"), (Int.min, "1990-01-01"), (631_151_999, "1990-01-01"),
            (631_152_000, "1990-01-01"), (631_238_400, "1990-01-02"), (1_796_601_600, "2026-12-07"),
            (7_258_118_399, "2199-12-31"), (7_258_118_400, "2199-12-31"), (Int.max, "2199-12-31"),
        ])
    func dayOfAnyClock(seconds: Int, expected: String) {
        #expect(DateSerial.day(atUnixTime: seconds).description == expected, "\(seconds)")
    }

    @Test func revisionOutsideTwoDigitsIsHeldToIt() throws {
        let day = try #require(DateSerial.Day(year: 2026, month: 12, day: 7))
        #expect(DateSerial(day: day, revision: 100).serial == Serial(2_026_120_799))
        #expect(DateSerial(day: day, revision: -5).serial == Serial(2_026_120_700))
    }

    @Test func dayOrderIsChronological() throws {
        let a = try #require(DateSerial.Day(year: 2026, month: 1, day: 31))
        let b = try #require(DateSerial.Day(year: 2026, month: 2, day: 1))
        #expect(a < b)
        #expect(b.description == "2026-02-01")
    }

    @Test func codableAsABareNumber() throws {
        // Serial is stored in state and JSON output: a bare number, not an object.
        let json = try JSONEncoder().encode([Serial(2_026_112_203)])
        #expect(String(decoding: json, as: UTF8.self) == "[2026112203]")
        #expect(try JSONDecoder().decode([Serial].self, from: json) == [Serial(2_026_112_203)])
        #expect(Serial(7).description == "7")
    }
}
