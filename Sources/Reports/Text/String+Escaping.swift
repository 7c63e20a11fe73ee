extension String {
    /// The text with each character that `replacement` maps replaced by what it maps it to (the
    /// one loop behind HTML and Markdown escaping).
    func escaping(_ replacement: (Character) -> String?) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if let replaced = replacement(character) { out += replaced } else { out.append(character) }
        }
        return out
    }
}
