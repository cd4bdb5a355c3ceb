// Flags shared by several subcommands.
#ifndef LEMONADE_TOOLS_FLAGS_H_
#define LEMONADE_TOOLS_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, data_dir);

#endif  // LEMONADE_TOOLS_FLAGS_H_
