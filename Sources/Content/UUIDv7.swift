import CivilDate
import Synchronization

/// Generates UUIDv7 identifiers (RFC 9562): a 48-bit Unix time in milliseconds, then random bits, so ids
/// sort by creation time as text and as bytes.
///
/// Within one millisecond the 12-bit `rand_a` field is used as a counter (RFC 9562 §6.2, method 1), so ids
/// made by one process are strictly increasing even when the clock stands still or steps back.
///
/// ```swift
/// let id = UUIDv7.make()   // "019372c4-8f3a-7b21-9c4e-2f0a6d1e5b77"
/// ```
public enum UUIDv7 {
    private static let last = Mutex<(milliseconds: UInt64, counter: UInt16)>((0, 0))

    /// A new id as lowercase text, for the current time.
    public static func make() -> String { make(milliseconds: UInt64(max(0, WallClock.epochMilliseconds()))) }

    /// A new id for a given Unix time in milliseconds (clamped so ids stay increasing).
    public static func make(milliseconds now: UInt64) -> String {
        var rng = SystemRandomNumberGenerator()
        let (ms, counter) = last.withLock { state -> (UInt64, UInt16) in
            if now > state.milliseconds {
                state = (now, UInt16.random(in: 0..<0x400, using: &rng))  // leave room to count up
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state = (state.milliseconds + 1, 0)
            }
            return state
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        let random = rng.next() as UInt64
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: random >> (56 - 8 * UInt64(i))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return format(bytes)
    }

    /// True when `text` is a UUID in canonical 8-4-4-4-12 form (any version; either case).
    public static func isCanonical(_ text: String) -> Bool {
        var utf8 = text.utf8
        if utf8.count != 36 { return false }
        return utf8.withContiguousStorageIfAvailable(isCanonical) ?? {
            var copy = text
            copy.makeContiguousUTF8()
            utf8 = copy.utf8
            return utf8.withContiguousStorageIfAvailable(isCanonical) ?? false
        }()
    }

    private static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 36 else { return false }
        for i in 0..<36 {
            let c = bytes[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard hexValue(c) != nil else { return false }
            }
        }
        return true
    }

    /// The id in lowercase (without copying when it already is).
    static func lowercased(_ text: String) -> String {
        text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }) ? text.lowercased() : text
    }

    /// The Unix time in milliseconds held by a UUIDv7, or nil when `text` is not one.
    public static func milliseconds(of text: String) -> UInt64? {
        guard isCanonical(text) else { return nil }
        let utf8 = Array(text.utf8)
        guard utf8[14] == UInt8(ascii: "7") else { return nil }
        var ms: UInt64 = 0
        for i in [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12] { ms = ms << 4 | UInt64(hexValue(utf8[i])!) }
        return ms
    }

    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
