/// A value returned by ``TieredCache/get(_:)``: the cached bytes, shared with the cache, not copied.
///
/// It is an immutable, zero-based collection of `UInt8`. A hit in the hot tier hands out the stored
/// buffer itself (one reference-count increment, no allocation); `Array(value)` makes a copy when one
/// is needed, and ``withUnsafeBytes(_:)`` gives a pointer for C APIs.
public struct CachedBytes: RandomAccessCollection, Sendable, Equatable, Hashable {
    /// The entry's storage: the key's UTF-8 bytes followed by the value's bytes.
    @usableFromInline let storage: [UInt8]
    /// Where the value starts inside ``storage``.
    @usableFromInline let offset: Int

    @inlinable
    init(storage: [UInt8], offset: Int) {
        self.storage = storage
        self.offset = offset
    }

    /// Wraps a copy of `bytes` (for callers building values in tests or adapters).
    public init(_ bytes: [UInt8]) {
        self.storage = bytes
        self.offset = 0
    }

    /// Always 0.
    @inlinable public var startIndex: Int { 0 }
    /// The number of value bytes.
    @inlinable public var endIndex: Int { storage.count - offset }
    /// The byte at `position` (0-based).
    @inlinable public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < endIndex, "CachedBytes index out of range")
        return storage[offset + position]
    }

    /// Calls `body` with a pointer to the value's bytes, valid only during the call.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeBytes { raw in
            do throws(E) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: raw[offset...])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Lets generic algorithms (and `Array.init`) copy the bytes in one `memcpy`.
    @inlinable
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try storage.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[offset...]))
        }
    }

    /// Byte-wise equality of the values.
    public static func == (lhs: CachedBytes, rhs: CachedBytes) -> Bool {
        lhs.elementsEqual(rhs)
    }

    /// Hashes the value's bytes.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
