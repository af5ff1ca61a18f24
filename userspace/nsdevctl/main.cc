// nsdevctl(8): the command-line face of libnsdev. See cli.h and commands.h.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const int status = nsdevctl::nsdevctl_main(args, std::cout, std::cerr);
    std::cout.flush();
    return std::cout.fail() ? nsdevctl::kExitFailure : status;
}
