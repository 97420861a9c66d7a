import CZlib

/// Raw deflate/inflate with reusable zlib streams, for warm and cold values.
///
/// Not thread-safe: each shard owns one and uses it only under its lock.
/// A z_stream must not move in memory (zlib's internal state points back at it), so both streams live
/// in manually allocated memory.
final class DeflateCodec {
    private let deflater: UnsafeMutablePointer<z_stream>
    private let inflater: UnsafeMutablePointer<z_stream>
    private var scratch: UnsafeMutableRawBufferPointer
    private let usable: Bool

    /// Level 1 keeps demotion cheap (it runs under a shard lock); window 2^13 and memLevel 6 keep each
    /// stream near 70 KiB instead of zlib's default 256 KiB.
    init() {
        deflater = .allocate(capacity: 1)
        deflater.initialize(to: z_stream())
        inflater = .allocate(capacity: 1)
        inflater.initialize(to: z_stream())
        scratch = .allocate(byteCount: 4096, alignment: 16)
        let size = Int32(MemoryLayout<z_stream>.size)
        let d = deflateInit2_(deflater, 1, Z_DEFLATED, -13, 6, Z_DEFAULT_STRATEGY, zlibVersion(), size)
        let i = inflateInit2_(inflater, -15, zlibVersion(), size)
        usable = d == Z_OK && i == Z_OK
    }

    deinit {
        deflateEnd(deflater)
        inflateEnd(inflater)
        deflater.deallocate()
        inflater.deallocate()
        scratch.deallocate()
    }

    /// Compressed storage for `storage` (key bytes then value bytes), or nil when deflate does not save
    /// at least an eighth of the value.
    ///
    /// Layout of the result: key bytes, the raw value length as 4 bytes little-endian, the deflate stream.
    func compress(_ storage: [UInt8], keyLength: Int) -> [UInt8]? {
        guard usable else { return nil }
        let rawCount = storage.count - keyLength
        guard rawCount <= Int(UInt32.max) else { return nil }
        let limit = rawCount - rawCount / 8 - 4
        guard limit > 0 else { return nil }
        if scratch.count < limit {
            scratch.deallocate()
            scratch = .allocate(byteCount: limit, alignment: 16)
        }
        guard deflateReset(deflater) == Z_OK else { return nil }
        let produced: Int? = storage.withUnsafeBytes { raw in
            let input = raw.baseAddress! + keyLength
            deflater.pointee.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
            deflater.pointee.avail_in = UInt32(rawCount)
            deflater.pointee.next_out = scratch.baseAddress!.assumingMemoryBound(to: Bytef.self)
            deflater.pointee.avail_out = UInt32(limit)
            let status = deflate(deflater, Z_FINISH)
            deflater.pointee.next_in = nil
            deflater.pointee.next_out = nil
            guard status == Z_STREAM_END else { return nil }  // did not fit in `limit`: not worth it
            return limit - Int(deflater.pointee.avail_out)
        }
        guard let produced else { return nil }
        let total = keyLength + 4 + produced
        return [UInt8](unsafeUninitializedCapacity: total) { out, count in
            storage.withUnsafeBufferPointer { src in
                _ = out.initialize(fromContentsOf: src[0..<keyLength])
            }
            var length = UInt32(rawCount).littleEndian
            withUnsafeBytes(of: &length) { lengthBytes in
                UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[keyLength..<keyLength + 4])).copyMemory(from: lengthBytes)
            }
            UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[(keyLength + 4)...]))
                .copyMemory(from: UnsafeRawBufferPointer(start: scratch.baseAddress, count: produced))
            count = total
        }
    }

    /// The raw storage (key bytes then value bytes) of compressed `storage`, or nil if it is corrupt.
    func decompress(_ storage: [UInt8], keyLength: Int) -> [UInt8]? {
        guard usable, storage.count >= keyLength + 4 else { return nil }
        let rawCount: Int = storage.withUnsafeBytes { raw in
            Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: keyLength, as: UInt32.self)))
        }
        guard inflateReset(inflater) == Z_OK else { return nil }
        var ok = false
        let result = [UInt8](unsafeUninitializedCapacity: keyLength + rawCount) { out, count in
            storage.withUnsafeBufferPointer { src in
                _ = out.initialize(fromContentsOf: src[0..<keyLength])
                let input = src.baseAddress! + keyLength + 4
                inflater.pointee.next_in = UnsafeMutablePointer(mutating: input)
                inflater.pointee.avail_in = UInt32(src.count - keyLength - 4)
                inflater.pointee.next_out = out.baseAddress! + keyLength
                inflater.pointee.avail_out = UInt32(rawCount)
                let status = inflate(inflater, Z_FINISH)
                ok = status == Z_STREAM_END && inflater.pointee.avail_out == 0
                inflater.pointee.next_in = nil
                inflater.pointee.next_out = nil
            }
            // Bytes are plain UInt8, so exposing a partially written buffer on failure is harmless; it is dropped.
            if ok {
                count = keyLength + rawCount
            } else {
                out.initialize(repeating: 0)
                count = keyLength + rawCount
            }
        }
        return ok ? result : nil
    }
}
