// UTF-8, general category, NFC and full case folding. The data comes from
// tables generated at build time from Python's unicodedata (see
// cpp/tools/make_unicode_tables.py); the algorithms are the standard ones
// (UAX #15 for NFC, with Hangul handled arithmetically).
#include "deltaform/unicode.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace deltaform::unicode {
namespace {
#include "unicode_tables.inc"

// Value of the run containing cp, for tables of (run start, run value).
template <std::size_t N, typename V>
V run_value(const std::uint32_t (&starts)[N], const V (&values)[N], char32_t cp) {
  const std::uint32_t* end = starts + N;
  const std::uint32_t* it = std::upper_bound(starts, end, static_cast<std::uint32_t>(cp));
  return values[(it - starts) - 1];  // starts[0] == 0, so it > starts
}

// Index of key in a sorted table, or -1.
template <std::size_t N, typename K>
long find_key(const K (&keys)[N], std::size_t size, K key) {
  const K* end = keys + size;
  const K* it = std::lower_bound(keys, end, key);
  return (it != end && *it == key) ? static_cast<long>(it - keys) : -1;
}

// ---- Hangul syllables (Unicode chapter 3.12)
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

// Packed normalization properties (see make_unicode_tables.py).
constexpr std::uint16_t kQuickCheckNotYes = 3u << 8, kHasFold = 1u << 10, kHasDecomp = 1u << 11;
std::uint16_t props(char32_t cp) {
  if (cp >= kPropLimit) return 0;
  constexpr char32_t mask = (char32_t(1) << kPropBlockShift) - 1;
  return kPropStage2[std::size_t(kPropStage1[cp >> kPropBlockShift]) << kPropBlockShift |
                     (cp & mask)];
}
std::uint8_t ccc(char32_t cp) { return static_cast<std::uint8_t>(props(cp) & 0xFF); }

void decompose_into(std::vector<char32_t>& out, char32_t cp) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const long k =
      (props(cp) & kHasDecomp) ? find_key(kDecompKey, kDecompKey_size, std::uint32_t(cp)) : -1;
  if (k < 0) {
    out.push_back(cp);
    return;
  }
  const std::uint16_t ref = kDecompRef[k];
  const std::uint32_t* p = kDecompPool + (ref >> 3);
  out.insert(out.end(), p, p + (ref & 7));
}

// The primary composite of (a, b), or 0 when they do not compose.
char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const std::uint64_t key = std::uint64_t(a) << 21 | b;
  const long k = find_key(kComposeKey, kComposeKey_size, key);
  return k < 0 ? 0 : kComposeValue[k];
}

// Stable sort of a run of non-starters by combining class. Short runs (the
// usual case) use insertion sort; long ones a counting sort, so that a
// megabyte of combining marks still takes linear time.
void sort_run(char32_t* first, char32_t* last, std::vector<char32_t>& scratch) {
  const std::size_t n = static_cast<std::size_t>(last - first);
  if (n < 2) return;
  if (n <= 32) {
    for (std::size_t i = 1; i < n; ++i) {
      const char32_t c = first[i];
      const std::uint8_t cc = ccc(c);
      std::size_t j = i;
      for (; j > 0 && ccc(first[j - 1]) > cc; --j) first[j] = first[j - 1];
      first[j] = c;
    }
    return;
  }
  std::array<std::size_t, 257> start{};
  for (std::size_t i = 0; i < n; ++i) ++start[std::size_t(ccc(first[i])) + 1];
  for (std::size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
  scratch.resize(n);
  for (std::size_t i = 0; i < n; ++i) scratch[start[ccc(first[i])]++] = first[i];
  std::copy(scratch.begin(), scratch.end(), first);
}

std::vector<char32_t> decode_all(std::string_view s) {
  std::vector<char32_t> cps;
  cps.reserve(s.size());
  std::size_t i = 0;
  char32_t cp = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    if (!decode(s, i, cp))
      throw std::invalid_argument("invalid UTF-8 at byte offset " + std::to_string(at));
    cps.push_back(cp);
  }
  return cps;
}

// Offset of the first non-ASCII byte (s.size() if none), 8 bytes at a time.
std::size_t ascii_prefix(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

// The NFC quick check (UAX #15, section 9) straight on UTF-8: true when the
// text is certainly already NFC. Throws on invalid UTF-8.
bool quick_check_nfc(std::string_view s) {
  std::uint8_t last = 0;
  std::size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      last = 0;
      continue;
    }
    const std::size_t at = i;
    if (!decode(s, i, cp))
      throw std::invalid_argument("invalid UTF-8 at byte offset " + std::to_string(at));
    if (cp < kNfcSafeBelow) {
      last = 0;
      continue;
    }
    const std::uint16_t p = props(cp);
    const std::uint8_t c = static_cast<std::uint8_t>(p & 0xFF);
    if ((c != 0 && last > c) || (p & kQuickCheckNotYes) != 0) return false;
    last = c;
  }
  return true;
}

