import Events

/// The channel filter of ``ProjectionOptions/channel``: whether a ticket counts, decided from
/// its `accepted` event. Every fold (``Projection``'s three entry points and its block fold,
/// ``BulletinFold``, ``Explainer``) decides through ``includes(hasChannel:equals:)``; the other
/// methods only say how to compare the channel as each event representation holds it.
///
/// No filter: every ticket counts. An `accepted` event without a `channel` field is on
/// ``ProjectionOptions/defaultChannel`` (the hotline).
struct ChannelFilter: Sendable {
    /// The wanted channel's bytes, or `nil` for every channel.
    let wanted: [UInt8]?
    /// Whether an `accepted` event without a channel passes (it is on the default channel).
    let missingMatches: Bool

    init(channel: String?) {
        wanted = channel.map { Array($0.utf8) }
        missingMatches = channel == nil || channel == ProjectionOptions.defaultChannel
    }

    /// The rule: everything passes without a filter; a missing channel passes when the
    /// default channel is wanted; else the channel must equal the wanted one (`equals` compares).
    /// (`hasChannel` is evaluated only under a filter: the block fold without one reads no flags.)
    @inline(__always)
    func includes(hasChannel: @autoclosure () -> Bool, equals: ([UInt8]) -> Bool) -> Bool {
        guard let wanted else { return true }
        return hasChannel() ? equals(wanted) : missingMatches
    }

    /// Whether a ticket accepted on `channel` (`nil`: the field is absent) passes.
    func includes(_ channel: String?) -> Bool {
        includes(hasChannel: channel != nil) { Array(channel!.utf8) == $0 }
    }

    /// Whether an `accepted` event decoded in place (its `channel` field, in `line`) passes.
    @inline(__always)
    func includes(_ channel: FieldRef?, in line: UnsafeRawBufferPointer) -> Bool {
        includes(hasChannel: channel != nil) { wanted in
            let ref = channel!
            return ref.escaped ? Array(ref.string(in: line).utf8) == wanted
                : UnsafeRawBufferPointer(rebasing: line[ref.range]).elementsEqual(wanted)
        }
    }

    /// Whether an `accepted` event scanned by ``LogScan`` (in `block`) passes.
    @inline(__always)
    func includes(_ event: ScannedEvent, in block: UnsafeRawBufferPointer) -> Bool {
        includes(hasChannel: event.flags.contains(.hasChannel)) { event.channelEquals($0, in: block) }
    }
}
