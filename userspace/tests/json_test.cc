// Host tests of the JSON writer: escaping and structure.
#include "nsdev/json.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace nsdev {
namespace {

TEST(JsonQuote, PlainTextIsQuoted) { EXPECT_EQ(json_quote("null"), "\"null\""); }

TEST(JsonQuote, QuoteAndBackslashAreEscaped) {
    EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(JsonQuote, ControlCharactersAreEscaped) {
    EXPECT_EQ(json_quote("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
    EXPECT_EQ(json_quote(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
    EXPECT_EQ(json_quote(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(JsonQuote, SlashIsNotEscaped) { EXPECT_EQ(json_quote("net/tun"), "\"net/tun\""); }

TEST(JsonQuote, ValidUtf8PassesThrough) {
    EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(JsonQuote, InvalidUtf8BecomesReplacementCharacter) {
    EXPECT_EQ(json_quote("a\xff"
                         "b"),
              "\"a\\ufffdb\"");                                          // not a lead byte
    EXPECT_EQ(json_quote("\xc3"), "\"\\ufffd\"");                        // truncated
    EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
    EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
    EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(JsonWriter, NestedDocumentIsIndented) {
    std::ostringstream out;
    JsonWriter w(out);
    w.begin_object().field("name", "loop0").field("major", 7).field("owned", true);
    w.key("flags").begin_array().value("owned").value("loop").end_array();
    w.key("owner").null();
    w.key("empty").begin_array().end_array();
    w.key("none").begin_object().end_object();
    w.end_object().finish();
    EXPECT_EQ(out.str(),
              "{\n"
              "  \"name\": \"loop0\",\n"
              "  \"major\": 7,\n"
              "  \"owned\": true,\n"
              "  \"flags\": [\n"
              "    \"owned\",\n"
              "    \"loop\"\n"
              "  ],\n"
              "  \"owner\": null,\n"
              "  \"empty\": [],\n"
              "  \"none\": {}\n"
              "}\n");
}

TEST(JsonWriter, NumbersKeepTheirRange) {
    std::ostringstream out;
    JsonWriter w(out);
    w.begin_array().value(uint64_t{18446744073709551615u}).value(-5).value(0u).end_array().finish();
    EXPECT_EQ(out.str(), "[\n  18446744073709551615,\n  -5,\n  0\n]\n");
}

TEST(JsonWriter, KeysAreEscaped) {
    std::ostringstream out;
    JsonWriter w(out);
    w.begin_object().field("a\"b", "x").end_object().finish();
    EXPECT_EQ(out.str(), "{\n  \"a\\\"b\": \"x\"\n}\n");
}

TEST(JsonWriter, MisuseThrowsLogicError) {
    std::ostringstream out;
    {
        JsonWriter w(out);
        w.begin_object();
        EXPECT_THROW(w.value("no key"), std::logic_error);
    }
    {
        JsonWriter w(out);
        w.begin_array();
        EXPECT_THROW(w.key("k"), std::logic_error);
        EXPECT_THROW(w.end_object(), std::logic_error);
    }
    {
        JsonWriter w(out);
        w.begin_object().key("k");
        EXPECT_THROW(w.key("again"), std::logic_error);
        EXPECT_THROW(w.end_object(), std::logic_error);
    }
    {
        JsonWriter w(out);
        w.value(1);
        EXPECT_THROW(w.value(2), std::logic_error);
    }
    {
        JsonWriter w(out);
        w.begin_object();
        EXPECT_THROW(w.finish(), std::logic_error);
    }
    {
        JsonWriter w(out);
        EXPECT_THROW(w.finish(), std::logic_error);
    }
}

}  // namespace
}  // namespace nsdev
