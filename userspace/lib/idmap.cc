// Id maps: parsers for each format, validation, /etc/subuid.
#include "nsdev/idmap.h"

#include <algorithm>
#include <optional>

#include "parse_util.h"

namespace nsdev {
namespace {

// "ids A-B" for a range of @count ids from @first (64-bit: may overflow u32).
std::string id_span(uint64_t first, uint64_t count) {
    if (count == 1) return "id " + std::to_string(first);
    return "ids " + std::to_string(first) + "-" + std::to_string(first + count - 1);
}

// A decimal u32 field; @what names it ("INSIDE", "start"). Return: the
// value, or a problem in @problem.
std::optional<uint32_t> number_field(std::string_view text, std::string_view what,
                                     std::string& problem) {
    if (text.empty()) {
        problem = "missing " + std::string(what);
        return std::nullopt;
    }
    if (!detail::is_digits(text)) {
        problem = std::string(what) + " \"" + std::string(text) + "\" is not a decimal number";
        return std::nullopt;
    }
    std::optional<uint32_t> v = detail::parse_decimal<uint32_t>(text);
    if (!v)
        problem = std::string(what) + " " + std::string(text) + " is out of range (0-4294967295)";
    return v;
}

// Splits @s at each of @sep into fields.
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

// Whitespace-separated fields.
std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (true) {
        i = s.find_first_not_of(" \t\r", i);
        if (i == std::string_view::npos) return out;
        size_t end = s.find_first_of(" \t\r", i);
        if (end == std::string_view::npos) end = s.size();
        out.push_back(s.substr(i, end - i));
        i = end;
    }
}

std::string_view trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

[[noreturn]] void line_error(std::string_view source, size_t line, const std::string& problem) {
    throw IdMapError(std::string(source) + " line " + std::to_string(line) + ": " + problem);
}

// Calls @fn(line_number, line) for each line of @text.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
    size_t pos = 0;
    size_t number = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        fn(++number, text.substr(pos, end - pos));
        pos = end + 1;
    }
}

bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a < b + blen && b < a + alen;
}

// ---- libvirt XML, just enough of it.

class XmlScanner {
public:
    XmlScanner(std::string_view text, std::string_view source) : t_(text), source_(source) {}

    [[noreturn]] void fail(size_t pos, const std::string& problem) const {
        const size_t line = 1 + static_cast<size_t>(std::count(
                                    t_.begin(), t_.begin() + std::min(pos, t_.size()), '\n'));
        line_error(source_, line, problem);
    }

    // The position of the next tag "<NAME" (not a comment, declaration or
    // processing instruction) at or after @pos whose name is @name; npos.
    size_t find_open_tag(size_t pos, std::string_view name) const {
        while ((pos = t_.find('<', pos)) != std::string_view::npos) {
            if (t_.substr(pos, 4) == "<!--") {
                size_t end = t_.find("-->", pos + 4);
                if (end == std::string_view::npos) fail(pos, "unterminated comment");
                pos = end + 3;
                continue;
            }
            if (t_.substr(pos + 1, name.size()) == name) {
                size_t after = pos + 1 + name.size();
                if (after < t_.size() &&
                    (t_[after] == '>' || t_[after] == '/' || t_[after] == ' ' ||
                     t_[after] == '\t' || t_[after] == '\n' || t_[after] == '\r'))
                    return pos;
            }
            ++pos;
        }
        return std::string_view::npos;
    }

    struct Tag {
        size_t pos = 0;  // of '<'
        std::string name;
        bool closing = false;       // </name>
        bool self_closing = false;  // <name ... />
        std::vector<std::pair<std::string, std::string>> attrs;
        std::vector<size_t> attr_pos;
        size_t end = 0;  // just past '>'
    };

