/// A ``LogByteSource`` read ahead on a thread of its own, a few chunks at a time, so that
/// whoever produces the bytes (a database server streaming rows) keeps producing while the
/// reader's threads decode and fold what came before.
///
/// Without it, a scan reads the source in its decoding threads, one block at a time: the server
/// waits while they decode, and they wait while it sends. Bytes come out in order and
/// unchanged; a failure of the source comes out after the bytes read before it, as it would
/// from the source itself.
///
/// ``finish()`` stops the reading thread and waits for it; it must be called before anything
/// else uses what the source reads from (a database connection), and before the object goes.
///
/// `@unchecked Sendable`: the queue, the flags and the failure are guarded by `monitor`; the
/// source is read only by the reading thread, a chunk's bytes only by whoever took it from
/// the queue, and `current` only by the consumer.
package final class ReadAheadSource: LogByteSource, @unchecked Sendable {
    private let source: any LogByteSource
    private let chunkSize: Int
    private let chunks: [UnsafeMutableRawPointer]
    private let monitor = Monitor()
    /// Chunks the reading thread has filled, in order, with their byte counts.
    private var filled: [(base: UnsafeMutableRawPointer, count: Int)] = []
    /// Chunks free to be filled.
    private var free: [UnsafeMutableRawPointer]
    /// The reading thread has reached the end of the source, or failed.
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var thread: WorkerThread?
    /// The chunk being handed out, and how much of it has been.
    private var current: (base: UnsafeMutableRawPointer, count: Int, used: Int)?

    /// Starts reading `source` ahead into `chunks` buffers of `chunkSize` bytes.
    package init(_ source: any LogByteSource, chunkSize: Int = 1 << 20, chunks count: Int = 8) {
        self.source = source
        self.chunkSize = max(chunkSize, 1)
        chunks = (0..<max(count, 2)).map { _ in UnsafeMutableRawPointer.allocate(byteCount: max(chunkSize, 1), alignment: 64) }
        free = chunks
        thread = WorkerThread { [self] in fill() }
    }

    deinit {
        finish()
        for chunk in chunks { chunk.deallocate() }
    }

    /// Stops the reading thread (after the read it may be in) and waits for it.
    package func finish() {
        monitor.locked {
            cancelled = true
            monitor.broadcast()
        }
        thread?.join()
        thread = nil
    }

    package func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if current.map({ $0.used == $0.count }) ?? true {
            let done = current?.base
            current = nil
            let next: (base: UnsafeMutableRawPointer, count: Int)? = try monitor.locked {
                if let done {
                    free.append(done)
                    monitor.broadcast()
                }
                while filled.isEmpty && !finished && !cancelled { monitor.wait() }
                if !filled.isEmpty { return filled.removeFirst() }
                if let failure { throw failure }
                return nil
            }
            guard let next else { return 0 }
            current = (next.base, next.count, 0)
        }
        let (base, available, used) = current!
        let n = min(count, available - used)
        buffer.copyMemory(from: base + used, byteCount: n)
        current!.used += n
        return n
    }

    /// The reading thread: fill free chunks from the source until its end, a failure or `finish()`.
    private func fill() {
        while true {
            let chunk: UnsafeMutableRawPointer? = monitor.locked {
                while free.isEmpty && !cancelled { monitor.wait() }
                return cancelled ? nil : free.removeLast()
            }
            guard let chunk else { return }
            var count = 0
            var error: (any Error)?
            do {
                while count < chunkSize {
                    let n = try source.read(into: chunk + count, count: chunkSize - count)
                    if n == 0 { break }
                    count += n
                }
            } catch let caught {
                error = caught
            }
            let more: Bool = monitor.locked {
                if count > 0 { filled.append((chunk, count)) } else { free.append(chunk) }
                if let error { failure = error }
                if error != nil || count < chunkSize { finished = true }
                monitor.broadcast()
                return !finished
            }
            if !more { return }
        }
    }
}
