// parley: the command-line client of parleyd. All logic is in RunCli (clients/cli.h, cli/).
#include <iostream>
#include <string>
#include <vector>

#include "clients/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return parley::client::RunCli(args, std::cout, std::cerr);
}
