/// A problem with how a command was invoked: unknown option, missing value,
/// missing or unexpected argument, or an invalid value.
///
/// The dispatcher prints it as `Error: <message>` followed by the usage line
/// and exits with status 64 (`EX_USAGE`). Subcommands may throw it from
/// `run` for their own validation:
///
/// ```swift
/// guard period.count == 7 else { throw UsageError("Expected a period like 2024-05, got '\(period)'.") }
/// ```
struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A complete sentence describing the problem.
    var message: String

    /// Creates an error with `message`.
    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

/// `" Did you mean '--period'?"` when `name` is a likely typo of one of
/// `candidates`, otherwise an empty string.
func suggestion(for name: String, among candidates: [String], prefix: String = "") -> String {
    let limit = max(1, name.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(name, candidate)
        if distance <= limit, distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best.map { " Did you mean '\(prefix)\($0.candidate)'?" } ?? ""
}

/// Levenshtein distance between two strings, by Character.
private func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let left = Array(lhs)
    let right = Array(rhs)
    if left.isEmpty { return right.count }
    if right.isEmpty { return left.count }
    var previous = Array(0...right.count)
    var current = [Int](repeating: 0, count: right.count + 1)
    for i in 1...left.count {
        current[0] = i
        for j in 1...right.count {
            let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[right.count]
}
