#include "dumpprocs/kernel/code_page.hpp"

#include <algorithm>
#include <cerrno>
#include <string>

#include <fmt/format.h>
#include <iconv.h>

namespace dumpprocs::kernel {
namespace {

// The iconv name of a code page (glibc's gconv modules), or nullptr.
const char* iconvName(unsigned code_page) {
    switch (code_page) {
    case 437:
        return "CP437";
    case 850:
        return "CP850";
    case 866:
        return "CP866";
    case 874:
        return "CP874";
    case 932:
        return "CP932";
    case 936:
        return "CP936";
    case 949:
        return "CP949";
    case 950:
        return "CP950";
    case 1250:
        return "CP1250";
    case 1251:
        return "CP1251";
    case 1252:
        return "CP1252";
    case 1253:
        return "CP1253";
    case 1254:
        return "CP1254";
    case 1255:
        return "CP1255";
    case 1256:
        return "CP1256";
    case 1257:
        return "CP1257";
    case 1258:
        return "CP1258";
    case 65001:
        return "UTF-8";
    }
    return nullptr;
}

class Converter {
  public:
    explicit Converter(const char* from) : cd_(iconv_open("UTF-8", from)) {}
    ~Converter() {
        if (ok())
            iconv_close(cd_);
    }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

  private:
    iconv_t cd_;
};

// A decoded character the terminal would act on: C0, DEL, C1 (U+0080..U+009F in UTF-8).
bool hasControl(const std::string& utf8) {
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto b = static_cast<unsigned char>(utf8[i]);
        if (b < 0x20 || b == 0x7F)
            return true;
        if (b == 0xC2 && i + 1 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(utf8[i + 1]) <= 0x9F)
            return true;
    }
    return false;
}

} // namespace

const std::vector<unsigned>& knownCodePages() {
    static const std::vector<unsigned> pages = {437,  850,  866,  874,  932,  936,
                                                949,  950,  1250, 1251, 1252, 1253,
                                                1254, 1255, 1256, 1257, 1258, 65001};
    return pages;
}

Expected<void> checkCodePage(unsigned code_page) {
    const char* name = iconvName(code_page);
    if (!name)
        return makeError(ErrorCode::Usage, "code page {} is not one the tool knows", code_page);
    if (!Converter(name).ok())
        return makeError(ErrorCode::Usage,
                         "code page {}: this system's C library cannot convert {} (iconv)",
                         code_page, name);
    return {};
}

std::optional<std::string> decodeCodePage(std::string_view bytes, unsigned code_page) {
    const char* name = iconvName(code_page);
    if (!name)
        return std::nullopt;
    Converter cd(name);
    if (!cd.ok())
        return std::nullopt;
    std::string in(bytes);
    std::string out(in.size() * 4 + 16, '\0');
    char* src = in.data();
    char* dst = out.data();
    std::size_t src_left = in.size(), dst_left = out.size();
    if (iconv(cd.get(), &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1) ||
        src_left != 0)
        return std::nullopt;
    // A stateful code page (1258's combining marks) may hold a character back: flush it.
    if (iconv(cd.get(), nullptr, nullptr, &dst, &dst_left) == static_cast<std::size_t>(-1))
        return std::nullopt;
    out.resize(out.size() - dst_left);
    if (hasControl(out))
        return std::nullopt;
    return out;
}

} // namespace dumpprocs::kernel
