// nsdevctl's tables, through libsmartcols: table, --raw, --json and
// --noheadings are that library's, as in lsblk and losetup.
#include "output.h"

#include <libsmartcols/libsmartcols.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "nsdev/error.h"

namespace nsdevctl {
namespace {

using C = ColumnType;

const std::vector<ColumnInfo> kStatusColumns = {
    {"MODULE", C::String, true, "module name"},
    {"LOADED", C::Boolean, true, "the module is loaded"},
    {"STATE", C::String, true, "its state (live, coming, going)"},
    {"REFCNT", C::Number, true, "its reference count (mounted views and open files)"},
    {"PARAMETERS", C::String, true, "its parameters, PARAM=VALUE separated by spaces"},
};

const std::vector<ColumnInfo> kDeviceColumns = {
    {"NAME", C::String, true, "device node name (as devtmpfs names it)"},
    {"TYPE", C::String, true, "c (character) or b (block)"},
    {"MAJ:MIN", C::String, true, "major:minor device number"},
    {"STATE", C::String, true, "global, owned, default, loop (comma-separated)"},
    {"OWNER", C::Number, true, "owner user namespace (nsfs inode)"},
    {"PID", C::Number, true, "a process in the owner namespace (lowest pid)"},
    {"COMMAND", C::String, true, "that process's command"},
    {"ASSIGNER", C::Number, true, "namespace that made the assignment (nsfs inode)"},
    {"DEPTH", C::Number, false, "stacked assignments (query only; 1: by the host)"},
};

const std::vector<ColumnInfo> kNamespaceColumns = {
    {"NS", C::Number, true, "user namespace (nsfs inode)"},
    {"PARENT", C::Number, true, "its parent namespace (nsfs inode)"},
    {"PID", C::Number, true, "a process in it (lowest pid)"},
    {"COMMAND", C::String, true, "that process's command"},
    {"LOOPS", C::Number, true, "delegated loop devices held (with descendants)"},
    {"LIMIT", C::Number, true, "the namespace's loop limit"},
    {"VIEWS", C::Number, true, "mounted views of the namespace"},
};

const std::vector<ColumnInfo> kProbeColumns = {
    {"NAME", C::String, true, "device node name (path in the view)"},
    {"TYPE", C::String, true, "c (character) or b (block)"},
    {"MAJ:MIN", C::String, true, "major:minor device number"},
};

// losetup --list's names and JSON types, plus PARTSCAN and PARTITIONS.
const std::vector<ColumnInfo> kLoopColumns = {
    {"NAME", C::String, true, "loop device name"},
    {"SIZELIMIT", C::Number, true, "size limit of the file in bytes"},
    {"OFFSET", C::Number, true, "offset from the beginning"},
    {"AUTOCLEAR", C::Boolean, true, "autoclear flag set"},
    {"RO", C::Boolean, true, "read-only device"},
    {"BACK-FILE", C::String, true, "device backing file"},
    {"DIO", C::Boolean, true, "access backing file with direct-io"},
    {"PARTSCAN", C::Boolean, true, "partition scan flag set"},
    {"PARTITIONS", C::String, true, "partition nodes in the same /dev (comma-separated)"},
    {"MAJ:MIN", C::String, false, "loop device major/minor number"},
};

std::string upper(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

const char* type_letter(nsdev::DeviceId::Type t) {
    return t == nsdev::DeviceId::Type::Char ? "c" : "b";
}

std::string maj_min(const nsdev::DeviceId& d) {
    return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

std::string join(const std::vector<std::string>& words, const char* sep) {
    std::string s;
    for (const std::string& w : words) s += (s.empty() ? "" : sep) + w;
    return s;
}

std::string state_words(const nsdev::QueryResult& q) {
    std::vector<std::string> words;
    if (q.global) words.push_back("global");
    if (q.owned) words.push_back("owned");
    if (q.default_content) words.push_back("default");
    if (q.loop) words.push_back("loop");
    const unsigned known = 0xF;  // the four NSDEVTMPFS_STATE_* bits decoded above
    if (q.state & ~known) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "0x%x", q.state & ~known);
        words.push_back(buf);
    }
    return join(words, ",");
}

// A row: column name -> cell; a missing cell is empty (null in JSON).
using Row = std::map<std::string, std::string>;

struct TableUnref {
    void operator()(libscols_table* t) const { scols_unref_table(t); }
};
struct Free {
    void operator()(char* p) const { std::free(p); }
};

void check(int rc, const char* what) {
    if (rc < 0) throw nsdev::SysError(-rc, std::string("libsmartcols: ") + what);
}

std::string boolean(bool b, const OutputOptions& opts) {
    // libsmartcols prints "0" as false in JSON; tables show 0/1 like losetup.
    (void)opts;
    return b ? "1" : "0";
}

// Prints @rows with the columns @names (each described in @info, or a
// Boolean one from @extra) under @key.
void render(std::ostream& out, const char* key, const std::vector<ColumnInfo>& info,
            const std::vector<std::string>& names, const std::vector<Row>& rows,
            const OutputOptions& opts, const std::vector<std::string>& extra = {}) {
    std::unique_ptr<libscols_table, TableUnref> tb(scols_new_table());
    if (!tb) throw nsdev::SysError(ENOMEM, "libsmartcols: new table");
    check(scols_table_enable_json(tb.get(), opts.json), "json");
    check(scols_table_enable_raw(tb.get(), opts.raw), "raw");
    check(scols_table_enable_noheadings(tb.get(), opts.noheadings), "noheadings");
    check(scols_table_set_name(tb.get(), key), "table name");

    std::vector<std::string> all = names;
    all.insert(all.end(), extra.begin(), extra.end());
    for (size_t i = 0; i < all.size(); ++i) {
        ColumnType type = ColumnType::Boolean;
        for (const ColumnInfo& c : info)
            if (i < names.size() && all[i] == c.name) type = c.type;
        const int flags = type == ColumnType::Number ? SCOLS_FL_RIGHT : 0;
        libscols_column* cl = scols_table_new_column(tb.get(), all[i].c_str(), 0, flags);
        if (!cl) throw nsdev::SysError(ENOMEM, "libsmartcols: new column " + all[i]);
        check(scols_column_set_json_type(cl, type == ColumnType::Number    ? SCOLS_JSON_NUMBER
                                             : type == ColumnType::Boolean ? SCOLS_JSON_BOOLEAN
                                                                           : SCOLS_JSON_STRING),
              "json type");
    }
    for (const Row& row : rows) {
        libscols_line* ln = scols_table_new_line(tb.get(), nullptr);
        if (!ln) throw nsdev::SysError(ENOMEM, "libsmartcols: new line");
        for (size_t i = 0; i < all.size(); ++i) {
            const auto it = row.find(all[i]);
            // Tables show a missing value as "-" (as nsdevctl always has);
            // JSON as null, --raw as an empty field would be ambiguous too.
            if (it != row.end() && !it->second.empty())
                check(scols_line_set_data(ln, i, it->second.c_str()), "cell");
            else if (!opts.json)
                check(scols_line_set_data(ln, i, "-"), "cell");
        }
    }
    char* text = nullptr;
    check(scols_print_table_to_string(tb.get(), &text), "print");
    std::unique_ptr<char, Free> owned(text);
    out << (text ? text : "");
    // A table ends without a newline (an empty one prints nothing, as
    // lsblk's); a JSON document with one.
    if (!opts.json && !rows.empty()) out << "\n";
}

}  // namespace

const std::vector<ColumnInfo>& columns_of(Listing l) {
    switch (l) {
        case Listing::Status:
            return kStatusColumns;
        case Listing::Devices:
            return kDeviceColumns;
        case Listing::Namespaces:
            return kNamespaceColumns;
        case Listing::Probe:
            return kProbeColumns;
        case Listing::Loops:
            break;
    }
    return kLoopColumns;
}

const char* json_key(Listing l) {
    switch (l) {
        case Listing::Status:
            return "modules";
        case Listing::Devices:
            return "devices";
        case Listing::Namespaces:
            return "namespaces";
        case Listing::Probe:
            return "devices";
        case Listing::Loops:
            break;
    }
    return "loopdevices";
}

std::vector<std::string> select_columns(Listing l, const std::string& spec) {
    const std::vector<ColumnInfo>& info = columns_of(l);
    std::vector<std::string> names;
    std::string list = spec;
    if (spec.empty() || spec[0] == '+') {
        for (const ColumnInfo& c : info)
            if (c.shown) names.push_back(c.name);
        if (spec.empty()) return names;
        list = spec.substr(1);
    }
    size_t pos = 0;
    while (true) {
        const size_t comma = list.find(',', pos);
        const std::string name = upper(list.substr(pos, comma - pos));
        const auto it = std::find_if(info.begin(), info.end(),
                                     [&](const ColumnInfo& c) { return name == c.name; });
        if (it == info.end())
            throw std::invalid_argument("unknown column: " + list.substr(pos, comma - pos));
        names.push_back(it->name);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return names;
}

std::string columns_help(Listing l, const char* title) {
    std::string s = std::string("\n") + title + " (-o; the defaults are marked *):\n";
    for (const ColumnInfo& c : columns_of(l)) {
        std::string name = std::string(c.shown ? " *" : "  ") + c.name;
        name.resize(std::max<size_t>(name.size() + 1, 14), ' ');
        s += name + c.help + "\n";
    }
    return s;
}

const nsdev::NsProcess* NsNames::find(uint64_t ino) const {
    const auto it = processes_.find(ino);
    // nsdevctl itself is no answer to "which process is in there".
    if (it == processes_.end() || it->second.pid == ::getpid()) return nullptr;
    return &it->second;
}

std::string NsNames::label(uint64_t ino) {
    return ino == nsdev::kInitUserNsInode ? "host" : std::to_string(ino);
}

std::string octal_mode(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
    return buf;
}

void print_status(std::ostream& out, const std::string& module, const nsdev::ModuleStatus& st,
                  const std::map<std::string, std::string>& params, const OutputOptions& opts) {
    std::vector<std::string> p;
    for (const auto& [name, value] : params) p.push_back(name + "=" + value);
    Row row = {{"MODULE", module}, {"LOADED", boolean(st.loaded, opts)}};
    if (st.loaded) {
        row["STATE"] = st.state;
        row["REFCNT"] = std::to_string(st.refcount);
        row["PARAMETERS"] = join(p, " ");
    }
    render(out, json_key(Listing::Status), kStatusColumns,
           select_columns(Listing::Status, opts.columns), {row}, opts);
}

namespace {

void add_owner(Row& row, uint64_t owner, const NsNames& names) {
    if (!owner) return;
    row["OWNER"] = std::to_string(owner);
    if (const nsdev::NsProcess* p = names.find(owner)) {
        row["PID"] = std::to_string(p->pid);
        row["COMMAND"] = p->comm;
    }
}

}  // namespace

void print_query(std::ostream& out, const std::vector<QueriedDevice>& devices,
                 const NsNames& names, const OutputOptions& opts) {
    std::vector<Row> rows;
    for (const QueriedDevice& d : devices) {
        Row row = {{"NAME", d.q.name},
                   {"TYPE", type_letter(d.dev.type)},
                   {"MAJ:MIN", maj_min(d.dev)},
                   {"STATE", state_words(d.q)},
                   {"DEPTH", std::to_string(d.q.depth)}};
        add_owner(row, d.q.owner_ino, names);
        if (d.q.assigner_ino) row["ASSIGNER"] = std::to_string(d.q.assigner_ino);
        rows.push_back(std::move(row));
    }
    render(out, json_key(Listing::Devices), kDeviceColumns,
           select_columns(Listing::Devices, opts.columns), rows, opts);
}

void print_devices(std::ostream& out, const std::vector<nsdev::DeviceRow>& devices,
                   const NsNames& names, const OutputOptions& opts) {
    std::vector<Row> rows;
    for (const nsdev::DeviceRow& d : devices) {
        Row row = {{"NAME", d.name},
                   {"TYPE", type_letter(d.dev.type)},
                   {"MAJ:MIN", maj_min(d.dev)},
                   {"STATE", join(d.flags, ",")}};
        add_owner(row, d.owner_ino, names);
        if (d.assigner_ino) row["ASSIGNER"] = std::to_string(d.assigner_ino);
        rows.push_back(std::move(row));
    }
    render(out, json_key(Listing::Devices), kDeviceColumns,
           select_columns(Listing::Devices, opts.columns), rows, opts);
}

void print_namespaces(std::ostream& out, const std::vector<nsdev::NamespaceRow>& namespaces,
                      const NsNames& names, const OutputOptions& opts) {
    std::vector<Row> rows;
    for (const nsdev::NamespaceRow& n : namespaces) {
        Row row = {{"NS", std::to_string(n.ino)},
                   {"LOOPS", std::to_string(n.loops_used)},
                   {"LIMIT", std::to_string(n.loop_limit)},
                   {"VIEWS", std::to_string(n.views_mounted)}};
        if (n.parent_ino) row["PARENT"] = std::to_string(n.parent_ino);
        if (const nsdev::NsProcess* p = names.find(n.ino)) {
            row["PID"] = std::to_string(p->pid);
            row["COMMAND"] = p->comm;
        }
        rows.push_back(std::move(row));
    }
    render(out, json_key(Listing::Namespaces), kNamespaceColumns,
           select_columns(Listing::Namespaces, opts.columns), rows, opts);
}

std::string probe_column(const ProbedNamespace& ns) {
    if (!ns.label.empty()) return ns.label;
    return ns.ino == nsdev::kInitUserNsInode ? "host" : ns.spec;
}

void print_probe(std::ostream& out, const std::vector<ProbedNamespace>& probed,
                 const OutputOptions& opts) {
    // Rows: the union of names, sorted; the device numbers from the first
    // namespace that has the name.
    std::map<std::string, nsdev::DeviceId> devices;
    for (const ProbedNamespace& ns : probed)
        for (const nsdev::ViewNode& n : ns.nodes) devices.emplace(n.name, n.dev);
    std::vector<std::string> extra;
    for (const ProbedNamespace& ns : probed) {
        std::string col = probe_column(ns);
        // Two operands naming one column would make one JSON key twice.
        while (std::find(extra.begin(), extra.end(), col) != extra.end()) col += "'";
        extra.push_back(col);
    }
    std::vector<Row> rows;
    for (const auto& [name, dev] : devices) {
        Row row = {{"NAME", name}, {"TYPE", type_letter(dev.type)}, {"MAJ:MIN", maj_min(dev)}};
        for (size_t i = 0; i < probed.size(); ++i) {
            const auto& nodes = probed[i].nodes;
            const bool seen = std::any_of(nodes.begin(), nodes.end(),
                                          [&](const nsdev::ViewNode& n) { return n.name == name; });
            row[extra[i]] = opts.json ? boolean(seen, opts) : seen ? "x" : "-";
        }
        rows.push_back(std::move(row));
    }
    render(out, json_key(Listing::Probe), kProbeColumns,
           select_columns(Listing::Probe, opts.columns), rows, opts, extra);
}

void print_loop_ls(std::ostream& out, const std::vector<nsdev::LoopDevice>& devices,
                   const OutputOptions& opts) {
    std::vector<Row> rows;
    for (const nsdev::LoopDevice& d : devices) {
        Row row = {{"NAME", d.path},
                   {"MAJ:MIN", maj_min(d.dev)},
                   {"PARTITIONS", join(d.partitions, ",")}};
        if (d.attached) {
            row["BACK-FILE"] = d.backing_file;
            row["SIZELIMIT"] = std::to_string(d.sizelimit);
            row["OFFSET"] = std::to_string(d.offset);
            row["AUTOCLEAR"] = boolean(d.autoclear, opts);
            row["RO"] = boolean(d.read_only, opts);
            row["DIO"] = boolean(d.direct_io, opts);
            row["PARTSCAN"] = boolean(d.partscan, opts);
        }
        rows.push_back(std::move(row));
    }
    render(out, json_key(Listing::Loops), kLoopColumns,
           select_columns(Listing::Loops, opts.columns), rows, opts);
}

}  // namespace nsdevctl
