// uid/gid maps of user namespaces: the formats people write them in
// (--map strings, lxc idmap lines, libvirt <idmap>, /etc/subuid), and the
// checks the kernel, newuidmap and common sense would make.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nsdev {

/** Which map: /proc/PID/uid_map or /proc/PID/gid_map. */
enum class IdKind { Uid, Gid };

/** id_kind_name - "uid" or "gid". */
const char* id_kind_name(IdKind kind);

/** The most ranges one map may hold (the kernel's UID_GID_MAP_MAX_EXTENTS). */
inline constexpr size_t kMaxIdRanges = 340;

/**
 * The largest id a range may reach: (uid_t)-1 is "no id" and can never be
 * mapped, so first + count must stay below 2^32 - 1 on both sides.
 */
inline constexpr uint32_t kMaxId = 0xFFFFFFFEu;

/**
 * IdRange - one line of a map: ids @inside .. @inside+@count-1 in the
 * namespace are ids @outside .. @outside+@count-1 in its parent.
 */
struct IdRange {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 0;

    /** to_string - "INSIDE OUTSIDE COUNT", the /proc/PID/uid_map form. */
    std::string to_string() const;

    friend bool operator==(const IdRange&, const IdRange&) = default;
};

/** IdMapping - the uid map and the gid map of one namespace. */
struct IdMapping {
    std::vector<IdRange> uid;
    std::vector<IdRange> gid;

    std::vector<IdRange>& of(IdKind kind) { return kind == IdKind::Uid ? uid : gid; }
    const std::vector<IdRange>& of(IdKind kind) const { return kind == IdKind::Uid ? uid : gid; }
    bool empty() const { return uid.empty() && gid.empty(); }

    friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

/**
 * IdMapError - a map that is malformed or makes no sense, whatever the
 * system would say: a syntax error, a zero count, an overflow, overlapping
 * ranges, root not mapped. what() says which range and why.
 */
class IdMapError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/**
 * SubIdError - a map the caller is not allowed to use: outside its
 * /etc/subuid or /etc/subgid ranges, or no ranges at all.
 */
class SubIdError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/**
 * check_range - the problem with a single range, if any.
 * @r: the range.
 *
 * Return: "" when @r is fine; otherwise "count must be at least 1" or
 * "ids 4294967290-4294967299 inside the namespace go past 4294967294".
 */
std::string check_range(const IdRange& r);

/** IdMapOption - one parsed --map argument. */
struct IdMapOption {
    IdKind kind = IdKind::Uid;
    IdRange range;

    friend bool operator==(const IdMapOption&, const IdMapOption&) = default;
};

/**
 * parse_map_option - a --map argument.
 * @spec: "u:INSIDE:OUTSIDE:COUNT" or "g:INSIDE:OUTSIDE:COUNT", decimal.
 *
 * Return: the range. Throws IdMapError
 * "invalid --map \"u:0:x:1\": OUTSIDE \"x\" is not a decimal number";
 * check_range() problems are reported here too.
 */
IdMapOption parse_map_option(std::string_view spec);

/**
 * parse_lxc_idmap - lxc idmap lines.
 * @text: lines "u INSIDE OUTSIDE COUNT" / "g ...", each optionally
 *        written as an lxc config key ("lxc.idmap = u 0 100000 65536", also
 *        the old "lxc.id_map"). Blank lines and '#' comments are skipped;
 *        so are other "lxc.*" keys, so a whole container config can be read.
 * @source: name for messages.
 *
 * Return: the ranges in file order (not validated as a whole). Throws
 * IdMapError "SOURCE line N: PROBLEM".
 */
IdMapping parse_lxc_idmap(std::string_view text, std::string_view source);

/**
 * parse_libvirt_idmap - the <idmap> element of a libvirt domain.
 * @text: XML holding exactly one <idmap> with <uid start= target= count=/>
 *        and <gid .../> children (start: inside, target: outside), e.g. a
 *        whole domain definition. Tolerant of layout: attributes in any
 *        order, either quote, whitespace, comments, "<uid ...></uid>".
 *        Strict on content: unknown children or attributes, missing or
 *        repeated attributes and bad numbers are errors.
 * @source: name for messages.
 *
 * Return: the ranges in document order. Throws IdMapError
 * "SOURCE line N: PROBLEM".
 */
IdMapping parse_libvirt_idmap(std::string_view text, std::string_view source);

/**
 * parse_idmap_file - lxc lines or libvirt XML, told apart by the first
 * non-blank character ('<' means XML).
 */
IdMapping parse_idmap_file(std::string_view text, std::string_view source);

/**
 * normalize_id_map - sort one map by inside id and check it as the kernel
 * and users need it.
 * @ranges: the map, in any order.
 * @kind: which map, for messages.
 *
 * Checks, in this order: at most kMaxIdRanges ranges, check_range() of
 * each, no two ranges overlapping inside or outside the namespace, id 0
 * (root) mapped.
 *
 * Return: the sorted map. Throws IdMapError, e.g. "uid map: ranges
 * 0 100000 65536 and 1000 200000 10 overlap inside the namespace (ids
 * 1000-1009)" or "gid map does not map root (id 0 inside the namespace)".
 */
std::vector<IdRange> normalize_id_map(std::vector<IdRange> ranges, IdKind kind);

/** normalize_id_mapping - normalize_id_map() of both maps. */
IdMapping normalize_id_mapping(IdMapping mapping);

/** format_proc_map - the text to write to /proc/PID/uid_map: a line per range. */
std::string format_proc_map(const std::vector<IdRange>& ranges);

/** SubIdRange - one line of /etc/subuid or /etc/subgid: "OWNER:START:COUNT". */
struct SubIdRange {
    std::string owner;  // a user name or a decimal uid
    uint32_t start = 0;
    uint32_t count = 0;

