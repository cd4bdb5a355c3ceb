// `lemonade user add|passwd|del|list`: account management on a data
// directory (the server must not be running: the directory lock says so).
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "posix/posix_environment.h"
#include "server/store/mail_store.h"
#include "tools/commands.h"
#include "tools/data_dir_lock.h"
#include "tools/flags.h"

ABSL_FLAG(std::string, data_dir, "lemonade-data", "serve, user: the data directory");
ABSL_FLAG(std::string, password, "", "user add/passwd: the password (default: read a line from stdin)");

namespace lemonade::tools {

int RunUser(const std::vector<std::string>& args) {
  if (args.empty()) return Fail("user needs an action: add NAME | passwd NAME | del NAME | list");
  const std::string& action = args[0];
  const bool needs_name = action == "add" || action == "passwd" || action == "del";
  if (!needs_name && action != "list") return Fail(absl::StrCat("unknown user action '", action, "'"));
  if (needs_name && args.size() != 2) return Fail(absl::StrCat("user ", action, " takes one name"));
  if (!needs_name && args.size() != 1) return Fail("user list takes no name");

  std::string password = absl::GetFlag(FLAGS_password);
  if ((action == "add" || action == "passwd") && password.empty()) {
    std::cerr << "password for " << args[1] << ": ";
    if (!std::getline(std::cin, password) || password.empty()) return Fail("no password given");
  }

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock.ok()) return Fail(std::string(lock.status().message()), 1);
  posix::PosixEnvironmentOptions options;
  options.data_root = data_dir;
  options.log.level = LogLevel::kWarning;
  auto posix = posix::PosixEnvironment::Create(options);
  if (!posix.ok()) return Fail(std::string(posix.status().message()), 1);
  store::StoreOptions store_options;
  store_options.directory = "store";
  auto store = store::MailStore::Open((*posix)->env(), store_options);
  if (!store.ok()) return Fail(absl::StrCat("cannot open the store: ", store.status().message()), 1);

  absl::Status status;
  if (action == "list") {
    for (const std::string& name : (*store)->ListUsers()) std::cout << name << "\n";
    return 0;
  } else if (action == "add") {
    status = (*store)->AddUser(args[1], password);
  } else if (action == "passwd") {
    status = (*store)->SetPassword(args[1], password);
  } else {
    status = (*store)->DeleteUser(args[1]);
  }
  if (!status.ok()) return Fail(std::string(status.message()), 1);
  bool done = false;
  absl::Status durable;
  (*store)->Commit([&](absl::Status s) {
    durable = s;
    done = true;
  });
  for (int i = 0; i < 1000 && !done; ++i) (*posix)->loop().RunOnce(Duration::Milliseconds(100));
  if (!done || !durable.ok()) return Fail("the change could not be made durable", 1);
  std::cout << "user " << args[1] << (action == "add" ? " added" : action == "del" ? " deleted" : " updated")
            << "\n";
  return 0;
}

}  // namespace lemonade::tools
