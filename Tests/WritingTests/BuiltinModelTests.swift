import FoundationEssentials
import Platforms
import Testing
@testable import Writing

/// The builtin model's errors and the behaviour a creator checks by hand.
@Suite struct BuiltinModelTests {
    @Test func translationDeclinesAndSaysWhatIsNeeded() {
        #expect(!BuiltinModel.capabilities.contains(.translation))
        #expect(BuiltinModel.capabilities.count == ContentKind.allCases.count - 1)
        let error = #expect(throws: BuiltinError.self) { try generate(.translation, "Hello world", options: ["language": "fr"]) }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("cannot translate") == true)
        #expect(error?.message.contains("translation capability") == true)
    }

    @Test func emptyAndWhitespaceInputAreRefused() {
        for input in ["", "   ", "\n\n\t  \n", "\u{07}\u{1B}"] {
            let error = #expect(throws: BuiltinError.self) { try generate(.title, input) }
            #expect(error?.code == .emptyInput, "\(input.debugDescription)")
            #expect(error?.message.contains("empty") == true)
        }
    }

    @Test func tenMegabyteInputIsRefusedQuicklyWithTheLimit() {
        let huge = String(repeating: "All work and no play makes a dull post. ", count: 10_000_000 / 40)
        #expect(huge.utf8.count >= 10_000_000)
        let whitespace = String(repeating: " ", count: 10_000_000)
        let clock = ContinuousClock()
        let start = clock.now
        for kind in [ContentKind.title, .socialPost, .hashtags] {
            let error = #expect(throws: BuiltinError.self) { try generate(kind, huge, platform: "x") }
            #expect(error?.code == .inputTooLarge)
            #expect(error?.message.contains("200000") == true)
        }
        #expect((try? generate(.title, whitespace)) == nil)
        #expect(clock.now - start < .seconds(1))
        // Exactly at the limit passes the checks (generating from it is the corpus tests' job).
        let atLimit = "Batches. " + String(repeating: "x", count: BuiltinModel.maxInputBytes - 9)
        #expect(atLimit.utf8.count == BuiltinModel.maxInputBytes)
        #expect(throws: Never.self) { try BuiltinModel.check(BuiltinRequest(kind: .title, input: atLimit)) }
        let error = #expect(throws: BuiltinError.self) { try generate(.title, atLimit + "x") }
        #expect(error?.code == .inputTooLarge)
    }

    @Test func socialPostNeedsAPlatform() {
        let error = #expect(throws: BuiltinError.self) { try generate(.socialPost, "Hello world") }
        #expect(error?.code == .missingPlatform)
    }

    @Test func hashtagsForAPlatformWithoutHashtagsAreDeclined() throws {
        let pinterest = try #require(catalog.profile("pinterest"))
        #expect(pinterest.hashtags.maxCount == 0)
        let error = #expect(throws: BuiltinError.self) { try generate(.hashtags, entry("long-article-markdown"), platform: "pinterest") }
        #expect(error?.code == .unsupported)
        // A post there carries none, not even the input's own.
        let post = try generate(.socialPost, entry("hashtag-heavy-input"), platform: "pinterest")
        #expect(Hashtags.inlineCount(post) == 0, "\(post)")
        #expect(post.contains("Amalfi"))
    }

    @Test func inputWithoutWordsHasNoHashtags() {
        for name in ["emoji-only", "numbers-only"] {
            let error = #expect(throws: BuiltinError.self, "\(name)") { try generate(.hashtags, entry(name)) }
            #expect(error?.code == .emptyInput)
        }
    }

    @Test func pastedArticleGivesUsefulTitleHashtagsMetaAndXPost() throws {
        let article = entry("long-article-markdown")
        #expect(try generate(.title, article) == "How to plan a month of content in one afternoon")   // the article's own heading
        let tags = tags(try generate(.hashtags, article)).map { $0.lowercased() }
        #expect(tags.contains("#content") || tags.contains("#contentcalendar"), "\(tags)")
        let meta = try generate(.metaDescription, article)
        #expect(meta.hasPrefix("Planning content a month ahead"), "the lead sentence ranks first: \(meta)")
        let x = try #require(catalog.profile("x"))
        let post = try generate(.socialPost, article, platform: "x")
        #expect(x.length(of: post) <= 280 && x.length(of: post) > 140, "condensed, not truncated to nothing: \(post)")
        #expect(post.contains("https://example.com/content-calendar-checklist"), "the article's link is kept")
        #expect(post.contains("#"))
    }

