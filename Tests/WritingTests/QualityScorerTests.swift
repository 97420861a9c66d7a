import Platforms
import Testing
@testable import Writing

@Suite struct QualityScorerTests {
    @Test func fleschScoresSimpleTextHighAndLegaleseLow() throws {
        let simple = try #require(QualityScorer.fleschReadingEase("The cat sat on the mat."))
        #expect(simple > 100, "one-syllable words in a short sentence: \(simple)")
        let legal = try #require(QualityScorer.fleschReadingEase(entry("legal-text")))
        #expect(legal < 20, "\(legal)")
        let plain = try #require(QualityScorer.fleschReadingEase(entry("news-paragraph")))
        #expect(plain > legal && plain < simple)
        #expect(QualityScorer.fleschReadingEase(entry("russian")) == nil)
        #expect(QualityScorer.fleschReadingEase(entry("japanese")) == nil)
        #expect(QualityScorer.fleschReadingEase(entry("german")) == nil)
        #expect(QualityScorer.fleschReadingEase("") == nil)
    }

    @Test func syllableHeuristicOnKnownWords() {
        let known = ["cat": 1, "table": 2, "make": 1, "makes": 1, "wanted": 2, "jumped": 1, "beautiful": 3, "syllable": 3, "the": 1, "boxes": 2, "readability": 5]
        for (word, count) in known { #expect(Readability.syllableCount(word) == count, "\(word)") }
    }

    @Test func requiredAndBannedTermsAreWholeWordsCaseInsensitive() {
        let text = "Our Summer Sale starts today. Free shipping on all orders over 50 euros."
        let style = StyleGuide(requiredTerms: ["summer sale", "shipping"], bannedTerms: ["cheap"])
        let good = QualityScorer.score(text, kind: .caption, platform: nil, language: "en", style: style, existing: [])
        #expect(good.style == 1)
        #expect(good.problems.allSatisfy { !$0.contains("terms") })

        let missing = QualityScorer.score(text, kind: .caption, platform: nil, language: "en", style: StyleGuide(requiredTerms: ["discount", "Shipping"]), existing: [])
        #expect(missing.style == 0.5)
        #expect(missing.problems.contains { $0.contains("missing required terms: discount") })

        let banned = QualityScorer.score(text + " Cheap prices!", kind: .caption, platform: nil, language: "en", style: style, existing: [])
        #expect(banned.style < 1)
        #expect(banned.score <= 0.4)
        #expect(banned.problems.contains { $0.contains("banned terms: cheap") })
        // Whole words only: "cheapest" is not "cheap", "ship" is not in "shipping".
        let partial = QualityScorer.score("The cheapest way to ship.", kind: .caption, platform: nil, language: "en",
                                          style: StyleGuide(requiredTerms: ["shipping"], bannedTerms: ["cheap"]), existing: [])
        #expect(partial.problems.contains { $0.contains("missing required terms: shipping") })
        #expect(!partial.problems.contains { $0.contains("banned") })
    }

    @Test func nearDuplicatesAreDetectedAndPenalised() {
        let original = entry("long-article-markdown")
        let edited = original.replacing("luxury", with: "treat")
            .replacing("Batch writing is the second habit.", with: "Writing in batches is the second habit.")
            .replacing("At the end of the month", with: "When the month ends")
        #expect(edited != original)
        let a = QualityScorer.signature(original), b = QualityScorer.signature(edited)
        #expect(a.minimums.count == MinHashSignature.hashCount)
        #expect(QualityScorer.similarity(a, b) >= 0.8, "\(QualityScorer.similarity(a, b))")
        #expect(QualityScorer.similarity(a, a) == 1)
        let unrelated = QualityScorer.signature(entry("long-plain-remote-work"))
        #expect(QualityScorer.similarity(a, unrelated) < 0.3)
        #expect(QualityScorer.signature(original) == a, "stable: same text, same signature")
        // Unspaced scripts use character shingles.
        let zh = QualityScorer.signature(entry("chinese-simplified"))
        let zhEdited = QualityScorer.signature(entry("chinese-simplified").replacing("大量", with: "很多"))
        #expect(QualityScorer.similarity(zh, zhEdited) >= 0.8)
        #expect(QualityScorer.similarity(zh, QualityScorer.signature(entry("japanese"))) < 0.3)

        let fresh = QualityScorer.score(edited, kind: .article, platform: nil, language: "en", style: StyleGuide(), existing: [unrelated])
        let duplicate = QualityScorer.score(edited, kind: .article, platform: nil, language: "en", style: StyleGuide(), existing: [unrelated, a])
        #expect(duplicate.score < fresh.score * 0.5)
        #expect(duplicate.originality < 0.2)
        #expect(duplicate.problems.contains { $0.contains("near-duplicate") })
        #expect(!fresh.problems.contains { $0.contains("near-duplicate") })
    }

    @Test func signatureIsAFixedValueAcrossRuns() {
        // Pinned: the store keeps signatures, so a change of hashing would silently break duplicate detection.
        let signature = QualityScorer.signature("the quick brown fox jumps over the lazy dog")
        #expect(signature.minimums.count == 128)
        #expect(signature.minimums.first == MinHashSignature.mix(MinHashSignature.fnv1a("brown fox jumps") ^ MinHashSignature.seeds[0])
                || signature.minimums.first! <= MinHashSignature.mix(MinHashSignature.fnv1a("the quick brown") ^ MinHashSignature.seeds[0]))
        #expect(MinHashSignature.fnv1a("a") == 0xaf63_dc4c_8601_ec8c, "FNV-1a 64 test vector")
        #expect(QualityScorer.signature("").isEmpty)
        #expect(QualityScorer.similarity(QualityScorer.signature(""), QualityScorer.signature("")) == 0)
    }

