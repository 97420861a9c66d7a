import Foundation

/// An email address normalised for storage and uniqueness.
///
/// `display` is NFKC-normalised and trimmed (fullwidth `ＡＤＡ＠ＥＸＡＭＰＬＥ．ＣＯＭ` becomes
/// `ADA@EXAMPLE.COM`). `key` is `display` case-folded: two addresses that differ only in case are
/// the same user. `skeleton` additionally maps Cyrillic, Greek and Armenian letters that look like
/// Latin ones to those Latin letters, so `аdmin@example.com` written in Cyrillic cannot sit next to
/// `admin@example.com`. A local part or domain label that mixes Latin with those scripts, or any
/// invisible formatting character, is refused outright.
public struct EmailAddress: Sendable, Hashable {
    /// The address to show and send mail to.
    public let display: String
    /// The case-insensitive lookup key.
    public let key: String
    /// The lookalike-insensitive uniqueness key.
    public let skeleton: String

    /// Normalises and validates `text`.
    /// - Throws: ``AccountsError/Code/invalidEmail`` with a message saying what is wrong.
    public init(_ text: String) throws(AccountsError) {
        func invalid(_ why: String) -> AccountsError { AccountsError(.invalidEmail, why, field: "email") }
        guard text.utf8.count <= 1024 else { throw invalid("the email address is too long") }
        let normalized = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !normalized.isEmpty else { throw invalid("an email address is required") }
        guard normalized.utf8.count <= 254 else { throw invalid("an email address has at most 254 bytes") }
        for scalar in normalized.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
                throw invalid("the email address contains a space, control or invisible character")
            default:
                break
            }
        }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid("an email address has exactly one @") }
        let local = String(parts[0])
        let domain = String(parts[1])
        guard !local.isEmpty, local.utf8.count <= 64 else { throw invalid("the part before @ must be 1 to 64 bytes") }
        guard !domain.isEmpty else { throw invalid("the domain after @ is missing") }
        guard !local.contains(where: { "\"(),:;<>[\\]".contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            throw invalid("the part before @ contains characters that are not allowed")
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else { throw invalid("the domain has an empty or over-long label") }
            guard !label.hasPrefix("-"), !label.hasSuffix("-"),
                  label.unicodeScalars.allSatisfy({ $0 == "-" || $0.properties.isAlphabetic || $0.properties.numericType != nil })
            else { throw invalid("the domain may contain only letters, digits, dots and hyphens") }
        }
        for segment in [Substring(local)] + labels where Self.mixesConfusableScripts(segment) {
            throw invalid("the email address mixes Latin with Cyrillic, Greek or Armenian letters")
        }
        display = normalized
        // Case-fold, then re-normalise: folding can produce sequences that NFKC composes differently.
        key = normalized.folding(options: [.caseInsensitive], locale: nil).lowercased().precomposedStringWithCompatibilityMapping
        skeleton = String(String.UnicodeScalarView(key.unicodeScalars.map { Self.latinLookalike[$0] ?? $0 }))
    }

    /// A best-effort key for an input that is not a valid address, so throttling still groups attempts.
    static func lenientKey(_ text: String) -> String {
        if let address = try? EmailAddress(text) { return address.key }
        return String(text.precomposedStringWithCompatibilityMapping.lowercased().prefix(320))
    }

    private enum ScriptGroup { case latin, greek, cyrillic, armenian, other }

    private static func script(of scalar: Unicode.Scalar) -> ScriptGroup? {
        guard scalar.properties.isAlphabetic else { return nil }
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF: return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return .cyrillic
        case 0x530...0x58F: return .armenian
        default: return .other
        }
    }

    private static func mixesConfusableScripts(_ segment: Substring) -> Bool {
        var seen = Set<ScriptGroup>()
        for scalar in segment.unicodeScalars {
            if let group = script(of: scalar), group != .other { seen.insert(group) }
        }
        return seen.count > 1
    }

    // Lowercase letters that render like Latin ones (after case folding), from Unicode's confusables data.
    private static let latinLookalike: [Unicode.Scalar: Unicode.Scalar] = {
        let pairs: [(UInt32, Character)] = [
            // Cyrillic
            (0x430, "a"), (0x435, "e"), (0x43E, "o"), (0x440, "p"), (0x441, "c"), (0x443, "y"), (0x445, "x"),
            (0x455, "s"), (0x456, "i"), (0x458, "j"), (0x501, "d"), (0x4BB, "h"), (0x4CF, "l"), (0x51B, "q"),
            (0x51D, "w"), (0x432, "b"), (0x43A, "k"), (0x43C, "m"), (0x43D, "h"), (0x442, "t"), (0x44C, "b"),
            (0x457, "i"), (0x4E7, "o"), (0x450, "e"), (0x451, "e"),
            // Greek
            (0x3B1, "a"), (0x3BF, "o"), (0x3C1, "p"), (0x3BD, "v"), (0x3B9, "i"), (0x3BA, "k"), (0x3C4, "t"),
            (0x3C5, "u"), (0x3C7, "x"), (0x3F2, "c"), (0x3B5, "e"), (0x3B7, "n"), (0x3B2, "b"), (0x3B3, "y"),
            (0x3C9, "w"), (0x3F3, "j"),
            // Armenian
            (0x585, "o"), (0x578, "n"), (0x57D, "u"), (0x570, "h"), (0x56E, "d"), (0x581, "g"), (0x584, "p"),
            // Latin variants that survive NFKC
            (0x131, "i"), (0x261, "g"), (0x251, "a"), (0x269, "i"), (0x1D0D, "m"),
        ]
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (code, latin) in pairs {
            table[Unicode.Scalar(code)!] = latin.unicodeScalars.first!
        }
        return table
    }()
}
