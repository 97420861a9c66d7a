import Cypher
import Foundation

// cypher-tck: runs the openCypher TCK feature files against the Cypher engine on an in-memory graph.
//
//   cypher-tck [DIR] [--write-passing FILE] [--check-regressions FILE] [--filter TEXT] [--verbose]
//
// Prints one line per top-level folder, the number of executable scenarios, and as its last line
// "N passed, M failed" (scenario definitions). With --check-regressions the last line instead reads
// "tck: N of M scenario definitions pass; K regressions" and the exit status is non-zero on a regression.

var args = Array(CommandLine.arguments.dropFirst())
var dir: String? = nil
var writePassing: String? = nil
var checkRegressions: String? = nil
var filter: String? = nil
var verbose = false
var showFailures = false
var listOnly = false
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--write-passing": writePassing = args.isEmpty ? nil : args.removeFirst()
    case "--check-regressions": checkRegressions = args.isEmpty ? nil : args.removeFirst()
    case "--filter": filter = args.isEmpty ? nil : args.removeFirst()
    case "--verbose", "-v": verbose = true
    case "--failures": showFailures = true
    case "--list": listOnly = true
    case "--bench":
        do { try Bench.run() } catch { print("bench failed: \(error)"); exit(1) }
        exit(0)
    case "--help", "-h":
        print("usage: cypher-tck [DIR] [--write-passing FILE] [--check-regressions FILE] [--filter TEXT] [--verbose] [--failures]")
        exit(0)
    default: dir = a
    }
}

let root = dir ?? "../shared/tck/features"
let graphsDir = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("graphs").path

func featureFiles(_ base: String, _ rel: String) -> [String] {
    let path = rel.isEmpty ? base : base + "/" + rel
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
    var out: [String] = []
    for e in entries {
        let r = rel.isEmpty ? e : rel + "/" + e
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: base + "/" + r, isDirectory: &isDir), isDir.boolValue {
            out += featureFiles(base, r)
        } else if e.hasSuffix(".feature") {
            out.append(r)
        }
    }
    return out
}
var files = featureFiles(root, "")
if files.isEmpty {
    FileHandle.standardError.write("cypher-tck: no .feature files under \(root)\n".data(using: .utf8)!)
    exit(2)
}
files.sort()

let runner = ScenarioRunner(graphsDir: graphsDir)
struct FolderCount { var defs = 0; var passed = 0; var exec = 0; var execPassed = 0 }
var folders: [String: FolderCount] = [:]
var passingNames: [String] = []
var totalDefs = 0, totalPassed = 0, totalExec = 0, totalExecPassed = 0
let started = Date()

for f in files {
    guard let text = try? String(contentsOfFile: root + "/" + f, encoding: .utf8) else { continue }
    let feature = Gherkin.parse(text, path: f)
    let top = String(f.split(separator: "/").first ?? "")
    for sc in feature.scenarios {
        let id = "\(f): \(sc.name)"
        if let filter, !id.contains(filter) { continue }
        let rows: [[String: String]] = sc.isOutline ? sc.examples : [[:]]
        if listOnly { print(id); continue }
        var allPass = !rows.isEmpty
        var passedRows = 0
        for ex in rows {
            let outcome = runner.run(feature: feature, scenario: sc, example: ex)
            if outcome == nil { passedRows += 1 } else {
                allPass = false
                if verbose || showFailures { print("FAIL \(id) \(ex.isEmpty ? "" : "\(ex)"): \(outcome!)") }
            }
        }
        folders[top, default: FolderCount()].defs += 1
        folders[top, default: FolderCount()].exec += rows.count
        folders[top, default: FolderCount()].execPassed += passedRows
        totalDefs += 1
        totalExec += rows.count
        totalExecPassed += passedRows
        if allPass {
            folders[top, default: FolderCount()].passed += 1
            totalPassed += 1
            passingNames.append(id)
        }
    }
}

for (name, c) in folders.sorted(by: { $0.key < $1.key }) {
    print("\(name): \(c.passed) of \(c.defs) scenario definitions, \(c.execPassed) of \(c.exec) executable scenarios")
}
print("executable scenarios: \(totalExec) (\(totalExecPassed) passed) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
passingNames.sort()
if let writePassing {
    try? (passingNames.joined(separator: "\n") + "\n").write(toFile: writePassing, atomically: true, encoding: .utf8)
}
if let checkRegressions {
    let listed = ((try? String(contentsOfFile: checkRegressions, encoding: .utf8)) ?? "")
        .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    let now = Set(passingNames)
    let regressions = listed.filter { !now.contains($0) }
    for r in regressions { print("REGRESSION: \(r)") }
    print("tck: \(totalPassed) of \(totalDefs) scenario definitions pass; \(regressions.count) regressions")
    exit(regressions.isEmpty ? 0 : 1)
}
print("\(totalPassed) passed, \(totalDefs - totalPassed) failed")
