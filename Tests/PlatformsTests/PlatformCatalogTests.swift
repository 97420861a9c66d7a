#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import Platforms
import Testing

/// The repository's `data/platforms.json`, found from this file's real location (the side package reaches it
/// through a symlink).
func repositoryCatalogPath(_ file: String = #filePath) -> String {
    var resolved = file
    if let real = realpath(file, nil) {
        resolved = String(cString: real)
        free(real)
    }
    var parts = resolved.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // PlatformCatalogTests.swift, PlatformsTests, Tests
    return parts.joined(separator: "/") + "/data/platforms.json"
}

/// A valid one-platform catalog; `profile` replaces fields of the platform object.
func catalogJSON(profile replacements: [String: String] = [:], extraPlatforms: [String] = []) -> String {
    var fields: [(String, String)] = [
        ("id", #""x""#), ("name", #""X""#), ("text_limit", "280"), ("counting", #""x_weighted""#),
        ("hashtags", #"{"max_count": 5, "placement": "inline_end", "max_length": null}"#),
        ("media", #"{"max_images": 4, "max_video_seconds": 140, "text_only_allowed": true}"#),
        ("rate_limit", #"{"posts": 17, "window_seconds": 86400}"#),
        ("threads", #"{"allowed": true, "max_parts": 25}"#),
        ("best_times", #"[{"day": 2, "hour": 9}]"#), ("ai_disclosure", "null"), ("manual_upload", "false"),
    ]
    for (key, value) in replacements {
        if let index = fields.firstIndex(where: { $0.0 == key }) {
            fields[index].1 = value
        } else {
            fields.append((key, value))
        }
    }
    let object = "{" + fields.filter { $0.1 != "<omit>" }.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    return #"{"version": 1, "platforms": ["# + ([object] + extraPlatforms).joined(separator: ", ") + "]}"
}

func decodeError(_ json: String) -> PlatformCatalogError? {
    do {
        _ = try PlatformCatalog.decode(Array(json.utf8))
        return nil
    } catch {
        return error
    }
}

@Suite("Platform catalog")
struct PlatformCatalogTests {
    static let expectedIDs = ["x", "bluesky", "mastodon", "threads", "linkedin", "instagram", "facebook", "tiktok", "youtube", "pinterest", "reddit"]

    @Test("The repository's data/platforms.json has the eleven platforms with the documented limits")
    func repositoryCatalog() throws {
        let catalog = try PlatformCatalog.load(path: repositoryCatalogPath())
        #expect(Set(catalog.profiles.map(\.id)) == Set(Self.expectedIDs))
        for id in Self.expectedIDs {
            let profile = try #require(catalog.profile(id), "missing \(id)")
            #expect(profile.textLimit > 0)
            #expect(!profile.bestTimes.isEmpty, "\(id) has no default posting times")
            #expect(profile.rateLimit.posts > 0 && profile.rateLimit.windowSeconds > 0)
            #expect(profile.threads.allowed == ["x", "bluesky", "mastodon", "threads"].contains(id), "\(id) threads")
            #expect(profile.manualUpload == !["x", "bluesky", "mastodon"].contains(id), "\(id) manual upload")
        }
        func limit(_ id: String) -> (Int, TextCounting) {
            let p = catalog.profile(id)!
            return (p.textLimit, p.counting)
        }
        #expect(limit("x") == (280, .xWeighted))
        #expect(limit("bluesky") == (300, .graphemes))
        #expect(catalog.profile("bluesky")?.byteLimit == 3000)
        #expect(limit("mastodon") == (500, .graphemesURL23))
        #expect(limit("threads").0 == 500)
        #expect(limit("linkedin") == (3000, .linkedinEscaped))
        #expect(limit("instagram").0 == 2200)
        #expect(limit("facebook").0 == 63206)
        #expect(limit("tiktok") == (2200, .utf16))
        #expect(limit("youtube") == (5000, .utf8Bytes))
        #expect(catalog.profile("youtube")?.titleLimit == 100)
        #expect(catalog.profile("pinterest")?.textLimit == 500)
        #expect(catalog.profile("pinterest")?.titleLimit == 100)
        #expect(catalog.profile("reddit")?.titleLimit == 300)
        #expect(limit("reddit").0 == 40000)
        #expect(catalog.profile("bluesky")?.hashtags.maxLength == 64)
        #expect(catalog.profile("mastodon")?.media.maxImages == 4)
        #expect(catalog.profile("instagram")?.media.textOnlyAllowed == false)
        #expect(catalog.profile("youtube")?.forbiddenCharacters == "<>")
        #expect(catalog.profile("threads")?.maxLinks == 5)
        #expect(catalog.profile("nope") == nil)
    }

    @Test("Mastodon's instance limit replaces the catalog's 500")
    func instanceLimit() throws {
        let mastodon = try #require(try PlatformCatalog.load(path: repositoryCatalogPath()).profile("mastodon"))
        let text = String(repeating: "a", count: 600)
        #expect(!mastodon.fits(text))
        let bigInstance = mastodon.with(textLimit: 1000)
        #expect(bigInstance.fits(text))
        #expect(bigInstance.textLimit == 1000 && bigInstance.counting == .graphemesURL23 && bigInstance.id == "mastodon")
    }

    @Test("A minimal valid catalog decodes")
    func minimal() throws {
        let catalog = try PlatformCatalog.decode(Array(catalogJSON().utf8))
        #expect(catalog.profiles.count == 1)
        #expect(catalog.profile("x")?.bestTimes == [WeeklySlot(day: 2, hour: 9)])
        #expect(catalog.profile("x")?.linksInText == true)
    }

    @Test("Malformed and hostile catalogs give errors naming the field", arguments: [
        ("not json at all", "malformed_json", "line 1, column 1"),
        (#"{"version": 1, "platforms": [}"#, "malformed_json", "line 1, column 30"),
        ("{\"version\": 1,\n \"platforms\": [\n {\"id\": \"x\",}]}", "malformed_json", "line 3, column 13"),
        ("[]", "invalid_field", "the catalog must be a JSON object"),
        (#"{"platforms": []}"#, "invalid_field", "version is missing"),
        (#"{"version": 2, "platforms": []}"#, "unsupported_version", "version must be 1, found 2"),
        (#"{"version": 1, "platforms": {}}"#, "invalid_field", "platforms must be an array, found an object"),
        (#"{"version": 1, "platforms": []}"#, "invalid_field", "platforms must list at least one platform"),
        (#"{"version": 1, "platforms": [42]}"#, "invalid_field", "platforms[0] must be an object, found 42"),
        (#"{"version": 1, "version": 1, "platforms": []}"#, "malformed_json", "duplicate key \"version\""),
        (String(repeating: "[", count: 100_000), "malformed_json", "nested deeper than"),
        ("{\"version\": 1, \"platforms\": [\"\\ud800\"]}", "malformed_json", "unpaired surrogate"),
    ])
    func hostileDocuments(_ json: String, _ code: String, _ fragment: String) throws {
        let error = try #require(decodeError(json))
        #expect(error.code.rawValue == code)
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test("Bad fields are named with their index and requirement", arguments: [
        (["text_limit": "-5"], "platforms[0].text_limit must be a positive integer", "platforms[0].text_limit"),
        (["text_limit": "0"], "platforms[0].text_limit must be a positive integer", "platforms[0].text_limit"),
        (["text_limit": #""280""#], "platforms[0].text_limit must be a positive integer (at most 100000000), found \"280\"", "platforms[0].text_limit"),
        (["text_limit": "280.5"], "platforms[0].text_limit must be a positive integer", "platforms[0].text_limit"),
        (["text_limit": "99999999999999999999999"], "platforms[0].text_limit must be a positive integer", "platforms[0].text_limit"),
        (["text_limit": "<omit>"], "platforms[0].text_limit is missing", "platforms[0].text_limit"),
        (["counting": #""chars""#], "platforms[0].counting \"chars\" is not one of x_weighted, graphemes", "platforms[0].counting"),
        (["counting": "7"], "platforms[0].counting must be a non-empty string", "platforms[0].counting"),
        (["id": #""X Twitter""#], "platforms[0].id must be 1–32 lowercase letters", "platforms[0].id"),
        (["byte_limit": "-1"], "platforms[0].byte_limit must be null or a positive integer", "platforms[0].byte_limit"),
        (["hashtags": #"{"max_count": -1, "placement": "inline_end"}"#], "platforms[0].hashtags.max_count must be an integer of 0 or more", "platforms[0].hashtags.max_count"),
        (["hashtags": #"{"max_count": 3, "placement": "top"}"#], "platforms[0].hashtags.placement \"top\" is not one of", "platforms[0].hashtags.placement"),
        (["media": #"{"max_images": 4, "text_only_allowed": "yes"}"#], "platforms[0].media.text_only_allowed must be true or false, found \"yes\"", "platforms[0].media.text_only_allowed"),
        (["rate_limit": #"{"posts": 0, "window_seconds": 60}"#], "platforms[0].rate_limit.posts must be a positive integer", "platforms[0].rate_limit.posts"),
        (["threads": #"{"allowed": false, "max_parts": 5}"#], "platforms[0].threads.max_parts must be 1 when threads.allowed is false", "platforms[0].threads.max_parts"),
        (["best_times": #"[{"day": 8, "hour": 9}]"#], "platforms[0].best_times[0].day must be an integer from 1 to 7, found 8", "platforms[0].best_times[0].day"),
        (["best_times": #"[{"day": 1, "hour": 24}]"#], "platforms[0].best_times[0].hour must be an integer from 0 to 23", "platforms[0].best_times[0].hour"),
        (["ai_disclosure": #""""#], "platforms[0].ai_disclosure must be null or a label", "platforms[0].ai_disclosure"),
        (["manual_upload": "1"], "platforms[0].manual_upload must be true or false, found 1", "platforms[0].manual_upload"),
        (["forbidden_characters": "5"], "platforms[0].forbidden_characters must be null or a string of 1–32 characters, found 5", "platforms[0].forbidden_characters"),
        (["max_links": "0"], "platforms[0].max_links must be null or a positive integer", "platforms[0].max_links"),
        (["text_limt": "280"], "platforms[0] has an unknown field \"text_limt\"", "platforms[0].text_limt"),
    ])
    func badFields(_ replacements: [String: String], _ fragment: String, _ field: String) throws {
        let error = try #require(decodeError(catalogJSON(profile: replacements)))
        #expect(error.code == .invalidField)
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.field == field)
    }

    @Test("A second platform's error names its index; duplicate ids are refused")
    func secondPlatform() throws {
        let bad = catalogJSON().replacingFirst(#""id": "x""#, with: #""id": "bluesky""#)
        let badObject = String(bad.dropFirst(#"{"version": 1, "platforms": ["#.count).dropLast(2))
        let negative = badObject.replacingFirst(#""text_limit": 280"#, with: #""text_limit": -3"#)
        let error = try #require(decodeError(catalogJSON(extraPlatforms: [negative])))
        #expect(error.message.hasPrefix("platforms[1].text_limit must be a positive integer"), "\(error.message)")

        let plainX = String(catalogJSON().dropFirst(#"{"version": 1, "platforms": ["#.count).dropLast(2))
        let duplicate = try #require(decodeError(catalogJSON(extraPlatforms: [badObject, plainX])))
        #expect(duplicate.code == .duplicateID)
        #expect(duplicate.message == "platforms[2].id \"x\" is already used by platforms[0]")
    }

    @Test("A 10 MB file is refused before parsing; a missing file says so")
    func oversizedAndMissing() throws {
        var template = Array("/tmp/platforms-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        #expect(fd >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
        for _ in 0..<10 { _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        close(fd)
        do {
            _ = try PlatformCatalog.load(path: path)
            Issue.record("a 10 MB catalog was accepted")
        } catch {
            #expect(error.code == .fileTooLarge)
            #expect(error.message.contains("10485760 bytes; the limit is 1048576"), "\(error.message)")
        }
        let inMemory = try #require(decodeError(String(repeating: " ", count: 10 << 20)))
        #expect(inMemory.code == .fileTooLarge)

        do {
            _ = try PlatformCatalog.load(path: "/nonexistent/platforms.json")
            Issue.record("a missing catalog was accepted")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.message.contains("/nonexistent/platforms.json"))
        }
    }

    @Test("Profiles encode with the file's snake_case keys and decode back to the same profile")
    func encodingRoundTrip() throws {
        let catalog = try PlatformCatalog.load(path: repositoryCatalogPath())
        let encoder = JSONEncoder()
        var objects: [String] = []
        for profile in catalog.profiles {
            objects.append(String(decoding: try encoder.encode(profile), as: UTF8.self))
        }
        #expect(objects[0].contains("\"text_limit\":280"))
        let again = try PlatformCatalog.decode(Array(#"{"version": 1, "platforms": ["#.utf8) + Array(objects.joined(separator: ",").utf8) + Array("]}".utf8))
        #expect(again.profiles == catalog.profiles)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        let chars = Array(self)
        let needle = Array(target)
        guard !needle.isEmpty, chars.count >= needle.count else { return self }
        for start in 0...(chars.count - needle.count) where Array(chars[start..<(start + needle.count)]) == needle {
            return String(chars[..<start]) + replacement + String(chars[(start + needle.count)...])
        }
        return self
    }
}
