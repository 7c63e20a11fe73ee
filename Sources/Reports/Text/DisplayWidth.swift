/// Terminal column widths of text, in the spirit of POSIX `wcswidth`.
///
/// - East Asian Wide and Fullwidth characters (CJK ideographs, kana, Hangul
///   syllables, fullwidth forms, CJK punctuation such as `，` and `。`) take
///   two columns.
/// - Emoji shown in emoji presentation (including flags, keycaps and ZWJ
///   sequences) take two columns per grapheme cluster.
/// - Combining marks, format characters (ZWJ, ZWSP, variation selectors),
///   Hangul medial/final jamo and control characters take zero columns.
/// - Everything else takes one column.
///
/// Unassigned code points inside the wide blocks count as wide, which
/// matches what terminals do with newly assigned characters.
package func displayWidth(_ text: String) -> Int {
    // Fast path: plain ASCII, the common case for numbers and identifiers.
    var isASCII = true
    var asciiWidth = 0
    for byte in text.utf8 {
        if byte >= 0x80 {
            isASCII = false
            break
        }
        if byte >= 0x20 && byte != 0x7f { asciiWidth += 1 }
    }
    if isASCII { return asciiWidth }

    var width = 0
    for character in text {
        width += displayWidth(character)
    }
    return width
}

/// The number of terminal columns one grapheme cluster occupies (0, 1 or 2).
package func displayWidth(_ character: Character) -> Int {
    if let ascii = character.asciiValue {
        return ascii >= 0x20 && ascii != 0x7f ? 1 : 0
    }
    var width = 0
    var isEmoji = false
    for scalar in character.unicodeScalars {
        if scalar.value == 0xFE0F || scalar.properties.isEmojiPresentation {
            isEmoji = true
        }
        width += displayWidth(scalar)
    }
    return isEmoji ? 2 : min(width, 2)
}

/// The number of terminal columns one Unicode scalar occupies on its own.
func displayWidth(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x20 || (0x7f..<0xa0).contains(value) { return 0 }
    if value < 0x300 { return 1 }  // Latin, IPA: no marks or wide characters.

    // Hangul medial vowels and final consonants attach to the initial jamo.
    if (0x1160...0x11ff).contains(value) || (0xd7b0...0xd7ff).contains(value) { return 0 }

    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control:
        return 0
    default:
        break
    }
    if value < 0x1100 { return 1 }
    return isWide(value) ? 2 : 1
}

/// Code point ranges with East Asian Width `W` or `F`, sorted and disjoint.
/// Emoji with default emoji presentation are handled separately through
/// `Unicode.Scalar.Properties.isEmojiPresentation`.
private let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F,    // Hangul Jamo initial consonants
    0x231A...0x231B,    // ⌚⌛
    0x2329...0x232A,    // 〈 〉 angle brackets
    0x2E80...0x303E,    // CJK radicals, Kangxi radicals, ideographic space and punctuation
    0x3041...0x33FF,    // Hiragana, Katakana, Bopomofo, Hangul compatibility jamo, enclosed CJK
    0x3400...0x4DBF,    // CJK Unified Ideographs Extension A
    0x4E00...0x9FFF,    // CJK Unified Ideographs
    0xA000...0xA4CF,    // Yi syllables and radicals
    0xA960...0xA97F,    // Hangul Jamo Extended-A
    0xAC00...0xD7A3,    // Hangul syllables
    0xF900...0xFAFF,    // CJK Compatibility Ideographs
    0xFE10...0xFE19,    // Vertical forms
    0xFE30...0xFE6F,    // CJK compatibility forms, small form variants
    0xFF00...0xFF60,    // Fullwidth ASCII variants
    0xFFE0...0xFFE6,    // Fullwidth signs ￠￡￥
    0x16FE0...0x16FFF,  // Ideographic symbols and punctuation
    0x17000...0x18D7F,  // Tangut, Khitan
    0x1AFF0...0x1B2FF,  // Kana supplement and extensions, Nüshu
    0x1F200...0x1F2FF,  // Enclosed ideographic supplement
    0x20000...0x2FFFD,  // CJK Extensions B–F, compatibility supplement
    0x30000...0x3FFFD,  // CJK Extensions G–H
]

/// Binary search of `wideRanges`.
private func isWide(_ value: UInt32) -> Bool {
    var low = 0
    var high = wideRanges.count - 1
    while low <= high {
        let middle = (low + high) / 2
        let range = wideRanges[middle]
        if value < range.lowerBound {
            high = middle - 1
        } else if value > range.upperBound {
            low = middle + 1
        } else {
            return true
        }
    }
    return false
}

extension String {
    /// The text padded with spaces to `width` terminal columns.
    ///
    /// Text that is already wider is returned unchanged. With `.center`,
    /// odd leftover space goes to the right.
    package func padded(toDisplayWidth width: Int, alignment: TextTable.Alignment = .left) -> String {
        let padding = width - displayWidth(self)
        guard padding > 0 else { return self }
        switch alignment {
        case .left:
            return self + String(repeating: " ", count: padding)
        case .right:
            return String(repeating: " ", count: padding) + self
        case .center:
            let leading = padding / 2
            return String(repeating: " ", count: leading) + self + String(repeating: " ", count: padding - leading)
        }
    }
}