    @Test func titleWithoutHeadingIsAKeySentenceCutAtAWord() throws {
        let title = try generate(.title, entry("one-long-sentence-no-punctuation"))
        #expect(title.count <= 70)
        #expect(title.hasPrefix("The river keeps moving"))
        let words = entry("one-long-sentence-no-punctuation").split(separator: " ").map(String.init)
        #expect(title.split(separator: " ").allSatisfy { words.contains(String($0).lowercased()) }, "cut at a word boundary: \(title)")
        #expect(!["the", "and", "of", "along"].contains(String(title.split(separator: " ").last!)), "no dangling small word: \(title)")
    }

    @Test func cutsNeverSplitAGraphemeCluster() throws {
        let family = "👩‍👩‍👧‍👦"
        let input = String(repeating: family, count: 200)
        let title = try generate(.title, input)
        #expect(title.count <= 70)
        #expect(title.unicodeScalars.count == title.count * family.unicodeScalars.count, "whole families only: \(title.count)")
        let x = try #require(catalog.profile("x"))
        let post = try generate(.socialPost, input, platform: "x")
        #expect(x.fits(post))
        #expect(post.replacing(family, with: "").allSatisfy { $0 == "…" }, "only whole emoji and the ellipsis")
    }

    @Test func hashtagsAreCamelCaseForPhrasesAndCountIsAnOption() throws {
        let text = "Machine learning helps creators. Machine learning models write drafts. Good machine learning needs data."
        let list = tags(try generate(.hashtags, text))
        #expect(list.first == "#MachineLearning", "\(list)")
        #expect(!list.contains("#Machine") && !list.contains("#Learning"), "the phrase's words are not repeated: \(list)")
        // French elision is not part of the word; a word used as a verb ranks below the nouns.
        let french = tags(try generate(.hashtags, "L'intelligence artificielle transforme le travail. L'intelligence artificielle aide les créateurs."))
        #expect(french.first == "#IntelligenceArtificielle", "\(french)")
        let verbs = tags(try generate(.hashtags, "You write every week. We write the newsletter. They write the podcast notes."))
        #expect(verbs.firstIndex(of: "#Write").map { $0 > 0 } ?? true, "\(verbs)")
        #expect(tags(try generate(.hashtags, entry("long-article-markdown"), options: ["count": "3"])).count == 3)
        #expect(tags(try generate(.hashtags, entry("long-article-markdown"), options: ["count": "50"])).count == 10)
        #expect(tags(try generate(.hashtags, entry("long-article-markdown"), platform: "threads")).count == 1)
    }

