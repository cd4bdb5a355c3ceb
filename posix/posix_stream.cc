#include "posix/posix_stream.h"

#include <utility>

#include "posix/socket_connection.h"

namespace lemonade::posix {

PosixStream::PosixStream(SocketConnection* connection)
    : connection_(connection),
      id_(connection->id()),
      peer_address_(connection->peer().address),
      peer_is_local_(connection->peer().local) {
  connection_->AttachHandle(this);
}

PosixStream::~PosixStream() {
  if (connection_ != nullptr) connection_->DetachHandle();
}

void PosixStream::SetHandler(StreamHandler* handler) {
  if (connection_ != nullptr) connection_->SetHandler(handler);
}

void PosixStream::Write(absl::string_view bytes) {
  if (connection_ != nullptr) connection_->Write(bytes);
}

size_t PosixStream::PendingWriteBytes() const {
  return connection_ != nullptr ? connection_->PendingWriteBytes() : 0;
}

void PosixStream::Close() {
  if (connection_ != nullptr) connection_->Close();
}

void PosixStream::Abort() {
  if (connection_ != nullptr) connection_->Abort();
}

void PosixStream::StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) {
  // With the network gone there is no loop to report on; the callback is
  // dropped like every other callback of a dead network.
  if (connection_ != nullptr) connection_->StartTls(role, std::move(done));
}

bool PosixStream::is_tls() const { return connection_ != nullptr && connection_->is_tls(); }

std::string PosixStream::tls_description() const {
  return connection_ != nullptr ? connection_->tls_description() : std::string();
}

size_t PosixStream::buffered_read_bytes() const {
  return connection_ != nullptr ? connection_->buffered_read_bytes() : 0;
}

}  // namespace lemonade::posix
