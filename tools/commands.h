// The `lemonade` subcommands. Each returns the process exit code: 0 on
// success, 1 when the work failed, 2 for usage errors (bad flags, bad
// configuration) after printing one line.
#ifndef LEMONADE_TOOLS_COMMANDS_H_
#define LEMONADE_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace lemonade::tools {

int RunServe(const std::vector<std::string>& args);
int RunUser(const std::vector<std::string>& args);
int RunSim(const std::vector<std::string>& args);
int RunDemo(const std::vector<std::string>& args);
int RunReplay(const std::vector<std::string>& args);
int RunExperiment(const std::vector<std::string>& args);

// Prints "lemonade: <message>" to stderr and returns `code`.
int Fail(const std::string& message, int code = 2);

}  // namespace lemonade::tools

#endif  // LEMONADE_TOOLS_COMMANDS_H_
