// `lemonade serve`: the IMAP and submission servers on real sockets.
//
// With no flags it is a useful embedded default: data in ./lemonade-data,
// IMAP on 127.0.0.1:1143 (STARTTLS) and 1993 (TLS), submission on
// 127.0.0.1:1587 (STARTTLS) and 1465 (TLS), a self-signed certificate made
// on first start, BURL pointing at its own IMAP server, and a demo user.
// Every setting is a flag; a configuration file is a flag file
// (--flagfile=lemonade.conf, one --flag=value per line).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "posix/posix_environment.h"
#include "posix/self_signed_certificate.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"
#include "server/submission/submission_server.h"
#include "tools/commands.h"
#include "tools/data_dir_lock.h"
#include "tools/flags.h"

ABSL_FLAG(std::string, imap_listen, "127.0.0.1:1143", "serve: IMAP (STARTTLS) address:port; empty disables");
ABSL_FLAG(std::string, imaps_listen, "127.0.0.1:1993", "serve: IMAP over TLS (RFC 8314) address:port; empty disables");
ABSL_FLAG(std::string, submission_listen, "127.0.0.1:1587", "serve: submission (STARTTLS) address:port; empty disables");
ABSL_FLAG(std::string, submissions_listen, "127.0.0.1:1465", "serve: submission over TLS address:port; empty disables");
ABSL_FLAG(std::string, hostname, "localhost", "serve: the servers' host name (greetings, URLAUTH URLs)");
ABSL_FLAG(std::string, domains, "localhost", "serve: comma-separated mail domains whose users live here");
ABSL_FLAG(std::string, cert_file, "", "serve: PEM certificate chain (default: <data_dir>/tls/cert.pem, generated)");
ABSL_FLAG(std::string, key_file, "", "serve: PEM private key (default: <data_dir>/tls/key.pem, generated)");
ABSL_FLAG(std::string, demo_user, "demo:demo", "serve: user:password created when the store has no users; empty: none");
ABSL_FLAG(std::string, postmaster, "",
          "serve: user receiving mail for postmaster@ every domain (RFC 5321 4.5.1); "
          "empty: the --demo_user's user");
ABSL_FLAG(bool, allow_plaintext_auth, false,
          "serve: allow LOGIN/AUTH without TLS from non-loopback peers");
ABSL_FLAG(std::string, relay, "", "serve: next-hop SMTP relay host:port for other domains; empty: refuse them");
ABSL_FLAG(std::string, relay_tls, "opportunistic",
          "serve: STARTTLS to the relay: opportunistic (when offered) | required | none; "
          "its certificate is verified");
ABSL_FLAG(std::string, relay_user, "", "serve: AUTH PLAIN user at the relay (only over TLS); empty: none");
ABSL_FLAG(std::string, relay_password, "", "serve: AUTH PLAIN password at the relay");
ABSL_FLAG(std::string, submit_user, "submit", "serve: the submit server's IMAP identity for BURL");
ABSL_FLAG(uint64_t, message_bytes_max, 64ull << 20, "serve: largest message (APPENDLIMIT, SIZE)");
ABSL_FLAG(uint64_t, imap_line_bytes_max, 64 * 1024, "serve: longest IMAP command line");
ABSL_FLAG(uint64_t, imap_literals_max, 1000, "serve: literals in one IMAP command (CATENATE parts)");
ABSL_FLAG(uint64_t, imap_nesting_depth_max, 32, "serve: parenthesis depth in one IMAP command");
ABSL_FLAG(uint64_t, imap_list_items_max, 10000,
          "serve: items in one IMAP list or search program (fetch items, flags, keys)");
ABSL_FLAG(uint64_t, imap_sequence_ranges_max, 100000, "serve: ranges in one IMAP sequence set");
ABSL_FLAG(uint64_t, smtp_line_bytes_max, 2048, "serve: longest SMTP command line (at least 512)");
ABSL_FLAG(uint64_t, smtp_recipients_max, 100, "serve: RCPTs in one SMTP transaction (at least 100)");
ABSL_FLAG(uint64_t, connections_max, 4000, "serve: open connections in total; 0: no limit");
ABSL_FLAG(uint64_t, connections_per_peer_max, 2000, "serve: open connections per peer IP; 0: no limit");
ABSL_FLAG(int64_t, imap_idle_timeout_s, 1800, "serve: IMAP autologout (RFC 3501: at least 30 minutes)");
ABSL_FLAG(int64_t, smtp_idle_timeout_s, 300, "serve: submission idle timeout (RFC 5321: at least 5 minutes)");
ABSL_FLAG(int64_t, auth_failure_delay_ms, 2000, "serve: delay before answering a failed authentication");
ABSL_FLAG(uint32_t, password_iterations, 100000, "serve: PBKDF2 iterations for new password hashes");
ABSL_FLAG(std::string, log_level, "info", "serve: debug | info | warning | error");
ABSL_FLAG(bool, log_protocol, false, "serve: print every protocol line (C:/S: transcript)");