std::vector<char32_t> nfc_code_points(const std::vector<char32_t>& in) {
  // Decompose.
  std::vector<char32_t> d;
  d.reserve(in.size() + in.size() / 4);
  for (const char32_t cp : in) decompose_into(d, cp);
  // Canonical reordering: sort each maximal run of non-starters.
  std::vector<char32_t> scratch;
  for (std::size_t i = 0; i < d.size();) {
    if (ccc(d[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < d.size() && ccc(d[j]) != 0) ++j;
    sort_run(d.data() + i, d.data() + j, scratch);
    i = j;
  }
  // Canonical composition, in place: out is d[0..n).
  std::size_t n = 0;
  std::size_t starter = SIZE_MAX;  // index in out of the last starter
  std::uint8_t last_ccc = 0;       // ccc of the last character kept after it
  for (std::size_t i = 0; i < d.size(); ++i) {
    const char32_t cp = d[i];
    const std::uint8_t c = ccc(cp);
    if (starter != SIZE_MAX) {
      const bool adjacent = n == starter + 1;
      // Not blocked: nothing between, or everything between has a lower class
      // (after reordering the last kept one has the highest).
      if (adjacent || (last_ccc != 0 && last_ccc < c)) {
        const char32_t composite = compose_pair(d[starter], cp);
        if (composite != 0) {
          d[starter] = composite;
          continue;
        }
      }
    }
    if (c == 0) {
      starter = n;
      last_ccc = 0;
    } else {
      last_ccc = c;
    }
    d[n++] = cp;
  }
  d.resize(n);
  return d;
}

void append_fold_of(std::string& out, char32_t cp) {
  const long k = find_key(kFoldKey, kFoldKey_size, std::uint32_t(cp));
  if (k < 0) {  // unreachable while the flag and the table agree
    append_utf8(out, cp);
    return;
  }
  const std::uint16_t ref = kFoldRef[k];
  const std::uint32_t* p = kFoldPool + (ref >> 2);
  for (unsigned j = 0; j < (ref & 3u); ++j) append_utf8(out, p[j]);
}

char ascii_lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + ('a' - 'A')) : ch; }

// Full case folding of UTF-8 text; code points without a fold are copied as
// they are. Throws on invalid UTF-8.
std::string casefold_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  std::size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out.push_back(ascii_lower(static_cast<char>(b)));
      ++i;
      continue;
    }
    const std::size_t at = i;
    if (!decode(s, i, cp))
      throw std::invalid_argument("invalid UTF-8 at byte offset " + std::to_string(at));
    if (props(cp) & kHasFold)
      append_fold_of(out, cp);
    else
      out.append(s.data() + at, i - at);
  }
  return out;
}

std::string encode(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size() + cps.size() / 2);
  for (const char32_t cp : cps) append_utf8(out, cp);
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = ascii_lower(ch);
  return out;
}
}  // namespace

// ---- UTF-8

bool decode(std::string_view s, std::size_t& i, char32_t& cp) {
  const std::size_t n = s.size();
  if (i >= n) return false;  // nothing left to decode
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;        // overlong
    else if (b0 == 0xED) hi = 0x9F;   // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;        // overlong
    else if (b0 == 0xF4) hi = 0x8F;   // > U+10FFFF
  } else {
    ++i;  // continuation byte, C0/C1 (overlong) or F5..FF
    return false;
  }
  if (i + 1 >= n || byte(i + 1) < lo || byte(i + 1) > hi) {
    ++i;
    return false;
  }
  char32_t v = b0 & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= n) {
      ++i;
      return false;
    }
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return false;
    }
    v = (v << 6) | (b & 0x3F);
  }
  cp = v;
  i += len;
  return true;
}

bool valid_utf8(std::string_view s, std::size_t* bad_offset) {
  std::size_t i = ascii_prefix(s);
  char32_t cp;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t at = i;
    if (!decode(s, i, cp)) {
      if (bad_offset) *bad_offset = at;
      return false;
    }
  }
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// ---- properties

Category category(char32_t cp) {
  if (cp < kCategoryLow_size) return static_cast<Category>(kCategoryLow[cp]);
  if (cp > 0x10FFFF) return Category::Cn;
  return static_cast<Category>(run_value(kCategoryStart, kCategoryValue, cp));
}

bool is_letter(char32_t cp) { return category(cp) <= Category::Lo; }
bool is_mark(char32_t cp) {
  const Category c = category(cp);
  return c >= Category::Mn && c <= Category::Me;
}
bool is_digit(char32_t cp) { return category(cp) == Category::Nd; }
bool is_space(char32_t cp) { return cp == '\t' || category(cp) == Category::Zs; }

const char* category_name(Category c) {
  static constexpr const char* kNames[] = {
      "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
      "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"};
  return kNames[static_cast<std::size_t>(c)];
}

const char* unicode_version() { return kUnicodeVersion; }

// ---- normalization

std::string nfc(std::string_view utf8) {
  if (ascii_prefix(utf8) == utf8.size() || quick_check_nfc(utf8)) return std::string(utf8);
  return encode(nfc_code_points(decode_all(utf8)));
}

std::string casefold(std::string_view utf8) {
  if (ascii_prefix(utf8) == utf8.size()) return ascii_lower(utf8);
  return casefold_utf8(utf8);
}

std::string normalize_name(std::string_view utf8) {
  if (ascii_prefix(utf8) == utf8.size()) return ascii_lower(utf8);
  if (quick_check_nfc(utf8)) return casefold_utf8(utf8);
  return casefold_utf8(encode(nfc_code_points(decode_all(utf8))));
}

}  // namespace deltaform::unicode
