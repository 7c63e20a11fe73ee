import AsyncAlgorithms
import Events
import HTTPTypes
import Hummingbird
import ServiceLifecycle

extension Hotline {
    /// `GET /events?from=POSITION`: server-sent events that stay open. Each event of the log from
    /// POSITION (1 by default; `end` for only new ones) is one message, `id: <position>` and
    /// `data: <the line as written>`, then each event as it commits, from this service or another
    /// process appending to the same log. A `Last-Event-ID` header (a reconnecting client) wins
    /// over `from`. A `: keep-alive` comment every few seconds notices a client that went away.
    func subscribe(_ request: Request) async throws -> Response {
        var from = 1
        if let lastID = request.headers[.lastEventID] {
            // The position of the last event the client saw: from the one after it.
            guard let last = Int(lastID), last >= 0, last < Int.max else {
                throw HTTPError(.badRequest, message: "invalid Last-Event-ID (expected the position of an event, ≥ 0)")
            }
            from = last + 1
        } else if let text = request.uri.queryParameters.get("from") {
            if text == "end" {
                from = await ledger.count + 1
            } else if let n = Int(text), n >= 1 {
                from = n
            } else {
                throw HTTPError(.badRequest, message: "invalid from '\(text)' (expected a position ≥ 1, or end)")
            }
        }
        let start = from
        let ledger = self.ledger
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            // The writer is fed through a channel: a send waits until the message is written, so a
            // slow client holds back the subscription (memory stays bounded) instead of queueing.
            let channel = AsyncThrowingChannel<ByteBuffer, any Error>()
            var failure: (any Error)? = nil
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await record in ledger.events(from: start) {
                            await channel.send(Self.message(record))
                        }
                        channel.finish()
                    } catch {
                        channel.fail(error)
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: heartbeat)) != nil {
                        await channel.send(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                do {
                    try await writer.write(ByteBuffer(string: ": events from \(start)\n\n"))
                    // Ends when the service shuts down (graceful shutdown finishes the channel),
                    // the ledger closes, or the client goes away (a write fails).
                    try await withGracefulShutdownHandler {
                        for try await message in channel {
                            try await writer.write(message)
                        }
                    } onGracefulShutdown: {
                        channel.finish()
                    }
                } catch is CancellationError {
                } catch {
                    failure = error
                }
                group.cancelAll()
            }
            if let failure, !(failure is CancellationError) {
                // The subscription itself failed (say the log became unreadable): say so, then end.
                try? await writer.write(ByteBuffer(string: "event: error\ndata: \(String(describing: failure).split(separator: "\n").joined(separator: " "))\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok,
                        headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: body)
    }

    /// `id: <position>` and `data: <line>`: a JSON line holds no newline, so one `data:` field.
    static func message(_ record: Ledger.Record) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(record.line.count + 24)
        buffer.writeString("id: \(record.position)\ndata: ")
        buffer.writeBytes(record.line)
        buffer.writeString("\n\n")
        return buffer
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
