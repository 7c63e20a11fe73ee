import CSHA256
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SHA256 {
    /// Whether compression runs on the processor's SHA instructions (x86-64 SHA-NI), checked
    /// once. Setting `TICKET_LEDGER_SHA256=portable` in the environment turns them off.
    static let usesHardware: Bool = {
        if let choice = getenv("TICKET_LEDGER_SHA256"), String(cString: choice) == "portable" { return false }
        return ledger_sha256_hardware_available() == 1
    }()

    /// Compresses `count` consecutive 64-byte blocks starting at `blocks` into `state`, with the
    /// processor's SHA instructions where it has them and in portable Swift otherwise.
    @inline(__always)
    static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        if usesHardware {
            compressHardware(&state, blocks: blocks, count: count)
        } else {
            compressPortable(&state, blocks: blocks, count: count)
        }
    }

    /// The SHA-NI compression; call only when ``usesHardware`` says the processor has it.
    static func compressHardware(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        var words = (state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7)
        withUnsafeMutableBytes(of: &words) { raw in
            ledger_sha256_compress_hardware(raw.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                            blocks.assumingMemoryBound(to: UInt8.self), count)
        }
        state = State(h0: words.0, h1: words.1, h2: words.2, h3: words.3,
                      h4: words.4, h5: words.5, h6: words.6, h7: words.7)
    }
}
