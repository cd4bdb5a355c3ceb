// Named link profiles: lookup, sources, and that each behaves as its
// numbers say (handshake time from its delays and radio promotion).
#include "netsim/profiles.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

TEST(ProfilesTest, EveryBuiltinResolvesAndCitesASource) {
  for (const std::string& name : BuiltinProfileNames()) {
    absl::StatusOr<LinkProfile> p = ProfileByName(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status();
    EXPECT_EQ(p->name, name);
    EXPECT_FALSE(p->source.empty()) << name;
    EXPECT_GT(p->up.bandwidth_bps, 0) << name;
    EXPECT_GT(p->down.bandwidth_bps, 0) << name;
    EXPECT_GT(p->down.delay, Duration::Zero()) << name;
  }
  EXPECT_EQ(ProfileByName("6g").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ProfileByName("trace:TMobile-LTE-short").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

std::string Lines(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&s, 1 + i / 12, "\n");
  return s;
}

TEST(ProfilesTest, TraceProfilesLoadThroughTheCallersLoader) {
  const ShippedTrace& t = ShippedTraces().front();
  absl::StatusOr<LinkProfile> p =
      ProfileByName(absl::StrCat("trace:", t.name),
                    [&](absl::string_view file) -> absl::StatusOr<std::string> {
                      if (file == t.up_file) return Lines(t.up_lines);
                      if (file == t.down_file) return Lines(t.down_lines);
                      return absl::NotFoundError(std::string(file));
                    });
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, absl::StrCat("trace:", t.name));
  ASSERT_NE(p->down.trace, nullptr);
  EXPECT_EQ(p->down.trace->size(), t.down_lines);
  // A wrong file (truncated download, another trace) is refused.
  absl::StatusOr<LinkProfile> bad = ProfileByName(
      absl::StrCat("trace:", t.name),
      [&](absl::string_view) -> absl::StatusOr<std::string> { return Lines(10); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  absl::StatusOr<LinkProfile> missing = ProfileByName(
      absl::StrCat("trace:", t.name),
      [&](absl::string_view f) -> absl::StatusOr<std::string> {
        return absl::NotFoundError(std::string(f));
      });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ProfileByName("trace:nope", [](absl::string_view) -> absl::StatusOr<std::string> {
              return std::string("1\n");
            }).status().code(),
            absl::StatusCode::kNotFound);
}

// The first connection from an idle phone costs the radio promotion plus
// one round trip of the profile's delays (plus jitter and serialization).
TEST(ProfilesTest, HandshakeTimeFollowsEachProfilesNumbers) {
  SCOPED_TRACE("seed=9");
  for (const std::string& name : BuiltinProfileNames()) {
    WorldOptions options;
    options.seed = 9;
    World world(options);
    world.AddHost("server");
    HostOptions phone;
    phone.link = *ProfileByName(name);
    world.AddHost("phone", phone);
    TestServer server(world.EnvFor("server"), 143);
    Time connected;
    TestClient client(world.EnvFor("phone"), "server", 143);
    client.on_connected = [&] { connected = world.Now(); };
    world.RunFor(Duration::Seconds(30));
    ASSERT_TRUE(client.stream != nullptr) << name << ": " << client.connect_status;
    const LinkProfile& p = phone.link;
    const Duration dc = Duration::Microseconds(100);  // datacenter link, both ways
    const Duration low = p.up.delay + p.down.delay + dc + p.radio.promotion_delay;
    // 48-byte SYN / SYN-ACK serialization, rounded up to 1 ms of slack,
    // plus at most the jitter each way.
    const Duration high = low + p.up.jitter + p.down.jitter + Duration::Milliseconds(1) +
                          Duration::Nanoseconds(48 * 8 * 1000000000LL / p.up.bandwidth_bps) +
                          Duration::Nanoseconds(48 * 8 * 1000000000LL / p.down.bandwidth_bps);
    const Duration took = connected - options.start;
    // Lossy profiles may lose a SYN; this seed does not.
    EXPECT_GE(took, low) << name;
    EXPECT_LE(took, high) << name;
    client.stream.reset();
  }
}

}  // namespace
}  // namespace lemonade::netsim