    @Test func lengthAgainstKindAndPlatformBounds() throws {
        let x = try #require(catalog.profile("x"))
        let tooLong = String(repeating: "Long post text here. ", count: 30)
        let report = QualityScorer.score(tooLong, kind: .socialPost, platform: x, language: "en", style: StyleGuide(), existing: [])
        #expect(report.length == 0)
        #expect(report.problems.contains { $0.contains("too long") })
        let fits = QualityScorer.score("A short post about planning content for the week ahead.", kind: .socialPost, platform: x, language: "en", style: StyleGuide(), existing: [])
        #expect(fits.length == 1)
        let shortMeta = QualityScorer.score("Too short.", kind: .metaDescription, platform: nil, language: "en", style: StyleGuide(), existing: [])
        #expect(shortMeta.length < 0.2)
        #expect(shortMeta.problems.contains { $0.contains("too short") })
    }

    @Test func scoreStaysInUnitRangeForEveryKindAndCorpusEntry() {
        let existing = [QualityScorer.signature(entry("long-article-markdown"))]
        let style = StyleGuide(requiredTerms: ["content"], bannedTerms: ["the", "人工知能"])
        for (n, item) in corpus.enumerated() {
            // Every kind for a few entries, the two kinds with platform and word bounds for all of them.
            for kind in n < 6 ? ContentKind.allCases : [.socialPost, .article] {
                let report = QualityScorer.score(item.text, kind: kind, platform: kind == .socialPost ? catalog.profile("x") : nil,
                                                 language: nil, style: style, existing: existing)
                for part in [report.score, report.length, report.style, report.originality] + (report.readability.map { [$0] } ?? []) {
                    #expect(part >= 0 && part <= 1, "\(item.name) \(kind): \(report)")
                }
            }
        }
    }

