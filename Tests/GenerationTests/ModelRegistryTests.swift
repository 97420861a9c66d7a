import Generation
import Glibc
import Testing
import Writing

/// A registry file with one openai entry: the defaults below, with `fields` (name → JSON text) replacing or adding members.
private func file(_ fields: [String: String] = [:]) -> [UInt8] {
    var members: [(String, String)] = [("name", #""m""#), ("provider", #""openai""#), ("endpoint", #""http://127.0.0.1:1/v1""#),
                                       ("model", #""m""#), ("quality", "0.5"), ("capabilities", #"["title"]"#)]
    for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
    }
    return Array(("{\"models\":[{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}]}").utf8)
}

private func registryError(_ bytes: [UInt8]) -> ModelRegistryError? {
    do { _ = try ModelRegistry.parse(bytes); return nil } catch { return error }
}

private func temporaryFile(_ contents: String) -> String {
    var template = Array("/tmp/models-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    _ = contents.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    return path
}

@Suite struct ModelRegistryTests {
    @Test func shippedRegistryHasTheOriginalModelsWithExactPrices() throws {
        let registry = try ModelRegistry.load(path: dataPath("models.json"), environment: { _ in nil })
        let byName = Dictionary(uniqueKeysWithValues: registry.models.map { ($0.name, $0) })
        #expect(registry.models.map(\.name) == ["deepseek", "gemma3", "gpt4", "builtin"])
        let deepseek = try #require(byName["deepseek"])
        #expect(deepseek.inputPrice.microsPer1K == 200 && deepseek.outputPrice.microsPer1K == 200)
        #expect(deepseek.quality == 0.92 && deepseek.endpoint == "https://api.deepseek.com/v1" && deepseek.apiKeyEnv == "DEEPSEEK_API_KEY")
        let gemma = try #require(byName["gemma3"])
        #expect(gemma.inputPrice == .zero && gemma.quality == 0.88 && gemma.endpoint == "http://127.0.0.1:11434/v1" && gemma.model == "gemma3")
        let gpt4 = try #require(byName["gpt4"])
        #expect(gpt4.inputPrice.microsPer1K == 30_000 && gpt4.quality == 0.95 && gpt4.apiKeyEnv == "OPENAI_API_KEY")
        let builtin = try #require(byName["builtin"])
        #expect(builtin.provider == .builtin && builtin.quality == 0.5 && builtin.capabilities == BuiltinModel.capabilities)
        // Only the builtin model is available on a fresh install.
        #expect(registry.models.filter { registry.availability(of: $0).isAvailable }.map(\.name) == ["builtin"])
        #expect(registry.availability(of: gpt4) == .disabled)
    }

    @Test func availabilityNeedsTheKeyVariableWhenOneIsNamed() throws {
        let withKey = try ModelRegistry.parse(file(["api_key_env": #""M_KEY""#]))[0]
        let unset = ModelRegistry(models: [withKey], environment: { _ in nil })
        #expect(unset.availability(of: withKey) == .missingKey(environmentVariable: "M_KEY"))
        #expect(unset.availability(of: withKey).description.contains("M_KEY"))
        let set = ModelRegistry(models: [withKey], environment: { $0 == "M_KEY" ? "sk-secret" : nil })
        #expect(set.availability(of: withKey) == .available)
        #expect(set.apiKey(for: withKey) == "sk-secret")
        let empty = ModelRegistry(models: [withKey], environment: { _ in "" })
        #expect(!empty.availability(of: withKey).isAvailable)
    }

    @Test func pricesAreReadFromNumbersAndStringsAlike() throws {
        let models = try ModelRegistry.parse(file(["cost_per_1k_input": "0.0002", "cost_per_1k_output": #""0.0006""#]))
        #expect(models[0].inputPrice.microsPer1K == 200)
        #expect(models[0].outputPrice.microsPer1K == 600)
    }

    @Test(arguments: [
        ("quality", "1.5", "models[0].quality must be between 0 and 1"),
        ("quality", #""high""#, "models[0].quality must be a number between 0 and 1"),
        ("cost_per_1k_input", "-1", "models[0].cost_per_1k_input must not be negative"),
        ("cost_per_1k_output", #""cheap""#, "models[0].cost_per_1k_output must be a decimal number such as 0.0002"),
        ("cost_per_1k_output", "0.00000001", "models[0].cost_per_1k_output is finer than one micro-dollar"),
        ("context_length", "0", "models[0].context_length must be between 1 and 100000000"),
        ("timeout_seconds", "1.5", "models[0].timeout_seconds must be a whole number"),
        ("enabled", #""yes""#, "models[0].enabled must be true or false, got a string"),
        ("capabilities", #"["title","poem"]"#, "models[0].capabilities[1] must be one of \(ContentKind.allowedList)"),
        ("qualty", "0.9", "models[0].qualty is not a known field"),
        ("endpoint", #""ftp://host/v1""#, "models[0].endpoint must start with http:// or https://"),
        ("endpoint", #""http://host/v1?x=1""#, "models[0].endpoint must be a base URL without query or fragment"),
        ("speed", "-3", "models[0].speed must be a number of tokens per second between 0 and 1000000"),
        ("model", #""""#, "models[0].model is required for an openai model"),
    ])
    func invalidFieldsAreNamed(field: String, value: String, expected: String) throws {
        let error = try #require(registryError(file([field: value])))
        #expect(error.message.hasPrefix(expected), "got: \(error.message)")
        #expect(error.field?.hasPrefix("models[0].") == true)
    }

    @Test func missingAndWrongTypedEntriesAreNamedByIndex() throws {
        let builtin = #"{"name":"builtin","provider":"builtin","quality":0.5}"#
        #expect(registryError(Array(#"{"models":[\#(builtin),{"provider":"openai"}]}"#.utf8))?.message == "models[1].name is required")
        #expect(registryError(Array(#"{"models":[\#(builtin),"gpt4"]}"#.utf8))?.message == "models[1] must be an object, got a string")
        #expect(registryError(Array(#"{"models":[{"name":"x","provider":"anthropic","quality":1}]}"#.utf8))?.message
                == #"models[0].provider must be one of openai, builtin, got "anthropic""#)
        #expect(registryError(Array(#"{"models":[{"name":"Bad Name","provider":"builtin","quality":1}]}"#.utf8))?.field == "models[0].name")
        #expect(registryError(Array(#"{"models":[{"name":"x","provider":"openai","model":"x","quality":1,"capabilities":[]}]}"#.utf8))?.message
                .hasPrefix("models[0].endpoint is required") == true)
        #expect(registryError(Array(#"{"models":[{"name":"b","provider":"builtin","quality":1,"capabilities":["translation"]}]}"#.utf8))?.message
                == "models[0].capabilities lists translation, which the builtin model cannot do")
    }

    @Test func duplicatesAreRefused() throws {
        let twice = #"{"models":[{"name":"a","provider":"builtin","quality":0.5},{"name":"a","provider":"builtin","quality":0.6}]}"#
        #expect(registryError(Array(twice.utf8))?.message == #"models[1].name "a" is already used by models[0]"#)
        let key = #"{"models":[{"name":"a","provider":"builtin","quality":0.5,"quality":0.9}]}"#
        #expect(registryError(Array(key.utf8))?.message == "models[0].quality appears twice")
    }

    @Test func aKeyPastedIntoTheFileIsRefusedWithoutEchoingIt() throws {
        let secret = "sk-live-4f9a8b7c6d5e"
        let error = try #require(registryError(file(["api_key_env": "\"\(secret)\""])))
        #expect(error.field == "models[0].api_key_env")
        #expect(!error.message.contains(secret) && !error.message.contains("4f9a8b7c"))
        let credentials = try #require(registryError(file(["endpoint": "\"https://user:\(secret)@api.example.com/v1\""])))
        #expect(credentials.field == "models[0].endpoint" && !credentials.message.contains(secret))
    }

    @Test func hostileFilesGetClearErrorsNotCrashes() throws {
        #expect(registryError(Array("not json".utf8))?.code == .syntax)
        #expect(registryError([])?.code == .syntax)
        #expect(registryError(Array("[]".utf8))?.message.contains("must be an object") == true)
        #expect(registryError(Array(#"{"models":{}}"#.utf8))?.message == "models must be an array of model entries")
        #expect(registryError(Array(#"{"models":[], "currency":"EUR"}"#.utf8))?.field == "currency")
        #expect(registryError([0xFF, 0xFE, 0x7B, 0x7D])?.code == .syntax)
        // Deep nesting is refused by depth, not by a stack overflow.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(registryError(Array(#"{"models":\#(deep)}"#.utf8))?.message.contains("nested deeper") == true)
        // Oversized: refused before parsing.
        let big = Array(#"{"models":[], "note":""#.utf8) + [UInt8](repeating: 0x61, count: ModelRegistry.maximumFileBytes) + Array(#""}"#.utf8)
        #expect(registryError(big)?.code == .tooLarge)
        // Too many entries.
        let many = (0...ModelRegistry.maximumModels).map { #"{"name":"b\#($0)","provider":"builtin","quality":0.5}"# }.joined(separator: ",")
        #expect(registryError(Array(#"{"models":[\#(many)]}"#.utf8))?.message.contains("at most 256") == true)
        // Control characters in a string field, and a NUL inside a field name (never echoed raw).
        #expect(registryError(Array(#"{"models":[{"name":"a","provider":"builtin","quality":0.5,"note":"bell\u0007"}]}"#.utf8))?.message
                == "models[0].note must not contain control characters")
        let nul = try #require(registryError(Array(#"{"models":[{"name":"a","provider":"builtin","quality":0.5,"x\u0000y":1}]}"#.utf8)))
        #expect(!nul.message.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func aFileWithoutBuiltinGetsOne() throws {
        let models = try ModelRegistry.parse(file())
        #expect(models.map(\.name) == ["m", "builtin"])
        #expect(models[1].capabilities == BuiltinModel.capabilities)
    }

    @Test func oversizedFileOnDiskIsRefused() throws {
        let path = temporaryFile(String(repeating: " ", count: ModelRegistry.maximumFileBytes + 10) + "{}")
        defer { unlink(path) }
        #expect(throws: ModelRegistryError.self) { try ModelRegistry.load(path: path) }
        #expect(throws: ModelRegistryError.self) { try ModelRegistry.load(path: "/nonexistent/models.json") }
    }

    @Test func reloadKeepsTheOldRegistryWhenTheNewFileIsBad() throws {
        let good = #"{"models":[{"name":"a","provider":"builtin","quality":0.5}]}"#
        let path = temporaryFile(good)
        defer { unlink(path) }
        let registry = try ModelRegistry.load(path: path)
        #expect(registry.models.map(\.name) == ["a"])

        let bad = #"{"models":[{"name":"a","provider":"builtin","quality":7}]}"#
        _ = bad.withCString { text in truncate(path, 0); let fd = open(path, O_WRONLY); defer { close(fd) }; return write(fd, text, strlen(text)) }
        #expect(throws: ModelRegistryError.self) { try registry.reload() }
        #expect(registry.models.map(\.name) == ["a"] && registry.models[0].quality == 0.5)
        #expect(registry.lastReloadError?.message == "models[0].quality must be between 0 and 1")

        let better = #"{"models":[{"name":"a","provider":"builtin","quality":0.6},{"name":"b","provider":"openai","endpoint":"http://h/v1","model":"b","quality":0.9,"capabilities":["title"],"enabled":false}]}"#
        _ = better.withCString { text in truncate(path, 0); let fd = open(path, O_WRONLY); defer { close(fd) }; return write(fd, text, strlen(text)) }
        try registry.reload()
        #expect(registry.models.map(\.name) == ["a", "b"] && registry.models[0].quality == 0.6)
        #expect(registry.lastReloadError == nil)
    }
}
