// The one JSON writer behind every --json output.
#pragma once

#include <concepts>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace nsdev {

/**
 * json_quote - @text as a JSON string literal, quotes included.
 * @text: any bytes.
 *
 * '"' and '\' are escaped, control characters become \n, \t, \r, \b, \f or
 * \u00XX, and so does DEL; valid UTF-8 passes through unchanged; each byte
 * of an invalid UTF-8 sequence (file names are bytes, not text) becomes
 * U+FFFD, so the output is always valid JSON in valid UTF-8.
 */
std::string json_quote(std::string_view text);

/**
 * JsonWriter - writes one JSON document to a stream, structurally checked.
 *
 * Callers say what they mean (begin_object, key, value, end_object) and the
 * writer places commas, colons, quotes and indentation (two spaces, one
 * member per line, as util-linux tools print). Misuse (a value where a key
 * is due, end_array closing an object, a second top-level value) throws
 * std::logic_error: that is a bug in the caller, never in the data.
 *
 *   JsonWriter w(std::cout);
 *   w.begin_object().field("name", "null").field("major", 1).end_object();
 *   w.finish();   // the closing newline; checks nothing is left open
 */
class JsonWriter {
public:
    /** JsonWriter - write to @out; nothing is written until the first call. */
    explicit JsonWriter(std::ostream& out) : out_(out) {}

    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    /** begin_object / end_object - "{" ... "}". */
    JsonWriter& begin_object();
    JsonWriter& end_object();

    /** begin_array / end_array - "[" ... "]". */
    JsonWriter& begin_array();
    JsonWriter& end_array();

    /** key - the name of the next object member; a value must follow. */
    JsonWriter& key(std::string_view name);

    /** value - a string, quoted with json_quote(). */
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }

    /** value - true or false. */
    JsonWriter& value(bool b);

    /** value - an integer, in decimal. */
    template <std::integral T>
    requires(!std::same_as<T, bool>) JsonWriter& value(T n) {
        if constexpr (std::is_signed_v<T>)
            return number(std::to_string(static_cast<long long>(n)));
        else
            return number(std::to_string(static_cast<unsigned long long>(n)));
    }

    /** null - the literal null. */
    JsonWriter& null();

    /** field - key(@name) then value(@v). */
    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }

    /**
     * finish - end the document with a newline.
     *
     * Throws std::logic_error if no value was written or a container is
     * still open.
     */
    void finish();

private:
    enum class Scope { Object, Array };
    struct Level {
        Scope scope;
        bool empty = true;
    };

    JsonWriter& number(const std::string& digits);
    void before_value();  // comma, newline, indentation; checks a value may come here
    void open(Scope scope, char bracket);
    void close(Scope scope, char bracket);
    void indent();

    std::ostream& out_;
    std::vector<Level> stack_;
    bool key_pending_ = false;  // key() written, its value not yet
    bool done_ = false;         // the top-level value is complete
};

}  // namespace nsdev
