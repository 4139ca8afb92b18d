#include "cli.hpp"

int main(int argc, char** argv) { return tb::app::main(argc, argv); }
