import OrderedJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The platform profiles read from `data/platforms.json`.
///
/// Loading validates every field and stops at the first problem with an error naming it
/// (`platforms[3].text_limit must be a positive integer, found -5`), so a bad edit to the file is caught at startup
/// rather than when a post is rejected.
///
/// ```swift
/// let catalog = try PlatformCatalog.load(path: "data/platforms.json")
/// let mastodon = catalog.profile("mastodon")!.with(textLimit: instanceLimit)
/// ```
public struct PlatformCatalog: Sendable {
    /// The profiles in file order; ids are unique.
    public let profiles: [PlatformProfile]

    /// The largest catalog file accepted; the real one is a few kilobytes.
    public static let maxFileBytes = 1 << 20

    /// Creates a catalog from profiles already built in code (tests, a single custom platform).
    public init(profiles: [PlatformProfile]) { self.profiles = profiles }

    /// The profile with this id, or nil.
    public func profile(_ id: String) -> PlatformProfile? { profiles.first { $0.id == id } }

    /// Reads and validates a catalog file.
    ///
    /// - Throws: ``PlatformCatalogError`` when the file cannot be read, is larger than ``maxFileBytes``, is not JSON,
    ///   or has a missing, mistyped or out-of-range field.
    public static func load(path: String) throws(PlatformCatalogError) -> PlatformCatalog {
        let bytes = try readFile(path)
        return try decode(bytes)
    }

    /// Validates catalog JSON held in memory.
    public static func decode(_ bytes: [UInt8]) throws(PlatformCatalogError) -> PlatformCatalog {
        guard bytes.count <= maxFileBytes else {
            throw PlatformCatalogError(.fileTooLarge, "the catalog is \(bytes.count) bytes; the limit is \(maxFileBytes) bytes")
        }
        let root: JSONText
        do {
            root = try JSONText.parse(bytes, rejectingDuplicateKeys: true)
        } catch {
            throw PlatformCatalogError(.malformedJSON, "the catalog is not valid JSON: \(error.reason) at line \(error.line), column \(error.column)")
        }
        let reader = FieldReader()
        return try reader.catalog(root)
    }

    private static func readFile(_ path: String) throws(PlatformCatalogError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw PlatformCatalogError(.unreadableFile, "cannot open the catalog file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw PlatformCatalogError(.unreadableFile, "cannot read the catalog file \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw PlatformCatalogError(.unreadableFile, "the catalog path \(path) is not a regular file")
        }
        guard Int(info.st_size) <= maxFileBytes else {
            throw PlatformCatalogError(.fileTooLarge, "the catalog file \(path) is \(info.st_size) bytes; the limit is \(maxFileBytes) bytes")
        }
        // Read up to one byte past the limit so a file that grew after fstat is still refused.
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PlatformCatalogError(.unreadableFile, "cannot read the catalog file \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            total += n
        }
        guard total <= maxFileBytes else {
            throw PlatformCatalogError(.fileTooLarge, "the catalog file \(path) is larger than \(maxFileBytes) bytes")
        }
        bytes.removeSubrange(total...)
        return bytes
    }
}

/// Why a platform catalog could not be loaded: a stable code and a message naming the file field at fault.
public struct PlatformCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's string form, e.g. `"invalid_field"`.
        public let rawValue: String
        /// Wraps a raw code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw code.
        public var description: String { rawValue }

        /// The file could not be opened or read.
        public static let unreadableFile = Code(rawValue: "unreadable_file")
        /// The file is larger than ``PlatformCatalog/maxFileBytes``.
        public static let fileTooLarge = Code(rawValue: "file_too_large")
        /// The file is not JSON.
        public static let malformedJSON = Code(rawValue: "malformed_json")
        /// A field is missing, of the wrong type, out of range or unknown.
        public static let invalidField = Code(rawValue: "invalid_field")
        /// Two profiles share an id.
        public static let duplicateID = Code(rawValue: "duplicate_id")
        /// The file's `version` is not one this code understands.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
    }

    /// What went wrong, as a stable code.
    public let code: Code
    /// A readable sentence that names the field at fault, e.g. `platforms[3].text_limit must be a positive integer, found -5`.
    public let message: String
    /// The path of the field at fault (`platforms[3].text_limit`), when the error is about one.
    public let field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}

/// Walks the parsed JSON and turns each field into a typed value, or an error naming it.
private struct FieldReader {
    typealias Failure = PlatformCatalogError

    static let profileKeys: Set<String> = [
        "id", "name", "text_limit", "counting", "byte_limit", "title_limit", "links_in_text", "max_links", "forbidden_characters",
        "hashtags", "media",
        "rate_limit", "threads", "best_times", "ai_disclosure", "manual_upload", "source",
    ]