    friend bool operator==(const SubIdRange&, const SubIdRange&) = default;
};

/** The files newuidmap and newgidmap consult. */
inline constexpr char kSubUidPath[] = "/etc/subuid";
inline constexpr char kSubGidPath[] = "/etc/subgid";

/**
 * parse_subid - the text of /etc/subuid or /etc/subgid.
 * @text: lines "OWNER:START:COUNT"; blank lines and '#' comments skipped.
 * @source: name for messages.
 *
 * Return: every entry, in file order. Throws IdMapError
 * "SOURCE line N: PROBLEM" for a malformed line (empty owner, bad number,
 * zero count, a range past kMaxId).
 */
std::vector<SubIdRange> parse_subid(std::string_view text, std::string_view source);

/**
 * subid_ranges_for - the entries of one user, as newuidmap finds them: by
 * name or by decimal uid.
 * @entries: parse_subid() result.
 * @user: the user's name ("" if the uid has no passwd entry).
 * @id: the user's uid.
 */
std::vector<SubIdRange> subid_ranges_for(const std::vector<SubIdRange>& entries,
                                         std::string_view user, uint32_t id);

/**
 * default_subid_map - the map `run --subuid` uses when none is given:
 * root of the namespace at the first subordinate id, the user's ranges
 * laid end to end inside (0..count1-1, count1..count1+count2-1, ...).
 * @ranges: the user's entries (subid_ranges_for()), in file order.
 * @kind: for the message.
 * @source: the file, for the message.
 *
 * Throws SubIdError "no subordinate uids for user (uid 1000) in /etc/subuid"
 * when @ranges is empty; @who names the user.
 */
std::vector<IdRange> default_subid_map(const std::vector<SubIdRange>& ranges, IdKind kind,
                                       std::string_view who, std::string_view source);

/**
 * check_subid_map - that newuidmap/newgidmap will accept a map: every
 * range lies within one of the user's subordinate ranges, or is the
 * caller's own id with count 1.
 * @ranges: the map.
 * @kind: which map.
 * @allowed: the user's entries.
 * @own_id: the caller's uid (or gid).
 * @who: "user (uid 1000)", for messages.
 * @source: "/etc/subuid", for messages.
 *
 * Throws SubIdError "uid range 0 200000 10 (host ids 200000-200009) is not
 * within the subordinate uids of user (uid 1000) in /etc/subuid
 * (100000-165535) nor your own uid 1000".
 */
void check_subid_map(const std::vector<IdRange>& ranges, IdKind kind,
                     const std::vector<SubIdRange>& allowed, uint32_t own_id, std::string_view who,
                     std::string_view source);

}  // namespace nsdev