namespace lemonade::tools {
namespace {

bool ParseHostPort(absl::string_view text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  uint32_t p = 0;
  if (h.empty() || !absl::SimpleAtoi(text.substr(colon + 1), &p) || p > 65535) return false;
  *host = std::string(h);
  *port = static_cast<uint16_t>(p);
  return true;
}

// Runs the loop until `done()` (for start-up steps that wait on the disk).
bool RunUntil(posix::PosixEnvironment& posix, const std::function<bool()>& done) {
  for (int i = 0; i < 100000 && !done(); ++i) posix.loop().RunOnce(Duration::Milliseconds(100));
  return done();
}

std::string ReadOrCreateSecret(const std::string& path) {
  std::ifstream in(path);
  std::string secret;
  if (in && std::getline(in, secret) && !secret.empty()) return secret;
  unsigned char bytes[18];
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  urandom.read(reinterpret_cast<char*>(bytes), sizeof(bytes));
  secret = absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
  std::ofstream out(path, std::ios::trunc);
  out << secret << "\n";
  out.close();
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return secret;
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("serve takes no arguments (got '" + args[0] + "')");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock.ok()) return Fail(std::string(lock.status().message()), 1);

  LogLevel level;
  const std::string level_name = absl::GetFlag(FLAGS_log_level);
  if (level_name == "debug") {
    level = LogLevel::kDebug;
  } else if (level_name == "info") {
    level = LogLevel::kInfo;
  } else if (level_name == "warning") {
    level = LogLevel::kWarning;
  } else if (level_name == "error") {
    level = LogLevel::kError;
  } else {
    return Fail("--log_level must be debug, info, warning or error");
  }

  // TLS: operator-supplied files, or a self-signed certificate made once.
  std::string cert = absl::GetFlag(FLAGS_cert_file);
  std::string key = absl::GetFlag(FLAGS_key_file);
  if (cert.empty() != key.empty()) return Fail("--cert_file and --key_file go together");
  if (cert.empty()) {
    cert = data_dir + "/tls/cert.pem";
    key = data_dir + "/tls/key.pem";
    if (!std::filesystem::exists(cert) || !std::filesystem::exists(key)) {
      std::filesystem::create_directories(data_dir + "/tls");
      posix::SelfSignedCertificateOptions cert_options;
      cert_options.dns_names = {absl::GetFlag(FLAGS_hostname), "localhost"};
      cert_options.ip_addresses = {"127.0.0.1", "::1"};
      if (absl::Status s = posix::GenerateSelfSignedCertificate(absl::GetFlag(FLAGS_hostname), cert,
                                                                key, cert_options);
          !s.ok()) {
        return Fail(absl::StrCat("cannot create a certificate: ", s.message()), 1);
      }
    }
  }

  posix::PosixEnvironmentOptions options;
  options.data_root = data_dir;
  options.network.tls.cert_file = cert;
  options.network.tls.key_file = key;
  // BURL connects to our own IMAP server on loopback with its self-signed
  // certificate.
  options.network.tls.trust_self_signed_on_loopback = true;
  options.network.connections_max = absl::GetFlag(FLAGS_connections_max);
  options.network.connections_per_peer_max = absl::GetFlag(FLAGS_connections_per_peer_max);
  options.log.level = level;
  options.log.protocol = absl::GetFlag(FLAGS_log_protocol);
  auto posix_env = posix::PosixEnvironment::Create(options);
  if (!posix_env.ok()) return Fail(absl::StrCat("cannot start: ", posix_env.status().message()), 1);
  posix::PosixEnvironment& posix = **posix_env;
  const Env env = posix.env();

  store::StoreOptions store_options;
  store_options.directory = "store";
  store_options.password_iterations = absl::GetFlag(FLAGS_password_iterations);
  auto store = store::MailStore::Open(env, store_options);
  if (!store.ok()) return Fail(absl::StrCat("cannot open the store: ", store.status().message()), 1);

