// nsdevctl's output: one libsmartcols table per command, rendered from plain
// data so the formats are tested without a kernel. Column names are
// spelled as lsblk and losetup spell theirs (NAME, MAJ:MIN, BACK-FILE, RO);
// libsmartcols turns them into the JSON keys ("maj:min", "back-file").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "nsdev/control.h"
#include "nsdev/device.h"
#include "nsdev/loop.h"
#include "nsdev/module.h"
#include "nsdev/ns.h"
#include "nsdev/probe.h"
#include "nsdev/view.h"

namespace nsdevctl {

/** Listing - the tables nsdevctl prints; each has its own columns. */
enum class Listing {
    Status,      // status: the module
    Devices,     // ls, query: registry entries
    Namespaces,  // ls --namespaces
    Probe,       // probe: a row per device name, a column per namespace
    Loops,       // loop ls
};

/** ColumnType - how a column's cells appear in JSON. */
enum class ColumnType { String, Number, Boolean };

/** ColumnInfo - one column a listing can print (-o). */
struct ColumnInfo {
    const char* name;  // "MAJ:MIN"; the JSON key is its lower case
    ColumnType type;
    bool shown;        // among the default columns
    const char* help;  // one line for --help
};

/** columns_of - every column of @l, defaults first, in their order. */
const std::vector<ColumnInfo>& columns_of(Listing l);

/** json_key - the key of @l's one array in JSON ("loopdevices"). */
const char* json_key(Listing l);

/**
 * select_columns - the column names -o @spec asks for.
 * @spec: "" for the defaults; "NAME,RO" (case-insensitive) for exactly
 *        those; "+RO" for the defaults and RO.
 *
 * Return: canonical names in output order. Throws std::invalid_argument
 * "unknown column: X" for a name @l does not have.
 */
std::vector<std::string> select_columns(Listing l, const std::string& spec);

/** columns_help - the "Available output columns:" block of --help. */
std::string columns_help(Listing l, const char* title = "Available output columns");

/** OutputOptions - the output options every listing command takes. */
struct OutputOptions {
    bool json = false;        // -J, --json
    bool raw = false;         // -r, --raw
    bool noheadings = false;  // -n, --noheadings
    std::string columns;      // -o, --output, as given ("" for the defaults)
};

/**
 * NsNames - names namespace inodes after a process found in them
 * (nsdev::userns_processes(): one scan of /proc for the whole output).
 * The initial namespace is always "host", whatever process is found.
 */
class NsNames {
public:
    explicit NsNames(std::map<uint64_t, nsdev::NsProcess> processes)
        : processes_(std::move(processes)) {}

    /** find - a process in namespace @ino, or nullptr. */
    const nsdev::NsProcess* find(uint64_t ino) const;

    /** label - "host" for the initial namespace, else "4026532119". */
    static std::string label(uint64_t ino);

private:
    std::map<uint64_t, nsdev::NsProcess> processes_;
};

/** octal_mode - "0666". */
std::string octal_mode(unsigned mode);

/** print_status - `nsdevctl status`: one row, the module. */
void print_status(std::ostream& out, const std::string& module, const nsdev::ModuleStatus& st,
                  const std::map<std::string, std::string>& params, const OutputOptions& opts);

/** QueriedDevice - one device as `query` shows it. */
struct QueriedDevice {
    nsdev::DeviceId dev;
    nsdev::QueryResult q;
};

/** print_query - `nsdevctl query DEVICE...`: a row per device. */
void print_query(std::ostream& out, const std::vector<QueriedDevice>& devices,
                 const NsNames& names, const OutputOptions& opts);

/** print_devices - `nsdevctl ls`: every global or owned device. */
void print_devices(std::ostream& out, const std::vector<nsdev::DeviceRow>& devices,
                   const NsNames& names, const OutputOptions& opts);

/** print_namespaces - `nsdevctl ls --namespaces`. */
void print_namespaces(std::ostream& out, const std::vector<nsdev::NamespaceRow>& namespaces,
                      const NsNames& names, const OutputOptions& opts);

/** ProbedNamespace - one NS operand of probe and what its view holds. */
struct ProbedNamespace {
    std::string spec;  // as given: "312", "/proc/312/ns/user"
    std::string label;  // LABEL of LABEL=NS, or ""
    uint64_t ino = 0;
    std::vector<nsdev::ViewNode> nodes;
};

/**
 * probe_column - the column of a probed namespace: its label if it has
 * one, "host" for the initial user namespace, the NS operand otherwise.
 */
std::string probe_column(const ProbedNamespace& ns);

/**
 * print_probe - `nsdevctl probe`: NAME TYPE MAJ:MIN, then one column per
 * namespace ("x" or "-"; true or false in JSON). -o selects among the
 * first three; the namespace columns are always printed.
 */
void print_probe(std::ostream& out, const std::vector<ProbedNamespace>& probed,
                 const OutputOptions& opts);

/** print_loop_ls - `nsdevctl loop ls`, losetup --list's columns. */
void print_loop_ls(std::ostream& out, const std::vector<nsdev::LoopDevice>& devices,
                   const OutputOptions& opts);

}  // namespace nsdevctl