    @Test func emailAndPodcastFollowTheirTemplates() throws {
        let email = try generate(.email, entry("long-article-markdown"), options: ["sender": "Maria\u{07}"])
        #expect(email.hasPrefix("Subject: How to plan a month of content in one afternoon\n\nHi,\n\n"))
        #expect(email.contains("\nKey points:\n- "))
        #expect(email.hasSuffix("Thanks for reading,\nMaria"))
        let script = try generate(.podcastScript, entry("long-article-markdown"))
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.first == "Episode: How to plan a month of content in one afternoon")
        #expect(lines.contains("INTRO") && lines.contains("OUTRO"))
        #expect(lines.filter { $0.hasPrefix("SEGMENT ") }.count >= 3)
        #expect(script.firstRange(of: "INTRO")!.lowerBound < script.firstRange(of: "SEGMENT 1")!.lowerBound)
        #expect(script.firstRange(of: "SEGMENT 1")!.lowerBound < script.firstRange(of: "OUTRO")!.lowerBound)
    }

    @Test func templatesSpeakTheInputsLanguage() throws {
        #expect(try generate(.email, entry("japanese")).hasPrefix("件名: "))
        #expect(try generate(.podcastScript, entry("russian")).contains("\nВСТУПЛЕНИЕ\n"))
        #expect(try generate(.article, entry("chinese-simplified")).contains("\n## 结论\n"))
        let spanish = try model.generate(BuiltinRequest(kind: .email, input: entry("spanish"), language: "es-MX"))
        #expect(spanish.hasPrefix("Asunto: ") && spanish.contains("\nHola:\n"))
        // Unknown languages and Latin text without a language fall back to English.
        #expect(try generate(.email, entry("german")).hasPrefix("Subject: "))
        #expect(try model.generate(BuiltinRequest(kind: .email, input: entry("german"), language: "de")).hasPrefix("Betreff: "))
        #expect(try model.generate(BuiltinRequest(kind: .email, input: entry("turkish"), language: "tr")).hasPrefix("Subject: "))
    }

    @Test func articleExpandsAnOutlineIntoSections() throws {
        let article = try generate(.article, entry("outline-for-article"))
        let headings = article.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)) }
        #expect(article.hasPrefix("# Beginner's guide to sourdough\n"))
        #expect(headings == ["Why sourdough", "Making a starter", "The first loaf", "Common mistakes", "Conclusion"])
        #expect(article.contains("Flour and water ratios. Feeding schedule."), "sub-items become the section's text")
    }

    @Test func repurposeMakesANumberedThreadThatFitsThePlatform() throws {
        let thread = try generate(.repurpose, entry("long-plain-remote-work"), platform: "x", options: ["count": "4"])
        let parts = thread.split(separator: "\n\n").map(String.init)
        #expect(parts.count == 4)
        for (i, part) in parts.enumerated() { #expect(part.hasPrefix("\(i + 1)/4 ")) }
        let x = try #require(catalog.profile("x"))
        #expect(parts.allSatisfy { x.fits($0) })
    }

    @Test func threadHasNoMorePartsThanThePlatformAllows() throws {
        // The shipped catalog with X limited to 3 parts (the first "max_parts" is X's).
        let path = repositoryPath("data/platforms.json")
        let json = try #require(FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) })
        let range = try #require(json.firstRange(of: "\"max_parts\": 25"))
        var limited = json
        limited.replaceSubrange(range, with: "\"max_parts\": 3")
        let x = try #require(try PlatformCatalog.decode(Array(limited.utf8)).profile("x"))
        #expect(x.threads.maxParts == 3)
        let thread = try model.generate(BuiltinRequest(kind: .repurpose, input: entry("long-plain-remote-work"), platform: x, options: ["count": "8"]))
        #expect(thread.split(separator: "\n\n").count == 3)
        #expect(thread.hasPrefix("1/3 "))
    }

    @Test func controlCharactersAndANSIEscapesAreGone() throws {
        let title = try generate(.title, entry("control-characters"))
        #expect(!title.contains("[31m") && !title.contains("[0m"), "\(title)")
        let meta = try generate(.metaDescription, entry("control-characters"))
        #expect(meta.contains("Vertical tab and form feed"), "VT and FF are spaces: \(meta)")
    }
}

/// The builtin model keeps the last few analyses; a cached answer must be the answer.
@Suite struct BuiltinCacheTests {
    @Test func outputsAreTheSameAfterTheCacheHasMovedOn() throws {
        let article = entry("long-plain-remote-work")
        let first = try generate(.metaDescription, article)
        for item in corpus.prefix(8) { _ = try? generate(.title, item.text) }   // evicts the article
        #expect(try generate(.metaDescription, article) == first)
        // A text that differs only in Unicode normalisation is a different input, not a cache hit.
        let composed = "Caf\u{E9} owners plan their week. The caf\u{E9} opens at eight."
        let decomposed = "Cafe\u{301} owners plan their week. The cafe\u{301} opens at eight."
        #expect(composed == decomposed, "Swift calls them equal")
        let a = try generate(.title, composed), b = try generate(.title, decomposed)
        #expect(Array(a.unicodeScalars) != Array(b.unicodeScalars), "each keeps its own encoding")
    }
}

/// Inputs without sentence ends are split into bounded pieces, so outputs stay within limits.
@Suite struct PathologicalInputTests {
    @Test func pagesWithoutPunctuationStillGiveBoundedOutputs() throws {
        let x = try #require(catalog.profile("x"))
        for text in [String(repeating: "word another thing more ", count: 1_200), String(repeating: "人工智能正在改变内容创作的方式", count: 700)] {
            #expect(text.utf8.count > TextCleaning.maxSentenceBytes * 5)
            let analysis = TextAnalysis(text)
            #expect(analysis.sentences.count > 5 && analysis.sentences.allSatisfy { $0.text.utf8.count <= TextCleaning.maxSentenceBytes })
            #expect(try generate(.title, text).count <= 70)
            #expect(try generate(.metaDescription, text).count <= 160)
            #expect(x.fits(try generate(.socialPost, text, platform: "x")))
        }
        // One phrase repeated gives no evidence where its words end; the topic word is still in a tag.
        #expect(tags(try generate(.hashtags, String(repeating: "人工智能正在改变内容创作的方式", count: 700))).contains { $0.contains("人工智能") })
    }
}
