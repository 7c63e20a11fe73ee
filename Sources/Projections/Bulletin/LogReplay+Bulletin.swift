import Events

extension LogReplay {
    /// Builds a bulletin in one pass over the log: a ``Projection`` and a ``BulletinFold`` for
    /// the hotline rule set, for the mailbox rule set when the request has one, for each of the
    /// request's other channels and — with ``BulletinRequest/everyChannel`` — for every other
    /// channel the log's tickets are accepted on (started at the channel's first `accepted`
    /// event, so it sees all of that channel's events).
    ///
    /// Invalid lines are not folded; they are in the summary, and a caller should not publish
    /// a bulletin from a log that has any.
    /// - Throws: `LogFileError` if the file cannot be read.
    public func bulletin(_ request: BulletinRequest) throws(LogFileError) -> (Bulletin, Summary) {
        typealias Folds = (Projection, BulletinFold)
        func folds(_ rules: RuleSet) -> Folds {
            let options = ProjectionOptions(rules: rules, asOf: request.asOf)
            return (Projection(options: options), BulletinFold(options: options))
        }
        var hotline = folds(request.rules)
        var mailbox = request.mailboxRules.map(folds)
        var channels = request.channels.map { (request: $0, folds: folds($0.effectiveRules(hotline: request.rules))) }
        // Channels some fold already counts (or leaves out on purpose); `nil` counts them all.
        var covered: Set<String>? = request.rules.channel.map { [$0] }
        if let mailbox = request.mailboxRules { covered = covered.flatMap { set in mailbox.channel.map { set.union([$0]) } } }
        covered = covered.map { $0.union(request.channels.map(\.channel)).union(request.excludedChannels) }
        if !request.everyChannel { covered = nil }
        let summary = try forEachValidEvent { event, line, _ in
            if event.kind == .accepted, let known = covered {
                let channel = event.channel?.string(in: line) ?? ProjectionOptions.defaultChannel
                if !known.contains(channel) {
                    covered!.insert(channel)
                    channels.append((BulletinRequest.ChannelRequest(channel: channel), folds(
                        BulletinRequest.ChannelRequest(channel: channel).effectiveRules(hotline: request.rules))))
                }
            }
            hotline.0.apply(event, in: line)
            hotline.1.apply(event, in: line)
            if mailbox != nil {
                mailbox!.0.apply(event, in: line)
                mailbox!.1.apply(event, in: line)
            }
            for i in channels.indices {
                channels[i].folds.0.apply(event, in: line)
                channels[i].folds.1.apply(event, in: line)
            }
        }
        let configured = channels.prefix(request.channels.count)
        let found = channels.dropFirst(request.channels.count).sorted { $0.request.channel < $1.request.channel }
        return (Bulletin(request: request, hotline: hotline, mailbox: mailbox, channels: Array(configured) + found), summary)
    }
}
