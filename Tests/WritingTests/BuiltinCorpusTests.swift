import Platforms
import Testing
@testable import Writing

/// The builtin model over the whole corpus: limits, well-formedness, no control characters, determinism.
@Suite struct BuiltinCorpusTests {
    @Test func corpusHasAtLeastFiftyVariedEntries() {
        #expect(corpus.count >= 50)
        #expect(Set(corpus.map(\.name)).count == corpus.count, "entry names are unique")
        #expect(corpus.allSatisfy { !$0.text.isEmpty })
        // The variety the issue asks for is really there.
        for name in ["japanese", "chinese-simplified", "arabic", "russian", "hindi", "emoji-launch", "long-url", "markdown-with-code", "list-only", "one-sentence", "long-article-markdown"] {
            #expect(corpus.contains { $0.name == name }, "\(name)")
        }
        #expect(corpus.contains { $0.text.contains("\u{07}") && $0.text.contains("\r\n") }, "the control-character entry survived the fixture")
    }

    @Test(arguments: corpus) func socialPostFitsEveryPlatform(_ item: CorpusEntry) throws {
        for platform in catalog.profiles {
            let post = try model.generate(BuiltinRequest(kind: .socialPost, input: item.text, platform: platform))
            #expect(platform.fits(post), "\(platform.id): \(platform.length(of: post)) > \(platform.textLimit): \(post)")
            #expect(!post.isEmpty, "\(platform.id)")
            #expect(!hasControlCharacter(post), "\(platform.id)")
            // Hashtags the input already had count too: the platform's maximum is for the whole post.
            #expect(Hashtags.inlineCount(post) <= platform.hashtags.maxCount, "\(platform.id): \(post)")
        }
        // Determinism on the strictest platform.
        let x = try #require(catalog.profile("x"))
        let first = try model.generate(BuiltinRequest(kind: .socialPost, input: item.text, platform: x))
        let second = try model.generate(BuiltinRequest(kind: .socialPost, input: item.text, platform: x))
        #expect(first == second)
    }

    @Test(arguments: corpus) func titleMetaAndHashtagsRespectTheirLimits(_ item: CorpusEntry) throws {
        let title = try generate(.title, item.text)
        #expect(!title.isEmpty)
        #expect(title.count <= 70, "\(title.count): \(title)")
        #expect(!title.contains("\n"))

        let meta = try generate(.metaDescription, item.text)
        #expect(!meta.isEmpty)
        #expect(meta.count <= 160, "\(meta.count): \(meta)")
        #expect(!meta.contains("\n"))

        // Inputs without a keyword (no letters, or Thai, which this model cannot split into words) get a clear error.
        let noKeywords: Set<String> = ["emoji-only", "numbers-only", "urls-only", "thai"]
        let hashtagOutput: String
        do {
            hashtagOutput = try generate(.hashtags, item.text)
            #expect(!noKeywords.contains(item.name), "\(hashtagOutput)")
        } catch {
            #expect(error.code == .emptyInput && noKeywords.contains(item.name), "\(error)")
            hashtagOutput = ""
        }
        let list = hashtagOutput.isEmpty ? [] : tags(hashtagOutput)
        #expect(list.count <= 10)
        #expect(list.allSatisfy(Hashtags.isWellFormed), "\(list)")
        #expect(Set(list.map { $0.lowercased() }).count == list.count, "no duplicate tags: \(list)")
        for platform in catalog.profiles where platform.hashtags.maxCount > 0 && !list.isEmpty {
            let limited = tags(try model.generate(BuiltinRequest(kind: .hashtags, input: item.text, platform: platform)))
            #expect(limited.count <= platform.hashtags.maxCount, "\(platform.id)")
            if let maxLength = platform.hashtags.maxLength {
                #expect(limited.allSatisfy { $0.count - 1 <= maxLength }, "\(platform.id): \(limited)")
            }
        }
        for output in [title, meta, hashtagOutput] { #expect(!hasControlCharacter(output)) }
        #expect(try generate(.title, item.text) == title)
        #expect(try generate(.metaDescription, item.text) == meta)
        if !list.isEmpty { #expect(try generate(.hashtags, item.text) == hashtagOutput) }
    }

    @Test(arguments: corpus) func everyOtherKindIsCleanAndDeterministic(_ item: CorpusEntry) throws {
        for kind in [ContentKind.caption, .email, .podcastScript, .article, .repurpose] {
            let output = try generate(kind, item.text)
            #expect(!output.isEmpty, "\(kind)")
            #expect(!hasControlCharacter(output), "\(kind)")
            #expect(try generate(kind, item.text) == output, "\(kind)")
        }
        let x = try #require(catalog.profile("x"))
        let thread = try model.generate(BuiltinRequest(kind: .repurpose, input: item.text, platform: x))
        for part in thread.split(separator: "\n\n") { #expect(x.fits(String(part)), "\(part)") }
        let instagram = try #require(catalog.profile("instagram"))
        #expect(instagram.fits(try model.generate(BuiltinRequest(kind: .caption, input: item.text, platform: instagram))))
    }

    @Test func longInputsGetFullMetaDescriptionsAndSeveralHashtags() throws {
        for name in ["long-article-markdown", "long-plain-remote-work", "product-description", "news-paragraph", "legal-text"] {
            let meta = try generate(.metaDescription, entry(name))
            #expect((120...160).contains(meta.count), "\(name): \(meta.count) \(meta)")
            let list = tags(try generate(.hashtags, entry(name)))
            #expect((3...10).contains(list.count), "\(name): \(list)")
        }
    }

    @Test func nonLatinHashtagsKeepTheirLetters() throws {
        let scripts: [(String, ClosedRange<UInt32>)] = [
            ("japanese", 0x3040...0x9FFF), ("chinese-simplified", 0x4E00...0x9FFF), ("arabic", 0x0600...0x06FF),
            ("russian", 0x0400...0x04FF), ("hindi", 0x0900...0x097F), ("korean", 0xAC00...0xD7AF), ("greek", 0x0370...0x03FF),
        ]
        for (name, range) in scripts {
            let list = tags(try generate(.hashtags, entry(name)))
            #expect(list.count >= 3, "\(name): \(list)")
            #expect(list.allSatisfy { tag in tag.unicodeScalars.dropFirst().contains { range.contains($0.value) } }, "\(name): \(list)")
        }
        // Function words are not keywords.
        let english = tags(try generate(.hashtags, entry("long-article-markdown"))).map { $0.lowercased() }
        #expect(!english.contains { ["#the", "#and", "#of", "#to", "#a", "#is"].contains($0) })
        let chinese = tags(try generate(.hashtags, entry("chinese-simplified")))
        #expect(chinese.contains { $0.contains("智能") }, "the repeated topic word is a tag: \(chinese)")
    }
}