    // Parses the tag starting at @pos ('<').
    Tag read_tag(size_t pos) const {
        Tag tag;
        tag.pos = pos;
        size_t i = pos + 1;
        if (i < t_.size() && t_[i] == '/') {
            tag.closing = true;
            ++i;
        }
        const size_t name_start = i;
        while (i < t_.size() && is_name_char(t_[i])) ++i;
        tag.name = t_.substr(name_start, i - name_start);
        if (tag.name.empty()) fail(pos, "malformed tag");
        while (true) {
            i = skip_space(i);
            if (i >= t_.size()) fail(pos, "unterminated <" + tag.name + "> tag");
            if (t_[i] == '>') {
                tag.end = i + 1;
                return tag;
            }
            if (t_[i] == '/' && i + 1 < t_.size() && t_[i + 1] == '>' && !tag.closing) {
                tag.self_closing = true;
                tag.end = i + 2;
                return tag;
            }
            if (tag.closing) fail(i, "malformed </" + tag.name + "> tag");
            const size_t attr_start = i;
            while (i < t_.size() && is_name_char(t_[i])) ++i;
            std::string attr(t_.substr(attr_start, i - attr_start));
            if (attr.empty()) fail(i, "malformed attribute in <" + tag.name + ">");
            i = skip_space(i);
            if (i >= t_.size() || t_[i] != '=')
                fail(i, "attribute " + attr + " of <" + tag.name + "> has no value");
            i = skip_space(i + 1);
            if (i >= t_.size() || (t_[i] != '\'' && t_[i] != '"'))
                fail(i, "value of attribute " + attr + " of <" + tag.name + "> is not quoted");
            const char quote = t_[i];
            const size_t close = t_.find(quote, i + 1);
            if (close == std::string_view::npos)
                fail(i, "unterminated value of attribute " + attr + " of <" + tag.name + ">");
            tag.attrs.emplace_back(attr, std::string(t_.substr(i + 1, close - i - 1)));
            tag.attr_pos.push_back(attr_start);
            i = close + 1;
        }
    }

    size_t skip_space(size_t i) const {
        while (i < t_.size() && (t_[i] == ' ' || t_[i] == '\t' || t_[i] == '\n' || t_[i] == '\r'))
            ++i;
        return i;
    }

    std::string_view text() const { return t_; }

private:
    static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ':';
    }

    std::string_view t_;
    std::string_view source_;
};

// One <uid .../> or <gid .../> element as a range.
IdRange libvirt_range(const XmlScanner& xml, const XmlScanner::Tag& tag) {
    std::optional<uint32_t> values[3];
    static constexpr const char* kAttrs[3] = {"start", "target", "count"};
    for (size_t a = 0; a < tag.attrs.size(); ++a) {
        const auto& [name, value] = tag.attrs[a];
        const auto* it = std::find(std::begin(kAttrs), std::end(kAttrs), name);
        if (it == std::end(kAttrs))
            xml.fail(tag.attr_pos[a], "<" + tag.name + "> has an unknown attribute " + name +
                                          " (expected start, target, count)");
        std::optional<uint32_t>& slot = values[it - std::begin(kAttrs)];
        if (slot) xml.fail(tag.attr_pos[a], "<" + tag.name + "> repeats attribute " + name);
        std::string problem;
        slot = number_field(value, name, problem);
        if (!slot) xml.fail(tag.attr_pos[a], "<" + tag.name + ">: " + problem);
    }
    for (size_t k = 0; k < 3; ++k)
        if (!values[k]) xml.fail(tag.pos, "<" + tag.name + "> lacks attribute " + kAttrs[k]);
    IdRange r{*values[0], *values[1], *values[2]};
    std::string problem = check_range(r);
    if (!problem.empty()) xml.fail(tag.pos, "<" + tag.name + ">: " + problem);
    return r;
}

}  // namespace

const char* id_kind_name(IdKind kind) { return kind == IdKind::Uid ? "uid" : "gid"; }

std::string IdRange::to_string() const {
    return std::to_string(inside) + " " + std::to_string(outside) + " " + std::to_string(count);
}

std::string check_range(const IdRange& r) {
    if (r.count == 0) return "count must be at least 1";
    const uint64_t last_inside = uint64_t{r.inside} + r.count - 1;
    const uint64_t last_outside = uint64_t{r.outside} + r.count - 1;
    const char* verb = r.count == 1 ? " goes past " : " go past ";
    if (last_inside > kMaxId)
        return id_span(r.inside, r.count) + " inside the namespace" + verb +
               std::to_string(kMaxId) + ", the largest valid id";
    if (last_outside > kMaxId)
        return id_span(r.outside, r.count) + " outside the namespace" + verb +
               std::to_string(kMaxId) + ", the largest valid id";
    return "";
}

