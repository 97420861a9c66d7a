/// Timing of the builtin model's hot path, for `make bench`.
public enum WritingBenchmark {
    /// Mean milliseconds to generate a title, hashtags and a meta description (three `generate` calls, as the
    /// API makes them) for a generated but realistic article of about `words` words, over `iterations` runs
    /// after one warm-up. Goal: under 5 ms in release. The first call of each run analyses the article and the
    /// next two reuse that analysis (``BuiltinModel``'s one-entry cache), as when a creator pastes one article;
    /// ``titleHashtagsMetaUncached(words:iterations:)`` measures three fresh analyses.
    public static func titleHashtagsMeta(words: Int = 2000, iterations: Int) -> Double {
        measure(words: words, iterations: iterations, inputsPerRun: 1)
    }

    /// Mean milliseconds for the same three kinds when every call analyses the text afresh (a different input each
    /// time, so the one-entry analysis cache never hits): the cost when kinds are requested for different texts.
    public static func titleHashtagsMetaUncached(words: Int = 2000, iterations: Int) -> Double {
        measure(words: words, iterations: iterations, inputsPerRun: 3)
    }

    /// Runs title, hashtags and meta description `iterations` times, on a fresh article variant per run
    /// (`inputsPerRun` 1) or per call (3), all made before timing.
    private static func measure(words: Int, iterations: Int, inputsPerRun: Int) -> Double {
        let runs = max(1, iterations)
        let base = sampleArticle(words: words)
        let inputs = (0..<((runs + 1) * inputsPerRun)).map { base + "\n\nEdition \($0)." }
        let model = BuiltinModel()
        let kinds: [ContentKind] = [.title, .hashtags, .metaDescription]
        var sink = 0
        func run(_ r: Int) {
            for (k, kind) in kinds.enumerated() {
                let input = inputs[r * inputsPerRun + (inputsPerRun == 1 ? 0 : k)]
                sink &+= (try? model.generate(BuiltinRequest(kind: kind, input: input)))?.count ?? 0
            }
        }
        run(runs)   // warm-up on its own input
        let elapsed = ContinuousClock().measure {
            for r in 0..<runs { run(r) }
        }
        precondition(sink > 0, "the builtin model produced nothing")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * 1000 / Double(runs)
    }

    /// A markdown article of about `words` words: a heading, sections with subheadings, paragraphs built from a
    /// fixed vocabulary (deterministic, no randomness), a list and a link, like a pasted blog post.
    public static func sampleArticle(words: Int) -> String {
        let subjects = ["Local AI models", "Small creators", "A content calendar", "Batch writing", "Good hashtags",
                        "Short videos", "Newsletter growth", "Repurposed posts", "Search traffic", "Audience research"]
        let verbs = ["help", "shape", "improve", "change", "support", "simplify", "speed up", "strengthen"]
        let objects = ["the weekly publishing routine", "how an audience finds your work", "engagement on every platform",
                       "the cost of producing content", "long-form articles and their summaries", "the quality of each draft",
                       "search rankings for evergreen posts", "the time spent on editing"]
        let tails = ["when you measure the results", "without paying for an API", "across a dozen platforms",
                     "if the plan is written down", "for creators working alone", "after a few weeks of practice"]
        var blocks = ["# How local AI models help small creators publish more"]
        var paragraph: [String] = []
        var count = 10
        var i = 0
        while count < words {
            if i % 24 == 0 { blocks.append("## \(subjects[(i / 24) % subjects.count]) in practice") }
            let sentence = "\(subjects[i % subjects.count]) \(verbs[(i * 3) % verbs.count]) \(objects[(i * 7) % objects.count]) \(tails[(i * 5) % tails.count])."
            paragraph.append(sentence)
            count += sentence.split(separator: " ").count
            if paragraph.count == 4 || count >= words {
                blocks.append(paragraph.joined(separator: " "))
                paragraph = []
            }
            if i % 40 == 20 { blocks.append("- Plan topics a month ahead\n- Write in batches\n- Read more at https://example.com/guide") }
            i += 1
        }
        return blocks.joined(separator: "\n\n")
    }
}