    @Test func readabilityIsOnlyMeasuredForEnglishProse() {
        let text = entry("news-paragraph")
        #expect(QualityScorer.score(text, kind: .caption, platform: nil, language: "en", style: StyleGuide(), existing: []).readability != nil)
        #expect(QualityScorer.score(text, kind: .caption, platform: nil, language: "de", style: StyleGuide(), existing: []).readability == nil)
        #expect(QualityScorer.score(text, kind: .hashtags, platform: nil, language: "en", style: StyleGuide(), existing: []).readability == nil)
        #expect(QualityScorer.score(entry("hindi"), kind: .caption, platform: nil, language: nil, style: StyleGuide(), existing: []).readability == nil)
    }

    @Test func builtinOutputsScoreWellOnTheirOwnBounds() throws {
        let article = entry("long-article-markdown")
        for kind in [ContentKind.title, .metaDescription, .hashtags] {
            let output = try generate(kind, article)
            let report = QualityScorer.score(output, kind: kind, platform: nil, language: "en", style: StyleGuide(), existing: [])
            #expect(report.length == 1, "\(kind): \(output) \(report.problems)")
        }
    }
}

@Suite struct KindBoundsTests {
    @Test func boundsPerKindAndPlatform() throws {
        #expect(KindBounds.bounds(for: .title, platform: nil) == KindBounds(min: 20, max: 70, unit: .graphemes))
        #expect(KindBounds.bounds(for: .metaDescription, platform: nil) == KindBounds(min: 120, max: 160, unit: .graphemes))
        let x = try #require(catalog.profile("x"))
        #expect(KindBounds.bounds(for: .socialPost, platform: x) == KindBounds(min: 20, max: 280, unit: .platform))
        let threads = try #require(catalog.profile("threads"))
        #expect(KindBounds.bounds(for: .hashtags, platform: threads).max == 1)
        #expect(KindBounds.bounds(for: .hashtags, platform: nil) == KindBounds(min: 3, max: 10, unit: .hashtags))
        #expect(KindBounds.bounds(for: .article, platform: nil).unit == .words)
        for kind in ContentKind.allCases {
            let bounds = KindBounds.bounds(for: kind, platform: nil)
            #expect(bounds.min <= bounds.max && bounds.max > 0, "\(kind)")
        }
    }

    @Test func wordCountTreatsUnspacedScriptsAsHalfWords() {
        #expect(KindBounds.wordCount("The cat sat on the mat.") == 6)
        #expect(KindBounds.wordCount("人工智能") == 2)
        #expect(KindBounds.wordCount("") == 0)
        let xBounds = KindBounds(min: 1, max: 280, unit: .platform)
        #expect(xBounds.measure("日本語", platform: catalog.profile("x")) == 6, "X weighs CJK double")
    }
}

@Suite struct WritingBenchmarkTests {
    @Test func benchmarkRunsOnARealisticArticle() {
        let article = WritingBenchmark.sampleArticle(words: 2000)
        let words = article.split(whereSeparator: { $0 == " " || $0 == "\n" }).count
        #expect(words >= 1900 && words <= 2300, "\(words)")
        #expect(WritingBenchmark.sampleArticle(words: 2000) == article, "deterministic")
        #expect(WritingBenchmark.titleHashtagsMeta(words: 300, iterations: 1) > 0)
    }
}

@Suite struct BuiltinScoreTests {
    /// The orchestrator's default threshold is 0.5: a fresh install must not reject its own builtin results.
    @Test func builtinResultsPassTheDefaultThresholdOnTheWholeCorpus() throws {
        let x = try #require(catalog.profile("x"))
        for item in corpus {
            for (kind, platform) in [(ContentKind.title, nil), (.metaDescription, nil), (.socialPost, x)] as [(ContentKind, PlatformProfile?)] {
                let output = try model.generate(BuiltinRequest(kind: kind, input: item.text, platform: platform))
                let report = QualityScorer.score(output, kind: kind, platform: platform, language: nil, style: StyleGuide(), existing: [])
                #expect(report.score >= 0.5, "\(item.name) \(kind): \(report.score) \(report.problems)")
                if kind == .socialPost { #expect(report.length > 0, "\(item.name): fits, so never scored as over the limit") }
            }
        }
    }
}
