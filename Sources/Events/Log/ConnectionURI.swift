/// Passwords kept out of what is printed: a PostgreSQL connection URI names its ledger in every
/// message about it, and a URI may hold a password in two places, which are hidden as `***`.
///
/// - The user information, `postgresql://user:secret@host/db`: as libpq reads it, from the
///   first `:` up to the first `@` that comes before any `/` (so a `?` may be part of it).
/// - A `password` parameter, `?host=…&password=secret`: its name compared as libpq compares it,
///   percent-decoded (`pass%77ord`), here in any case.
package enum ConnectionURI {
    /// `uri` with its passwords hidden; anything without `://` as it is.
    package static func redacted(_ uri: String) -> String { parse(uri).redacted }

    /// The passwords `uri` holds, as written and percent-decoded: what a message quoting them
    /// (libpq's, about a malformed URI) must not show.
    package static func passwords(in uri: String) -> [String] {
        var seen = Set<String>()
        return parse(uri).passwords.flatMap { [String($0), percentDecoded($0)] }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// `uri` with its passwords hidden, and the passwords.
    private static func parse(_ uri: String) -> (redacted: String, passwords: [Substring]) {
        guard let scheme = uri.firstRange(of: "://") else { return (uri, []) }
        var result = String(uri[..<scheme.upperBound])
        var passwords: [Substring] = []
        var rest = uri[scheme.upperBound...]
        // The user information ends at the first `@` before any `/`.
        if let end = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[end] == "@" {
            let user = rest[..<end]
            if let colon = user.firstIndex(of: ":") {
                result += user[...colon] + "***@"
                passwords.append(user[user.index(after: colon)...])
            } else {
                result += user + "@"
            }
            rest = rest[rest.index(after: end)...]
        }
        guard let question = rest.firstIndex(of: "?") else { return (result + rest, passwords) }
        result += rest[...question]
        let parameters = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
        result += parameters.map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "="),
                  percentDecoded(parameter[..<equals]).lowercased() == "password" else { return String(parameter) }
            passwords.append(parameter[parameter.index(after: equals)...])
            return parameter[...equals] + "***"
        }.joined(separator: "&")
        return (result, passwords)
    }

    /// `text` with the passwords of every URI in it hidden (a URI: letters before `://`, up to
    /// white space or a quote), whatever the case of its scheme.
    package static func redactingPasswords(in text: String) -> String {
        guard text.contains("://") else { return text }
        var result = ""
        var rest = text[...]
        while let scheme = rest.firstRange(of: "://") {
            var start = scheme.lowerBound
            while start > rest.startIndex, isSchemeCharacter(rest[rest.index(before: start)]) { start = rest.index(before: start) }
            let end = rest[scheme.upperBound...].firstIndex(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) ?? rest.endIndex
            result += rest[..<start] + redacted(String(rest[start..<end]))
            rest = rest[end...]
        }
        return result + rest
    }

    private static func isSchemeCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "-" || c == ".")
    }

    /// `text` with `%XX` escapes decoded (a malformed one kept as it is).
    private static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
