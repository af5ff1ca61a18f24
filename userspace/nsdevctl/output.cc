// Tables and JSON documents of nsdevctl.
#include "output.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace nsdevctl {
namespace {

const char* type_letter(nsdev::DeviceId::Type t) {
    return t == nsdev::DeviceId::Type::Char ? "c" : "b";
}

std::string numbers(const nsdev::DeviceId& d) {
    return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

std::vector<std::string> state_words(const nsdev::QueryResult& q) {
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
    return words;
}

std::string join(const std::vector<std::string>& words, const char* sep) {
    std::string s;
    for (const std::string& w : words) s += (s.empty() ? "" : sep) + w;
    return s;
}

}  // namespace

const nsdev::NsProcess* NsNames::find(uint64_t ino) const {
    const auto it = processes_.find(ino);
    return it == processes_.end() ? nullptr : &it->second;
}

std::string NsNames::label(uint64_t ino) const {
    const nsdev::NsProcess* p = find(ino);
    if (!p) return std::to_string(ino) + " (no process)";
    return std::to_string(ino) + " (pid " + std::to_string(p->pid) + ", " + p->comm + ")";
}

void NsNames::write_json(nsdev::JsonWriter& w, uint64_t ino) const {
    const nsdev::NsProcess* p = find(ino);
    w.begin_object().field("ino", ino);
    if (p) {
        w.field("pid", p->pid).field("comm", p->comm);
    } else {
        w.key("pid").null().key("comm").null();
    }
    w.end_object();
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

std::string octal_mode(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
    return buf;
}

void print_status(std::ostream& out, const std::string& module, const nsdev::ModuleStatus& st,
                  const std::map<std::string, std::string>& params, bool json) {
    if (json) {
        nsdev::JsonWriter w(out);
        w.begin_object().field("module", module).field("loaded", st.loaded);
        if (st.loaded)
            w.field("state", st.state).field("refcount", st.refcount);
        else
            w.key("state").null().key("refcount").null();
        w.key("parameters").begin_object();
        for (const auto& [name, value] : params) w.field(name, value);
        w.end_object().end_object().finish();
        return;
    }
    std::vector<std::vector<std::string>> rows = {{"module:", module},
                                                  {"loaded:", st.loaded ? "yes" : "no"}};
    if (st.loaded) {
        rows.push_back({"state:", st.state});
        rows.push_back({"refcount:", std::to_string(st.refcount)});
        std::vector<std::string> p;
        for (const auto& [name, value] : params) p.push_back(name + "=" + value);
        rows.push_back({"parameters:", p.empty() ? "-" : join(p, " ")});
    }
    // No header row: format_table just aligns.
    out << format_table(rows);
}

void print_query(std::ostream& out, const nsdev::DeviceId& dev, const nsdev::QueryResult& q,
                 const NsNames& names, bool json) {
    const std::vector<std::string> state = state_words(q);
    if (json) {
        nsdev::JsonWriter w(out);
        w.begin_object()
            .field("device", dev.to_string())
            .field("type", type_letter(dev.type))
            .field("major", dev.major)
            .field("minor", dev.minor)
            .field("name", q.name);
        w.key("state").begin_array();
        for (const std::string& s : state) w.value(s);
        w.end_array();
        w.field("global", q.global)
            .field("owned", q.owned)
            .field("default", q.default_content)
            .field("loop", q.loop)
            .field("depth", q.depth);
        w.key("owner");
        if (q.owner_ino)
            names.write_json(w, q.owner_ino);
        else
            w.null();
        w.key("assigner");
        if (q.assigner_ino)
            names.write_json(w, q.assigner_ino);
        else
            w.null();
        w.end_object().finish();
        return;
    }
    out << format_table({
        {"device:", dev.to_string()},
        {"name:", q.name.empty() ? "-" : q.name},
        {"state:", state.empty() ? "-" : join(state, ",")},
        {"owner:", q.owner_ino ? names.label(q.owner_ino) : "-"},
        {"assigner:", q.assigner_ino ? names.label(q.assigner_ino) : "-"},
        {"depth:", std::to_string(q.depth)},
    });
}

void print_ls(std::ostream& out, const std::vector<nsdev::DeviceRow>& devices,
              const std::vector<nsdev::NamespaceRow>& namespaces, const NsNames& names, bool json) {
    if (json) {
        nsdev::JsonWriter w(out);
        w.begin_object().key("devices").begin_array();
        for (const nsdev::DeviceRow& d : devices) {
            w.begin_object()
                .field("type", type_letter(d.dev.type))
                .field("major", d.dev.major)
                .field("minor", d.dev.minor)
                .field("name", d.name);
            w.key("flags").begin_array();
            for (const std::string& f : d.flags) w.value(f);
            w.end_array();
            w.key("owner");
            if (d.owner_ino)
                names.write_json(w, d.owner_ino);
            else
                w.null();
            w.key("assigner");
            names.write_json(w, d.assigner_ino);
            w.end_object();
        }
        w.end_array().key("namespaces").begin_array();
        for (const nsdev::NamespaceRow& n : namespaces) {
            const nsdev::NsProcess* p = names.find(n.ino);
            w.begin_object().field("ino", n.ino);
            if (p)
                w.field("pid", p->pid).field("comm", p->comm);
            else
                w.key("pid").null().key("comm").null();
            w.key("parent_ino");
            if (n.parent_ino)
                w.value(n.parent_ino);
            else
                w.null();
            w.field("loops_used", n.loops_used)
                .field("loop_limit", n.loop_limit)
                .field("views_mounted", n.views_mounted)
                .end_object();
        }
        w.end_array().end_object().finish();
        return;
    }
    std::vector<std::vector<std::string>> rows = {
        {"TYPE", "DEVICE", "NAME", "FLAGS", "OWNER", "ASSIGNER"}};
    for (const nsdev::DeviceRow& d : devices)
        rows.push_back({type_letter(d.dev.type), numbers(d.dev), d.name,
                        d.flags.empty() ? "-" : join(d.flags, ","),
                        d.owner_ino ? names.label(d.owner_ino) : "-", names.label(d.assigner_ino)});
    out << format_table(rows) << "\n";
    rows = {{"NAMESPACE", "PARENT", "LOOPS", "LIMIT", "VIEWS"}};
    for (const nsdev::NamespaceRow& n : namespaces)
        rows.push_back({names.label(n.ino), n.parent_ino ? std::to_string(n.parent_ino) : "-",
                        std::to_string(n.loops_used), std::to_string(n.loop_limit),
                        std::to_string(n.views_mounted)});
    out << format_table(rows);
}

std::string probe_column(const ProbedNamespace& ns) {
    return ns.ino == nsdev::kInitUserNsInode ? "host" : ns.spec;
}

void print_probe(std::ostream& out, const std::vector<ProbedNamespace>& probed, bool json) {
    if (json) {
        nsdev::JsonWriter w(out);
        w.begin_object().key("namespaces").begin_array();
        for (const ProbedNamespace& ns : probed) {
            w.begin_object()
                .field("ns", ns.spec)
                .field("ino", ns.ino)
                .field("host", ns.ino == nsdev::kInitUserNsInode);
            w.key("devices").begin_array();
            for (const nsdev::ViewNode& n : ns.nodes)
                w.begin_object()
                    .field("name", n.name)
                    .field("type", type_letter(n.dev.type))
                    .field("major", n.dev.major)
                    .field("minor", n.dev.minor)
                    .field("mode", octal_mode(n.mode))
                    .field("uid", n.uid)
                    .field("gid", n.gid)
                    .end_object();
            w.end_array().end_object();
        }
        w.end_array().end_object().finish();
        return;
    }
    // Rows: the union of names, sorted; the device numbers from the first
    // namespace that has the name.
    std::map<std::string, nsdev::DeviceId> devices;
    for (const ProbedNamespace& ns : probed)
        for (const nsdev::ViewNode& n : ns.nodes) devices.emplace(n.name, n.dev);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"NAME", "DEVICE"};
    for (const ProbedNamespace& ns : probed) header.push_back(probe_column(ns));
    rows.push_back(header);
    for (const auto& [name, dev] : devices) {
        std::vector<std::string> row = {name, dev.to_string()};
        for (const ProbedNamespace& ns : probed) {
            const bool seen = std::any_of(ns.nodes.begin(), ns.nodes.end(),
                                          [&](const nsdev::ViewNode& n) { return n.name == name; });
            row.push_back(seen ? "x" : "-");
        }
        rows.push_back(std::move(row));
    }
    out << format_table(rows);
}

std::vector<std::string> loop_flags(const nsdev::LoopDevice& d) {
    std::vector<std::string> flags;
    if (d.read_only) flags.push_back("ro");
    if (d.partscan) flags.push_back("partscan");
    if (d.autoclear) flags.push_back("autoclear");
    if (d.direct_io) flags.push_back("dio");
    if (d.offset) flags.push_back("offset=" + std::to_string(d.offset));
    if (d.sizelimit) flags.push_back("sizelimit=" + std::to_string(d.sizelimit));
    return flags;
}

void print_loop_ls(std::ostream& out, const std::vector<nsdev::LoopDevice>& devices, bool json) {
    if (json) {
        nsdev::JsonWriter w(out);
        w.begin_object().key("loopdevices").begin_array();
        for (const nsdev::LoopDevice& d : devices) {
            // Partition nodes live next to the device's.
            const std::string dir = d.path.substr(0, d.path.size() - d.name.size());
            w.begin_object()
                .field("name", d.path)
                .field("index", d.index)
                .field("major", d.dev.major)
                .field("minor", d.dev.minor);
            w.key("backing_file");
            if (d.attached)
                w.value(d.backing_file);
            else
                w.null();
            w.field("offset", d.offset)
                .field("sizelimit", d.sizelimit)
                .field("read_only", d.read_only)
                .field("partscan", d.partscan)
                .field("autoclear", d.autoclear)
                .field("dio", d.direct_io);
            w.key("partitions").begin_array();
            for (const std::string& p : d.partitions) w.value(dir + p);
            w.end_array().end_object();
        }
        w.end_array().end_object().finish();
        return;
    }
    std::vector<std::vector<std::string>> rows = {{"NAME", "BACKING-FILE", "FLAGS", "PARTITIONS"}};
    for (const nsdev::LoopDevice& d : devices) {
        const std::vector<std::string> flags = loop_flags(d);
        rows.push_back({d.path, d.attached ? d.backing_file : "-",
                        flags.empty() ? "-" : join(flags, ","),
                        d.partitions.empty() ? "-" : join(d.partitions, ",")});
    }
    out << format_table(rows);
}

}  // namespace nsdevctl
