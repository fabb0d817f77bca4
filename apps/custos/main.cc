// custos: a thin executable over the CLI adapter. One catch-all: nothing escapes as a crash.
#include <exception>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  try {
    return custos::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "custos: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "custos: internal error\n";
  }
  return 1;
}
