#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether two paths name the same file, for commands that read one file and write another:
/// writing the output over the input would destroy it.
package enum FileIdentity {
    /// The same device and inode when both exist (hard links, symbolic links and `./` spellings
    /// included); when neither exists, the same path once links at their ends are followed and
    /// the folders that exist are resolved (``resolved(_:)``); never when only one exists.
    package static func same(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        let firstExists = stat(a, &first) == 0, secondExists = stat(b, &second) == 0
        if firstExists && secondExists { return first.st_dev == second.st_dev && first.st_ino == second.st_ino }
        if firstExists != secondExists { return false }
        return resolved(a) == resolved(b)
    }

    /// Whether `path` names a regular file (through symbolic links).
    package static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// `path` made absolute, its folder resolved through `realpath` (the file itself need not
    /// exist), after following symbolic links at its last component: a link to a file not made
    /// yet is the path it will be made at.
    static func resolved(_ path: String) -> String {
        let (folder, name) = split(followingLinks(path))
        guard let real = realpath(folder, nil) else { return path }
        defer { free(real) }
        let base = String(cString: real)
        return base == "/" ? "/" + name : base + "/" + name
    }

    /// `path` after following the symbolic links at its last component (up to 40), whether or
    /// not the file they lead to exists; `path` itself when it is no link. The files kept beside
    /// a log are named after this path, so that a log reached through a link has them where the
    /// log itself is.
    package static func followingLinks(_ path: String) -> String {
        var path = path
        var links = 0
        var status = stat()
        while links < 40, lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(path, &target, target.count - 1)
            guard count > 0 else { break }
            let destination = String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            path = destination.hasPrefix("/") ? destination : split(path).folder + "/" + destination
            links += 1
        }
        return path
    }

    /// A path's folder (`.` when it names none) and last component.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (slash == path.startIndex ? "/" : String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
