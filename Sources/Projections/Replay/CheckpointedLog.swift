import Events

/// The log whose prefix a ``ReplayCheckpoint`` covers: a file, known by its bytes, or a log kept
/// as numbered lines by a store (``StreamedLog``: a PostgreSQL ledger), known by its store and
/// its lines.
enum CheckpointedLog {
    case file(path: String)
    /// `store` is the log's ``StreamedLog/storeIdentity()``, asked once.
    case stream(any StreamedLog, store: String)

    /// What a checkpoint's key says about the log, before the layout and the options: nothing
    /// for a file (its checkpoints keep the key they always had), the store for a stream.
    var keyPrefix: String {
        switch self {
        case .file: ""
        case .stream(_, let store): Self.storeTag + store + "|"
        }
    }

    private static let storeTag = "store="

    /// Why a checkpoint whose key is `storedKey` was made for another log than this one, or
    /// `nil` when it was made for this kind of log and store (its options may still differ).
    func mismatch(storedKey: String) -> String? {
        let stored = storedKey.hasPrefix(Self.storeTag)
            ? String(storedKey.dropFirst(Self.storeTag.count).prefix { $0 != "|" }) : nil
        switch self {
        case .file:
            return stored.map { "made for the lines of a store (\($0)), not for a file" }
        case .stream(_, let store):
            guard let stored else { return "made for a log file, not for the lines of a store" }
            return stored == store ? nil : "made for another store (\(stored)), not this log's (\(store))"
        }
    }

    /// The fingerprint and the chain value (empty when unchained) of the log's prefix of
    /// `offset` bytes, `lines` lines, as a checkpoint stores them.
    func prefix(offset: Int64, lines: Int) throws -> (fingerprint: [UInt8], chain: [UInt8]) {
        switch self {
        case .file(let path):
            return (try ReplayCheckpoint.fingerprint(of: path, upTo: offset), try ReplayCheckpoint.chainValue(of: path, endingAt: offset))
        case .stream(let log, _):
            let sampled = try LogFingerprint.of(log, upTo: lines)
            return (sampled.fingerprint, ReplayCheckpoint.chainValue(ending: sampled.lastLine.suffix(ReplayCheckpoint.chainMemberLength)))
        }
    }
}
