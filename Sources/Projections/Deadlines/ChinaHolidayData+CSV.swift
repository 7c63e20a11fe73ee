import Events

extension ChinaHolidayData {
    /// The calendar as the CSV it was generated from: the header `date,kind,holiday` and a line
    /// per listed day, for ``WorkCalendar/parse(csv:source:)`` (expanded once, on first use).
    static let csv: String = expand(compact)

    /// Expands the compact form (see ``compact``) into CSV lines, joined by `\n` with no final
    /// one. A token the compact form does not allow is copied as a line of its own, which the
    /// CSV parser then rejects by line.
    static func expand(_ compact: String) -> String {
        var lines = ["date,kind,holiday"]
        for line in compact.split(separator: "\n") {
            var tokens = line.split(separator: " ")[...]
            guard let year = tokens.popFirst() else { continue }
            var holiday = Substring()
            for token in tokens {
                guard let first = token.utf8.first, (0x30...0x39).contains(first) else {
                    holiday = token
                    continue
                }
                let digits = token.prefix(4), kind = token.dropFirst(4).prefix(1), count = token.dropFirst(5)
                guard digits.count == 4, let start = Period.parseDay("\(year)-\(digits.prefix(2))-\(digits.suffix(2))"),
                      kind == "o" || kind == "w", let days = count.isEmpty ? 1 : Int(count), days >= 1
                else {
                    lines.append("\(year) \(token)")
                    continue
                }
                for offset in 0..<days {
                    let day = Period.format(CivilDate(daysSinceEpoch: start.daysSinceEpoch + offset))
                    lines.append("\(day),\(kind == "o" ? "off" : "work"),\(holiday)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
