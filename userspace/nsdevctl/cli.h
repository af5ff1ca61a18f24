// nsdevctl's command line: parsed into a Command without touching the
// system, so every usage error is decided (and tested) here.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "nsdev/control.h"
#include "nsdev/idmap.h"
#include "output.h"

namespace nsdevctl {

/** Exit statuses (also in nsdevctl(8)). */
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed
inline constexpr int kExitUsage = 2;    // the command line is wrong
// run: the command's own status; 126 it could not be executed, 127 not found.
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

enum class Verb {
    Help,     // nsdevctl --help, nsdevctl help [CMD], nsdevctl CMD --help
    Version,  // nsdevctl --version
    Load,
    Unload,
    Status,
    Assign,
    Revoke,
    Query,
    Limit,
    Ls,
    Run,
    Probe,
    LoopAttach,
    LoopDetach,
    LoopLs,
};

/** Command - everything the command line says; unused fields stay default. */
struct Command {
    Verb verb = Verb::Help;
    std::string help_topic;  // Help: "" (overview) or a command name ("loop", "run")

    // Global options.
    std::string control = nsdev::kControlPath;  // --control PATH
    OutputOptions output;                       // -J, -n, -o, --raw (listing commands)

    // load
    std::string module_path;                 // "" -> look the module up by name
    std::vector<std::string> module_params;  // "key=value"

    // assign, revoke; loop detach
    std::string device;  // as given; number forms are already checked
    std::vector<std::string> devices;  // query DEVICE...
    bool force = false;                // revoke --force: also a default device
    // ls
    bool namespaces_table = false;  // ls --namespaces
    // assign, limit
    std::string ns;       // --ns NS, as given
    bool global = false;  // assign --global
    // limit
    unsigned loops = 0;  // --loops N

    // run
    nsdev::IdMapping maps;               // from --map, in command-line order
    std::vector<std::string> map_files;  // --map-file FILE
    bool subuid = false;                 // --subuid
    bool no_view = false;                // --no-view
    std::vector<std::string> argv;       // CMD [ARG]...

    // probe
    std::vector<std::string> namespaces;  // NS..., without their LABEL=
    std::vector<std::string> labels;      // LABEL of each LABEL=NS, or ""

    // loop attach
    std::string file;        // FILE
    bool partscan = false;   // --partscan, -P
    bool read_only = false;  // --read-only, -r
    // loop ls
    bool with_free = false;  // --with-free: also loop nodes with no backing file
};

/**
 * UsageError - the command line is wrong (exit status 2).
 * @command: the command whose --help helps ("" for the overview).
 */
class UsageError : public std::runtime_error {
public:
    UsageError(const std::string& message, std::string command)
        : std::runtime_error(message), command_(std::move(command)) {}
    const std::string& command() const noexcept { return command_; }

private:
    std::string command_;
};

/**
 * parse_command_line - the arguments after argv[0].
 *
 * Each command's options are parsed by getopt_long(3): long options may
 * be abbreviated, options may come before or after operands, "--" ends
 * them. Global options (--control, --help, and the output options of a
 * listing command) are accepted before the command or among its options.
 * For run, the first operand starts CMD.
 *
 * Return: the command. Throws UsageError for anything wrong that the
 * command line alone shows: unknown commands and options, missing or extra
 * operands, conflicting options, malformed numbers, devices (c:1), maps
 * (--map u:0:x:1) and map sets (overlapping, root unmapped).
 */
Command parse_command_line(const std::vector<std::string>& args);

/**
 * fill_missing_map - maps given for only uids are used for gids too, and
 * the other way round (documented in run --help).
 */
void fill_missing_map(nsdev::IdMapping& maps);

/**
 * help_text - the --help text of @command ("" for the overview).
 * Return: "" for an unknown command.
 */
std::string help_text(const std::string& command);

/** listing_of - the table @c prints; false if it prints none. */
bool listing_of(const Command& c, Listing& l);

/** The program's version. */
inline constexpr char kVersion[] = NSDEV_VERSION;  // from VERSION, by CMake

}  // namespace nsdevctl
