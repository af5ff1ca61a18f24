// Host tests of id-map parsing (--map, lxc, libvirt, /etc/subuid) and
// validation, including a property test against a brute-force checker.
#include "nsdev/idmap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <functional>
#include <random>
#include <string>

namespace nsdev {
namespace {

// what() of the exception @fn throws (of type E), or "no exception".
template <typename E = std::exception>
std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    }
    return "no exception";
}

// ---- --map

TEST(ParseMapOption, Valid) {
    EXPECT_EQ(parse_map_option("u:0:100000:65536"), (IdMapOption{IdKind::Uid, {0, 100000, 65536}}));
    EXPECT_EQ(parse_map_option("g:1:2:3"), (IdMapOption{IdKind::Gid, {1, 2, 3}}));
    EXPECT_EQ(parse_map_option("u:4294967294:0:1"),
              (IdMapOption{IdKind::Uid, {4294967294u, 0, 1}}));
}

TEST(ParseMapOption, EveryMalformedInputHasAPreciseError) {
    const std::string form = " (expected u:INSIDE:OUTSIDE:COUNT or g:INSIDE:OUTSIDE:COUNT)";
    const struct {
        const char* spec;
        std::string error;
    } cases[] = {
        {"", "invalid --map \"\": empty" + form},
        {"x:0:1:1", "invalid --map \"x:0:1:1\": type \"x\" is neither u nor g" + form},
        {"U:0:1:1", "invalid --map \"U:0:1:1\": type \"U\" is neither u nor g" + form},
        {"u", "invalid --map \"u\": missing INSIDE" + form},
        {"u:0", "invalid --map \"u:0\": missing OUTSIDE" + form},
        {"u:0:100000", "invalid --map \"u:0:100000\": missing COUNT" + form},
        {"u:0:1:1:1", "invalid --map \"u:0:1:1:1\": too many fields" + form},
        {"u::1:1", "invalid --map \"u::1:1\": missing INSIDE"},
        {"u:0:x:1", "invalid --map \"u:0:x:1\": OUTSIDE \"x\" is not a decimal number"},
        {"u:-1:0:1", "invalid --map \"u:-1:0:1\": INSIDE \"-1\" is not a decimal number"},
        {"u:0:0:+1", "invalid --map \"u:0:0:+1\": COUNT \"+1\" is not a decimal number"},
        {"u: 0:0:1", "invalid --map \"u: 0:0:1\": INSIDE \" 0\" is not a decimal number"},
        {"u:0:0:0x10", "invalid --map \"u:0:0:0x10\": COUNT \"0x10\" is not a decimal number"},
        {"u:0:4294967296:1",
         "invalid --map \"u:0:4294967296:1\": OUTSIDE 4294967296 is out of range (0-4294967295)"},
        {"u:0:0:0", "invalid --map \"u:0:0:0\": count must be at least 1"},
        {"u:4294967295:0:1",
         "invalid --map \"u:4294967295:0:1\": id 4294967295 inside the namespace goes past "
         "4294967294, "
         "the largest valid id"},
        {"g:0:4294967290:10",
         "invalid --map \"g:0:4294967290:10\": ids 4294967290-4294967299 outside the namespace go "
         "past "
         "4294967294, the largest valid id"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(error_of<IdMapError>([&] { parse_map_option(c.spec); }), c.error) << c.spec;
}

// ---- lxc

TEST(ParseLxcIdmap, BareLinesConfigKeysCommentsAndOtherKeys) {
    const IdMapping m = parse_lxc_idmap(
        "# container\n"
        "u 0 100000 65536\n"
        "\n"
        "lxc.idmap = g 0 100000 65536\n"
        "lxc.id_map=u 65536 1000 1\n"
        "lxc.rootfs.path = dir:/var/lib/lxc/c1/rootfs\n"
        "  g\t65536 1000\t1  \r\n",
        "c1.conf");
    EXPECT_EQ(m.uid, (std::vector<IdRange>{{0, 100000, 65536}, {65536, 1000, 1}}));
    EXPECT_EQ(m.gid, (std::vector<IdRange>{{0, 100000, 65536}, {65536, 1000, 1}}));
}

TEST(ParseLxcIdmap, EveryMalformedLineHasAPreciseError) {
    const struct {
        const char* text;
        std::string error;
    } cases[] = {
        {"u 0 100000",
         "f line 1: expected 4 fields (u|g INSIDE OUTSIDE COUNT), got 3: \"u 0 100000\""},
        {"u 0 1 1\nu 0 1 1 1",
         "f line 2: expected 4 fields (u|g INSIDE OUTSIDE COUNT), got 5: \"u 0 1 1 1\""},
        {"b 0 100000 65536", "f line 1: type \"b\" is neither u nor g"},
        {"u 0 1e5 65536", "f line 1: OUTSIDE \"1e5\" is not a decimal number"},
        {"g x 1 1", "f line 1: INSIDE \"x\" is not a decimal number"},
        {"u 0 1 99999999999", "f line 1: COUNT 99999999999 is out of range (0-4294967295)"},
        {"u 0 100000 0", "f line 1: count must be at least 1"},
        {"# ok\nu 4294967295 0 1",
         "f line 2: id 4294967295 inside the namespace goes past 4294967294, the largest valid id"},
        {"lxc.idmap u 0 1 1", "f line 1: lxc.idmap without '='"},
        {"lxc.idmap =", "f line 1: expected 4 fields (u|g INSIDE OUTSIDE COUNT), got 0: \"\""},
    };
    for (const auto& c : cases)
        EXPECT_EQ(error_of<IdMapError>([&] { parse_lxc_idmap(c.text, "f"); }), c.error) << c.text;
}

// ---- libvirt

TEST(ParseLibvirtIdmap, TheDocumentedForm) {
    const IdMapping m = parse_libvirt_idmap(
        "<idmap>\n"
        "  <uid start='0' target='1000' count='10'/>\n"
        "  <gid start='0' target='1000' count='10'/>\n"
        "</idmap>\n",
        "d.xml");
    EXPECT_EQ(m.uid, (std::vector<IdRange>{{0, 1000, 10}}));
    EXPECT_EQ(m.gid, (std::vector<IdRange>{{0, 1000, 10}}));
}

TEST(ParseLibvirtIdmap, ToleratesLayoutAndSurroundings) {
    const IdMapping m = parse_libvirt_idmap(
        "<?xml version=\"1.0\"?>\n"
        "<domain type='lxc'><name>c1</name>\n"
        "<!-- <idmap> in a comment does not count -->\n"
        "<idmap >\n"
        "  <!-- root -->\n"
        "  <uid count = \"65536\"\n   target=\"100000\" start=\"0\" />\n"
        "  <gid start='0' target='100000' count='65536'></gid>\n"
        "  <uid start='65536' target='1000' count='1'/>\n"
        "</idmap>\n"
        "<devices/></domain>\n",
        "d.xml");
    EXPECT_EQ(m.uid, (std::vector<IdRange>{{0, 100000, 65536}, {65536, 1000, 1}}));
    EXPECT_EQ(m.gid, (std::vector<IdRange>{{0, 100000, 65536}}));
}

TEST(ParseLibvirtIdmap, EveryMalformedInputHasAPreciseError) {
    const struct {
        const char* text;
        std::string error;
    } cases[] = {
        {"<domain/>", "d.xml: no <idmap> element"},
        {"<idmapping/>", "d.xml: no <idmap> element"},
        {"<idmap>\n<uid start='0' target='1000'/>\n</idmap>",
         "d.xml line 2: <uid> lacks attribute count"},
        {"<idmap>\n<uid start='0' target='1000' count='10' size='1'/></idmap>",
         "d.xml line 2: <uid> has an unknown attribute size (expected start, target, count)"},
        {"<idmap><gid start='0' start='1' target='1' count='1'/></idmap>",
         "d.xml line 1: <gid> repeats attribute start"},
        {"<idmap><uid start='0' target='-1' count='1'/></idmap>",
         "d.xml line 1: <uid>: target \"-1\" is not a decimal number"},
        {"<idmap><uid start='0' target='1' count='0'/></idmap>",
         "d.xml line 1: <uid>: count must be at least 1"},
        {"<idmap><uid start=0 target='1' count='1'/></idmap>",
         "d.xml line 1: value of attribute start of <uid> is not quoted"},
        {"<idmap><uid start='0 target='1' count='1'/></idmap>",
         "d.xml line 1: attribute 1 of <uid> has no value"},
        {"<idmap><uid start='0' target='1' count='1'/>", "d.xml line 1: <idmap> is not closed"},
        {"<idmap>\n\n<user start='0' target='1' count='1'/></idmap>",
         "d.xml line 3: unexpected <user> in <idmap> (expected <uid> or <gid>)"},
        {"<idmap>0 1000 10</idmap>", "d.xml line 1: unexpected text in <idmap>"},
        {"<idmap><uid start='0' target='1' count='1'>x</uid></idmap>",
         "d.xml line 1: <uid> must be empty"},
        {"<idmap id='1'></idmap>", "d.xml line 1: <idmap> takes no attributes"},
        {"<idmap></idmap>\n<idmap></idmap>", "d.xml line 2: more than one <idmap> element"},
        {"<idmap><uid start='0' target='1' count='1'/></uidmap>",
         "d.xml line 1: unexpected </uidmap> in <idmap>"},
        {"<idmap><!-- x </idmap>", "d.xml line 1: unterminated comment"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(error_of<IdMapError>([&] { parse_libvirt_idmap(c.text, "d.xml"); }), c.error)
            << c.text;
}

TEST(ParseIdmapFile, DetectsTheFormat) {
    EXPECT_EQ(parse_idmap_file("  \n<idmap><uid start='0' target='5' count='1'/></idmap>", "f").uid,
              (std::vector<IdRange>{{0, 5, 1}}));
    EXPECT_EQ(parse_idmap_file("u 0 5 1\n", "f").uid, (std::vector<IdRange>{{0, 5, 1}}));
}

// ---- validation

TEST(NormalizeIdMap, SortsByInsideId) {
    EXPECT_EQ(normalize_id_map({{1000, 5000, 10}, {0, 100000, 1000}}, IdKind::Uid),
              (std::vector<IdRange>{{0, 100000, 1000}, {1000, 5000, 10}}));
}

TEST(NormalizeIdMap, PreciseErrors) {
    EXPECT_EQ(error_of<IdMapError>([] {
                  normalize_id_map({{0, 100000, 65536}, {1000, 200000, 10}}, IdKind::Uid);
              }),
              "uid map: ranges 0 100000 65536 and 1000 200000 10 overlap inside the namespace (ids "
              "1000-1009)");
    EXPECT_EQ(error_of<IdMapError>([] {
                  normalize_id_map({{0, 100000, 10}, {10, 100009, 5}}, IdKind::Gid);
              }),
              "gid map: ranges 0 100000 10 and 10 100009 5 overlap outside the namespace (host id "
              "100009)");
    EXPECT_EQ(error_of<IdMapError>([] {
                  normalize_id_map({{1, 100000, 10}}, IdKind::Uid);
              }),
              "uid map does not map root (uid 0 inside the namespace)");
    EXPECT_EQ(error_of<IdMapError>([] { normalize_id_map({}, IdKind::Gid); }),
              "gid map does not map root (gid 0 inside the namespace)");
    EXPECT_EQ(error_of<IdMapError>([] {
                  normalize_id_map({{0, 1, 0}}, IdKind::Uid);
              }),
              "uid map: range 0 1 0: count must be at least 1");
    std::vector<IdRange> many;
    for (uint32_t i = 0; i < 341; ++i) many.push_back({i, 1000 + i, 1});
    EXPECT_EQ(error_of<IdMapError>([&] { normalize_id_map(many, IdKind::Uid); }),
              "uid map has 341 ranges; the kernel accepts at most 340");
    many.pop_back();
    EXPECT_EQ(normalize_id_map(many, IdKind::Uid).size(), 340u);
}

TEST(NormalizeIdMap, AdjacentRangesDoNotOverlap) {
    EXPECT_NO_THROW(normalize_id_map({{0, 100, 10}, {10, 110, 10}}, IdKind::Uid));
    EXPECT_NO_THROW(normalize_id_map({{0, 4294967294u, 1}, {1, 0, 4294967294u}}, IdKind::Uid));
}

// Property: on random small maps, normalize_id_map() accepts exactly the
// maps a brute-force check over every id accepts, and reports the same
// kind of problem first (inside overlap, outside overlap, root).
TEST(NormalizeIdMap, AgreesWithBruteForceOnRandomMaps) {
    constexpr uint32_t kIds = 48;
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<uint32_t> start(0, kIds - 9), len(1, 8), nranges(0, 5);
    int accepted = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::vector<IdRange> map(nranges(rng));
        for (IdRange& r : map) r = {start(rng), start(rng), len(rng)};

        std::bitset<kIds> in, out;
        bool in_overlap = false, out_overlap = false;
        for (const IdRange& r : map)
            for (uint32_t k = 0; k < r.count; ++k) {
                in_overlap |= in.test(r.inside + k);
                out_overlap |= out.test(r.outside + k);
                in.set(r.inside + k);
                out.set(r.outside + k);
            }
        std::string expected = "accepted";
        if (in_overlap)
            expected = "overlap inside";
        else if (out_overlap)
            expected = "overlap outside";
        else if (!in.test(0))
            expected = "does not map root";

        std::string got = "accepted";
        try {
            std::vector<IdRange> sorted = normalize_id_map(map, IdKind::Uid);
            ASSERT_TRUE(std::is_sorted(sorted.begin(), sorted.end(),
                                       [](auto& a, auto& b) { return a.inside < b.inside; }));
            ASSERT_TRUE(std::is_permutation(sorted.begin(), sorted.end(), map.begin(), map.end()));
            ++accepted;
        } catch (const IdMapError& e) {
            got = e.what();
        }
        ASSERT_NE(got.find(expected), std::string::npos) << "map of " << map.size() << " ranges" <<
            [&] {
                std::string s;
                for (auto& r : map) s += " [" + r.to_string() + "]";
                return s;
            }() << ": validator says \"" << got << "\", brute force \""
                                                         << expected << "\"";
    }
    EXPECT_GT(accepted, 100);  // the generator does produce valid maps
}

// ---- /etc/subuid

TEST(ParseSubid, EntriesByNameAndUid) {
    const auto entries = parse_subid(
        "user:100000:65536\n"
        "# comment\n"
        "\n"
        "1000:300000:10\n"
        "other:200000:65536\n",
        "/etc/subuid");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0], (SubIdRange{"user", 100000, 65536}));
    EXPECT_EQ(subid_ranges_for(entries, "user", 1000),
              (std::vector<SubIdRange>{{"user", 100000, 65536}, {"1000", 300000, 10}}));
    EXPECT_EQ(subid_ranges_for(entries, "", 1000), (std::vector<SubIdRange>{{"1000", 300000, 10}}));
    EXPECT_TRUE(subid_ranges_for(entries, "nobody", 65534).empty());
}

TEST(ParseSubid, EveryMalformedLineHasAPreciseError) {
    const struct {
        const char* text;
        std::string error;
    } cases[] = {
        {"user:100000", "s line 1: expected OWNER:START:COUNT, got \"user:100000\""},
        {"user:1:2:3", "s line 1: expected OWNER:START:COUNT, got \"user:1:2:3\""},
        {"ok:1:1\n:100000:65536", "s line 2: empty OWNER"},
        {"user:x:65536", "s line 1: START \"x\" is not a decimal number"},
        {"user:100000:", "s line 1: missing COUNT"},
        {"user:100000:0", "s line 1: COUNT must be at least 1"},
        {"user:4294967290:10",
         "s line 1: ids 4294967290-4294967299 go past 4294967294, the largest valid id"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(error_of<IdMapError>([&] { parse_subid(c.text, "s"); }), c.error);
}

TEST(DefaultSubidMap, RootAtTheFirstRangeRangesEndToEnd) {
    EXPECT_EQ(default_subid_map({{"user", 100000, 65536}, {"user", 300000, 10}}, IdKind::Uid,
                                "user", "s"),
              (std::vector<IdRange>{{0, 100000, 65536}, {65536, 300000, 10}}));
    EXPECT_EQ(error_of<SubIdError>(
                  [] { default_subid_map({}, IdKind::Gid, "user (uid 1000)", "/etc/subgid"); }),
              "no subordinate gids for user (uid 1000) in /etc/subgid");
}

TEST(CheckSubidMap, WithinRangesOrOwnId) {
    const std::vector<SubIdRange> allowed = {{"user", 100000, 65536}};
    EXPECT_NO_THROW(
        check_subid_map({{0, 100000, 65536}}, IdKind::Uid, allowed, 1000, "user", "/etc/subuid"));
    EXPECT_NO_THROW(check_subid_map({{0, 1000, 1}, {1, 100000, 10}}, IdKind::Uid, allowed, 1000,
                                    "user", "/etc/subuid"));
    EXPECT_EQ(
        error_of<SubIdError>([&] {
            check_subid_map({{0, 100000, 65537}}, IdKind::Uid, allowed, 1000, "user (uid 1000)",
                            "/etc/subuid");
        }),
        "uid range 0 100000 65537 (host ids 100000-165536) is not within the subordinate uids of "
        "user (uid 1000) in /etc/subuid (100000-165535) nor your own uid 1000");
    EXPECT_EQ(
        error_of<SubIdError>([&] {
            check_subid_map({{0, 1000, 2}}, IdKind::Gid, {}, 1000, "user", "/etc/subgid");
        }),
        "gid range 0 1000 2 (host ids 1000-1001) is not within the subordinate gids of user in "
        "/etc/subgid (none) nor your own gid 1000");
}

TEST(FormatProcMap, OneLinePerRange) {
    EXPECT_EQ(format_proc_map({{0, 100000, 65536}, {65536, 1000, 1}}),
              "0 100000 65536\n65536 1000 1\n");
}

}  // namespace
}  // namespace nsdev