  // The demo user, and the submit server's own IMAP identity for BURL.
  std::string demo_line;
  const std::string demo = absl::GetFlag(FLAGS_demo_user);
  if ((*store)->ListUsers().empty() && !demo.empty()) {
    std::vector<std::string> parts = absl::StrSplit(demo, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || parts[0].empty()) return Fail("--demo_user must be user:password");
    if (absl::Status s = (*store)->AddUser(parts[0], parts[1]); !s.ok()) {
      return Fail(absl::StrCat("cannot create the demo user: ", s.message()), 1);
    }
    demo_line = absl::StrCat("user ", parts[0], ", password ", parts[1]);
  }
  const std::string submit_user = absl::GetFlag(FLAGS_submit_user);
  const std::string submit_password = ReadOrCreateSecret(data_dir + "/submit.secret");
  if ((*store)->FindUser(submit_user) == nullptr) {
    if (absl::Status s = (*store)->AddUser(submit_user, submit_password); !s.ok()) {
      return Fail(absl::StrCat("cannot create the submit user: ", s.message()), 1);
    }
  }
  bool durable = false;
  (*store)->Commit([&durable](absl::Status) { durable = true; });
  RunUntil(posix, [&durable] { return durable; });
  // Reclaim the space of expunged mail before serving, while nothing else
  // writes to the store.
  if ((*store)->CompactionWorthwhile()) {
    bool compacted = false;
    absl::Status compaction;
    (*store)->Compact([&](absl::Status s) {
      compaction = s;
      compacted = true;
    });
    RunUntil(posix, [&compacted] { return compacted; });
    if (!compaction.ok()) return Fail(absl::StrCat("compaction failed: ", compaction.message()), 1);
  }

  std::vector<std::string> domains = absl::StrSplit(absl::GetFlag(FLAGS_domains), ',', absl::SkipEmpty());
  const std::string hostname = absl::GetFlag(FLAGS_hostname);

  imap_server::ImapServerConfig imap_config;
  imap_config.hostname = hostname;
  imap_config.url_host_aliases = {"localhost", "127.0.0.1"};
  imap_config.tls_available = true;
  imap_config.allow_plaintext_auth = absl::GetFlag(FLAGS_allow_plaintext_auth);
  imap_config.limits.literal_bytes_max = absl::GetFlag(FLAGS_message_bytes_max);
  imap_config.limits.command_bytes_max = imap_config.limits.literal_bytes_max + (1 << 20);
  imap_config.limits.line_bytes_max = absl::GetFlag(FLAGS_imap_line_bytes_max);
  imap_config.limits.literals_max = absl::GetFlag(FLAGS_imap_literals_max);
  imap_config.limits.list_items_max = absl::GetFlag(FLAGS_imap_list_items_max);
  imap_config.limits.sequence_ranges_max = absl::GetFlag(FLAGS_imap_sequence_ranges_max);
  {
    const uint64_t depth = absl::GetFlag(FLAGS_imap_nesting_depth_max);
    if (depth < 2 || depth > 1000) return Fail("--imap_nesting_depth_max must be 2..1000");
    imap_config.limits.nesting_depth_max = static_cast<int>(depth);
  }
  if (imap_config.limits.line_bytes_max < 1024 || imap_config.limits.literals_max < 1 ||
      imap_config.limits.list_items_max < 16 || imap_config.limits.sequence_ranges_max < 16) {
    return Fail("IMAP limits too small to serve a client: --imap_line_bytes_max >= 1024, "
                "--imap_literals_max >= 1, --imap_list_items_max and "
                "--imap_sequence_ranges_max >= 16");
  }
  imap_config.idle_timeout = Duration::Seconds(absl::GetFlag(FLAGS_imap_idle_timeout_s));
  imap_config.auth_failure_delay = Duration::Milliseconds(absl::GetFlag(FLAGS_auth_failure_delay_ms));
  imap_config.submit_users = {submit_user};
  imap_config.log_protocol = absl::GetFlag(FLAGS_log_protocol);
  imap_server::ImapServer imap(env, store->get(), imap_config);

  std::string listening;
  uint16_t imap_port = 0;
  for (auto [flag, tls, label] : {std::tuple{absl::GetFlag(FLAGS_imap_listen), false, "imap"},
                                  std::tuple{absl::GetFlag(FLAGS_imaps_listen), true, "imaps"}}) {
    if (flag.empty()) continue;
    std::string host;
    uint16_t port;
    if (!ParseHostPort(flag, &host, &port)) return Fail(absl::StrCat("bad address '", flag, "'"));
    auto bound = imap.Listen({host, port, tls});
    if (!bound.ok()) return Fail(absl::StrCat("cannot listen on ", flag, ": ", bound.status().message()), 1);
    if (!tls) imap_port = *bound;
    absl::StrAppend(&listening, " ", label, "=", host, ":", *bound);
  }

