// Delivery status notifications (RFC 3464 multipart/report, honouring the
// RFC 3461 RET, ENVID and ORCPT the client gave).
//
//   std::string report = ComposeDsn(message, DsnAction::kFailed, {&rcpt}, host, now, id);
#ifndef LEMONADE_SERVER_SUBMISSION_DSN_H_
#define LEMONADE_SERVER_SUBMISSION_DSN_H_

#include <string>
#include <vector>

#include "base/time.h"
#include "server/submission/mail_queue.h"

namespace lemonade::submission {

enum class DsnAction { kFailed, kDelayed, kDelivered, kRelayed };

// The whole DSN message (headers and body) about `recipients` of
// `message`, from MAILER-DAEMON@`reporting_host` to the envelope sender.
std::string ComposeDsn(const QueuedMessage& message, DsnAction action,
                       const std::vector<const QueuedRecipient*>& recipients,
                       const std::string& reporting_host, Time now, const std::string& dsn_id,
                       Time retry_until);

// Whether the recipient asked for a notice of this kind (RFC 3461 §4.1:
// without NOTIFY, FAILURE and DELAY are the default; NEVER suppresses all).
bool WantsNotice(const QueuedRecipient& recipient, DsnAction action);

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_DSN_H_