    func catalog(_ root: JSONText) throws(Failure) -> PlatformCatalog {
        guard case .object = root else { throw invalid("the catalog", "must be a JSON object", root) }
        try onlyKeys(root, ["version", "platforms", "note"], at: "the catalog")
        guard let version = root["version"] else { throw missing("version") }
        guard case .number("1") = version else {
            throw PlatformCatalogError(.unsupportedVersion, "version must be 1, found \(show(version))", field: "version")
        }
        guard let list = root["platforms"] else { throw missing("platforms") }
        guard case .array(let items) = list else { throw invalid("platforms", "must be an array", list) }
        guard !items.isEmpty else { throw PlatformCatalogError(.invalidField, "platforms must list at least one platform", field: "platforms") }
        var profiles: [PlatformProfile] = []
        var firstIndex: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let profile = try self.profile(item, at: "platforms[\(index)]")
            if let earlier = firstIndex[profile.id] {
                throw PlatformCatalogError(
                    .duplicateID, "platforms[\(index)].id \"\(profile.id)\" is already used by platforms[\(earlier)]", field: "platforms[\(index)].id")
            }
            firstIndex[profile.id] = index
            profiles.append(profile)
        }
        return PlatformCatalog(profiles: profiles)
    }

    func profile(_ value: JSONText, at path: String) throws(Failure) -> PlatformProfile {
        guard case .object = value else { throw invalid(path, "must be an object", value) }
        try onlyKeys(value, Self.profileKeys, at: path)
        let id = try string(value, "id", at: path)
        guard id.count <= 32, id.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "-" }) else {
            throw PlatformCatalogError(.invalidField, "\(path).id must be 1–32 lowercase letters, digits, '-' or '_', found \"\(id.prefix(40))\"", field: "\(path).id")
        }
        let name = try string(value, "name", at: path)
        let textLimit = try positive(value, "text_limit", at: path)
        let countingName = try string(value, "counting", at: path)
        guard let counting = TextCounting(rawValue: countingName) else {
            let known = TextCounting.allCases.map(\.rawValue).joined(separator: ", ")
            throw PlatformCatalogError(
                .invalidField, "\(path).counting \"\(countingName.prefix(40))\" is not one of \(known)", field: "\(path).counting")
        }
        let byteLimit = try optionalPositive(value, "byte_limit", at: path)
        let titleLimit = try optionalPositive(value, "title_limit", at: path)
        let linksInText = try optionalBool(value, "links_in_text", at: path) ?? true
        let maxLinks = try optionalPositive(value, "max_links", at: path)
        var forbidden: String?
        if let chars = value["forbidden_characters"], !isNull(chars) {
            guard case .string(let text) = chars, !text.isEmpty, text.count <= 32 else {
                throw invalid("\(path).forbidden_characters", "must be null or a string of 1–32 characters", chars)
            }
            forbidden = text
        }

        let hashtagsPath = "\(path).hashtags"
        let tags = try object(value, "hashtags", at: path)
        try onlyKeys(tags, ["max_count", "placement", "max_length"], at: hashtagsPath)
        let placementName = try string(tags, "placement", at: hashtagsPath)
        guard let placement = HashtagPlacement(rawValue: placementName) else {
            let known = HashtagPlacement.allCases.map(\.rawValue).joined(separator: ", ")
            throw PlatformCatalogError(
                .invalidField, "\(hashtagsPath).placement \"\(placementName.prefix(40))\" is not one of \(known)", field: "\(hashtagsPath).placement")
        }
        let hashtags = HashtagRules(
            maxCount: try nonNegative(tags, "max_count", at: hashtagsPath), placement: placement,
            maxLength: try optionalPositive(tags, "max_length", at: hashtagsPath))

        let mediaPath = "\(path).media"
        let mediaValue = try object(value, "media", at: path)
        try onlyKeys(mediaValue, ["max_images", "max_video_seconds", "text_only_allowed"], at: mediaPath)
        let media = MediaRules(
            maxImages: try nonNegative(mediaValue, "max_images", at: mediaPath),
            maxVideoSeconds: try optionalPositive(mediaValue, "max_video_seconds", at: mediaPath),
            textOnlyAllowed: try bool(mediaValue, "text_only_allowed", at: mediaPath))

        let ratePath = "\(path).rate_limit"
        let rateValue = try object(value, "rate_limit", at: path)
        try onlyKeys(rateValue, ["posts", "window_seconds"], at: ratePath)
        let rateLimit = RateLimit(posts: try positive(rateValue, "posts", at: ratePath), windowSeconds: try positive(rateValue, "window_seconds", at: ratePath))

        let threadsPath = "\(path).threads"
        let threadsValue = try object(value, "threads", at: path)
        try onlyKeys(threadsValue, ["allowed", "max_parts"], at: threadsPath)
        let allowed = try bool(threadsValue, "allowed", at: threadsPath)
        let maxParts = try positive(threadsValue, "max_parts", at: threadsPath)
        guard allowed || maxParts == 1 else {
            throw PlatformCatalogError(
                .invalidField, "\(threadsPath).max_parts must be 1 when threads.allowed is false, found \(maxParts)", field: "\(threadsPath).max_parts")
        }

        var bestTimes: [WeeklySlot] = []
        if let slots = value["best_times"] {
            guard case .array(let items) = slots else { throw invalid("\(path).best_times", "must be an array", slots) }
            for (index, slot) in items.enumerated() {
                let slotPath = "\(path).best_times[\(index)]"
                guard case .object = slot else { throw invalid(slotPath, "must be an object {\"day\": 1-7, \"hour\": 0-23}", slot) }
                try onlyKeys(slot, ["day", "hour"], at: slotPath)
                bestTimes.append(WeeklySlot(day: try int(slot, "day", in: 1...7, at: slotPath), hour: try int(slot, "hour", in: 0...23, at: slotPath)))
            }
        }

        var aiDisclosure: String?
        if let label = value["ai_disclosure"], !isNull(label) {
            guard case .string(let text) = label, !text.isEmpty, text.count <= 200 else {
                throw invalid("\(path).ai_disclosure", "must be null or a label of 1–200 characters", label)
            }
            aiDisclosure = text
        }
        let manualUpload = try bool(value, "manual_upload", at: path)
        var source: String?
        if let note = value["source"], !isNull(note) {
            guard case .string(let text) = note else { throw invalid("\(path).source", "must be a string", note) }
            source = text
        }
        return PlatformProfile(
            id: id, name: name, textLimit: textLimit, counting: counting, byteLimit: byteLimit, titleLimit: titleLimit,
            linksInText: linksInText, maxLinks: maxLinks, forbiddenCharacters: forbidden, hashtags: hashtags, media: media, rateLimit: rateLimit,
            threads: ThreadRules(allowed: allowed, maxParts: maxParts), bestTimes: bestTimes, aiDisclosure: aiDisclosure,
            manualUpload: manualUpload, source: source)
    }

    // MARK: Typed field access

    /// The largest limit accepted anywhere; guards arithmetic on absurd values.
    private static let maxLimit = 100_000_000

    private func field(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> JSONText {
        guard let value = object[key] else { throw missing("\(path).\(key)") }
        return value
    }

    private func string(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> String {
        let value = try field(object, key, at: path)
        guard case .string(let text) = value, !text.isEmpty, text.count <= 200 else {
            throw invalid("\(path).\(key)", "must be a non-empty string of at most 200 characters", value)
        }
        return text
    }

    private func object(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> JSONText {
        let value = try field(object, key, at: path)
        guard case .object = value else { throw invalid("\(path).\(key)", "must be an object", value) }
        return value
    }

    private func bool(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> Bool {
        let value = try field(object, key, at: path)
        guard case .bool(let flag) = value else { throw invalid("\(path).\(key)", "must be true or false", value) }
        return flag
    }

    private func optionalBool(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> Bool? {
        guard let value = object[key], !isNull(value) else { return nil }
        guard case .bool(let flag) = value else { throw invalid("\(path).\(key)", "must be true or false", value) }
        return flag
    }

    private func int(_ object: JSONText, _ key: String, in range: ClosedRange<Int>, at path: String) throws(Failure) -> Int {
        let value = try field(object, key, at: path)
        guard let n = value.intValue, range.contains(n) else {
            throw invalid("\(path).\(key)", "must be an integer from \(range.lowerBound) to \(range.upperBound)", value)
        }
        return n
    }

    private func positive(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> Int {
        let value = try field(object, key, at: path)
        guard let n = value.intValue, n > 0, n <= Self.maxLimit else {
            throw invalid("\(path).\(key)", "must be a positive integer (at most \(Self.maxLimit))", value)
        }
        return n
    }

    private func nonNegative(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> Int {
        let value = try field(object, key, at: path)
        guard let n = value.intValue, n >= 0, n <= Self.maxLimit else {
            throw invalid("\(path).\(key)", "must be an integer of 0 or more (at most \(Self.maxLimit))", value)
        }
        return n
    }

    private func optionalPositive(_ object: JSONText, _ key: String, at path: String) throws(Failure) -> Int? {
        guard let value = object[key], !isNull(value) else { return nil }
        guard let n = value.intValue, n > 0, n <= Self.maxLimit else {
            throw invalid("\(path).\(key)", "must be null or a positive integer (at most \(Self.maxLimit))", value)
        }
        return n
    }

    private func onlyKeys(_ object: JSONText, _ allowed: Set<String>, at path: String) throws(Failure) {
        guard case .object(let members) = object else { return }
        for member in members where !allowed.contains(member.key) {
            let key = String(member.key.prefix(40))
            throw PlatformCatalogError(
                .invalidField, "\(path) has an unknown field \"\(key)\" (known: \(allowed.sorted().joined(separator: ", ")))", field: "\(path).\(key)")
        }
    }

    private func isNull(_ value: JSONText) -> Bool {
        if case .null = value { return true }
        return false
    }

    private func missing(_ path: String) -> Failure {
        PlatformCatalogError(.invalidField, "\(path) is missing", field: path)
    }

    private func invalid(_ path: String, _ requirement: String, _ found: JSONText) -> Failure {
        PlatformCatalogError(.invalidField, "\(path) \(requirement), found \(show(found))", field: path)
    }

    private func show(_ value: JSONText) -> String {
        switch value {
        case .number(let literal): literal
        case .bool(let b): "\(b)"
        case .null: "null"
        case .string(let s): "\"\(s.prefix(40))\"" + (s.count > 40 ? "…" : "")
        default: value.typeName
        }
    }
}
