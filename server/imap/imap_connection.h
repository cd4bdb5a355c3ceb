// ImapConnection: one accepted stream and its ImapSession, with the
// COMPRESS=DEFLATE layer (RFC 4978) between them.
//
// It is the session's SessionIo and the stream's StreamHandler. Bytes flow
// stream -> (inflate) -> session, and session -> (deflate, flushed with
// Z_SYNC_FLUSH after each batch of responses) -> stream.
#ifndef LEMONADE_SERVER_IMAP_IMAP_CONNECTION_H_
#define LEMONADE_SERVER_IMAP_IMAP_CONNECTION_H_

#include <memory>
#include <string>

#include "env/env.h"
#include "protocol/compress/deflate_stream.h"
#include "server/imap/imap_session.h"

namespace lemonade::imap_server {

class ImapServer;

class ImapConnection : public StreamHandler, public SessionIo {
 public:
  ImapConnection(ImapServer* server, std::unique_ptr<Stream> stream);
  ~ImapConnection() override;

  void Start();
  void Shutdown(absl::string_view reason);
  uint64_t id() const override { return stream_->id(); }

  // StreamHandler.
  void OnStreamData(absl::string_view bytes) override;
  void OnStreamWritable() override;
  void OnStreamClosed(absl::Status status) override;

  // SessionIo.
  void Write(absl::string_view bytes) override;
  size_t PendingWriteBytes() const override { return stream_->PendingWriteBytes(); }
  void StartTls(absl::AnyInvocable<void(absl::Status)> done) override;
  void StartCompression(std::string leftover) override;
  void Close() override;
  bool is_tls() const override { return stream_->is_tls(); }
  bool is_compressed() const override { return deflate_ != nullptr; }
  bool peer_is_local() const override { return stream_->peer_is_local(); }
  std::string peer_address() const override { return stream_->peer_address(); }

 private:
  void Finish();

  ImapServer* server_;
  std::unique_ptr<Stream> stream_;
  std::unique_ptr<ImapSession> session_;
  std::unique_ptr<compress::DeflateStream> deflate_;
  std::unique_ptr<compress::InflateStream> inflate_;
  bool closed_ = false;
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_IMAP_CONNECTION_H_
