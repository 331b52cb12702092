#include "cli/Main.h"

int main(int argc, char** argv) {
  return galaos::cli::Main(argc, argv);
}