IdMapOption parse_map_option(std::string_view spec) {
    const auto fail = [&](const std::string& problem) -> IdMapOption {
        throw IdMapError("invalid --map \"" + std::string(spec) + "\": " + problem);
    };
    static constexpr const char* kForm =
        " (expected u:INSIDE:OUTSIDE:COUNT or g:INSIDE:OUTSIDE:COUNT)";
    if (spec.empty()) return fail(std::string("empty") + kForm);
    const std::vector<std::string_view> f = split(spec, ':');
    IdMapOption opt;
    if (f[0] == "u") {
        opt.kind = IdKind::Uid;
    } else if (f[0] == "g") {
        opt.kind = IdKind::Gid;
    } else {
        return fail("type \"" + std::string(f[0]) + "\" is neither u nor g" + kForm);
    }
    static constexpr const char* kNames[] = {"INSIDE", "OUTSIDE", "COUNT"};
    if (f.size() > 4) return fail(std::string("too many fields") + kForm);
    if (f.size() < 4) return fail("missing " + std::string(kNames[f.size() - 1]) + kForm);
    uint32_t v[3];
    for (size_t k = 0; k < 3; ++k) {
        std::string problem;
        std::optional<uint32_t> n = number_field(f[k + 1], kNames[k], problem);
        if (!n) return fail(problem);
        v[k] = *n;
    }
    opt.range = {v[0], v[1], v[2]};
    std::string problem = check_range(opt.range);
    if (!problem.empty()) return fail(problem);
    return opt;
}

IdMapping parse_lxc_idmap(std::string_view text, std::string_view source) {
    IdMapping mapping;
    for_each_line(text, [&](size_t number, std::string_view raw) {
        std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#') return;
        if (line.substr(0, 4) == "lxc.") {
            const size_t eq = line.find('=');
            const std::string_view key = line.substr(0, line.find_first_of("= \t"));
            if (key != "lxc.idmap" && key != "lxc.id_map") return;  // another lxc key
            if (eq == std::string_view::npos)
                line_error(source, number, std::string(key) + " without '='");
            line = trim(line.substr(eq + 1));
        }
        const std::vector<std::string_view> f = fields(line);
        if (f.size() != 4)
            line_error(source, number,
                       "expected 4 fields (u|g INSIDE OUTSIDE COUNT), got " +
                           std::to_string(f.size()) + ": \"" + std::string(line) + "\"");
        IdKind kind;
        if (f[0] == "u") {
            kind = IdKind::Uid;
        } else if (f[0] == "g") {
            kind = IdKind::Gid;
        } else {
            line_error(source, number, "type \"" + std::string(f[0]) + "\" is neither u nor g");
        }
        static constexpr const char* kNames[] = {"INSIDE", "OUTSIDE", "COUNT"};
        uint32_t v[3];
        for (size_t k = 0; k < 3; ++k) {
            std::string problem;
            std::optional<uint32_t> n = number_field(f[k + 1], kNames[k], problem);
            if (!n) line_error(source, number, problem);
            v[k] = *n;
        }
        IdRange r{v[0], v[1], v[2]};
        std::string problem = check_range(r);
        if (!problem.empty()) line_error(source, number, problem);
        mapping.of(kind).push_back(r);
    });
    return mapping;
}

