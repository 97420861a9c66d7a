/// What this binary is: its version, the commit it was built from and when.
public enum BuildInfo {
    /// The release version.
    public static let version = "0.1.0"
    /// The short git commit (`-dirty` when built from a modified tree), or `unknown`.
    public static let commit = generatedCommit
    /// The commit's date in RFC 3339 UTC (reproducible builds), or the epoch when unknown.
    public static let buildDate = generatedBuildDate
}
