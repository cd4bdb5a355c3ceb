#include "tests/layering/layering_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lemonade::layering {
namespace {

using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The protocol layer may not reach up into the server.
TEST(LayeringRulesTest, ProtocolIncludingServerIsAViolation) {
  auto violations = CheckFile("protocol/imap/x.cc", "#include \"server/store.h\"\n");
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].line, 1);
  EXPECT_THAT(violations[0].what, HasSubstr("protocol/ may not include server/"));
}

// netsim implements env/ but knows nothing of IMAP.
TEST(LayeringRulesTest, NetsimIncludingProtocolIsAViolation) {
  EXPECT_THAT(CheckFile("netsim/link.cc", "#include \"protocol/imap/parser.h\"\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("netsim/link.cc", "#include \"env/env.h\"\n"), IsEmpty());
}

// The server may use protocol/ and env/, never a world implementation.
TEST(LayeringRulesTest, ServerMayUseProtocolAndEnvOnly) {
  EXPECT_THAT(CheckFile("server/a.cc", "#include \"protocol/x.h\"\n#include \"env/env.h\"\n"),
              IsEmpty());
  EXPECT_THAT(CheckFile("server/a.cc", "#include \"posix/loop.h\"\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "#include \"netsim/world.h\"\n"), SizeIs(1));
}

// Reading the wall clock in the core is caught, in code but not in comments.
TEST(LayeringRulesTest, WallClockInCodeIsCaughtButNotInComments) {
  EXPECT_THAT(CheckFile("server/a.cc", "auto t = std::chrono::system_clock::now();\n"),
              SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "// never calls system_clock::now()\n"), IsEmpty());
  EXPECT_THAT(CheckFile("server/a.cc", "/* absl::Now() */ int x;\n"), IsEmpty());
  EXPECT_THAT(CheckFile("server/a.cc", "const char* s = \"absl::Now()\";\n"), IsEmpty());
  EXPECT_THAT(CheckFile("protocol/a.cc", "int64_t t = absl::Now();\n"), SizeIs(1));
}

// Global randomness, threads, environment reads and raw sockets are caught.
TEST(LayeringRulesTest, GlobalRandomnessThreadsAndIoAreCaught) {
  EXPECT_THAT(CheckFile("netsim/a.cc", "int r = rand();\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("netsim/a.cc", "std::random_device rd;\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("client/a.cc", "std::thread t(f);\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "const char* h = getenv(\"HOME\");\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "int fd = socket(AF_INET, SOCK_STREAM, 0);\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "#include <thread>\n"), SizeIs(1));
  EXPECT_THAT(CheckFile("server/a.cc", "#include \"absl/random/random.h\"\n"), SizeIs(1));
  // Names that merely contain the words are fine.
  EXPECT_THAT(CheckFile("server/a.cc", "int operand(int x); OpenSocket(); Brand();\n"), IsEmpty());
}

// The world's implementations and the tools on top are not held to the core rules.
TEST(LayeringRulesTest, PosixAndToolsMayTouchTheWorld) {
  EXPECT_THAT(CheckFile("posix/loop.cc", "#include <sys/epoll.h>\nint fd = socket(1,2,3);\n"),
              IsEmpty());
  EXPECT_THAT(CheckFile("tools/main.cc", "#include \"posix/loop.h\"\n#include <thread>\n"),
              IsEmpty());
  EXPECT_THAT(CheckFile("posix/loop.cc", "#include \"server/imap.h\"\n"), SizeIs(1));
}

}  // namespace
}  // namespace lemonade::layering