IdMapping parse_libvirt_idmap(std::string_view text, std::string_view source) {
    XmlScanner xml(text, source);
    const size_t start = xml.find_open_tag(0, "idmap");
    if (start == std::string_view::npos)
        throw IdMapError(std::string(source) + ": no <idmap> element");
    const XmlScanner::Tag open = xml.read_tag(start);
    if (!open.attrs.empty()) xml.fail(open.attr_pos[0], "<idmap> takes no attributes");

    IdMapping mapping;
    size_t pos = open.end;
    if (!open.self_closing) {
        while (true) {
            size_t lt = text.find('<', pos);
            const std::string_view between =
                text.substr(pos, lt == std::string_view::npos ? lt : lt - pos);
            const size_t stray = between.find_first_not_of(" \t\r\n");
            if (stray != std::string_view::npos)
                xml.fail(pos + stray, "unexpected text in <idmap>");
            if (lt == std::string_view::npos) xml.fail(start, "<idmap> is not closed");
            if (text.substr(lt, 4) == "<!--") {
                size_t end = text.find("-->", lt + 4);
                if (end == std::string_view::npos) xml.fail(lt, "unterminated comment");
                pos = end + 3;
                continue;
            }
            XmlScanner::Tag tag = xml.read_tag(lt);
            if (tag.closing) {
                if (tag.name != "idmap") xml.fail(lt, "unexpected </" + tag.name + "> in <idmap>");
                pos = tag.end;
                break;
            }
            if (tag.name != "uid" && tag.name != "gid")
                xml.fail(lt, "unexpected <" + tag.name + "> in <idmap> (expected <uid> or <gid>)");
            mapping.of(tag.name == "uid" ? IdKind::Uid : IdKind::Gid)
                .push_back(libvirt_range(xml, tag));
            pos = tag.end;
            if (!tag.self_closing) {
                // "<uid ...></uid>": nothing but blanks, then the end tag.
                size_t end_lt = xml.skip_space(pos);
                if (end_lt >= text.size() || text[end_lt] != '<')
                    xml.fail(pos, "<" + tag.name + "> must be empty");
                XmlScanner::Tag close = xml.read_tag(end_lt);
                if (!close.closing || close.name != tag.name)
                    xml.fail(end_lt, "<" + tag.name + "> must be empty and closed");
                pos = close.end;
            }
        }
    }
    if (xml.find_open_tag(pos, "idmap") != std::string_view::npos)
        xml.fail(xml.find_open_tag(pos, "idmap"), "more than one <idmap> element");
    return mapping;
}

IdMapping parse_idmap_file(std::string_view text, std::string_view source) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '<')
        return parse_libvirt_idmap(text, source);
    return parse_lxc_idmap(text, source);
}

std::vector<IdRange> normalize_id_map(std::vector<IdRange> ranges, IdKind kind) {
    const std::string name = id_kind_name(kind);
    if (ranges.size() > kMaxIdRanges)
        throw IdMapError(name + " map has " + std::to_string(ranges.size()) +
                         " ranges; the kernel accepts at most " + std::to_string(kMaxIdRanges));
    for (const IdRange& r : ranges) {
        std::string problem = check_range(r);
        if (!problem.empty())
            throw IdMapError(name + " map: range " + r.to_string() + ": " + problem);
    }
    std::stable_sort(ranges.begin(), ranges.end(),
                     [](const IdRange& a, const IdRange& b) { return a.inside < b.inside; });
    // Sorted by inside id, an inside overlap shows between neighbours.
    for (size_t i = 1; i < ranges.size(); ++i) {
        const IdRange& a = ranges[i - 1];
        const IdRange& b = ranges[i];
        if (ranges_overlap(a.inside, a.count, b.inside, b.count)) {
            const uint64_t first = b.inside;
            const uint64_t last =
                std::min<uint64_t>(uint64_t{a.inside} + a.count, uint64_t{b.inside} + b.count);
            throw IdMapError(name + " map: ranges " + a.to_string() + " and " + b.to_string() +
                             " overlap inside the namespace (" + id_span(first, last - first) +
                             ")");
        }
    }
    // Outside overlaps can be between any two; a map holds at most 340.
    for (size_t i = 0; i < ranges.size(); ++i)
        for (size_t j = i + 1; j < ranges.size(); ++j) {
            const IdRange& a = ranges[i];
            const IdRange& b = ranges[j];
            if (!ranges_overlap(a.outside, a.count, b.outside, b.count)) continue;
            const uint64_t first = std::max(a.outside, b.outside);
            const uint64_t last =
                std::min<uint64_t>(uint64_t{a.outside} + a.count, uint64_t{b.outside} + b.count);
            throw IdMapError(name + " map: ranges " + a.to_string() + " and " + b.to_string() +
                             " overlap outside the namespace (host " +
                             id_span(first, last - first) + ")");
        }
    if (ranges.empty() || ranges.front().inside != 0)
        throw IdMapError(name + " map does not map root (" + name + " 0 inside the namespace)");
    return ranges;
}

