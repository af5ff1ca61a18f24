// nsdevctl's output: every table and JSON document it prints, rendered
// from plain data so the formats are tested without a kernel.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "nsdev/control.h"
#include "nsdev/device.h"
#include "nsdev/json.h"
#include "nsdev/loop.h"
#include "nsdev/module.h"
#include "nsdev/ns.h"
#include "nsdev/probe.h"
#include "nsdev/view.h"

namespace nsdevctl {

/**
 * NsNames - names namespace inodes after a process found in them
 * (nsdev::userns_processes(): one scan of /proc for the whole output).
 */
class NsNames {
public:
    explicit NsNames(std::map<uint64_t, nsdev::NsProcess> processes)
        : processes_(std::move(processes)) {}

    /** find - a process in namespace @ino, or nullptr. */
    const nsdev::NsProcess* find(uint64_t ino) const;

    /** label - "4026532119 (pid 312, sh)" or "4026532119 (no process)". */
    std::string label(uint64_t ino) const;

    /** write_json - {"ino": N, "pid": N|null, "comm": "..."|null}. */
    void write_json(nsdev::JsonWriter& w, uint64_t ino) const;

private:
    std::map<uint64_t, nsdev::NsProcess> processes_;
};

/**
 * format_table - left-aligned columns separated by two spaces, the first
 * row being the header; the last column is not padded.
 */
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/** octal_mode - "0666". */
std::string octal_mode(unsigned mode);

/** print_status - `nsdevctl status`. */
void print_status(std::ostream& out, const std::string& module, const nsdev::ModuleStatus& st,
                  const std::map<std::string, std::string>& params, bool json);

/** print_query - `nsdevctl query DEVICE`. */
void print_query(std::ostream& out, const nsdev::DeviceId& dev, const nsdev::QueryResult& q,
                 const NsNames& names, bool json);

/** print_ls - `nsdevctl ls`: devices, then namespaces. */
void print_ls(std::ostream& out, const std::vector<nsdev::DeviceRow>& devices,
              const std::vector<nsdev::NamespaceRow>& namespaces, const NsNames& names, bool json);

/** ProbedNamespace - one NS operand of probe and what its view holds. */
struct ProbedNamespace {
    std::string spec;  // as given: "312", "/proc/312/ns/user"
    uint64_t ino = 0;
    std::vector<nsdev::ViewNode> nodes;
};

/**
 * probe_column - the table header of a probed namespace: "host" for the
 * initial user namespace, the NS operand as given otherwise.
 */
std::string probe_column(const ProbedNamespace& ns);

/** print_probe - `nsdevctl probe`: the visibility matrix, or JSON. */
void print_probe(std::ostream& out, const std::vector<ProbedNamespace>& probed, bool json);

/**
 * loop_flags - the FLAGS words of `loop ls`: ro, partscan, autoclear, dio,
 * offset=N, sizelimit=N (those that apply, in this order).
 */
std::vector<std::string> loop_flags(const nsdev::LoopDevice& d);

/**
 * print_loop_ls - `nsdevctl loop ls`: NAME BACKING-FILE FLAGS PARTITIONS,
 * or {"loopdevices": [...]}; every device of @devices is printed.
 */
void print_loop_ls(std::ostream& out, const std::vector<nsdev::LoopDevice>& devices, bool json);

}  // namespace nsdevctl
