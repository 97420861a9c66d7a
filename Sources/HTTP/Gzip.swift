import CZlib

/// gzip compression of response bodies (RFC 1952) through the system zlib.
public enum Gzip {
    /// The gzip encoding of `bytes`, or nil if zlib fails.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        guard CZlib_deflateInit2(&stream, level, 31) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let written: Int? = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
                return out.count - Int(stream.avail_out)
            }
        }
        guard let written else { return nil }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses a gzip body (used by tests and clients), at most `limit` bytes out.
    public static func decompress(_ bytes: [UInt8], limit: Int = 64 << 20) -> [UInt8]? {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, 31) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        return bytes.withUnsafeBufferPointer { input -> [UInt8]? in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, out.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return nil }
                if rc == Z_STREAM_END { return output }
                if rc != Z_OK { return nil }
                if produced == 0 && stream.avail_in == 0 { return nil }
            }
        }
    }

    /// Whether an `Accept-Encoding` value allows gzip (q=0 refuses it).
    public static func accepted(by acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        for part in acceptEncoding.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { String($0).trimming(" ") }
            guard let coding = pieces.first, coding == "gzip" || coding == "*" else { continue }
            if pieces.dropFirst().contains(where: { $0.replacing(" ", with: "") == "q=0" || $0.replacing(" ", with: "").hasPrefix("q=0.0") && Double($0.dropFirst(2)) == 0 }) {
                return false
            }
            return true
        }
        return false
    }
}
