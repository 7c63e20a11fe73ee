import Events

extension LogReplay {
    /// The file a checkpoint in `directory` is kept in.
    package static func checkpointFile(in directory: String) -> String { directory + "/" + ReplayCheckpoint.fileName }

    /// Like ``run(into:progress:)``, but starts from the checkpoint in `directory` when it
    /// matches the log and the projections' options, and leaves a checkpoint there for next time.
    ///
    /// A checkpoint that does not match (the log was edited, truncated or replaced, other
    /// options, a damaged or foreign file) is never used: `warning` says why and the whole log
    /// is replayed. After a clean replay the checkpoint is rewritten when it is missing or the
    /// new tail is big (over 8 MiB or 2% of the log); a small tail is cheaper to replay next
    /// time than a checkpoint is to write.
    ///
    /// A log that is not a file (a PostgreSQL ledger's rows, streamed) is checkpointed
    /// by line: the checkpoint names the log's store, and the next replay reads only the lines
    /// after the last one folded. A checkpoint of a file, of another store, or of lines since
    /// rewritten is ignored in the same way.
    /// - Parameters:
    ///   - projections: Pristine projections (with any folded state the checkpoint is ignored).
    ///   - directory: Where the checkpoint lives (created when needed).
    ///   - progress: Called now and then with the offset reached (from the log's start).
    ///   - warning: Called with a sentence when a checkpoint is ignored or cannot be saved.
    /// - Returns: The summary; `lines` and `events` count the whole log, `bytes` only what was read.
    /// - Throws: `LogFileError` if the log cannot be read, is not a regular file, or has a line
    ///   longer than ``maxLineBytes`` (a checkpoint that cannot be read or saved is a `warning`).
    public func run(into projections: inout [Projection], checkpoint directory: String,
                    progress: ((Int64) -> Void)? = nil, warning: (String) -> Void) throws(LogFileError) -> Summary {
        guard projections.allSatisfy(\.isPristine) else {
            warning("checkpoint \(directory) not used: the projections already hold events")
            return try run(into: &projections, progress: progress)
        }
        let options = projections.map(\.options)
        let log: CheckpointedLog
        if let stream {
            do {
                log = .stream(stream, store: try stream.storeIdentity())
            } catch {
                warning("checkpoint \(directory) not used: \(String(describing: error)); replaying the whole log")
                return try run(into: &projections, progress: progress)
            }
        } else {
            log = .file(path: path)
        }
        var checkpoint: ReplayCheckpoint?
        do {
            checkpoint = try ReplayCheckpoint.load(directory: directory, log: log, options: options, maxLineBytes: maxLineBytes, mapping: mapsCheckpoint)
        } catch {
            warning("checkpoint \(directory) ignored: \(String(describing: error)); replaying the whole log")
        }
        let pristine = projections
        var fold = ReplayFold(projections: projections)
        var start: Int64 = 0, lines = 0, events = 0
        var lease: CheckpointLease?
        if let loaded = checkpoint {
            (fold, start, lines, events, lease) = (loaded.fold, loaded.prefix.offset, loaded.prefix.lines, loaded.prefix.events, loaded.lease)
        }
        let resumed = checkpoint != nil
        // Drop the loaded copy, so the fold's arrays are uniquely referenced and grow in place.
        checkpoint = nil
        if resumed { checkpointLoaded?() }
        var summary: Summary
        do { summary = try run(&fold, from: start, firstLine: lines + 1, progress: progress) } catch { throw .reading(path, failedWith: error) }
        summary.events += events
        projections = fold.finish()
        if let held = lease?.isHeld, !held {
            // Someone opened the checkpoint for writing (or cut it short) while its tables were
            // mapped; had it taken longer than the lease-break time, they could have changed.
            // Let go of every mapped page (the writer is waiting for that), then start over.
            (fold, projections, lease) = (ReplayFold(projections: pristine), pristine, nil)
            warning("checkpoint \(directory) was opened for writing while this replay used it; replaying the whole log")
            return try run(into: &projections, progress: progress)
        }
        let worthSaving = !resumed || !ReplayCheckpoint.isSmallTail(summary.bytes, after: start)
        if summary.problems.isEmpty && worthSaving && fold.sharedIDs {
            let end = start + summary.bytes
            do {
                let identity = try log.prefix(offset: end, lines: summary.lines)
                let prefix = ReplayCheckpoint.Prefix(offset: end, lines: summary.lines, events: summary.events,
                                                     fingerprint: identity.fingerprint, chain: identity.chain)
                let fresh = ReplayCheckpoint(prefix: prefix, fold: fold)
                try fresh.save(directory: directory, log: log, options: options, maxLineBytes: maxLineBytes)
            } catch {
                warning("checkpoint \(directory) not saved: \(String(describing: error))")
            }
        } else {
            // A replay killed while it wrote the checkpoint left its temporary file; writing the
            // checkpoint again removes such files, and a run that resumes without rewriting it
            // (a cron job's small tails) does so too.
            SmallFile.removeAbandonedTemporaries(of: Self.checkpointFile(in: directory))
        }
        return summary
    }
}
