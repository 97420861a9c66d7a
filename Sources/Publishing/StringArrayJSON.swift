/// The JSON form of a string array (`["a","b"]`) as stored in the outbox's text columns.
///
/// Hand-written because it is on the scheduler's hot path (every claim reads three such columns) and Foundation's
/// coders cost far more than the strings themselves. Decoding accepts any JSON array of strings (whitespace and
/// every JSON escape); anything else decodes as an empty array.
enum StringArrayJSON {
    static func encode(_ strings: [String]) -> String {
        var out = "["
        for (i, s) in strings.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            out += "\""
        }
        return out + "]"
    }

    static func decode(_ json: String) -> [String] {
        var bytes = Array(json.utf8)[...]
        func skipSpace() { while let b = bytes.first, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { bytes.removeFirst() } }
        skipSpace()
        guard bytes.first == UInt8(ascii: "[") else { return [] }
        bytes.removeFirst()
        var out: [String] = []
        skipSpace()
        if bytes.first == UInt8(ascii: "]") { return out }
        while true {
            skipSpace()
            guard bytes.first == UInt8(ascii: "\"") else { return [] }
            bytes.removeFirst()
            var raw: [UInt8] = []
            var scalars = String.UnicodeScalarView()
            var pendingHigh: UInt32?
            func flush() {
                if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
            }
            var closed = false
            while let b = bytes.first {
                bytes.removeFirst()
                if b == UInt8(ascii: "\"") { closed = true; break }
                if b != UInt8(ascii: "\\") { raw.append(b); continue }
                guard let e = bytes.first else { return [] }
                bytes.removeFirst()
                switch e {
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "b"): raw.append(0x08)
                case UInt8(ascii: "f"): raw.append(0x0C)
                case UInt8(ascii: "u"):
                    guard bytes.count >= 4, let v = UInt32(String(decoding: bytes.prefix(4), as: UTF8.self), radix: 16) else { return [] }
                    bytes.removeFirst(4)
                    flush()
                    if (0xD800..<0xDC00).contains(v) { pendingHigh = v; continue }
                    if (0xDC00..<0xE000).contains(v), let high = pendingHigh {
                        pendingHigh = nil
                        if let s = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00)) { scalars.append(s) }
                        continue
                    }
                    if let s = Unicode.Scalar(v) { scalars.append(s) }
                default: raw.append(e) // \" \\ \/
                }
            }
            guard closed else { return [] }
            flush()
            out.append(String(scalars))
            skipSpace()
            guard let next = bytes.first else { return [] }
            bytes.removeFirst()
            if next == UInt8(ascii: "]") { return out }
            guard next == UInt8(ascii: ",") else { return [] }
        }
    }
}
