#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable array of plain values, for the replay's large tables (name tables, per-ticket state).
///
/// Growth moves large blocks with `realloc`, which the system does by remapping pages rather
/// than copying them, and large blocks live on huge pages. A checkpoint's table is either read
/// into memory (``init(count:capacity:fill:)``) or, in a short-lived process that holds the
/// file under a read lease, mapped from it (``init(mapping:offset:count:)``).
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

    /// An empty array with room for `capacity` elements, for a table that is filled in order and
    /// read in order or mostly near its end (a log's id hashes; per-ticket states, which a
    /// ticket's events reach within weeks of its first): its memory is kept on the system's
    /// small pages however large it grows (`MADV_NOHUGEPAGE` on Linux). A table probed at
    /// random all over (a hash table's slots) rarely misses the TLB on 2 MiB pages, but one
    /// reached in order gains little from them,
    /// and a fresh 2 MiB page can cost far more than the 512 small ones it replaces: on a
    /// virtual machine whose host hands memory back page by page, 16 MiB of fresh 2 MiB pages
    /// was measured at 3 to 120 ms, of small pages at 7 to 8 ms.
    @inlinable
    package init(sequentialCapacity capacity: Int) {
        storage = PlainArrayStorage()
        storage.hugePages = false
        reserveCapacity(capacity)
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

    /// Appends `value` in room made ready for it: the storage unique and with spare capacity
    /// since ``reserveCapacity(_:)`` (a loop that holds ``unsafeBase`` across appends, which
    /// must not move it). Skips ``append(_:)``'s uniqueness test, a runtime call.
    @inlinable @inline(__always)
    package mutating func appendInReservedRoom(_ value: Element) {
        precondition(storage.count < storage.capacity, "no room reserved")
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
    /// `count` copies of `value`, for a large table made before its first use (a hash table's
    /// slots): from ``parallelFillBytes`` on, the processors (up to two) write a part each.
    /// Writing a fresh table is mostly the system handing out its pages, and on a virtual
    /// machine a fresh 2 MiB page can take milliseconds: 64 MiB was measured at 12 to 540 ms on
    /// one thread, 9 to 73 ms on two.
    package init(repeating value: Element, parallelCount count: Int) {
        storage = PlainArrayStorage()
        guard count > 0 else { return }
        makeUnique(minimumCapacity: count)
        let base = storage.base.unsafelyUnwrapped
        let parts = count * MemoryLayout<Element>.stride >= Self.parallelFillBytes ? min(WorkerThread.processorCount, 2) : 1
        let share = (count + parts - 1) / parts
        let helpers = (1..<parts).map { i in
            let part = FillPart(start: base + i * share, count: min(share, count - i * share))
            return WorkerThread { part.start.initialize(repeating: value, count: part.count) }
        }
        base.initialize(repeating: value, count: min(share, count))
        for helper in helpers { helper.join() }
        storage.count = count
    }

    /// The size from which ``init(repeating:parallelCount:)`` writes on two threads.
    static var parallelFillBytes: Int { 16 << 20 }
}

/// A part of a table that one thread of ``PlainArray/init(repeating:parallelCount:)`` writes
/// (`@unchecked Sendable`: no other thread touches it until that thread is joined).
private struct FillPart<Element>: @unchecked Sendable {
    let start: UnsafeMutablePointer<Element>
    let count: Int
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

extension PlainArray {
    /// An array of the `count` values stored at byte `offset` of the file `fd`, mapped
    /// privately: reading reads the file's pages (the system's cached pages, not copies),
    /// writing copies just the pages written, and appending writes into a reserved range of
    /// zero pages right after them; growing past that range moves the array into memory of its
    /// own.
    ///
    /// A mapped file that is cut short kills the process with SIGBUS when it touches a page
    /// past the new end, and one rewritten in place changes the pages not yet written: map only
    /// a file nobody can open for writing meanwhile (``CheckpointLease``).
    /// - Parameter offset: A multiple of the page size.
    /// - Throws: ``CheckpointError`` when the system refuses the mapping.
    package init(mapping fd: Int32, offset: Int64, count: Int) throws {
        storage = try PlainArrayStorage(mapping: fd, offset: offset, count: count)
    }

    /// Whether the elements are (still) a mapping of a file.
    package var isMapped: Bool { storage.reservation != nil }
}

/// The storage of a ``PlainArray``: allocated memory, or a mapped range.
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
    /// Whether blocks of 2 MiB and more are put on huge pages, or kept off them (see
    /// ``PlainArray/init(sequentialCapacity:)``).
    @usableFromInline var hugePages = true
    /// For a mapped storage, the reserved address range (the file's pages, then zero pages);
    /// `nil` when `base` is allocated.
    private(set) var reservation: (start: UnsafeMutableRawPointer, length: Int)?

    private static var stride: Int { MemoryLayout<Element>.stride }

    @usableFromInline init() {}

    init(mapping fd: Int32, offset: Int64, count: Int) throws {
        let page = SystemCall.pageSize
        let bytes = count * Self.stride
        precondition(offset >= 0 && offset % Int64(page) == 0, "a mapped table starts at a page boundary")
        // Room to grow in place: as much again, and at least 16 MiB of address space (not memory).
        let reserved = (bytes + max(bytes, 16 << 20) + page - 1) / page * page
        guard let start = mmap(nil, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              start != MAP_FAILED
        else { throw CheckpointError("cannot reserve \(reserved) bytes of address space: \(String(cString: strerror(errno)))") }
        if bytes > 0 {
            let mapped = (bytes + page - 1) / page * page
            guard let file = mmap(start, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, off_t(offset)),
                  file == start
            else {
                let reason = String(cString: strerror(errno))
                munmap(start, reserved)
                throw CheckpointError("cannot map: \(reason)")
            }
        }
        reservation = (start, reserved)
        base = start.bindMemory(to: Element.self, capacity: reserved / Self.stride)
        self.count = count
        capacity = reserved / Self.stride
    }

    deinit {
        if let reservation {
            munmap(reservation.start, reservation.length)
        } else {
            free(base)
        }
    }

    /// A copy of the elements in allocated storage with room for `minimumCapacity`.
    @usableFromInline
    func copy(minimumCapacity: Int) -> PlainArrayStorage {
        let copy = PlainArrayStorage()
        copy.hugePages = hugePages
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
        if reservation != nil || bytes >= Self.hugePage {
            let moved = Self.allocate(bytes, hugePages: hugePages).bindMemory(to: Element.self, capacity: newCapacity)
            if count > 0 { moved.initialize(from: base.unsafelyUnwrapped, count: count) }
            if let reservation {
                // Out of the mapping's room: the elements move into memory of this array's own.
                munmap(reservation.start, reservation.length)
                self.reservation = nil
            } else {
                free(base)
            }
            base = moved
        } else {
            guard let raw = realloc(base, bytes) else { fatalError("out of memory (\(bytes) bytes)") }
            base = raw.bindMemory(to: Element.self, capacity: newCapacity)
        }
        capacity = newCapacity
    }

    /// Memory for `bytes` bytes that `free` releases; large tables are probed at random, so
    /// large blocks are on 2 MiB pages, where a probe rarely misses the TLB too, or, unless
    /// `hugePages`, advised against them: memory the C library hands out again keeps the advice
    /// an earlier table gave it, so each large block is advised one way or the other.
    private static func allocate(_ bytes: Int, hugePages: Bool) -> UnsafeMutableRawPointer {
        guard bytes >= hugePage else {
            guard let raw = malloc(bytes) else { fatalError("out of memory (\(bytes) bytes)") }
            return raw
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, hugePage, bytes) == 0, let raw else { fatalError("out of memory (\(bytes) bytes)") }
        #if os(Linux)
        madvise(raw, bytes / hugePage * hugePage, hugePages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)
        #endif
        return raw
    }

    private static var hugePage: Int { 2 << 20 }
}