  submission::SubmissionServerConfig submit_config;
  submit_config.hostname = hostname;
  submit_config.local_domains = domains;
  submit_config.postmaster_user = absl::GetFlag(FLAGS_postmaster);
  if (submit_config.postmaster_user.empty()) submit_config.postmaster_user = demo.substr(0, demo.find(':'));
  submit_config.tls_available = true;
  submit_config.allow_plaintext_auth = absl::GetFlag(FLAGS_allow_plaintext_auth);
  submit_config.message_bytes_max = absl::GetFlag(FLAGS_message_bytes_max);
  // RFC 5321 §4.5.3.1.4 (512-octet lines) and §4.5.3.1.8 (100 recipients)
  // are the floors a server must accept.
  submit_config.limits.command_line_octets_max = absl::GetFlag(FLAGS_smtp_line_bytes_max);
  submit_config.recipients_max = absl::GetFlag(FLAGS_smtp_recipients_max);
  if (submit_config.limits.command_line_octets_max < 512 || submit_config.recipients_max < 100) {
    return Fail("SMTP limits below RFC 5321's minimums: --smtp_line_bytes_max >= 512, "
                "--smtp_recipients_max >= 100");
  }
  submit_config.log_protocol = absl::GetFlag(FLAGS_log_protocol);
  submit_config.idle_timeout = Duration::Seconds(absl::GetFlag(FLAGS_smtp_idle_timeout_s));
  submit_config.auth_failure_delay = Duration::Milliseconds(absl::GetFlag(FLAGS_auth_failure_delay_ms));
  if (imap_port != 0) {
    for (const std::string& url_host : {hostname, std::string("localhost"), std::string("127.0.0.1")}) {
      submission::BurlTrust trust;
      trust.host = url_host;
      trust.connect_host = "127.0.0.1";
      trust.port = imap_port;
      trust.user = submit_user;
      trust.password = submit_password;
      submit_config.burl_trust.push_back(trust);
    }
  }
  const std::string relay = absl::GetFlag(FLAGS_relay);
  if (!relay.empty() && !ParseHostPort(relay, &submit_config.relay.host, &submit_config.relay.port)) {
    return Fail(absl::StrCat("bad --relay '", relay, "'"));
  }
  const std::string relay_tls = absl::GetFlag(FLAGS_relay_tls);
  if (relay_tls == "opportunistic") {
    submit_config.relay.tls = submission::RelayConfig::Tls::kOpportunistic;
  } else if (relay_tls == "required") {
    submit_config.relay.tls = submission::RelayConfig::Tls::kRequired;
  } else if (relay_tls == "none") {
    submit_config.relay.tls = submission::RelayConfig::Tls::kNone;
  } else {
    return Fail(absl::StrCat("bad --relay_tls '", relay_tls, "': opportunistic, required or none"));
  }
  submit_config.relay.user = absl::GetFlag(FLAGS_relay_user);
  submit_config.relay.password = absl::GetFlag(FLAGS_relay_password);
  if (!submit_config.relay.user.empty() && submit_config.relay.tls == submission::RelayConfig::Tls::kNone) {
    return Fail("--relay_user needs TLS to the relay; --relay_tls=none would never send it");
  }
  auto submission = submission::SubmissionServer::Create(env, store->get(), submit_config, "queue");
  if (!submission.ok()) return Fail(absl::StrCat("cannot open the queue: ", submission.status().message()), 1);
  for (auto [flag, tls, label] :
       {std::tuple{absl::GetFlag(FLAGS_submission_listen), false, "submission"},
        std::tuple{absl::GetFlag(FLAGS_submissions_listen), true, "submissions"}}) {
    if (flag.empty()) continue;
    std::string host;
    uint16_t port;
    if (!ParseHostPort(flag, &host, &port)) return Fail(absl::StrCat("bad address '", flag, "'"));
    auto bound = (*submission)->Listen({host, port, tls});
    if (!bound.ok()) return Fail(absl::StrCat("cannot listen on ", flag, ": ", bound.status().message()), 1);
    absl::StrAppend(&listening, " ", label, "=", host, ":", *bound);
  }

  // One machine-readable line (tests parse it), then how to connect.
  std::printf("lemonade: listening%s data=%s\n", listening.c_str(), data_dir.c_str());
  if (!demo_line.empty()) {
    std::printf(
        "lemonade: created %s. Try:\n"
        "  python3 -c \"import imaplib; m = imaplib.IMAP4('127.0.0.1', %d); m.starttls(); "
        "print(m.login('%s', '%s'))\"\n",
        demo_line.c_str(), imap_port, demo.substr(0, demo.find(':')).c_str(),
        demo.substr(demo.find(':') + 1).c_str());
  }
  std::fflush(stdout);

  (void)posix.OnShutdownSignal([&](int) {
    env.log->Log(LogLevel::kInfo, "serve", "shutting down");
    imap.Shutdown();
    (*submission)->Shutdown();
    posix.DrainAndStop(Duration::Seconds(10));
  });
  posix.Run();
  return 0;
}

}  // namespace lemonade::tools
