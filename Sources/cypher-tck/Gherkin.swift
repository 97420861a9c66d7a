import Foundation

/// A minimal Gherkin reader for the TCK's feature files: Feature, Background, Scenario, Scenario Outline with
/// Examples, steps with doc strings and data tables, tags.
struct Step {
    var keyword: String
    var text: String
    var docString: String?
    var table: [[String]]?
}

struct Scenario {
    var name: String
    var tags: [String]
    var steps: [Step]
    var isOutline: Bool
    /// For an outline: each example row as placeholder → value.
    var examples: [[String: String]]
    var line: Int
}

struct Feature {
    var path: String
    var name: String
    var background: [Step]
    var scenarios: [Scenario]
}

enum Gherkin {
    static func parse(_ text: String, path: String) -> Feature {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var feature = Feature(path: path, name: "", background: [], scenarios: [])
        var i = 0
        var pendingTags: [String] = []
        var current: Scenario? = nil
        var inBackground = false
        var inExamples = false
        var exampleHeader: [String]? = nil

        func flush() {
            if let c = current { feature.scenarios.append(c) }
            current = nil
        }
        func parseRow(_ s: String) -> [String] {
            // Cells are separated by unescaped pipes; "\|" is a literal pipe, "\\" a backslash.
            var cells: [String] = []
            var cur = ""
            var chars = Array(s.trimmingCharacters(in: .whitespaces))
            if chars.first == "|" { chars.removeFirst() }
            var k = 0
            while k < chars.count {
                let c = chars[k]
                if c == "\\" && k + 1 < chars.count {
                    let n = chars[k + 1]
                    if n == "|" { cur.append("|"); k += 2; continue }
                    if n == "\\" { cur.append("\\"); k += 2; continue }
                    if n == "n" { cur.append("\n"); k += 2; continue }
                }
                if c == "|" { cells.append(cur.trimmingCharacters(in: .whitespaces)); cur = ""; k += 1; continue }
                cur.append(c)
                k += 1
            }
            return cells
        }

        while i < lines.count {
            let raw = lines[i]
            let line = raw.trimmingCharacters(in: .whitespaces)
            i += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                pendingTags += line.split(separator: " ").map(String.init)
                continue
            }
            if line.hasPrefix("Feature:") {
                feature.name = String(line.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                pendingTags = []
                continue
            }
            if line.hasPrefix("Background:") {
                flush(); inBackground = true; inExamples = false
                continue
            }
            if line.hasPrefix("Scenario Outline:") || line.hasPrefix("Scenario Template:") || line.hasPrefix("Scenario:") || line.hasPrefix("Example:") {
                flush()
                inBackground = false; inExamples = false
                let outline = line.hasPrefix("Scenario Outline:") || line.hasPrefix("Scenario Template:")
                let name = String(line[line.index(after: line.firstIndex(of: ":")!)...]).trimmingCharacters(in: .whitespaces)
                current = Scenario(name: name, tags: pendingTags, steps: [], isOutline: outline, examples: [], line: i)
                pendingTags = []
                continue
            }
            if line.hasPrefix("Examples:") || line.hasPrefix("Scenarios:") {
                inExamples = true
                exampleHeader = nil
                pendingTags = []
                continue
            }
            if line.hasPrefix("|") {
                let row = parseRow(line)
                if inExamples {
                    if let h = exampleHeader {
                        var m: [String: String] = [:]
                        for (k, name) in h.enumerated() { m[name] = k < row.count ? row[k] : "" }
                        current?.examples.append(m)
                    } else {
                        exampleHeader = row
                    }
                } else {
                    appendTableRow(row, inBackground: inBackground, feature: &feature, current: &current)
                }
                continue
            }
            if line.hasPrefix("\"\"\"") || line.hasPrefix("```") {
                let fence = line.hasPrefix("\"\"\"") ? "\"\"\"" : "```"
                let indent = raw.prefix { $0 == " " || $0 == "\t" }.count
                var body: [String] = []
                while i < lines.count {
                    let l = lines[i]
                    i += 1
                    if l.trimmingCharacters(in: .whitespaces).hasPrefix(fence) { break }
                    var dropped = 0
                    var s = Substring(l)
                    while dropped < indent, let f = s.first, f == " " || f == "\t" { s = s.dropFirst(); dropped += 1 }
                    body.append(String(s))
                }
                let doc = body.joined(separator: "\n")
                if inBackground {
                    if !feature.background.isEmpty { feature.background[feature.background.count - 1].docString = doc }
                } else if current != nil && !current!.steps.isEmpty {
                    current!.steps[current!.steps.count - 1].docString = doc
                }
                continue
            }
            for kw in ["Given ", "When ", "Then ", "And ", "But ", "* "] where line.hasPrefix(kw) {
                let step = Step(keyword: kw.trimmingCharacters(in: .whitespaces), text: String(line.dropFirst(kw.count)), docString: nil, table: nil)
                if inBackground { feature.background.append(step) } else { current?.steps.append(step) }
                break
            }
        }
        flush()
        return feature
    }

    private static func appendTableRow(_ row: [String], inBackground: Bool, feature: inout Feature, current: inout Scenario?) {
        if inBackground {
            guard !feature.background.isEmpty else { return }
            feature.background[feature.background.count - 1].table = (feature.background.last!.table ?? []) + [row]
        } else if current != nil && !current!.steps.isEmpty {
            let k = current!.steps.count - 1
            current!.steps[k].table = (current!.steps[k].table ?? []) + [row]
        }
    }
}

