// JsonWriter and json_quote.
#include "nsdev/json.h"

#include <cstdio>
#include <stdexcept>

namespace nsdev {
namespace {

// Length of the valid UTF-8 sequence starting at @s[i], or 0 if there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
    return len;
}

}  // namespace

std::string json_quote(std::string_view text) {
    std::string out = "\"";
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\b':
                out += "\\b";
                ++i;
                continue;
            case '\f':
                out += "\\f";
                ++i;
                continue;
            default:
                break;
        }
        if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
            ++i;
            continue;
        }
        const size_t len = utf8_sequence(text, i);
        if (len == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        out.append(text.substr(i, len));
        i += len;
    }
    out += '"';
    return out;
}

void JsonWriter::indent() {
    out_ << '\n';
    for (size_t i = 0; i < stack_.size(); ++i) out_ << "  ";
}

void JsonWriter::before_value() {
    if (done_) throw std::logic_error("JsonWriter: a second top-level value");
    if (stack_.empty()) return;  // the top-level value
    Level& top = stack_.back();
    if (top.scope == Scope::Object) {
        if (!key_pending_) throw std::logic_error("JsonWriter: object member without a key");
        key_pending_ = false;
        return;  // key() already placed the comma and indentation
    }
    if (!top.empty) out_ << ',';
    top.empty = false;
    indent();
}

void JsonWriter::open(Scope scope, char bracket) {
    before_value();
    out_ << bracket;
    stack_.push_back({scope});
}

void JsonWriter::close(Scope scope, char bracket) {
    if (stack_.empty() || stack_.back().scope != scope || key_pending_)
        throw std::logic_error(std::string("JsonWriter: unbalanced '") + bracket + "'");
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) indent();
    out_ << bracket;
    if (stack_.empty()) done_ = true;
}

JsonWriter& JsonWriter::begin_object() {
    open(Scope::Object, '{');
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    close(Scope::Object, '}');
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    open(Scope::Array, '[');
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    close(Scope::Array, ']');
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    if (stack_.empty() || stack_.back().scope != Scope::Object || key_pending_)
        throw std::logic_error("JsonWriter: key outside an object or twice");
    Level& top = stack_.back();
    if (!top.empty) out_ << ',';
    top.empty = false;
    indent();
    out_ << json_quote(name) << ": ";
    key_pending_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    before_value();
    out_ << json_quote(text);
    if (stack_.empty()) done_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(bool b) { return number(b ? "true" : "false"); }

JsonWriter& JsonWriter::null() { return number("null"); }

JsonWriter& JsonWriter::number(const std::string& literal) {
    before_value();
    out_ << literal;
    if (stack_.empty()) done_ = true;
    return *this;
}

void JsonWriter::finish() {
    if (!done_) throw std::logic_error("JsonWriter: document incomplete");
    out_ << '\n';
    out_.flush();
}

}  // namespace nsdev
