#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable array of plain values, for the replay's large tables (name tables, per-ticket state).
///
/// Growth moves large blocks with `realloc`, which the system does by remapping pages rather
/// than copying them, and large blocks live on huge pages. (Its storage is never a mapping of a
/// file: a mapped file that shrinks under the process kills it with SIGBUS, so a checkpoint is
/// read into memory, see ``init(count:capacity:fill:)``.)
///
/// Copies share storage until one of them is mutated, as with `Array`. Indices are checked.
///
/// Not part of the library's API (`package`): its accessors are `@inlinable`, so the Projections
/// module's folds inline and specialise them (an unspecialised generic call per element access
/// would cost more than the fold's work).
package struct PlainArray<Element: BitwiseCopyable & Sendable>: Sendable {
    @usableFromInline var storage: PlainArrayStorage<Element>

    /// An empty array.
    @inlinable
    package init() {
        storage = PlainArrayStorage()
    }

    /// `count` copies of `value`.
    @inlinable
    package init(repeating value: Element, count: Int) {
        storage = PlainArrayStorage()
        append(repeating: value, count: count)
    }

    @inlinable package var count: Int { storage.count }
    @inlinable package var isEmpty: Bool { storage.count == 0 }
    @inlinable package var capacity: Int { storage.capacity }

    @inlinable
    package subscript(index: Int) -> Element {
        @inline(__always) get {
            precondition(index >= 0 && index < storage.count, "index out of range")
            return storage.base.unsafelyUnwrapped[index]
        }
        @inline(__always) set {
            precondition(index >= 0 && index < storage.count, "index out of range")
            makeUnique()
            storage.base.unsafelyUnwrapped[index] = newValue
        }
    }

    @inlinable
    package mutating func append(_ value: Element) {
        makeUnique(minimumCapacity: storage.count + 1)
        storage.base.unsafelyUnwrapped[storage.count] = value
        storage.count += 1
    }

    @inlinable
    package mutating func append(repeating value: Element, count n: Int) {
        guard n > 0 else { return }
        makeUnique(minimumCapacity: storage.count + n)
        (storage.base.unsafelyUnwrapped + storage.count).initialize(repeating: value, count: n)
        storage.count += n
    }

    @inlinable
    package mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress, elements.count > 0 else { return }
        makeUnique(minimumCapacity: storage.count + elements.count)
        (storage.base.unsafelyUnwrapped + storage.count).initialize(from: source, count: elements.count)
        storage.count += elements.count
    }

    @inlinable
    package mutating func reserveCapacity(_ minimumCapacity: Int) {
        makeUnique(minimumCapacity: minimumCapacity)
    }

    /// Removes the last `n` elements (the capacity stays).
    @inlinable
    package mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= storage.count, "removing more elements than the array has")
        makeUnique()
        storage.count -= n
    }

    /// Calls `body` with the elements (valid only during the call).
    @inlinable @inline(__always)
    package func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Calls `body` with the elements, made unique first (valid only during the call; the
    /// count cannot change through it).
    @inlinable @inline(__always)
    package mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// The first element's address, for a run of accesses in which the array is neither copied
    /// nor grown past its capacity: call ``reserveCapacity(_:)`` first (which also makes the
    /// storage this array's own), and append only within the room reserved. `nil` when empty
    /// with no capacity.
    @inlinable
    package var unsafeBase: UnsafeMutablePointer<Element>? { storage.base }

    /// Calls `body` with the elements' bytes (valid only during the call).
    @inlinable
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(UnsafeBufferPointer(start: storage.base, count: storage.count)))
    }

    /// Makes the storage this array's own, with room for `minimumCapacity` elements.
    @inlinable @inline(__always)
    mutating func makeUnique(minimumCapacity: Int = 0) {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(minimumCapacity: minimumCapacity)
        } else if minimumCapacity > storage.capacity {
            storage.grow(to: minimumCapacity)
        }
    }
}

extension PlainArray {
    /// An array of `count` elements with room for `capacity`, whose bytes `fill` writes
    /// (all of them; the memory is uninitialised before). A large array gets memory of its
    /// own on huge pages, as one grown to that size does.
    package init(count: Int, capacity: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        precondition(count >= 0 && capacity >= count)
        storage = PlainArrayStorage()
        if capacity > 0 { storage.grow(to: capacity) }
        if count > 0 {
            try fill(UnsafeMutableRawBufferPointer(start: storage.base, count: count * MemoryLayout<Element>.stride))
        }
        storage.count = count
    }
}

/// The storage of a ``PlainArray``: allocated memory.
///
/// `@unchecked Sendable`: a storage shared by several arrays is never mutated (``PlainArray``
/// copies it first), so only one thread at a time can write to it.
///
/// Its fields are read and written without dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// they are plain numbers that ``PlainArray`` only changes through a uniquely referenced storage,
/// and a check on every element access would cost more than the access.
@usableFromInline
final class PlainArrayStorage<Element: BitwiseCopyable & Sendable>: @unchecked Sendable {
    @usableFromInline @exclusivity(unchecked) var base: UnsafeMutablePointer<Element>?
    @usableFromInline @exclusivity(unchecked) var count = 0
    @usableFromInline @exclusivity(unchecked) var capacity = 0

    private static var stride: Int { MemoryLayout<Element>.stride }

    @usableFromInline init() {}

    deinit { free(base) }

    /// A copy of the elements in allocated storage with room for `minimumCapacity`.
    @usableFromInline
    func copy(minimumCapacity: Int) -> PlainArrayStorage {
        let copy = PlainArrayStorage()
        copy.grow(to: max(minimumCapacity, count))
        if count > 0 { copy.base.unsafelyUnwrapped.initialize(from: base.unsafelyUnwrapped, count: count) }
        copy.count = count
        return copy
    }

    /// Makes room for `minimumCapacity` elements (at least doubling).
    @usableFromInline
    func grow(to minimumCapacity: Int) {
        let newCapacity = max(minimumCapacity, capacity * 2, 16)
        let bytes = newCapacity * Self.stride
        if bytes >= Self.hugePage {
            // Large tables are probed at random: on 2 MiB pages, a probe rarely misses the TLB too.
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, Self.hugePage, bytes) == 0, let raw else { fatalError("out of memory (\(bytes) bytes)") }
            #if os(Linux)
            madvise(raw, bytes / Self.hugePage * Self.hugePage, MADV_HUGEPAGE)
            #endif
            let moved = raw.bindMemory(to: Element.self, capacity: newCapacity)
            if count > 0 { moved.initialize(from: base.unsafelyUnwrapped, count: count) }
            free(base)
            base = moved
        } else {
            guard let raw = realloc(base, bytes) else { fatalError("out of memory (\(bytes) bytes)") }
            base = raw.bindMemory(to: Element.self, capacity: newCapacity)
        }
        capacity = newCapacity
    }

    private static var hugePage: Int { 2 << 20 }
}
