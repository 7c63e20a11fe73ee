extension Event {
    /// Writes the event as one line of the version 1 wire format, without the newline.
    ///
    /// Members come in a fixed order: `id`, `ticket`, `type`, `at`, `recorded` (when set), the
    /// type's own fields (optional ones only when set), the ``extraFields`` verbatim in their
    /// order, and `chain` last. Timestamps are written at the given UTC offset; the instants
    /// are unchanged, so decoding the line gives back an equal event.
    ///
    /// Extra fields must not reuse a key the event's type defines (the decoder never produces
    /// such an event); the line would then hold that key twice and be rejected on reading.
    /// - Parameter offsetSeconds: The UTC offset timestamps are written at; `+08:00` by default.
    /// - Returns: The JSON object, compact (no spaces), UTF-8.
    public func jsonLine(offsetSeconds: Int32 = 28_800) -> String {
        var writer = JSONLineWriter(offsetSeconds: offsetSeconds)
        writer.string("id", id)
        writer.string("ticket", ticket)
        writer.string("type", kind.wireName)
        writer.timestamp("at", at)
        if let recorded { writer.timestamp("recorded", recorded) }
        switch body {
        case .accepted(let channel, let category, let topic):
            if let channel { writer.string("channel", channel) }
            if let category { writer.string("category", category) }
            if let topic { writer.string("topic", topic) }
        case .assigned(let unit, let due):
            writer.string("unit", unit)
            writer.timestamp("due", due)
        case .returned(let unit, let by, let reason, let due):
            writer.string("unit", unit)
            writer.string("by", by.rawValue)
            if let reason { writer.string("reason", reason) }
            if let due { writer.timestamp("due", due) }
        case .extended(let unit, let due, let reason):
            writer.string("unit", unit)
            writer.timestamp("due", due)
            if let reason { writer.string("reason", reason) }
        case .closed(let unit, let reply):
            writer.string("unit", unit)
            if let reply { writer.string("reply", reply) }
        case .callbackRated(let unit, let rating, let contacted):
            writer.string("unit", unit)
            writer.string("rating", rating.rawValue)
            if let contacted { writer.raw("contacted", contacted ? "true" : "false") }
        case .supervised(let unit, let method, let reason):
            writer.string("unit", unit)
            writer.string("method", method.rawValue)
            if let reason { writer.string("reason", reason) }
        case .supervisionAnswered(let unit, let reply):
            writer.string("unit", unit)
            if let reply { writer.string("reply", reply) }
        case .adjusted(let unit, let points, let indicator, let reason, let ref):
            writer.string("unit", unit)
            // A JSON number when the text is one (`-1`, `0.5`), else a string (`"+0.5"`).
            if DecimalText.isJSONNumber(points) { writer.raw("points", points) } else { writer.string("points", points) }
            writer.string("indicator", indicator)
            writer.string("reason", reason)
            if let ref { writer.string("ref", ref) }
        }
        for field in extraFields { writer.raw(field.key, field.rawValue) }
        if let chain { writer.string("chain", chain) }
        return writer.finish()
    }
}

/// Builds one compact JSON object member by member.
struct JSONLineWriter {
    private var out = "{"
    private var isEmpty = true
    private let offsetSeconds: Int32

    init(offsetSeconds: Int32) {
        self.offsetSeconds = offsetSeconds
        out.reserveCapacity(256)
    }

    private mutating func key(_ key: String) {
        if !isEmpty { out.append(",") }
        isEmpty = false
        JSONString.quote(key, into: &out)
        out.append(":")
    }

    mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONString.quote(value, into: &out)
    }

    mutating func timestamp(_ key: String, _ value: Timestamp) {
        self.key(key)
        out.append("\"")
        out.append(value.rfc3339(offsetSeconds: offsetSeconds))
        out.append("\"")
    }

    /// A member whose value is already JSON text.
    mutating func raw(_ key: String, _ rawValue: String) {
        self.key(key)
        out.append(rawValue)
    }

    consuming func finish() -> String {
        out.append("}")
        return out
    }
}
