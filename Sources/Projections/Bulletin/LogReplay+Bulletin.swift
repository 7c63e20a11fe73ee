import Events

extension LogReplay {
    /// Builds a bulletin in one pass over the log: a ``Projection`` and a ``BulletinFold`` for
    /// the hotline rule set and, when the request has one, for the mailbox rule set.
    ///
    /// Invalid lines are not folded; they are in the summary, and a caller should not publish
    /// a bulletin from a log that has any.
    /// - Throws: ``LogFileError`` if the file cannot be read.
    public func bulletin(_ request: BulletinRequest) throws -> (Bulletin, Summary) {
        let hotlineOptions = ProjectionOptions(rules: request.rules, asOf: request.asOf)
        var hotline = (Projection(options: hotlineOptions), BulletinFold(options: hotlineOptions))
        let mailboxOptions = request.mailboxRules.map { ProjectionOptions(rules: $0, asOf: request.asOf) }
        var mailbox = mailboxOptions.map { (Projection(options: $0), BulletinFold(options: $0)) }
        let summary = try forEachValidEvent { event, line, _ in
            hotline.0.apply(event, in: line)
            hotline.1.apply(event, in: line)
            if mailbox != nil {
                mailbox!.0.apply(event, in: line)
                mailbox!.1.apply(event, in: line)
            }
        }
        return (Bulletin(request: request, hotline: hotline, mailbox: mailbox), summary)
    }
}