IdMapping normalize_id_mapping(IdMapping mapping) {
    mapping.uid = normalize_id_map(std::move(mapping.uid), IdKind::Uid);
    mapping.gid = normalize_id_map(std::move(mapping.gid), IdKind::Gid);
    return mapping;
}

std::string format_proc_map(const std::vector<IdRange>& ranges) {
    std::string text;
    for (const IdRange& r : ranges) text += r.to_string() + "\n";
    return text;
}

std::vector<SubIdRange> parse_subid(std::string_view text, std::string_view source) {
    std::vector<SubIdRange> entries;
    for_each_line(text, [&](size_t number, std::string_view raw) {
        const std::string_view line = trim(raw);
        if (line.empty() || line[0] == '#') return;
        const std::vector<std::string_view> f = split(line, ':');
        if (f.size() != 3)
            line_error(source, number,
                       "expected OWNER:START:COUNT, got \"" + std::string(line) + "\"");
        if (f[0].empty()) line_error(source, number, "empty OWNER");
        std::string problem;
        std::optional<uint32_t> start = number_field(f[1], "START", problem);
        if (!start) line_error(source, number, problem);
        std::optional<uint32_t> count = number_field(f[2], "COUNT", problem);
        if (!count) line_error(source, number, problem);
        if (*count == 0) line_error(source, number, "COUNT must be at least 1");
        if (uint64_t{*start} + *count - 1 > kMaxId)
            line_error(source, number,
                       id_span(*start, *count) + (*count == 1 ? " goes past " : " go past ") +
                           std::to_string(kMaxId) + ", the largest valid id");
        entries.push_back({std::string(f[0]), *start, *count});
    });
    return entries;
}

std::vector<SubIdRange> subid_ranges_for(const std::vector<SubIdRange>& entries,
                                         std::string_view user, uint32_t id) {
    std::vector<SubIdRange> out;
    const std::string numeric = std::to_string(id);
    for (const SubIdRange& e : entries)
        if ((!user.empty() && e.owner == user) || e.owner == numeric) out.push_back(e);
    return out;
}

std::vector<IdRange> default_subid_map(const std::vector<SubIdRange>& ranges, IdKind kind,
                                       std::string_view who, std::string_view source) {
    if (ranges.empty())
        throw SubIdError(std::string("no subordinate ") + id_kind_name(kind) + "s for " +
                         std::string(who) + " in " + std::string(source));
    std::vector<IdRange> map;
    uint64_t inside = 0;
    for (const SubIdRange& r : ranges) {
        if (inside > kMaxId) break;
        const uint64_t count = std::min<uint64_t>(r.count, uint64_t{kMaxId} + 1 - inside);
        map.push_back({static_cast<uint32_t>(inside), r.start, static_cast<uint32_t>(count)});
        inside += count;
        if (map.size() == kMaxIdRanges) break;
    }
    return map;
}

void check_subid_map(const std::vector<IdRange>& ranges, IdKind kind,
                     const std::vector<SubIdRange>& allowed, uint32_t own_id, std::string_view who,
                     std::string_view source) {
    const std::string name = id_kind_name(kind);
    for (const IdRange& r : ranges) {
        if (r.count == 1 && r.outside == own_id) continue;
        bool ok = false;
        for (const SubIdRange& a : allowed)
            if (r.outside >= a.start &&
                uint64_t{r.outside} + r.count <= uint64_t{a.start} + a.count)
                ok = true;
        if (ok) continue;
        std::string have;
        for (const SubIdRange& a : allowed)
            have += (have.empty() ? "" : ", ") + std::to_string(a.start) + "-" +
                    std::to_string(uint64_t{a.start} + a.count - 1);
        throw SubIdError(name + " range " + r.to_string() + " (host " +
                         id_span(r.outside, r.count) + ") is not within the subordinate " + name +
                         "s of " + std::string(who) + " in " + std::string(source) + " (" +
                         (have.empty() ? "none" : have) + ") nor your own " + name + " " +
                         std::to_string(own_id));
    }
}

}  // namespace nsdev
