import Events

/// Small pieces of wording shared by the log commands (verify, append, repair).

/// How a path typed by the user appears in messages: as typed, or `<stdin>` for `-`.
func displayName(_ path: String) -> String {
    path == "-" ? "<stdin>" : path
}

/// `1204` as `1,204` (``groupedThousands(_:)``; `counted(_:_:)` names a count with its noun).
func grouped(_ number: Int) -> String { groupedThousands(number) }
