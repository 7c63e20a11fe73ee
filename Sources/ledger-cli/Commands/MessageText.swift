/// Small pieces of wording shared by the log commands (verify, append, repair).

/// How a path typed by the user appears in messages: as typed, or `<stdin>` for `-`.
func displayName(_ path: String) -> String {
    path == "-" ? "<stdin>" : path
}

/// `1 event`, `1,800 events`.
func counted(_ count: Int, _ noun: String) -> String {
    "\(grouped(count)) \(noun)\(count == 1 ? "" : "s")"
}

/// `1204` as `1,204`.
func grouped(_ number: Int) -> String {
    var digits = String(number)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits.removeLast(3)
    }
    return digits + grouped
}
