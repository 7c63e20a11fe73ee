#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `read(2)`, `write(2)` and `open(2)` by one name on Linux and on macOS, for the package's
/// modules (Swift spells them `Glibc.write` or `Darwin.write` where a method named `write` is in
/// scope).
package enum SystemCall {
    #if canImport(Glibc)
    package static let read: @Sendable (Int32, UnsafeMutableRawPointer?, Int) -> Int = Glibc.read
    package static let write: @Sendable (Int32, UnsafeRawPointer?, Int) -> Int = Glibc.write
    package static let open: @Sendable (UnsafePointer<CChar>, Int32, mode_t) -> Int32 = Glibc.open
    #else
    package static let read: @Sendable (Int32, UnsafeMutableRawPointer?, Int) -> Int = Darwin.read
    package static let write: @Sendable (Int32, UnsafeRawPointer?, Int) -> Int = Darwin.write
    package static let open: @Sendable (UnsafePointer<CChar>, Int32, mode_t) -> Int32 = Darwin.open
    #endif
}
