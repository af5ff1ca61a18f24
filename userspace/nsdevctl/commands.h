// Executing a parsed nsdevctl command: library calls, then output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli.h"

namespace nsdevctl {

/**
 * execute - carry out @c.
 * @out: where results go (stdout).
 * @err: where errors go (stderr), as "nsdevctl: CONTEXT: ENAME (text)".
 *
 * Return: the exit status (kExitOk, kExitFailure, or run's command status).
 */
int execute(const Command& c, std::ostream& out, std::ostream& err);

/**
 * nsdevctl_main - parse @args (without argv[0]) and execute them; usage
 * errors are printed with a pointer to --help and give kExitUsage.
 */
int nsdevctl_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace nsdevctl
