import Billing
import Foundation
import Testing

@Suite struct MoneyTests {
    @Test func parsesDecimalStringsWithoutFloatingPoint() throws {
        #expect(try Money.parse("29.00", currency: "USD") == usd(2900))
        #expect(try Money.parse("29.9", currency: "usd") == usd(2990))
        #expect(try Money.parse("0.01", currency: "USD") == usd(1))
        #expect(try Money.parse("1000", currency: "JPY").minor == 1000)
        #expect(try Money.parse("1.234", currency: "KWD").minor == 1234)
        #expect(try Money.parse("-5.10", currency: "EUR", allowNegative: true) == eur(-510))
        #expect(usd(-510).decimalString == "-5.10")
        #expect(usd(5).description == "0.05 USD")
    }

    @Test func rejectsBadAmounts() {
        #expect(throws: BillingError.self) { try Money.parse("1.234", currency: "USD") }   // fractional cent
        #expect((try? Money.parse("1.5", currency: "JPY")) == nil)                         // JPY has no minor unit
        #expect(throws: BillingError(.negativeAmount, "amount '-1' is negative; only positive amounts are accepted", field: "amount")) {
            try Money.parse("-1", currency: "USD")
        }
        #expect(throws: BillingError.self) { try Money.parse("12,50", currency: "USD") }
        #expect(throws: BillingError.self) { try Money.parse("1e3", currency: "USD") }
        #expect(throws: BillingError.self) { try Money.parse("99999999999999999999", currency: "USD") }
        do {
            _ = try Money.parse("10", currency: "USDD")
            Issue.record("unknown currency accepted")
        } catch let e as BillingError {
            #expect(e.code == .unknownCurrency)
            #expect(e.field == "currency")
        } catch { Issue.record("wrong error \(error)") }
        #expect(throws: BillingError.self) { try Money.validated(minor: -1, currency: "USD") }
    }

    @Test func mixingCurrenciesThrows() {
        do {
            _ = try usd(100).adding(eur(100))
            Issue.record("mixed currencies added")
        } catch let e as BillingError {
            #expect(e.code == .currencyMismatch)
        } catch { Issue.record("wrong error") }
        #expect(throws: BillingError.self) { try Money(minor: .max, currency: .usd).adding(usd(1)) }
    }

    @Test func roundsHalfToEven() throws {
        // 2.5 → 2, 3.5 → 4, -2.5 → -2, 2.6 → 3
        #expect(Rounding.divHalfEven(25, 10) == 2)
        #expect(Rounding.divHalfEven(35, 10) == 4)
        #expect(Rounding.divHalfEven(-25, 10) == -2)
        #expect(Rounding.divHalfEven(26, 10) == 3)
        #expect(Rounding.divHalfEven(-26, 10) == -3)
        // 29000 / 12 = 2416.67 → 2417; 1 × 1/2 = 0.5 → 0; 3 × 1/2 = 1.5 → 2
        #expect(try Rounding.mulDivHalfEven(29000, 1, 12) == 2417)
        #expect(try Rounding.mulDivHalfEven(1, 1, 2) == 0)
        #expect(try Rounding.mulDivHalfEven(3, 1, 2) == 2)
        // no overflow in the intermediate product
        #expect(try Rounding.mulDivHalfEven(Int64.max / 2, 4, 4) == Int64.max / 2)
    }

    @Test func usageIsAccumulatedInMicrosAndRoundedOnce() throws {
        let unit = MicroAmount(micros: 1000, currency: .usd)       // $0.001 a request
        #expect(try unit.times(1_000_000).roundedHalfEven == usd(100_000))  // a million requests = $1 000.00
        // 12 345 requests = $12.345 → half-even → $12.34 (4 is even); 12 355 → $12.355 → $12.36
        #expect(try unit.times(12_345).roundedHalfEven == usd(1234))
        #expect(try unit.times(12_355).roundedHalfEven == usd(1236))
        // 7 requests = $0.007 → $0.01 (not seven roundings of $0.001 to $0.00)
        #expect(try unit.times(7).roundedHalfEven == usd(1))
        #expect(try MicroAmount(micros: 1000, currency: Currency(code: "JPY")).times(1499).roundedHalfEven.minor == 1)
    }
}

@Suite struct CalendarTests {
    /// The integer month arithmetic agrees with Foundation's Gregorian calendar, including month-end clamping
    /// and leap years, over every day of 1999–2031 plus a time of day.
    @Test func monthArithmeticMatchesFoundation() {
        let cal = BillingCalendar.utc
        var t = cal.date(from: DateComponents(year: 1999, month: 1, day: 1, hour: 13, minute: 7, second: 5))!
        let end = cal.date(from: DateComponents(year: 2032, month: 1, day: 1))!
        var checked = 0
        while t < end {
            for n in [1, 12, -1, 13] {
                #expect(BillingCalendar.adding(months: n, to: t) == cal.date(byAdding: .month, value: n, to: t)!)
            }
            let c = cal.dateComponents([.year, .month, .day], from: t)
            #expect(BillingCalendar.startOfMonth(t) == cal.date(from: DateComponents(year: c.year, month: c.month, day: 1))!)
            #expect(BillingCalendar.year(t) == c.year)
            t = t.addingTimeInterval(86_400 * 3)
            checked += 1
        }
        #expect(checked > 4000)
        #expect(BillingCalendar.monthKey(cal.date(from: DateComponents(year: 2026, month: 3, day: 31))!) == "2026-03")
        #expect(throws: BillingError.self) { try BillingCalendar.month("2026-13") }
    }
}
