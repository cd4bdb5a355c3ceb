#include "server/imap/imap_connection.h"

#include "absl/strings/str_cat.h"
#include "server/imap/imap_server.h"

namespace lemonade::imap_server {

ImapConnection::ImapConnection(ImapServer* server, std::unique_ptr<Stream> stream)
    : server_(server), stream_(std::move(stream)) {
  session_ = std::make_unique<ImapSession>(server_, this);
}

ImapConnection::~ImapConnection() {
  session_.reset();
  if (stream_) stream_->SetHandler(nullptr);
}

void ImapConnection::Start() {
  stream_->SetHandler(this);
  session_->Start();
}

void ImapConnection::Shutdown(absl::string_view reason) {
  if (closed_) return;
  session_->Shutdown(reason);
}

void ImapConnection::OnStreamData(absl::string_view bytes) {
  if (closed_) return;
  if (inflate_) {
    std::string plain;
    if (absl::Status s = inflate_->Decompress(bytes, &plain); !s.ok()) {
      // Nothing sensible can be said in a corrupt compressed stream.
      server_->env().log->Log(LogLevel::kWarning, "imap",
                              absl::StrCat("connection ", id(), ": ", s.message()));
      stream_->Abort();
      Finish();
      return;
    }
    session_->OnBytes(plain);
  } else {
    session_->OnBytes(bytes);
  }
}

void ImapConnection::OnStreamWritable() {
  if (!closed_) session_->OnWritable();
}

void ImapConnection::OnStreamClosed(absl::Status status) {
  if (closed_) return;
  server_->env().log->Log(LogLevel::kInfo, "imap",
                          absl::StrCat("connection ", id(), " closed: ",
                                       status.ok() ? "by peer" : status.ToString()));
  Finish();
}

void ImapConnection::Finish() {
  if (closed_) return;
  closed_ = true;
  session_->OnClosed();
  server_->ConnectionClosed(this);
}

void ImapConnection::Write(absl::string_view bytes) {
  if (closed_ || bytes.empty()) return;
  if (deflate_) {
    std::string compressed;
    deflate_->Compress(bytes, &compressed);
    stream_->Write(compressed);
  } else {
    stream_->Write(bytes);
  }
}

void ImapConnection::StartTls(absl::AnyInvocable<void(absl::Status)> done) {
  stream_->StartTls(TlsRole::kServer, std::move(done));
}

void ImapConnection::StartCompression(std::string leftover) {
  deflate_ = std::make_unique<compress::DeflateStream>();
  inflate_ = std::make_unique<compress::InflateStream>();
  if (!leftover.empty()) OnStreamData(leftover);
}

void ImapConnection::Close() {
  if (closed_) return;
  stream_->Close();
  Finish();
}

}  // namespace lemonade::imap_server
